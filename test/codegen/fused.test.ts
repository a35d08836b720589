// Fusion on the compiled CPU backend: the lowered program has the kernels the fusion rules promise
// (injective chains inline, reductions absorb their prologue, heavy ops read materialised operands), and
// the fused programs compute what the reference computes. Each pattern is lowered on its own graph (cheap);
// all patterns are then compiled together as one graph with many outputs.
import { describe, expect, it } from "vitest";
import type { Value } from "../../src/ir/graph.js";
import { Case, kernelsOf, outputSuite, tempCache } from "./helpers.js";

const cache = tempCache();

interface Pattern {
  name: string;
  /** Builds the pattern on fresh inputs; returns its outputs. */
  build: (c: Case) => Value[];
  /** Kernels in the lowered program. */
  kernels: number;
  /** Ops that must all be fused into one kernel. */
  together?: string[];
}

const e = (c: Case, op: string, ins: Value[], attrs = {}) => c.emit(op, ins, attrs);
const one = (c: Case) => c.b.const(1);

const PATTERNS: Pattern[] = [
  {
    name: "chain of 5 elementwise ops", kernels: 1, together: ["exp", "mul", "add", "tanh", "neg"],
    build: (c) => {
      const x = c.input("x", [4, 7]), y = c.input("y", [7]);
      return [e(c, "neg", [e(c, "tanh", [c.b.add(c.b.mul(e(c, "exp", [x]), y), one(c))])])];
    },
  },
  {
    name: "reduction with an elementwise prologue", kernels: 1, together: ["mul", "exp", "sum"],
    build: (c) => [e(c, "sum", [e(c, "exp", [c.b.mul(c.input("x", [4, 7]), c.input("y", [4, 1]))])], { axes: [1] })],
  },
  {
    name: "mean and max over a broadcast difference", kernels: 2, together: ["sub", "abs", "max"],
    build: (c) => {
      const x = c.input("x", [3, 8]), y = c.input("y", [8]);
      return [e(c, "mean", [c.b.sub(x, y)], { axes: [0], keepdims: true }), e(c, "max", [e(c, "abs", [c.b.sub(x, y)])], { axes: [1] })];
    },
  },
  {
    // The reduction's result is in memory, so the epilogue is a second kernel.
    name: "reduction then an epilogue", kernels: 2, together: ["sqrt", "add"],
    build: (c) => [c.b.add(e(c, "sqrt", [e(c, "sum", [e(c, "abs", [c.input("x", [5, 6])])])]), one(c))],
  },
  {
    name: "matmul + bias + relu", kernels: 2, together: ["add", "maximum"],
    build: (c) => [e(c, "maximum", [c.b.add(e(c, "matmul", [c.input("x", [5, 4]), c.input("w", [4, 3])]), c.input("b", [3])), c.b.const(0)])],
  },
  {
    // Without vectors matmul reads its operands many times: a computed operand is materialised, a
    // transposed view of one in memory is read in place.
    name: "matmul of a computed operand and a transposed view", kernels: 2,
    build: (c) => [e(c, "matmul", [e(c, "tanh", [c.input("a", [3, 4])]), e(c, "transpose", [c.input("bt", [6, 4])], { perm: [1, 0] })])],
  },
  {
    // exp(x − max) is read by the sum and by the division: it is computed once, in memory.
    name: "softmax", kernels: 4,
    build: (c) => {
      const x = c.input("x", [4, 9], { lo: -3, hi: 3 });
      const ex = e(c, "exp", [c.b.sub(x, e(c, "max", [x], { axes: [-1], keepdims: true }))]);
      return [c.b.div(ex, e(c, "sum", [ex], { axes: [-1], keepdims: true }))];
    },
  },
  {
    // A movement of an input is cheap: read three times, it is still inlined.
    name: "cheap value used three times", kernels: 1, together: ["transpose", "mul", "add"],
    build: (c) => {
      const t = e(c, "transpose", [c.input("x", [3, 5])], { perm: [1, 0] });
      return [c.b.add(c.b.mul(t, t), t)];
    },
  },
  {
    name: "movement chain", kernels: 1, together: ["reshape", "slice", "transpose", "reverse", "concat"],
    build: (c) => {
      const x = c.input("x", [3, 4, 5]);
      const m = e(c, "reverse", [e(c, "transpose", [e(c, "slice", [e(c, "reshape", [x], { shape: [3, 20] })], { axis: 1, start: 3, end: 19 })], { perm: [1, 0] })], { axis: 1 });
      return [e(c, "concat", [m, c.input("y", [16, 2])], { axis: 1 })];
    },
  },
  {
    // An intermediate that is also an output is stored by its reader's kernel, which keeps it in a register.
    name: "intermediate that is also an output", kernels: 1, together: ["mul", "sigmoid"],
    build: (c) => {
      const h = c.b.mul(c.input("x", [4, 5]), c.input("y", [5]));
      return [h, e(c, "sigmoid", [h])];
    },
  },
];

describe("lowered kernels", () => {
  it.each(PATTERNS.map((p) => [p.name, p] as const))("%s", (_name, p) => {
    const c = new Case(61);
    c.g.outputs = p.build(c);
    const ks = kernelsOf(c.g);
    expect(ks.length, ks.map((k) => `${k.name}: ${k.ops.join(" ")}`).join("\n")).toBe(p.kernels);
    if (p.together) expect(ks.some((k) => p.together!.every((op) => k.ops.includes(op))), `one kernel holds ${p.together.join(", ")}`).toBe(true);
  });
});

describe("fused programs match the reference (all patterns in one graph)", () => {
  const c = new Case(62);
  let total = 0;
  outputSuite(c, cache, (c) => {
    const outs: Record<string, Value> = {};
    for (const p of PATTERNS) {
      p.build(c).forEach((v, i) => (outs[`${p.name} #${i}`] = v));
      total += p.kernels;
    }
    return outs;
  });
  it("the merged graph has every pattern's kernels and no more", () => {
    expect(kernelsOf(c.g).length).toBe(total);
  });
});
