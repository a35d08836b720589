// Autodiff after the training-mode lowering (dropout → mask product, batch_norm → batch statistics),
// checked by finite differences; a seeded generator per run gives every run the same dropout mask.
import { describe, expect, it } from "vitest";
import { lowerForTraining } from "../../src/ir/passes/lower-training.js";
import { emitUpdate } from "../../src/ir/passes/optimizer.js";
import type { Value } from "../../src/ir/graph.js";
import { verifyGraph } from "../../src/ir/verify.js";
import { execute } from "../../src/runtime/ref/executor.js";
import { Rng } from "../../src/runtime/rng.js";
import { Case, gradCheck, values } from "./autodiff-helpers.js";

const training = () => ({ training: true, rng: new Rng(9) });

describe("training-mode lowering then autodiff", () => {
  it("dropout (rate 0.5) becomes x · mask: the gradient is the mask (0 or 2) times the upstream gradient", () => {
    const c = new Case(700);
    const x = c.input("x", [3, 4]);
    const y = c.emit("dropout", [x], { rate: 0.5 });
    lowerForTraining(c.g, c.b);
    expect(c.g.nodes.map((n) => n.op)).toEqual(["dropout_mask", "mul"]);
    const loss = c.emit("sum", [y], { axes: [0, 1], keepdims: false });
    const r = gradCheck(c, loss, [x], { exec: training });
    const g = values(r.grads[0]!);
    expect(g.every((v) => v === 0 || v === 2)).toBe(true);
    expect(g.filter((v) => v === 0).length).toBeGreaterThan(0);
    expect(g.filter((v) => v === 2).length).toBeGreaterThan(0);
  });

  it("dropout inside a small network (dense → tanh → dropout → dense)", () => {
    const c = new Case(701);
    const x = c.input("x", [4, 3]), w1 = c.input("W1", [3, 5]), w2 = c.input("W2", [5, 2]);
    const h = c.emit("dropout", [c.emit("tanh", [c.emit("matmul", [x, w1])])], { rate: 0.3 });
    const y = c.emit("matmul", [h, w2]);
    lowerForTraining(c.g, c.b);
    gradCheck(c, c.weighted(y), [x, w1, w2], { exec: training });
  });

  it("dropout with rate 0 lowers to a multiplication by 1", () => {
    const c = new Case(702);
    const x = c.input("x", [2, 3]);
    const y = c.emit("dropout", [c.emit("exp", [x])], { rate: 0 });
    lowerForTraining(c.g, c.b);
    expect(c.g.nodes.some((n) => n.op === "dropout_mask")).toBe(false);
    gradCheck(c, c.weighted(y), [x], { exec: training });
  });

  it("batch_norm with batch statistics: gradients through mean and variance (x, gamma, beta)", () => {
    const c = new Case(703);
    const x = c.input("x", [5, 3]), gamma = c.input("gamma", [3]), beta = c.input("beta", [3]);
    const mm = c.input("moving_mean", [3]), mv = c.input("moving_var", [3], { lo: 0.5, hi: 1 });
    const y = c.emit("batch_norm", [x, gamma, beta, mm, mv], {});
    lowerForTraining(c.g, c.b);
    const r = gradCheck(c, c.weighted(c.emit("tanh", [y])), [x, gamma, beta]);
    // The batch mean is subtracted, so each column of dx sums to zero.
    const dx = values(r.grads[0]!);
    for (let j = 0; j < 3; j++) expect(Math.abs(dx[j]! + dx[3 + j]! + dx[6 + j]! + dx[9 + j]! + dx[12 + j]!)).toBeLessThan(1e-12);
  });

  it("batch_norm over a 4-D input (statistics over B, H, W) after a convolution", () => {
    const c = new Case(704);
    const x = c.input("x", [2, 4, 4, 2]), w = c.input("w", [2, 2, 2, 3]);
    const gamma = c.input("gamma", [3]), beta = c.input("beta", [3]);
    const mm = c.input("moving_mean", [3]), mv = c.input("moving_var", [3], { lo: 0.5, hi: 1 });
    const y = c.emit("batch_norm", [c.emit("conv2d", [x, w]), gamma, beta, mm, mv], {});
    lowerForTraining(c.g, c.b);
    gradCheck(c, c.weighted(c.emit("sigmoid", [y])), [x, w, gamma, beta]);
  });

  it("gradients feed an SGD-with-momentum update (Keras: v = m·v − lr·g, p += v)", () => {
    const c = new Case(705);
    const x = c.input("x", [3, 2]), w = c.input("W", [2, 2], { values: [0.5, -1, 2, 0.25] });
    const loss = c.weighted(c.emit("tanh", [c.emit("matmul", [x, w])]));
    const r = gradCheck(c, loss, [w]);
    const dw = r.graph.outputs[1] as Value;
    const v0 = c.input("v", [2, 2], { values: [0.1, 0.2, -0.3, 0.4] });
    const lr = c.input("lr", [], { values: [0.1] }), t = c.input("t", [], { values: [1] });
    const u = emitUpdate(c.b, "sgd", { momentum: 0.9 }, w, dw, [v0], lr, t);
    c.g.outputs = [dw, u.param, u.slots[0]!];
    expect(verifyGraph(c.g)).toEqual([]);
    const [g, p, v] = execute(c.g, c.feeds, { float64: true }).map(values);
    const w0 = [0.5, -1, 2, 0.25], vPrev = [0.1, 0.2, -0.3, 0.4];
    w0.forEach((wi, i) => {
      const vi = 0.9 * vPrev[i]! - 0.1 * g![i]!;
      expect(v![i]).toBeCloseTo(vi, 14);
      expect(p![i]).toBeCloseTo(wi + vi, 14);
    });
  });
});
