// Autodiff of the shape rules (reshape, transpose, concat, slice, index, reverse, gather, eval dropout)
// and of graphs with a symbolic batch dimension, checked by finite differences.
import { describe, expect, it } from "vitest";
import { Dim } from "../../src/ir/dim.js";
import { Case, gradCheck, values } from "./autodiff-helpers.js";

describe("reshape and transpose", () => {
  it("reshape [2, 3, 4] → [4, 6] and with a -1 hole → [3, -1]", () => {
    const c = new Case(200);
    const x = c.input("x", [2, 3, 4]);
    const a = c.emit("tanh", [c.b.reshape(x, [Dim.const(4), Dim.const(6)])]);
    const b2 = c.b.reshape(c.b.mul(x, x), [Dim.const(3), Dim.const(-1)]);
    expect(b2.type.shape.map(Number)).toEqual([3, 8]);
    gradCheck(c, c.b.add(c.weighted(a), c.weighted(b2)), [x]);
  });

  it.each([[[2, 0, 1]], [[1, 2, 0]], [[0, 2, 1]], [[2, 1, 0]]])("transpose [2, 3, 4] by perm %j", (perm) => {
    const c = new Case(201);
    const x = c.input("x", [2, 3, 4]);
    const y = c.emit("transpose", [x], { perm });
    expect(y.type.shape.map(Number)).toEqual(perm.map((p) => [2, 3, 4][p]));
    gradCheck(c, c.weighted(c.emit("sigmoid", [y])), [x]);
  });
});

describe("concat, slice, index, reverse", () => {
  it("concat of 3 inputs along axis 0", () => {
    const c = new Case(210);
    const a = c.input("a", [2, 3]), b = c.input("b", [1, 3]), d = c.input("d", [3, 3]);
    const y = c.emit("concat", [a, b, d], { axis: 0 });
    expect(y.type.shape.map(Number)).toEqual([6, 3]);
    gradCheck(c, c.weighted(c.emit("exp", [y])), [a, b, d]);
  });

  it("concat of 3 inputs along axis -1 (3-D)", () => {
    const c = new Case(211);
    const a = c.input("a", [2, 2, 1]), b = c.input("b", [2, 2, 3]), d = c.input("d", [2, 2, 2]);
    const y = c.emit("concat", [a, b, d], { axis: -1 });
    expect(y.type.shape.map(Number)).toEqual([2, 2, 6]);
    gradCheck(c, c.weighted(y), [a, b, d], { tol: 1e-8 });
  });

  it("concat of the same value twice plus another: gradients accumulate", () => {
    const c = new Case(212);
    const a = c.input("a", [2, 3]), b = c.input("b", [2, 1]);
    gradCheck(c, c.weighted(c.emit("tanh", [c.emit("concat", [a, b, a], { axis: 1 })])), [a, b]);
  });

  it.each([[0, 0, 1], [1, 1, 4], [2, 0, 3], [-1, 2, 3]])("slice axis %i [%i:%i] of [2, 5, 3]", (axis, start, end) => {
    const c = new Case(220);
    const x = c.input("x", [2, 5, 3]);
    const y = c.emit("slice", [x], { axis, start, end });
    const r = gradCheck(c, c.weighted(c.emit("tanh", [y])), [x]);
    // Elements outside the slice get exactly zero.
    expect(values(r.grads[0]!).filter((v) => v === 0).length).toBe(30 - y.type.shape.reduce((p, d) => p * d.value!, 1));
  });

  it("slice with Dim bounds (as the concat rule emits them)", () => {
    const c = new Case(221);
    const x = c.input("x", [4, 3]);
    const y = c.emit("slice", [x], { axis: 0, start: Dim.const(1), end: Dim.const(3) });
    gradCheck(c, c.weighted(c.b.mul(y, y)), [x]);
  });

  it.each([[1, -1], [1, 0], [1, -5], [0, 1], [2, -2]])("index axis %i, i = %i of [2, 5, 3]", (axis, i) => {
    const c = new Case(230);
    const x = c.input("x", [2, 5, 3]);
    const y = c.emit("index", [x], { axis, i });
    gradCheck(c, c.weighted(c.emit("sigmoid", [y])), [x]);
  });

  it("index -1 puts the gradient in the last position only", () => {
    const c = new Case(231);
    const x = c.input("x", [1, 3]);
    const loss = c.emit("sum", [c.emit("index", [x], { axis: 1, i: -1 })], { axes: [0], keepdims: false });
    const r = gradCheck(c, loss, [x]);
    expect(values(r.grads[0]!)).toEqual([0, 0, 1]);
  });

  it.each([[0], [1], [-1]])("reverse axis %i of [2, 3, 4]", (axis) => {
    const c = new Case(240);
    const x = c.input("x", [2, 3, 4]);
    // Weights make the order matter: a reversed gradient would be caught.
    gradCheck(c, c.weighted(c.emit("tanh", [c.emit("reverse", [x], { axis })])), [x]);
  });
});

describe("gather and dropout", () => {
  it("gather (embedding) with repeated indices accumulates rows", () => {
    const c = new Case(250);
    const table = c.input("table", [5, 3]);
    const ids = c.input("ids", [2, 4], { dtype: "i32", values: [1, 3, 1, 0, 4, 1, 3, 3] });
    const y = c.emit("gather", [table, ids]);
    expect(y.type.shape.map(Number)).toEqual([2, 4, 3]);
    const r = gradCheck(c, c.weighted(c.emit("tanh", [y])), [table]);
    // Row 2 is never looked up: its gradient is exactly zero.
    expect(values(r.grads[0]!).slice(6, 9)).toEqual([0, 0, 0]);
  });

  it("gather from a 3-D table [4, 2, 3] with 1-D and 0-d indices", () => {
    const c = new Case(253);
    const table = c.input("table", [4, 2, 3]);
    const ids = c.input("ids", [3], { dtype: "i32", values: [3, 0, 3] }), one = c.input("one", [], { dtype: "i32", values: [2] });
    const picked = c.emit("gather", [table, one]);
    expect(picked.type.shape.map(Number)).toEqual([2, 3]);
    gradCheck(c, c.b.add(c.weighted(c.emit("gather", [table, ids])), c.weighted(c.emit("exp", [picked]))), [table]);
  });

  it("gather feeding a matmul (embedding → dense), 1-D indices", () => {
    const c = new Case(251);
    const table = c.input("table", [4, 2]), w = c.input("W", [2, 3]);
    const ids = c.input("ids", [6], { dtype: "i32", values: [3, 3, 0, 2, 3, 0] });
    gradCheck(c, c.weighted(c.emit("matmul", [c.emit("gather", [table, ids]), w])), [table, w]);
  });

  it("dropout in evaluation mode is the identity, and so is its gradient", () => {
    const c = new Case(252);
    const x = c.input("x", [3, 4]);
    const y = c.emit("dropout", [c.emit("tanh", [x])], { rate: 0.5 });
    gradCheck(c, c.weighted(y), [x]);
    expect(c.g.nodes.filter((n) => n.op === "dropout_mask")).toEqual([]);
  });
});

describe("symbolic batch dimension", () => {
  it("f32[B, 3] fed a [4, 3] tensor: dense layer with bias and mean over the batch", () => {
    const c = new Case(260, { B: 4 });
    const x = c.input("x", ["B", 3]), w = c.input("W", [3, 2]), bias = c.input("bias", [2]);
    const y = c.emit("tanh", [c.b.add(c.emit("matmul", [x, w]), bias)]);
    expect(y.type.shape.map(String)).toEqual(["B", "2"]);
    const loss = c.emit("mean", [c.b.mul(y, c.input("wy", ["B", 2]))], { axes: [0, 1], keepdims: false });
    const r = gradCheck(c, loss, [x, w, bias]);
    expect(r.graph.outputs[1]!.type.shape[0]!.equals(Dim.sym("B"))).toBe(true);
    expect(r.grads[0]!.shape).toEqual([4, 3]);
  });

  it("reshape [B, 2, 3] → [B, -1] → [B, 6] and back through a batched matmul", () => {
    const c = new Case(261, { B: 4 });
    const x = c.input("x", ["B", 2, 3]), w = c.input("W", [6, 5]);
    const flat = c.b.reshape(x, [Dim.sym("B"), Dim.const(-1)]);
    expect(flat.type.shape.map(String)).toEqual(["B", "6"]);
    const y = c.emit("matmul", [flat, w]);
    const back = c.b.reshape(c.emit("sigmoid", [y]), [Dim.const(-1), Dim.const(5)]);
    expect(back.type.shape.map(String)).toEqual(["B", "5"]);
    gradCheck(c, c.weighted(back), [x, w]);
  });

  it("concat along a symbolic axis ([B, 3] ++ [B, 3] → [2B, 3]) with a [1, 3] bias broadcast over B", () => {
    const c = new Case(263, { B: 3 });
    const a = c.input("a", ["B", 3]), b = c.input("b", ["B", 3]), bias = c.input("bias", [1, 3]);
    const y = c.emit("concat", [c.b.add(a, bias), c.emit("tanh", [b])], { axis: 0 });
    expect(y.type.shape.map(String)).toEqual(["2*B", "3"]);
    const r = gradCheck(c, c.weighted(y), [a, b, bias]);
    expect(r.grads.map((g) => g.shape)).toEqual([[3, 3], [3, 3], [1, 3]]);
  });

  it("a symbolic batch of 1 works too (rebinding B at run time)", () => {
    const c = new Case(262, { B: 1 });
    const x = c.input("x", ["B", 3]), v = c.input("v", [3]);
    const y = c.emit("max", [c.b.mul(x, v)], { axes: [1], keepdims: true });
    gradCheck(c, c.weighted(c.b.add(y, c.emit("sum", [x], { axes: [0, 1], keepdims: false }))), [x, v]);
  });
});
