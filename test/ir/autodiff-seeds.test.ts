// The seeds' hand-worked values: the (x + y)·z computational graph and one SGD step of linear regression
// (seed S2), built as graph IR, differentiated, updated with the IR optimizer and run in f64.
// (The seed's 6×6 convolution example, 515 and 374, is in autodiff-conv.test.ts.)
import { describe, expect, it } from "vitest";
import { differentiate } from "../../src/ir/autodiff/autodiff.js";
import type { Value } from "../../src/ir/graph.js";
import { emitUpdate } from "../../src/ir/passes/optimizer.js";
import { verifyGraph } from "../../src/ir/verify.js";
import { execute } from "../../src/runtime/ref/executor.js";
import { Case, gradCheck, values } from "./autodiff-helpers.js";

describe("f = (x + y)·z at (−2, 5, −4)", () => {
  it("f = −12 and (df/dx, df/dy, df/dz) = (−4, −4, 3)", () => {
    const c = new Case(600);
    const x = c.input("x", [], { values: [-2] }), y = c.input("y", [], { values: [5] }), z = c.input("z", [], { values: [-4] });
    const f = c.b.mul(c.b.add(x, y), z);
    const r = gradCheck(c, f, [x, y, z], { tol: 1e-9 });
    expect(r.loss).toBe(-12);
    expect(r.grads.map((g) => g.data[0])).toEqual([-4, -4, 3]);
    expect(r.grads.map((g) => g.shape)).toEqual([[], [], []]);
  });

  it("the same values in f32 execution (every intermediate is exact)", () => {
    const c = new Case(601);
    const x = c.input("x", [], { values: [-2] }), y = c.input("y", [], { values: [5] }), z = c.input("z", [], { values: [-4] });
    const f = c.b.mul(c.b.add(x, y), z);
    c.g.outputs = [f, ...differentiate(c.g, f, [x, y, z], c.b)];
    expect(verifyGraph(c.g)).toEqual([]);
    const out = execute(c.g, c.feeds);
    expect(out.map((t) => t.data[0])).toEqual([-12, -4, -4, 3]);
    expect(out[1]!.data).toBeInstanceOf(Float32Array);
  });
});

describe("linear regression, one SGD step (seed S2)", () => {
  const X = [1, 3, 6, 5], Y = [4, 8, 14, 13];

  /** ŷ = W·X + b, loss = mean(½(ŷ − y)²), gradients checked, then p ← p − lr·dp with the IR optimizer. */
  function step(biasShape: number[]) {
    const c = new Case(610);
    const x = c.input("X", [4], { values: X }), y = c.input("Y", [4], { values: Y });
    const w = c.input("W", [], { values: [5] });
    const b = c.input("b", biasShape, { values: biasShape.length ? [1, 1, 1, 1] : [1] });
    const yHat = c.b.add(c.b.mul(w, x), b);
    const d = c.b.sub(yHat, y);
    const loss = c.emit("mean", [c.b.mul(c.b.const(0.5), c.b.mul(d, d))], { axes: [0], keepdims: false });
    // Quadratic loss: the central difference is exact up to rounding.
    const r = gradCheck(c, loss, [w, b], { tol: 1e-8 });
    const [dw, db] = r.graph.outputs.slice(1) as [Value, Value];
    const lr = c.input("lr", [], { values: [0.01] }), t = c.input("t", [], { values: [1] });
    const newW = emitUpdate(c.b, "sgd", { lr: 0.01 }, w, dw, [], lr, t);
    const newB = emitUpdate(c.b, "sgd", { lr: 0.01 }, b, db, [], lr, t);
    expect(newW.slots).toEqual([]);
    c.g.outputs = [loss, dw, db, newW.param, newB.param];
    expect(verifyGraph(c.g)).toEqual([]);
    expect(newB.param.type.shape.length).toBe(biasShape.length);
    const out = execute(c.g, c.feeds, { float64: true });
    return { loss: out[0]!.data[0]!, dw: out[1]!.data[0]!, db: values(out[2]!), w: out[3]!.data[0]!, b: values(out[4]!) };
  }

  it("scalar W and b: loss 65.75, dW = 48.25, db = 10, new W = 4.5175, new b = 0.9", () => {
    // ŷ − y = [2, 8, 17, 13]; loss = ½(4 + 64 + 289 + 169)/4; dW = (2 + 24 + 102 + 65)/4; db = 40/4.
    const s = step([]);
    expect(s.loss).toBeCloseTo(65.75, 12);
    expect(s.dw).toBeCloseTo(48.25, 12);
    expect(s.db[0]).toBeCloseTo(10, 12);
    expect(s.w).toBeCloseTo(4.5175, 12);
    expect(s.b[0]).toBeCloseTo(0.9, 12);
  });

  it("per-element bias b = [1, 1, 1, 1]: new b = [0.995, 0.98, 0.9575, 0.9675], new W = 4.5175", () => {
    // db_i = (ŷ_i − y_i)/4 = [0.5, 2, 4.25, 3.25].
    const s = step([4]);
    [0.5, 2, 4.25, 3.25].forEach((v, i) => expect(s.db[i]).toBeCloseTo(v, 12));
    [0.995, 0.98, 0.9575, 0.9675].forEach((v, i) => expect(s.b[i]).toBeCloseTo(v, 12));
    expect(s.w).toBeCloseTo(4.5175, 12);
  });
});
