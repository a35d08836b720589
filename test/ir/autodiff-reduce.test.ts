// Autodiff of reductions (sum, mean, max, min over several axes, with and without keepdims) and of matmul
// (2-D, batched with broadcasting, rank-1 left side), checked by finite differences.
import { describe, expect, it } from "vitest";
import { differentiate } from "../../src/ir/autodiff/autodiff.js";
import { RULES } from "../../src/ir/autodiff/rules.js";
import { verifyGraph } from "../../src/ir/verify.js";
import { execute } from "../../src/runtime/ref/executor.js";
import { Case, type DimSpec, gradCheck, values } from "./autodiff-helpers.js";

describe("reductions", () => {
  const AXES: number[][] = [[0], [1], [-1], [0, 2], [2, 0, 1]];
  const cases = ["sum", "mean", "max", "min"].flatMap((op) => AXES.flatMap((axes) => [false, true].map((k) => [op, axes, k] as const)));
  it.each(cases)("%s over %j of [2, 3, 4], keepdims %s", (op, axes, keepdims) => {
    const c = new Case(100 + axes.length);
    // Distinct values: max/min have no ties, so the reduction is differentiable at the point.
    const x = c.input("x", [2, 3, 4], { distinct: true, lo: -3, hi: 3 });
    const y = c.emit(op, [x], { axes: [...axes], keepdims });
    const r = gradCheck(c, c.weighted(y), [x], { tol: op === "sum" || op === "mean" ? 1e-8 : 1e-6 });
    expect(r.grads[0]!.shape).toEqual([2, 3, 4]);
  });

  it("default axes (the last one) and a reduction of a broadcast product", () => {
    const c = new Case(110);
    const x = c.input("x", [3, 4]), v = c.input("v", [4]);
    const y = c.emit("mean", [c.b.mul(c.emit("sum", [c.b.mul(x, v)]), c.emit("max", [x], { axes: [1], keepdims: false }))], { axes: [0], keepdims: true });
    gradCheck(c, c.weighted(y), [x, v]);
  });

  it("max sends the gradient to the maximum only; mean divides by the count", () => {
    const c = new Case(111);
    const x = c.input("x", [2, 3], { values: [1, 5, 2, -1, -3, -2] });
    const loss = c.b.add(
      c.emit("sum", [c.emit("max", [x], { axes: [1], keepdims: false })], { axes: [0], keepdims: false }),
      c.emit("mean", [x], { axes: [0, 1], keepdims: false }),
    );
    const r = gradCheck(c, loss, [x]);
    const m = 1 / 6;
    [0 + m, 1 + m, m, 1 + m, m, m].forEach((v, i) => expect(r.grads[0]!.data[i]).toBeCloseTo(v, 14));
  });

  // With ties, max(x + t·1) = max(x) + t has derivative 1 along the all-ones direction: dy is split evenly.
  it.each(["max", "min"])("%s with ties splits the gradient evenly among the tied elements", (op) => {
    const c = new Case(113);
    const s = op === "max" ? 1 : -1;
    const x = c.input("x", [2, 3], { values: [2, 2, 1, 0, 5, 5].map((v) => s * v) });
    const loss = c.emit("sum", [c.emit(op, [x], { axes: [1], keepdims: false })], { axes: [0], keepdims: false });
    const [dx] = differentiate(c.g, loss, [x], c.b);
    c.g.outputs = [loss, dx!];
    expect(verifyGraph(c.g)).toEqual([]);
    const g = values(execute(c.g, c.feeds, { float64: true })[1]!);
    // Shift invariance: each row's gradient sums to 1 (the directional derivative along all-ones).
    expect([g[0]! + g[1]! + g[2]!, g[3]! + g[4]! + g[5]!]).toEqual([1, 1]);
    expect(g).toEqual([0.5, 0.5, 0, 0, 0.5, 0.5]);
  });

  it("the gradient check itself catches a wrong rule", () => {
    const saved = RULES["tanh"]!;
    RULES["tanh"] = (n, dy, b) => [b.mul(dy, b.sub(b.const(1, dy.type.dtype), n.output))];
    try {
      const c = new Case(112);
      const x = c.input("x", [2, 2]);
      expect(() => gradCheck(c, c.weighted(c.emit("tanh", [x])), [x])).toThrow(/finite difference/);
    } finally {
      RULES["tanh"] = saved;
    }
  });
});

describe("matmul", () => {
  const SHAPES: [string, DimSpec[], DimSpec[], number[]][] = [
    ["2-D non-square", [3, 4], [4, 5], [3, 5]],
    ["2-D row times column-ish", [1, 4], [4, 2], [1, 2]],
    ["batched left [2,3,4] @ [4,5]", [2, 3, 4], [4, 5], [2, 3, 5]],
    ["batched right [3,4] @ [2,4,5]", [3, 4], [2, 4, 5], [2, 3, 5]],
    ["both batched, broadcast [2,1,3,4] @ [3,4,2]", [2, 1, 3, 4], [3, 4, 2], [2, 3, 3, 2]],
    ["rank-1 left [4] @ [4,5]", [4], [4, 5], [5]],
    ["rank-1 left, batched right [4] @ [2,4,3]", [4], [2, 4, 3], [2, 3]],
  ];
  it.each(SHAPES)("%s", (_name, sa, sb, out) => {
    const c = new Case(120 + sa.length * 3 + sb.length);
    const a = c.input("a", sa), b = c.input("b", sb);
    const y = c.emit("matmul", [a, b]);
    expect(y.type.shape.map(Number)).toEqual(out);
    const r = gradCheck(c, c.weighted(y), [a, b], { tol: 1e-8 });
    expect(r.grads[0]!.shape).toEqual(sa);
    expect(r.grads[1]!.shape).toEqual(sb);
  });

  it("a two-layer perceptron: tanh(x @ W1 + b1) @ W2", () => {
    const c = new Case(130);
    const x = c.input("x", [5, 3]), w1 = c.input("W1", [3, 4]), b1 = c.input("b1", [4]), w2 = c.input("W2", [4, 2]);
    const h = c.emit("tanh", [c.b.add(c.emit("matmul", [x, w1]), b1)]);
    gradCheck(c, c.weighted(c.emit("matmul", [h, w2])), [x, w1, b1, w2]);
  });

  it("x @ xᵀ uses x twice (both sides of the product)", () => {
    const c = new Case(131);
    const x = c.input("x", [3, 2]);
    const r = gradCheck(c, c.weighted(c.emit("matmul", [x, c.b.transposeLast(x)])), [x], { tol: 1e-8 });
    expect(values(r.grads[0]!).length).toBe(6);
  });
});
