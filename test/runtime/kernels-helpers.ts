// Shared helpers for the reference-kernel tests: call a kernel directly with a fake KernelCtx, with the
// result's dtype and expected shape taken from the primitive's own shape rule (so every call also checks
// that the kernel agrees with prims.ts).
import { expect } from "vitest";
import { Dim } from "../../src/ir/dim.js";
import type { Attr, IRNode } from "../../src/ir/graph.js";
import { PRIMS } from "../../src/ir/prims.js";
import type { KernelCtx } from "../../src/runtime/ref/kernel.js";
import { KERNELS } from "../../src/runtime/ref/kernels/index.js";
import { Rng } from "../../src/runtime/rng.js";
import { tensor, type Tensor } from "../../src/runtime/tensor.js";

export interface RunOpts { training?: boolean; rng?: Rng; dims?: Record<string, number> }

export function fakeCtx(opts: RunOpts = {}): KernelCtx {
  const dims = new Map(Object.entries(opts.dims ?? {}));
  return {
    evalDim: (d) => {
      let total = 0;
      for (const [mono, c] of d.terms) {
        let p = c;
        for (const atom of mono ? mono.split("*") : []) p *= dims.get(atom) ?? NaN;
        total += p;
      }
      return total;
    },
    dtype: (v) => (v.type.dtype === "f16" ? "f32" : v.type.dtype),
    training: opts.training ?? false,
    rng: opts.rng ?? new Rng(0),
    runBody: () => { throw new Error("no bodies in kernel tests"); },
  };
}

/** Runs primitive `op` on `ins`; checks the result against the shape rule (with attrs' defaults filled in). */
export function run(op: string, ins: Tensor[], attrs: Record<string, Attr> = {}, opts: RunOpts = {}): Tensor {
  const sig = PRIMS.get(op);
  if (!sig) throw new Error(`unknown primitive ${op}`);
  const full: Record<string, Attr> = {};
  for (const p of sig.params) if (p.default !== undefined) full[p.name] = p.default;
  Object.assign(full, attrs);
  const types = ins.map((t) => ({ dtype: t.dtype, shape: t.shape.map((d) => Dim.const(d)) }));
  const inferred = sig.infer(types, full);
  if (!inferred.type) throw new Error(`${op}: shape rule rejects the inputs: ${inferred.error?.message}`);
  const ctx = fakeCtx(opts);
  const node = { id: 0, op, inputs: [], attrs: full, output: { id: 0, type: inferred.type }, scope: "" } as unknown as IRNode;
  const out = KERNELS.get(op)!(ins, full, node, ctx);
  const t = Array.isArray(out) ? out[0]! : out;
  // Opaque dimensions (⌊24 / B⌋) evaluate to NaN here and are not compared.
  const want = inferred.type.shape.map((d, i) => (d.value !== undefined ? d.value : Number.isNaN(ctx.evalDim(d)) ? t.shape[i] : ctx.evalDim(d)));
  expect(t.shape, `${op} result shape vs. its shape rule`).toEqual(want);
  expect(t.dtype).toBe(ctx.dtype(node.output));
  return t;
}

export const f32 = (shape: number[], v: ArrayLike<number>): Tensor => tensor("f32", shape, v);
export const f64 = (shape: number[], v: ArrayLike<number>): Tensor => tensor("f64", shape, v);
export const i32 = (shape: number[], v: ArrayLike<number>): Tensor => tensor("i32", shape, v);
export const bool = (shape: number[], v: ArrayLike<number>): Tensor => tensor("bool", shape, v);
export const iota = (n: number, from = 0): number[] => Array.from({ length: n }, (_, i) => i + from);
export const values = (t: Tensor): number[] => Array.from(t.data);

/** A seeded random f64 tensor in [-1, 1). */
export function rand(shape: number[], seed: number): Tensor {
  const r = new Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return f64(shape, Array.from({ length: n }, () => r.uniform(-1, 1)));
}

/** Inner product <a, b> of two tensors of the same size. */
export function dot(a: Tensor, b: Tensor): number {
  expect(a.data.length).toBe(b.data.length);
  let s = 0;
  for (let i = 0; i < a.data.length; i++) s += a.data[i]! * b.data[i]!;
  return s;
}

export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-6): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!, e = expected[i]!;
    if (!(Math.abs(a - e) <= tol * Math.max(1, Math.abs(e)))) expect.fail(`element ${i}: ${a} vs. ${e} (tol ${tol})`);
  }
}
