// Shared helpers for the autodiff tests: build small graphs by hand, differentiate them, verify the IR and
// compare every gradient element with a central finite difference, all in f64 on the reference executor.
import { expect } from "vitest";
import { differentiate } from "../../src/ir/autodiff/autodiff.js";
import { GraphBuilder, type Origin } from "../../src/ir/builder.js";
import { Dim } from "../../src/ir/dim.js";
import { type Attr, type Graph, newGraph, type Value } from "../../src/ir/graph.js";
import type { DType } from "../../src/ir/types.js";
import { verifyGraph } from "../../src/ir/verify.js";
import { type ExecOptions, execute } from "../../src/runtime/ref/executor.js";
import { Rng } from "../../src/runtime/rng.js";
import { type Tensor, tensor } from "../../src/runtime/tensor.js";

export const ORIGIN: Origin = { span: { file: "t", start: 0, end: 0, line: 1, col: 1, endLine: 1, endCol: 1 }, scope: "" };

/** A dimension given as a number (constant), a name (symbolic) or a Dim (e.g. 2*B). */
export type DimSpec = number | string | Dim;
export const dims = (ds: DimSpec[]): Dim[] => ds.map((d) => (d instanceof Dim ? d : typeof d === "number" ? Dim.const(d) : Dim.sym(d)));

export interface InputOpts {
  dtype?: DType;
  /** Range of the random values (default [-1, 1)). */
  lo?: number;
  hi?: number;
  /** Explicit values instead of random ones. */
  values?: number[];
  /** Random values that are pairwise well apart (≥ 1e-3, no ties for max/min/pooling within h). */
  distinct?: boolean;
}

/** A graph under construction with its builder, its inputs' concrete feeds and a seeded generator. */
export class Case {
  readonly g: Graph;
  readonly b: GraphBuilder;
  readonly feeds = new Map<number, Tensor>();
  readonly rng: Rng;

  /** `bind`: concrete sizes of the symbolic dimensions used by the inputs (e.g. { B: 4 }). */
  constructor(seed = 1, readonly bind: Record<string, number> = {}, name = "t") {
    this.g = newGraph(name);
    this.b = new GraphBuilder(this.g, ORIGIN, 0);
    this.rng = new Rng(seed);
  }

  /** Concrete shape of a dimension list under `bind`. */
  actual(ds: DimSpec[]): number[] {
    return dims(ds).map((d) => {
      let total = 0;
      for (const [mono, coef] of d.terms) {
        let p = coef;
        for (const atom of mono ? mono.split("*") : []) {
          const v = this.bind[atom];
          if (v === undefined) throw new Error(`test: no binding for dimension ${atom}`);
          p *= v;
        }
        total += p;
      }
      return total;
    });
  }

  /** A graph input (pushed to g.inputs) fed with random f64 values (or `values`); integer inputs need values. */
  input(name: string, ds: DimSpec[], o: InputOpts = {}): Value {
    const dtype = o.dtype ?? "f32";
    const v = this.b.newValue({ dtype, shape: dims(ds) }, name);
    this.g.inputs.push(v);
    const shape = this.actual(ds);
    const n = shape.reduce((a, x) => a * x, 1);
    let data: number[];
    if (o.values) data = o.values;
    else if (o.distinct) {
      // A shuffled ladder with jitter: neighbours at least half a rung apart, spread over [lo, hi).
      const lo = o.lo ?? -1, hi = o.hi ?? 1;
      const step = (hi - lo) / n;
      const perm = this.rng.permutation(n);
      data = Array.from(perm, (k) => lo + step * (k + 0.25 + 0.5 * this.rng.next()));
      expect(step * 0.5).toBeGreaterThanOrEqual(1e-3);
    } else data = Array.from({ length: n }, () => this.rng.uniform(o.lo ?? -1, o.hi ?? 1));
    const storage: DType = dtype === "f32" || dtype === "f16" || dtype === "f64" ? "f64" : dtype === "i64" ? "i32" : dtype;
    this.feeds.set(v.id, tensor(storage, shape, data));
    return v;
  }

  emit(op: string, inputs: Value[], attrs: Record<string, Attr> = {}): Value {
    return this.b.emit(op, inputs, attrs);
  }

  /** sum(y * w) over every axis, with w a fresh random input shaped like y: every element of y matters. */
  weighted(y: Value): Value {
    const w = this.input(`w${this.g.inputs.length}`, y.type.shape, { dtype: y.type.dtype });
    return this.b.emit("sum", [this.b.mul(y, w)], { axes: [...y.type.shape.keys()], keepdims: false });
  }
}

export interface CheckOpts {
  /** Largest allowed max |a − n| / max(1, |n|) per element (default 1e-6). */
  tol?: number;
  /** Finite-difference step (default 1e-6). */
  h?: number;
  /** Executor options for every run (float64 is always on); a function so each run gets a fresh rng. */
  exec?: () => ExecOptions;
}

export interface CheckResult {
  loss: number;
  grads: Tensor[];
  /** Worst relative error seen, per wrt. */
  errors: number[];
  /** The differentiated graph (outputs: loss, gradients). */
  graph: Graph;
}

/** Differentiates, verifies the IR, checks the gradient types, runs in f64 and compares with central differences. */
export function gradCheck(c: Case, loss: Value, wrt: Value[], o: CheckOpts = {}): CheckResult {
  const tol = o.tol ?? 1e-6, h = o.h ?? 1e-6;
  expect(loss.type.shape, "the loss must be a scalar").toEqual([]);
  expect(verifyGraph({ ...c.g, outputs: [loss] }), "forward graph").toEqual([]);
  const forward: Graph = { ...c.g, nodes: [...c.g.nodes], outputs: [loss] };
  const grads = differentiate(c.g, loss, wrt, c.b);
  c.g.outputs = [loss, ...grads];
  expect(verifyGraph(c.g), "differentiated graph").toEqual([]);
  grads.forEach((d, i) => {
    expect(d.type.dtype, `gradient ${i} dtype`).toBe(wrt[i]!.type.dtype);
    expect(d.type.shape.map(String), `gradient ${i} shape`).toEqual(wrt[i]!.type.shape.map(String));
  });
  const opts = (): ExecOptions => ({ ...o.exec?.(), float64: true });
  const out = execute(c.g, c.feeds, opts());
  const f = () => execute(forward, c.feeds, opts())[0]!.data[0]!;
  const errors = wrt.map((w, k) => {
    const t = c.feeds.get(w.id);
    if (!t) throw new Error(`test: wrt ${w.name} is not a fed input`);
    const g = out[k + 1]!;
    expect(g.shape, `gradient ${w.name} runtime shape`).toEqual(t.shape);
    let worst = 0;
    for (let i = 0; i < t.data.length; i++) {
      const x0 = t.data[i]!;
      t.data[i] = x0 + h;
      const fp = f();
      t.data[i] = x0 - h;
      const fm = f();
      t.data[i] = x0;
      const num = (fp - fm) / (2 * h);
      const err = Math.abs(g.data[i]! - num) / Math.max(1, Math.abs(num));
      if (!(err <= tol)) expect.fail(`d loss / d ${w.name ?? `%${w.id}`}[${i}]: autodiff ${g.data[i]} vs. finite difference ${num} (rel. error ${err} > ${tol})`);
      worst = Math.max(worst, err);
    }
    return worst;
  });
  return { loss: out[0]!.data[0]!, grads: out.slice(1), errors, graph: c.g };
}

/** Nodes in a graph, nested bodies included. */
export function countNodes(g: Graph): number {
  return g.nodes.reduce((n, node) => n + 1 + (node.body ? countNodes(node.body) : 0), 0);
}

/** Every op used in a graph, nested bodies included. */
export function opsOf(g: Graph): string[] {
  return g.nodes.flatMap((n) => [n.op, ...(n.body ? opsOf(n.body) : [])]);
}

export const values = (t: Tensor): number[] => Array.from(t.data);

/** A body graph (carry, x_t) → f(carry, x_t), built with the case's builder so value ids stay unique. */
export function scanOver(c: Case, init: Value, xs: Value, xtDims: DimSpec[], step: (carry: Value, xt: Value) => Value): { ys: Value; body: Graph } {
  const body = newGraph("step");
  const carry = c.b.newValue(init.type, "carry");
  const xt = c.b.newValue({ dtype: "f32", shape: dims(xtDims) }, "x_t");
  body.inputs.push(carry, xt);
  body.outputs = [c.b.within(body, () => step(carry, xt))];
  return { ys: c.b.emit("scan", [init, xs], {}, body), body };
}
