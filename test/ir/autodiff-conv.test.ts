// Autodiff of conv2d (input and filter), max_pool2d and avg_pool2d, checked by finite differences; and the
// seed's 6×6 cross-correlation example (515, 374) with its gradient.
import { describe, expect, it } from "vitest";
import { execute } from "../../src/runtime/ref/executor.js";
import { Case, gradCheck, values } from "./autodiff-helpers.js";

describe("conv2d", () => {
  const CONFIGS = [
    ["valid", [1, 1]], ["valid", [2, 2]], ["valid", [1, 2]], ["valid", [2, 1]],
    ["same", [1, 1]], ["same", [2, 2]], ["same", [2, 1]],
  ] as const;
  it.each(CONFIGS)("2×3 kernel, C = 2, F = 3, padding %s, strides %j", (padding, strides) => {
    const c = new Case(300 + strides[0] * 2 + strides[1]);
    const x = c.input("x", [2, 5, 6, 2]), w = c.input("w", [2, 3, 2, 3]);
    const y = c.emit("conv2d", [x, w], { strides: [...strides], padding });
    const r = gradCheck(c, c.weighted(y), [x, w], { tol: 1e-8 });
    expect(r.grads[0]!.shape).toEqual([2, 5, 6, 2]);
    expect(r.grads[1]!.shape).toEqual([2, 3, 2, 3]);
  });

  it("odd sizes with 'same' and stride 2 (asymmetric padding), followed by a nonlinearity", () => {
    const c = new Case(310);
    const x = c.input("x", [1, 4, 5, 2]), w = c.input("w", [3, 2, 2, 3]), bias = c.input("bias", [3]);
    const y = c.emit("tanh", [c.b.add(c.emit("conv2d", [x, w], { strides: [2, 2], padding: "same" }), bias)]);
    expect(y.type.shape.map(Number)).toEqual([1, 2, 3, 3]);
    gradCheck(c, c.weighted(y), [x, w, bias]);
  });

  it("two stacked convolutions (the input gradient feeds the first filter's gradient)", () => {
    const c = new Case(311);
    const x = c.input("x", [1, 6, 6, 1]), w1 = c.input("w1", [3, 3, 1, 2]), w2 = c.input("w2", [2, 3, 2, 3]);
    const h = c.emit("sigmoid", [c.emit("conv2d", [x, w1], { padding: "same" })]);
    gradCheck(c, c.weighted(c.emit("conv2d", [h, w2], { strides: [2, 1] })), [x, w1, w2]);
  });

  it("the seed's 6×6 matrix and 3×3 kernel: 515 and 374 first, and finite-difference gradients", () => {
    const rows = [[81, 2, 209, 44, 71, 58], [24, 56, 108, 98, 12, 112], [91, 0, 189, 65, 79, 232], [12, 0, 0, 5, 1, 71], [2, 32, 23, 58, 8, 208], [4, 23, 2, 1, 3, 9]];
    const k = [[0, 1, 1], [1, 0, 0], [1, 0, 1]];
    const c = new Case(312);
    const x = c.input("x", [1, 6, 6, 1], { values: rows.flat() }), w = c.input("w", [3, 3, 1, 1], { values: k.flat() });
    const y = c.emit("conv2d", [x, w], { strides: [1, 1], padding: "valid" });
    expect(y.type.shape.map(Number)).toEqual([1, 4, 4, 1]);
    // The loss is a plain sum here, so the input gradient is the kernel spread over every window it covers.
    const loss = c.emit("sum", [y], { axes: [0, 1, 2, 3], keepdims: false });
    // Pixel values up to 232 make the loss ~10⁴: the loss is linear in each element, so the central difference
    // is exact for any h, and a larger h keeps f64 rounding (≈ 1e-16 · |loss| / h) far below the tolerance.
    const r = gradCheck(c, loss, [x, w], { tol: 1e-9, h: 1e-2 });
    // Read the feature map from the differentiated graph (one more output).
    c.g.outputs.push(y);
    const fmap = values(execute(c.g, c.feeds, { float64: true })[3]!);
    expect(fmap.slice(0, 2)).toEqual([515, 374]);
    // d sum / d w[a, b] = sum of the 4×4 block of x starting at (a, b); e.g. w[0, 0] = rows 0-3, cols 0-3.
    const block = (a: number, b: number) => rows.slice(a, a + 4).reduce((s, row) => s + row.slice(b, b + 4).reduce((p, v) => p + v, 0), 0);
    expect(values(r.grads[1]!)).toEqual([0, 1, 2].flatMap((a) => [0, 1, 2].map((b) => block(a, b))));
    // d sum / d x[0, 0] = k[0][0] = 0; x[0, 1] is covered by k[0][1] and k[0][0]: 1 + 0; x[2, 2] by all nine: 5.
    expect([r.grads[0]!.data[0], r.grads[0]!.data[1], r.grads[0]!.data[2 * 6 + 2]]).toEqual([0, 1, 5]);
  });
});

describe("pooling", () => {
  const CONFIGS = [
    ["valid", [2, 2], [2, 2]], ["valid", [2, 2], [1, 1]], ["valid", [3, 2], [2, 1]],
    ["same", [2, 2], [2, 2]], ["same", [3, 3], [1, 1]], ["same", [3, 2], [2, 1]], ["same", [2, 3], [2, 2]],
  ] as const;
  const cases = (["max_pool2d", "avg_pool2d"] as const).flatMap((op) => CONFIGS.map(([p, wdw, s]) => [op, p, wdw, s] as const));
  it.each(cases)("%s padding %s window %j strides %j on [2, 5, 6, 2]", (op, padding, window, strides) => {
    const c = new Case(320 + window[0] + strides[0]);
    // Distinct values so that no window has a tie for its maximum.
    const x = c.input("x", [2, 5, 6, 2], { distinct: true, lo: -6, hi: 6 });
    const y = c.emit(op, [x], { window: [...window], strides: [...strides], padding });
    const r = gradCheck(c, c.weighted(y), [x], { tol: op === "avg_pool2d" ? 1e-8 : 1e-6 });
    expect(r.grads[0]!.shape).toEqual([2, 5, 6, 2]);
  });

  it("conv → max_pool → avg_pool chain", () => {
    const c = new Case(330);
    const x = c.input("x", [1, 6, 6, 2], { distinct: true, lo: -4, hi: 4 }), w = c.input("w", [2, 2, 2, 3]);
    const h = c.emit("max_pool2d", [c.emit("conv2d", [x, w], { padding: "same" })], { window: [2, 2], strides: [2, 2] });
    gradCheck(c, c.weighted(c.emit("avg_pool2d", [h], { window: [2, 2], strides: [1, 1], padding: "same" })), [x, w]);
  });
});
