// The step's own finite check (finite-check.ts): per part of each checked output, lane sums of x − x
// that are all zero exactly when the part is finite. The trainer reads them instead of scanning every
// parameter (the run-failures tests cover the trainer's side).
import { describe, expect, it } from "vitest";
import { kernelsOf } from "../../src/codegen/kir/walk.js";
import { verifyProgram } from "../../src/codegen/kir/verify.js";
import { CHECK_PARTS } from "../../src/codegen/lower/finite-check.js";
import { compileGraph, cpuVectorWidth } from "../../src/runtime/cpu/compiled.js";
import { tensor } from "../../src/runtime/tensor.js";
import { Case, tempCache } from "./helpers.js";

const cache = tempCache();

describe("the finite check of a program's outputs", () => {
  // Two outputs of 1,000 and 37 elements (ragged last vectors), each x · 2.
  const build = () => {
    const c = new Case(97);
    const a = c.input("a", [1000]), b = c.input("b", [37]);
    c.g.outputs = [c.b.mul(a, c.b.const(2)), c.b.mul(b, c.b.const(2))];
    return { c, a, b };
  };

  it("is the program's last kernel, with flags for every part of every checked output", () => {
    const { c } = build();
    const r = compileGraph(c.g, { env: { NNC_CACHE_DIR: cache }, finiteOutputs: [0, 1] });
    const p = r.compiled!.program;
    expect(verifyProgram(p)).toEqual([]);
    expect(kernelsOf(p.steps).at(-1)!.name).toMatch(/_finite_check$/);
    expect(p.finite!.outputs).toEqual([0, 1]);
    expect(p.buffers[p.finite!.buf]!.size.value).toBe(2 * CHECK_PARTS * Math.max(1, cpuVectorWidth()));
    expect(compileGraph(c.g, { env: { NNC_CACHE_DIR: cache } }).compiled!.program.finite).toBeUndefined();
  });

  it("flags exactly the part that holds an infinity or a NaN", () => {
    const { c, a, b } = build();
    const compiled = compileGraph(c.g, { env: { NNC_CACHE_DIR: cache }, finiteOutputs: [0, 1] }).compiled!;
    const W = Math.max(1, cpuVectorWidth());
    const flags = (av: number[], bv: number[]) => {
      compiled.run(new Map([[a.id, tensor("f32", [1000], av)], [b.id, tensor("f32", [37], bv)]]));
      const f = compiled.native.view(compiled.program.finite!.buf, new Map());
      // Per output, per part: whether any lane sum is not zero.
      return [0, 1].map((q) => Array.from({ length: CHECK_PARTS }, (_, part) => f.subarray((q * CHECK_PARTS + part) * W, (q * CHECK_PARTS + part + 1) * W).some((x) => x !== 0)));
    };
    const ones = (n: number) => Array.from({ length: n }, (_, i) => 1 + i);
    const none = Array(CHECK_PARTS).fill(false);
    expect(flags(ones(1000), ones(37))).toEqual([none, none]);
    // 3e38 · 2 overflows to ∞ in a's last element; b's first element is NaN.
    const av = ones(1000), bv = ones(37);
    av[999] = 3e38;
    bv[0] = NaN;
    const got = flags(av, bv);
    expect(got[0]).toEqual([...Array(CHECK_PARTS - 1).fill(false), true]);
    // 37 elements are 3 vectors over 8 parts, so some parts are empty: one part flags the NaN.
    expect(got[1]!.filter((x) => x)).toHaveLength(1);
    // Finite again: the next run's flags are cleared.
    expect(flags(ones(1000), ones(37))).toEqual([none, none]);
  });
});

describe("the finite check done by a GEMM's epilogue", () => {
  // out0 = (x · w + b) · 2 with 120 rows (15 tiles of 8 over the 8 parts) and 64 columns (whole panels):
  // the GEMM checks the values it stores; out1 (a plain product) is left to the last kernel.
  const build = () => {
    const c = new Case(98);
    const x = c.input("x", [120, 50]), w = c.input("w", [50, 64]), b = c.input("b", [64]), y = c.input("y", [37]);
    c.g.outputs = [c.b.mul(c.b.add(c.emit("matmul", [x, w]), b), c.b.const(2)), c.b.mul(y, c.b.const(2))];
    return { c, x };
  };

  it("writes the output's flags from the GEMM; the last kernel checks only the rest", () => {
    const { c } = build();
    const p = compileGraph(c.g, { env: { NNC_CACHE_DIR: cache }, finiteOutputs: [0, 1] }).compiled!.program;
    if (cpuVectorWidth() <= 1) return;
    expect(verifyProgram(p)).toEqual([]);
    const ks = kernelsOf(p.steps);
    const touches = (name: RegExp, buf: string) => {
      const k = ks.find((x) => name.test(x.name))!;
      return JSON.stringify(k.body).includes(`"buf":${p.buffers.findIndex((b) => b.name === buf)},`);
    };
    expect(touches(/_matmul$/, "finite")).toBe(true);
    expect(touches(/_finite_check$/, "out0")).toBe(false);
    expect(touches(/_finite_check$/, "out1")).toBe(true);
  });

  it("flags the part whose rows hold a NaN or an overflow, and clears on the next finite run", () => {
    const { c, x } = build();
    const compiled = compileGraph(c.g, { env: { NNC_CACHE_DIR: cache }, finiteOutputs: [0, 1] }).compiled!;
    const W = Math.max(1, cpuVectorWidth());
    const flagged = (xv: number[]) => {
      const feeds = new Map(c.feeds);
      feeds.set(x.id, tensor("f32", [120, 50], xv));
      compiled.run(feeds);
      const f = compiled.native.view(compiled.program.finite!.buf, new Map());
      return Array.from({ length: CHECK_PARTS }, (_, part) => f.subarray(part * W, (part + 1) * W).some((v) => v !== 0));
    };
    const base = Array.from(c.feeds.get(x.id)!.data);
    expect(flagged(base)).toEqual(Array(CHECK_PARTS).fill(false));
    const nan = [...base];
    nan[100 * 50 + 7] = NaN;
    expect(flagged(nan).filter((v) => v)).toHaveLength(1);
    // Row 3's products overflow to ∞ once doubled (|x| · |w| ≈ 3e38 · 50 terms).
    const big = [...base];
    for (let k = 0; k < 50; k++) big[3 * 50 + k] = 3e38;
    const got = flagged(big);
    expect(got[0]).toBe(true);
    expect(got.filter((v) => v)).toHaveLength(1);
    expect(flagged(base)).toEqual(Array(CHECK_PARTS).fill(false));
  });
});
