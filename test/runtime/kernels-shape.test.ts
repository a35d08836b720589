// Reference kernels: reshape, transpose, concat, slice, index, reverse, gather, one_hot, zeros, const,
// and the adjoints slice_grad, index_grad, scatter_add.
import { describe, expect, it } from "vitest";
import { Dim } from "../../src/ir/dim.js";
import { RuntimeError } from "../../src/runtime/tensor.js";
import { dot, f32, f64, i32, iota, rand, run, values } from "./kernels-helpers.js";

describe("reshape and transpose", () => {
  it("reshape infers -1 and evaluates Dims", () => {
    const x = f32([2, 3, 4], iota(24));
    const r = run("reshape", [x], { shape: [Dim.sym("B"), Dim.const(-1)] }, { dims: { B: 2 } });
    expect(r.shape).toEqual([2, 12]);
    expect(values(r)).toEqual(iota(24));
    expect(run("reshape", [x], { shape: [4, 6] }).shape).toEqual([4, 6]);
    expect(() => run("reshape", [x], { shape: [Dim.sym("B"), Dim.const(5)] }, { dims: { B: 2 } })).toThrow(RuntimeError);
  });

  it("transpose permutes axes", () => {
    const x = f32([2, 3], [1, 2, 3, 4, 5, 6]);
    expect(values(run("transpose", [x], { perm: [1, 0] }))).toEqual([1, 4, 2, 5, 3, 6]);
    const y = f32([2, 3, 4], iota(24));
    const t = run("transpose", [y], { perm: [2, 0, 1] });
    expect(t.shape).toEqual([4, 2, 3]);
    // t[k][i][j] = y[i][j][k] = 12i + 4j + k
    expect(t.data[1 * 6 + 1 * 3 + 2]).toBe(12 + 8 + 1);
  });
});

describe("concat, slice, index, reverse", () => {
  it("concat along a middle axis", () => {
    const a = f32([2, 1, 2], [1, 2, 3, 4]), b = f32([2, 2, 2], [5, 6, 7, 8, 9, 10, 11, 12]);
    const r = run("concat", [a, b], { axis: 1 });
    expect(r.shape).toEqual([2, 3, 2]);
    expect(values(r)).toEqual([1, 2, 5, 6, 7, 8, 3, 4, 9, 10, 11, 12]);
    expect(values(run("concat", [f32([2], [1, 2]), f32([1], [3])], { axis: -1 }))).toEqual([1, 2, 3]);
  });

  it("slice takes [start, end) on one axis; bounds may be Dims", () => {
    const x = f32([2, 4], iota(8));
    expect(values(run("slice", [x], { axis: 1, start: 1, end: 3 }))).toEqual([1, 2, 5, 6]);
    expect(values(run("slice", [x], { axis: 0, start: Dim.const(1), end: Dim.sym("N") }, { dims: { N: 2 } }))).toEqual([4, 5, 6, 7]);
  });

  it("index drops the axis; negative counts from the end", () => {
    const x = f32([2, 3], [1, 2, 3, 4, 5, 6]);
    expect(values(run("index", [x], { axis: 1, i: -1 }))).toEqual([3, 6]);
    expect(values(run("index", [x], { axis: 0, i: 1 }))).toEqual([4, 5, 6]);
    expect(() => run("index", [f32([2, 3], iota(6))], { axis: 0, i: Dim.sym("I") }, { dims: { I: 5 } })).toThrow(/out of range/);
  });

  it("reverse", () => {
    expect(values(run("reverse", [f32([2, 3], iota(6))], { axis: 1 }))).toEqual([2, 1, 0, 5, 4, 3]);
    expect(values(run("reverse", [f32([2, 3], iota(6))], { axis: 0 }))).toEqual([3, 4, 5, 0, 1, 2]);
  });

  it("slice_grad is the adjoint of slice", () => {
    const x = rand([3, 5, 2], 1), dy = rand([3, 2, 2], 2);
    const at = { axis: 1, start: 2, end: 4 };
    const g = run("slice_grad", [dy, x], { axis: 1, start: 2 });
    expect(dot(run("slice", [x], at), dy)).toBeCloseTo(dot(x, g), 12);
    expect(g.data[0]).toBe(0);
  });

  it("index_grad is the adjoint of index", () => {
    const x = rand([3, 4, 2], 3), dy = rand([3, 2], 4);
    const g = run("index_grad", [dy, x], { axis: 1, i: -2 });
    expect(dot(run("index", [x], { axis: 1, i: -2 }), dy)).toBeCloseTo(dot(x, g), 12);
    expect(g.data[2 * 2]).toBe(dy.data[0]); // position [0, 2, 0]
  });
});

describe("gather, scatter_add, one_hot", () => {
  const table = f32([4, 2], [0, 1, 10, 11, 20, 21, 30, 31]);

  it("gather picks rows", () => {
    const r = run("gather", [table, i32([2, 2], [3, 0, 1, 1])]);
    expect(r.shape).toEqual([2, 2, 2]);
    expect(values(r)).toEqual([30, 31, 0, 1, 10, 11, 10, 11]);
  });

  it("gather throws a RuntimeError naming the bad index and the table size", () => {
    expect(() => run("gather", [table, i32([2], [1, 4])])).toThrow(RuntimeError);
    expect(() => run("gather", [table, i32([2], [1, 4])])).toThrow(/index 4 .*4 rows/);
    expect(() => run("gather", [table, i32([1], [-1])])).toThrow(/index -1/);
  });

  it("scatter_add is the adjoint of gather and skips out-of-range indices", () => {
    const t = rand([5, 3], 5), idx = i32([2, 3], [0, 4, 4, 2, 0, 1]), dy = rand([2, 3, 3], 6);
    const g = run("scatter_add", [dy, idx, t]);
    expect(dot(run("gather", [t, idx]), dy)).toBeCloseTo(dot(t, g), 12);
    expect(values(g).slice(9, 12)).toEqual([0, 0, 0]); // row 3 never gathered
    const skip = run("scatter_add", [f64([2, 1], [1, 2]), i32([2], [7, 1]), f64([2, 1], [0, 0])]);
    expect(values(skip)).toEqual([0, 2]);
  });

  it("one_hot adds a last axis; out of range gives zeros", () => {
    const r = run("one_hot", [i32([2, 2], [0, 2, 3, -1])], { depth: 3 });
    expect(r.dtype).toBe("f32");
    expect(r.shape).toEqual([2, 2, 3]);
    expect(values(r)).toEqual([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
  });
});

describe("zeros and const", () => {
  it("zeros with symbolic shape and dtype", () => {
    const z = run("zeros", [], { shape: [Dim.sym("B"), Dim.const(3)], dtype: "i32" }, { dims: { B: 2 } });
    expect(z.shape).toEqual([2, 3]);
    expect(z.data).toBeInstanceOf(Int32Array);
    expect(values(z)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it("const is a scalar stored with its dtype", () => {
    const c = run("const", [], { value: 0.1, dtype: "f32" });
    expect(c.shape).toEqual([]);
    expect(c.data[0]).toBe(Math.fround(0.1));
    expect(run("const", [], { value: 0.1, dtype: "f64" }).data[0]).toBe(0.1);
  });
});
