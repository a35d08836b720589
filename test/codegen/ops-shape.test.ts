// Compiled CPU backend vs. the reference executor: reshape, transpose, concat, slice, index, reverse,
// gather, one_hot and the gradient helpers slice_grad, index_grad, scatter_add; also chains of movements,
// int and bool data and a symbolic batch. One graph, one compilation.
import { describe } from "vitest";
import type { Value } from "../../src/ir/graph.js";
import { Case, outputSuite, tempCache } from "./helpers.js";

const cache = tempCache();

describe("shape and indexing ops (one graph, many outputs)", () => {
  const c = new Case(41, { B: 3 });
  outputSuite(c, cache, (c) => {
    const e = (op: string, ins: Value[], attrs = {}) => c.emit(op, ins, attrs);
    const x = c.input("x", [3, 4, 5]), xb = c.input("xb", ["B", 4, 5]);
    const p2 = c.input("p2", [3, 2, 5]), p1 = c.input("p1", [3, 1, 5]), q = c.input("q", [3, 4, 2]);
    const m = c.input("m", [4, 6]), table = c.input("table", [6, 4]), row = c.input("row", [6]);
    const ix = c.input("ix", [3, 4], { dtype: "i32", values: [3, -1, 0, 2, 5, 4, -3, 1, 0, 2, 2, -6] });
    // Valid rows for gather; rows repeat so scatter_add accumulates.
    const rows = c.input("rows", [2, 3], { dtype: "i32", values: [5, 0, 3, 3, 1, 5] });
    const rows1 = c.input("rows1", [5], { dtype: "i32", values: [2, 2, 0, 5, 1] });
    // Out-of-range indices: one_hot gives an all-zero row, scatter_add skips them.
    const cls = c.input("cls", [3, 2], { dtype: "i32", values: [0, 4, -1, 2, 5, 1] });
    const wild = c.input("wild", [2, 3], { dtype: "i32", values: [5, -1, 3, 6, 1, 5] });
    const dyRows = c.input("dy_rows", [2, 3, 4]), dyRow = c.input("dy_row", [5]);
    const dySlice = c.input("dy_slice", [3, 2, 5]), dyIndex = c.input("dy_index", [3, 5]);
    return {
      reshape_hole: e("reshape", [x], { shape: [5, -1] }), reshape_flat: e("reshape", [x], { shape: [60] }),
      reshape_of_computed: e("reshape", [e("exp", [x])], { shape: [4, 15] }),
      reshape_twice: e("reshape", [e("reshape", [x], { shape: [12, 5] })], { shape: [2, 30] }),
      reshape_symbolic: e("reshape", [xb], { shape: [-1, 20] }),
      transpose_201: e("transpose", [x], { perm: [2, 0, 1] }), transpose_2d: e("transpose", [m], { perm: [1, 0] }),
      transpose_symbolic: e("transpose", [xb], { perm: [1, 2, 0] }),
      concat_axis1: e("concat", [p2, x, p1], { axis: 1 }), concat_last: e("concat", [q, x], { axis: -1 }),
      concat_computed: e("concat", [e("exp", [p1]), e("neg", [p2])], { axis: 1 }),
      concat_i32: e("concat", [ix, ix], { axis: 0 }), concat_symbolic: e("concat", [xb, xb], { axis: 0 }),
      slice_mid: e("slice", [x], { axis: 1, start: 1, end: 3 }), slice_last: e("slice", [x], { axis: -1, start: 2, end: 5 }),
      slice_symbolic: e("slice", [xb], { axis: 2, start: 0, end: 2 }),
      index_0: e("index", [x], { axis: 0, i: 2 }), index_neg: e("index", [x], { axis: -1, i: -1 }), index_mid_neg: e("index", [x], { axis: 1, i: -2 }),
      reverse_0: e("reverse", [x], { axis: 0 }), reverse_last: e("reverse", [x], { axis: -1 }), reverse_symbolic: e("reverse", [xb], { axis: 0 }),
      movement_chain: e("reverse", [e("transpose", [e("slice", [e("reshape", [x], { shape: [3, 20] })], { axis: 1, start: 3, end: 19 })], { perm: [1, 0] })], { axis: 1 }),
      bool_transpose: e("transpose", [e("greater", [x, c.b.const(0)])], { perm: [1, 2, 0] }),
      gather: e("gather", [table, rows]), gather_rank1: e("gather", [row, rows1]), gather_computed: e("gather", [e("tanh", [table]), rows]),
      one_hot: e("one_hot", [cls], { depth: 5 }), one_hot_from_cast: e("one_hot", [e("cast", [c.b.mul(x, c.b.const(2))], { dtype: "i32" })], { depth: 3 }),
      scatter_add: e("scatter_add", [dyRows, rows, table]), scatter_add_rank1: e("scatter_add", [dyRow, rows1, row]),
      scatter_add_out_of_range: e("scatter_add", [dyRows, wild, table]),
      slice_grad: e("slice_grad", [dySlice, x], { axis: 1, start: 1 }), index_grad: e("index_grad", [dyIndex, x], { axis: 1, i: -1 }),
      index_grad_0: e("index_grad", [c.input("dy_i0", [4, 5]), x], { axis: 0, i: 0 }),
    };
  });
});
