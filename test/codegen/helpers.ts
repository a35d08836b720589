// Shared helpers for the compiled-backend tests: compile a Case's graph once (one private cache folder per
// test file), run it and the reference executor on the same feeds, and compare output by output.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { KProgram, KStep } from "../../src/codegen/kir/kir.js";
import { lowerGraph } from "../../src/codegen/lower/lower.js";
import type { Graph, Value } from "../../src/ir/graph.js";
import { execute } from "../../src/runtime/ref/executor.js";
import { type CompiledGraph, compileGraph } from "../../src/runtime/cpu/compiled.js";
import type { Tensor } from "../../src/runtime/tensor.js";
import type { Case } from "../ir/autodiff-helpers.js";

export { Case } from "../ir/autodiff-helpers.js";

/** Relative tolerance for float32 outputs (see `compareTensors`). */
export const TOL = 1e-4;

/** A fresh cache folder for this test file, removed when the file's tests end. */
export function tempCache(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nnc-codegen-test-"));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Compiles `g` with the CPU backend into `cache`; fails the test on any diagnostic. */
export function compile(g: Graph, cache: string): CompiledGraph {
  const r = compileGraph(g, { env: { NNC_CACHE_DIR: cache } });
  expect(r.diagnostics.map((d) => `${d.code}: ${d.message}`)).toEqual([]);
  return r.compiled!;
}

/** Kernel steps of the lowered program (seq bodies included). */
export function kernelsOf(g: Graph): { name: string; ops: string[] }[] {
  const low = lowerGraph(g);
  expect(low.diagnostics).toEqual([]);
  const flat = (s: KStep): { name: string; ops: string[] }[] => (s.k === "kernel" ? [{ name: s.kernel.name, ops: s.kernel.origin.ops }] : s.body.flatMap(flat));
  return (low.program as KProgram).steps.flatMap(flat);
}

const isFloatData = (t: Tensor) => t.data instanceof Float32Array || t.data instanceof Float64Array;

// Floats: max |got − ref| ≤ TOL · max(max |ref|, 1e-3), since f32 rounding scales with the output's magnitude, not each element's (the floor: 1e-7 absolute).
/** Compares one output: floats as above (NaN and ±Inf must match exactly), integers and bools exactly. */
export function compareTensors(got: Tensor, want: Tensor, what: string, tol = TOL): void {
  expect(got.shape, `${what}: shape`).toEqual(want.shape);
  expect(got.data.length, `${what}: size`).toBe(want.data.length);
  if (!isFloatData(want)) {
    expect(got.data.constructor.name, `${what}: storage`).toBe(want.data.constructor.name);
    const bad = Array.from(want.data).findIndex((w, i) => got.data[i] !== w);
    if (bad >= 0) expect.fail(`${what}: element ${bad} is ${got.data[bad]}, reference ${want.data[bad]} (exact match required)\n got  ${Array.from(got.data).slice(0, 24)}\n want ${Array.from(want.data).slice(0, 24)}`);
    return;
  }
  let scale = 1e-3, worst = 0, at = -1;
  for (const w of want.data) if (Number.isFinite(w)) scale = Math.max(scale, Math.abs(w));
  for (let i = 0; i < want.data.length; i++) {
    const g = got.data[i]!, w = want.data[i]!;
    if (!Number.isFinite(w)) {
      if (!Object.is(g, w) && !(Number.isNaN(g) && Number.isNaN(w))) expect.fail(`${what}: element ${i} is ${g}, reference ${w}`);
      continue;
    }
    const d = Math.abs(g - w);
    if (Number.isNaN(d)) expect.fail(`${what}: element ${i} is ${g}, reference ${w}`);
    if (d > worst) { worst = d; at = i; }
  }
  if (!(worst <= tol * scale)) expect.fail(`${what}: element ${at} is ${got.data[at]}, reference ${want.data[at]} (|diff| ${worst} > ${tol} × scale ${scale})`);
}

/** Runs `g` on the reference executor (float32, evaluation mode) and on `compiled`, and compares every output. */
export function compareRun(compiled: CompiledGraph, g: Graph, feeds: Map<number, Tensor>, names: string[], tol = TOL): void {
  const want = execute(g, feeds);
  const got = compiled.run(feeds);
  expect(got.length).toBe(want.length);
  names.forEach((n, i) => compareTensors(got[i]!, want[i]!, n, tol));
}

/**
 * Declares one test per named output of `c`'s graph; the graph is compiled and both backends run once (in
 * beforeAll), so many independent ops cost one compilation. `build` adds the outputs to `c`.
 */
export function outputSuite(c: Case, cache: string, build: (c: Case) => Record<string, Value>, tol: (name: string) => number = () => TOL): void {
  const outs = build(c);
  const names = Object.keys(outs);
  c.g.outputs = Object.values(outs);
  let got: Tensor[] = [], want: Tensor[] = [];
  beforeAll(() => {
    const compiled = compile(c.g, cache);
    want = execute(c.g, c.feeds);
    got = compiled.run(c.feeds);
  });
  it.each(names.map((n, i) => [n, i] as const))("%s matches the reference", (n, i) => {
    expect(got.length, "compiled outputs").toBe(names.length);
    compareTensors(got[i]!, want[i]!, n, tol(n));
  });
}
