// Compiled CPU backend vs. the reference executor: sum/mean/max/min (axes, keepdims, long rows, a fused
// prologue), sum_to, unreduce, argmax (ties, NaN), matmul (batched, broadcast, row vector, views), and the
// same reductions on i32. One graph, one compilation (plus one crash-isolated child process).
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import type { Value } from "../../src/ir/graph.js";
import { Case, outputSuite, tempCache } from "./helpers.js";

const cache = tempCache();

describe("reductions, argmax and matmul (one graph, many outputs)", () => {
  const c = new Case(21);
  outputSuite(c, cache, (c) => {
    const e = (op: string, ins: Value[], attrs = {}) => c.emit(op, ins, attrs);
    const x = c.input("x", [3, 4, 5]), long = c.input("long", [3, 2000]);
    // Small integers as floats: argmax sees ties (the first maximum wins).
    const r = c.input("r", [3, 4, 5], { values: Array.from({ length: 60 }, () => Math.floor(c.rng.uniform(0, 3))) });
    // Row 0 has a NaN (it wins, as in the reference), row 1 is all -Infinity.
    const z = c.input("z", [2, 4], { values: [1, NaN, 3, 2, -Infinity, -Infinity, -Infinity, -Infinity] });
    // Integers: row 0 all negative, row 1 all positive (the accumulators' start values matter).
    const i = c.input("i", [2, 3], { dtype: "i32", values: [-5, -2, -9, 4, 7, 1] });
    const ia = c.input("ia", [3, 4], { dtype: "i32", values: [3, -1, 0, 2, 5, 4, -3, 1, 0, 2, 2, -6] });
    const ib = c.input("ib", [4, 2], { dtype: "i32", values: [1, -2, 0, 3, 4, 1, -1, 2] });
    const a = c.input("a", [3, 4]), b = c.input("b", [4, 6]), a3 = c.input("a3", [2, 3, 4]), b5 = c.input("b5", [5, 4, 6]);
    const a4 = c.input("a4", [2, 1, 3, 4]), v = c.input("v", [4]), b3 = c.input("b3", [2, 4, 6]), bt = c.input("bt", [6, 4]);
    const dy = c.input("dy", [3, 5]), dyk = c.input("dyk", [1, 4, 1]);
    return {
      sum_last: e("sum", [x]), sum_02_keepdims: e("sum", [x], { axes: [0, 2], keepdims: true }),
      sum_all: e("sum", [x], { axes: [0, 1, 2] }), sum_neg_axis: e("sum", [x], { axes: [-2] }),
      sum_long: e("sum", [long]), mean_long: e("mean", [long]), sum_exp_prologue: e("sum", [e("exp", [c.b.mul(x, x)])], { axes: [1] }),
      mean_1: e("mean", [x], { axes: [1] }), mean_all_keepdims: e("mean", [x], { axes: [0, 1, 2], keepdims: true }),
      max_0: e("max", [x], { axes: [0] }), max_keepdims: e("max", [x], { axes: [-2], keepdims: true }),
      min_12: e("min", [x], { axes: [1, 2] }), min_prologue: e("min", [e("abs", [x])], { axes: [0, 2], keepdims: true }),
      max_nan: e("max", [z]), min_nan: e("min", [z]),
      sum_to_4x1: e("sum_to", [x, c.input("like41", [4, 1])]), sum_to_5: e("sum_to", [x, c.input("like5", [5])]),
      sum_to_3x1x5: e("sum_to", [x, c.input("like315", [3, 1, 5])]), sum_to_same: e("sum_to", [x, c.input("like345", [3, 4, 5])]),
      unreduce: e("unreduce", [dy, x], { axes: [1] }), unreduce_keepdims_mean: e("unreduce", [dyk, x], { axes: [0, 2], keepdims: true, mean: true }),
      argmax_last: e("argmax", [x]), argmax_0: e("argmax", [x], { axis: 0 }), argmax_ties: e("argmax", [r], { axis: 1 }),
      argmax_nan: e("argmax", [z]),
      matmul: e("matmul", [a, b]), matmul_batched: e("matmul", [a3, c.input("b46", [4, 6])]),
      matmul_broadcast: e("matmul", [a4, b5]), matmul_row: e("matmul", [v, b]), matmul_row_batched: e("matmul", [v, b3]),
      matmul_transposed_view: e("matmul", [a, e("transpose", [bt], { perm: [1, 0] })]),
      matmul_computed_operand: e("matmul", [e("tanh", [c.b.mul(a, a)]), b]),
      i_sum: e("sum", [i]), i_max: e("max", [i]), i_min: e("min", [i]), i_argmax: e("argmax", [i]),
      i_matmul: e("matmul", [ia, ib]),
    };
  });
});

// An i32 mean divides an i32 sum by an f32 count; rendering it crashed the process (segfault in LLVM)
// instead of matching the reference's truncated mean, so it runs in a child process on the built dist/.
describe("i32 mean", () => {
  it("compiles and truncates like the reference (crash-isolated, needs `npm run build`)", () => {
    const dist = path.resolve("dist/src");
    expect(fs.existsSync(path.join(dist, "runtime/cpu/compiled.js")), "dist/ is built (npm run build)").toBe(true);
    const script = `
      import { newGraph } from "${dist}/ir/graph.js";
      import { GraphBuilder } from "${dist}/ir/builder.js";
      import { Dim } from "${dist}/ir/dim.js";
      import { compileGraph } from "${dist}/runtime/cpu/compiled.js";
      import { execute } from "${dist}/runtime/ref/executor.js";
      import { tensor } from "${dist}/runtime/tensor.js";
      const span = { file: "t", start: 0, end: 0, line: 1, col: 1, endLine: 1, endCol: 1 };
      const g = newGraph("m"), b = new GraphBuilder(g, { span, scope: "" }, 0);
      const i = b.newValue({ dtype: "i32", shape: [Dim.const(2), Dim.const(3)] }, "i");
      g.inputs.push(i);
      g.outputs = [b.emit("mean", [i])];
      const feeds = new Map([[i.id, tensor("i32", [2, 3], [-5, -2, -9, 4, 7, 1])]]);
      const r = compileGraph(g, { env: { NNC_CACHE_DIR: ${JSON.stringify(cache)} } });
      console.log(JSON.stringify({ got: Array.from(r.compiled.run(feeds)[0].data), want: Array.from(execute(g, feeds)[0].data) }));`;
    const p = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
    expect(p.signal ?? p.status, `child process ended by ${p.signal ?? `exit ${p.status}`}: ${p.stderr.slice(0, 400) || "(no stderr)"}`).toBe(0);
    const { got, want } = JSON.parse(p.stdout.trim().split("\n").pop()!) as { got: number[]; want: number[] };
    expect(want).toEqual([-5, 4]);
    expect(got).toEqual(want);
  });
});
