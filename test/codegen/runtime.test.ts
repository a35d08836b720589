// The compiled CPU backend at run time: dropout masks (their own random stream, so checked by statistics),
// one compilation serving several batch sizes, and the E1001 diagnostic for ops it cannot lower yet.
import { beforeAll, describe, expect, it } from "vitest";
import { Dim } from "../../src/ir/dim.js";
import type { Value } from "../../src/ir/graph.js";
import { compileGraph, type CompiledGraph } from "../../src/runtime/cpu/compiled.js";
import { waitPolicy } from "../../src/runtime/cpu/native.js";
import { evalDim } from "../../src/runtime/dims.js";
import { Rng } from "../../src/runtime/rng.js";
import { type Tensor, tensor } from "../../src/runtime/tensor.js";
import { Case, compareRun, compile, tempCache } from "./helpers.js";

const cache = tempCache();

describe("dropout_mask", () => {
  const [R, C] = [200, 100], N = R * C;
  const c = new Case(71);
  const x = c.input("x", [R, C], { lo: 0.5, hi: 1.5 });
  const m1 = c.emit("dropout_mask", [x], { rate: 0.3 }), m2 = c.emit("dropout_mask", [x], { rate: 0.3 });
  // A mask that only feeds a product is fused into it (never stored).
  const fusedProduct = c.b.mul(x, c.emit("dropout_mask", [x], { rate: 0.5 }));
  c.g.outputs = [m1, m2, c.b.mul(x, m1), fusedProduct, c.emit("dropout_mask", [x], { rate: 0 })];
  let compiled: CompiledGraph;
  beforeAll(() => (compiled = compile(c.g, cache)));
  const zeros = (t: Tensor, from = 0, to = t.data.length) => Array.from(t.data.subarray(from, to)).filter((v) => v === 0).length / (to - from);
  // Five standard deviations of a zero fraction over n draws: a false failure has probability ~1e-6.
  const slack = (p: number, n: number) => 5 * Math.sqrt((p * (1 - p)) / n);

  it("values are 0 or 1/(1 − rate), zeros ≈ rate overall and in each half", () => {
    const [a, b, , , none] = compiled.run(c.feeds, 7);
    for (const m of [a!, b!]) {
      expect(new Set(m.data)).toEqual(new Set([0, Math.fround(1 / 0.7)]));
      expect(Math.abs(zeros(m) - 0.3)).toBeLessThan(slack(0.3, N));
      expect(Math.abs(zeros(m, 0, N / 2) - 0.3)).toBeLessThan(slack(0.3, N / 2));
      expect(Math.abs(zeros(m, N / 2) - 0.3)).toBeLessThan(slack(0.3, N / 2));
    }
    expect(new Set(none!.data)).toEqual(new Set([1]));
  });

  it("two masks in one step are independent (both zero ≈ rate²)", () => {
    const [a, b] = compiled.run(c.feeds, 7);
    let both = 0;
    for (let i = 0; i < N; i++) if (a!.data[i] === 0 && b!.data[i] === 0) both++;
    expect(Math.abs(both / N - 0.09)).toBeLessThan(slack(0.09, N));
  });

  it("the product reads the same mask, and a fused mask has the same statistics", () => {
    const [a, , prod, fused] = compiled.run(c.feeds, 7);
    const xs = c.feeds.get(x.id)!.data;
    for (let i = 0; i < N; i++) {
      const xi = Math.fround(xs[i]!);
      expect(prod!.data[i]).toBe(Math.fround(xi * a!.data[i]!));
      if (fused!.data[i] !== 0) expect(fused!.data[i]).toBe(Math.fround(xi * 2));
    }
    expect(Math.abs(zeros(fused!) - 0.5)).toBeLessThan(slack(0.5, N));
  });

  it("the same seed gives the same mask, another seed another one", () => {
    const first = compiled.run(c.feeds, 7)[0]!, again = compiled.run(c.feeds, 7)[0]!, other = compiled.run(c.feeds, 8)[0]!;
    expect(Array.from(again.data)).toEqual(Array.from(first.data));
    // Two independent masks disagree at a fraction 2·rate·(1 − rate) of positions.
    let differ = 0;
    for (let i = 0; i < N; i++) if (first.data[i] !== other.data[i]) differ++;
    expect(Math.abs(differ / N - 0.42)).toBeLessThan(slack(0.42, N));
  });
});

describe("memory layout", () => {
  it("every native buffer starts on a cache line, and temps get a line of slack for the renderer to round up", () => {
    const c = new Case(73);
    const x = c.input("x", [5, 7]), w = c.input("w", [7, 3]);
    c.g.outputs = [c.emit("exp", [c.emit("matmul", [x, w])]), c.b.mul(x, x)];
    const compiled = compile(c.g, cache);
    compiled.run(c.feeds);
    const dims = new Map<string, number>();
    for (const id of [...compiled.program.inputs, ...compiled.program.outputs]) expect(compiled.native.address(id, dims) % 64n).toBe(0n);
    const temps = compiled.program.buffers.filter((b) => b.kind === "temp" && b.offset);
    expect(temps.length).toBeGreaterThan(0);
    const spans = temps.map((b) => ({ at: evalDim(b.offset!, dims), end: evalDim(b.offset!, dims) + 4 * evalDim(b.size, dims) + 64 }));
    for (const a of spans) for (const b of spans) if (a !== b && a.at < b.at) expect(a.end).toBeLessThanOrEqual(b.at);
    expect(evalDim(compiled.program.arenaBytes, dims)).toBeGreaterThanOrEqual(Math.max(...spans.map((s) => s.end)));
  });
});

describe("symbolic batch dimension", () => {
  const c = new Case(72, { B: 3 });
  const x = c.input("x", ["B", 5]), w = c.input("w", [5, 3]), b = c.input("b", [3]);
  const labels = c.input("labels", ["B"], { dtype: "i32", values: [2, 0, 1] });
  const logits = c.b.add(c.emit("matmul", [x, w]), b);
  const shifted = c.b.sub(logits, c.emit("max", [logits], { axes: [-1], keepdims: true }));
  const logp = c.b.sub(shifted, c.emit("log", [c.emit("sum", [c.emit("exp", [shifted])], { axes: [-1], keepdims: true })]));
  const ce = c.emit("neg", [c.emit("mean", [c.emit("sum", [c.b.mul(c.emit("one_hot", [labels], { depth: 3 }), logp)])], { axes: [0] })]);
  const outs: Record<string, Value> = {
    logits, logp, ce, argmax: c.emit("argmax", [logits]), batch_sum: c.emit("sum", [x], { axes: [0] }),
    batch_size: c.emit("const", [], { value: Dim.sym("B") }), flat: c.b.reshape(x, [Dim.const(-1)]),
    doubled: c.emit("concat", [x, c.emit("neg", [x])], { axis: 0 }),
  };
  c.g.outputs = Object.values(outs);
  let compiled: CompiledGraph;
  beforeAll(() => (compiled = compile(c.g, cache)));

  /** Random feeds for batch size `n` (labels in [0, 3)). */
  function feedsFor(n: number, seed: number): Map<number, Tensor> {
    const rng = new Rng(seed), dims = new Map([["B", n]]), feeds = new Map<number, Tensor>();
    for (const v of c.g.inputs) {
      const shape = v.type.shape.map((d) => evalDim(d, dims)), size = shape.reduce((p, d) => p * d, 1);
      const data = Array.from({ length: size }, () => (v.type.dtype === "i32" ? Math.floor(rng.uniform(0, 3)) : rng.uniform(-1, 1)));
      feeds.set(v.id, tensor(v.type.dtype === "i32" ? "i32" : "f64", shape, data));
    }
    return feeds;
  }

  it.each([3, 7, 2, 16])("B = %i (the same compiled program, buffers resized)", (n) => {
    const feeds = feedsFor(n, 100 + n);
    compareRun(compiled, c.g, feeds, Object.keys(outs));
    const got = compiled.run(feeds);
    expect(got[0]!.shape).toEqual([n, 3]);
    expect(Array.from(got[5]!.data)).toEqual([n]);
  });
});

describe("ops the backend cannot lower", () => {
  it("E1001 names the op and suggests the reference backend", () => {
    const c = new Case(73);
    const preds = c.input("preds", [4, 6]), labels = c.input("labels", [4], { dtype: "i32", values: [0, 1, 2, 3] });
    c.g.outputs = [c.emit("in_top_k", [c.b.mul(preds, preds), labels], { k: 2 })];
    const r = compileGraph(c.g, { env: { NNC_CACHE_DIR: cache } });
    expect(r.compiled).toBeUndefined();
    expect(r.diagnostics.map((d) => d.code)).toEqual(["E1001"]);
    expect(r.diagnostics[0]!.message).toContain("`in_top_k`");
    expect(r.diagnostics[0]!.notes?.some((n) => n.includes("--backend ref"))).toBe(true);
  });

  it("lists every unsupported op once", () => {
    const c = new Case(74);
    const x = c.input("x", [4, 3]);
    const d = c.emit("dropout", [c.emit("dropout", [x], { rate: 0.1 })], { rate: 0.2 });
    const ch = c.input("g", [3]);
    c.g.outputs = [c.emit("batch_norm", [d, ch, ch, ch, c.emit("abs", [ch])])];
    const r = compileGraph(c.g, { env: { NNC_CACHE_DIR: cache } });
    expect(r.diagnostics.map((x) => x.code)).toEqual(["E1001"]);
    expect(r.diagnostics[0]!.message).toMatch(/`dropout`, `batch_norm`/);
    expect(r.diagnostics[0]!.message.match(/`dropout`/g)).toHaveLength(1);
  });
});

describe("libgomp wait policy", () => {
  it("spins briefly when a core is free, sleeps at once on a busy machine, and never overrides the user", () => {
    const quiet: NodeJS.ProcessEnv = {};
    waitPolicy(quiet, 1.7, 2);
    expect(quiet).toEqual({ GOMP_SPINCOUNT: "300000" });
    const busy: NodeJS.ProcessEnv = {};
    waitPolicy(busy, 2.3, 2);
    expect(busy).toEqual({ OMP_WAIT_POLICY: "PASSIVE" });
    for (const user of [{ OMP_WAIT_POLICY: "ACTIVE" }, { GOMP_SPINCOUNT: "0" }]) {
      const env: NodeJS.ProcessEnv = { ...user };
      waitPolicy(env, 0, 2);
      expect(env).toEqual(user);
    }
  });
});
