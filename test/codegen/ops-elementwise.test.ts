// Compiled CPU backend vs. the reference executor: unary and binary maths with broadcasting, comparisons,
// select, cast, zeros/const, integer arithmetic and IEEE special values. One graph, one compilation.
import { describe } from "vitest";
import type { Value } from "../../src/ir/graph.js";
import { Case, outputSuite, tempCache } from "./helpers.js";

const cache = tempCache();

/** n random integers in [lo, hi]. */
const ints = (c: Case, n: number, lo: number, hi: number): number[] => Array.from({ length: n }, () => Math.floor(c.rng.uniform(lo, hi + 1)));

describe("elementwise ops (one graph, many outputs)", () => {
  const c = new Case(11);
  outputSuite(c, cache, (c) => {
    const e = (op: string, ins: Value[], attrs = {}) => c.emit(op, ins, attrs);
    const k = (v: number, dtype: "f32" | "i32" = "f32") => c.b.const(v, dtype);
    // Non-square shapes; b and q broadcast against a from the right.
    const a = c.input("a", [3, 4, 5]), b = c.input("b", [4, 1]);
    const p = c.input("p", [3, 4, 5], { lo: 0.25, hi: 3 }), q = c.input("q", [5], { lo: 0.5, hi: 2 });
    // Small integers stored as floats: comparisons see ties, sign sees zeros.
    const r = c.input("r", [3, 4, 5], { values: ints(c, 60, -1, 1) }), s = c.input("s", [4, 1], { values: ints(c, 4, -1, 1) });
    // Integer tensors (zeros included, for division by zero).
    const i = c.input("i", [3, 4], { dtype: "i32", values: ints(c, 12, -9, 9) }), j = c.input("j", [4], { dtype: "i32", values: [0, 3, -2, 1] });
    const ip = c.input("ip", [3, 4], { dtype: "i32", values: ints(c, 12, 0, 5) });
    // IEEE special values: signed zeros, NaN, infinities, overflow and saturation points.
    const z = c.input("z", [12], { values: [0, -0, NaN, Infinity, -Infinity, 1e-30, -2.5, 100, -100, 88, 3, -1e-3] });
    return {
      neg: e("neg", [a]), exp: e("exp", [a]), log: e("log", [p]), sqrt: e("sqrt", [p]), abs: e("abs", [a]),
      sign: e("sign", [r]), sign_random: e("sign", [a]),
      tanh: e("tanh", [c.b.mul(a, k(3))]), tanh_small: e("tanh", [c.b.mul(a, k(1e-2))]), sigmoid: e("sigmoid", [c.b.mul(a, k(8))]),
      add: c.b.add(a, b), sub: c.b.sub(b, a), mul: c.b.mul(a, b), div: c.b.div(a, q), pow: e("pow", [p, b]),
      maximum: e("maximum", [a, b]), minimum: e("minimum", [b, a]), add_scalar: c.b.add(a, k(2.5)),
      greater: e("greater", [r, s]), greater_equal: e("greater_equal", [r, s]), less: e("less", [s, r]),
      less_equal: e("less_equal", [r, s]), equal: e("equal", [r, s]), greater_random: e("greater", [a, b]),
      select: e("select", [e("greater", [a, b]), a, q]), select_scalar: e("select", [e("less", [r, s]), k(-7), b]),
      cast_f32_i32: e("cast", [c.b.mul(a, k(3))], { dtype: "i32" }), cast_f32_bool: e("cast", [r], { dtype: "bool" }),
      cast_bool_f32: e("cast", [e("greater", [a, b])], { dtype: "f32" }), cast_i32_f32: e("cast", [i], { dtype: "f32" }),
      cast_i32_bool: e("cast", [i], { dtype: "bool" }), cast_bool_i32: e("cast", [e("equal", [r, s])], { dtype: "i32" }),
      zeros: e("zeros", [], { shape: [2, 3] }), zeros_i32: e("zeros", [], { shape: [3], dtype: "i32" }), const: k(1.5),
      i_add: c.b.add(i, j), i_sub: c.b.sub(j, i), i_mul: c.b.mul(i, j), i_div: c.b.div(i, j), i_neg: e("neg", [i]),
      i_abs: e("abs", [i]), i_sign: e("sign", [i]), i_max: e("maximum", [i, j]), i_min: e("minimum", [i, j]),
      i_pow: e("pow", [ip, c.b.const(3, "i32")]), i_greater: e("greater", [i, j]), i_equal: e("equal", [i, j]),
      i_less_equal: e("less_equal", [j, i]), i_select: e("select", [e("greater", [i, j]), i, j]), i_add_const: c.b.add(i, k(5, "i32")),
      sp_sign: e("sign", [z]), sp_abs: e("abs", [z]), sp_neg: e("neg", [z]), sp_exp: e("exp", [z]), sp_log: e("log", [z]),
      sp_sqrt: e("sqrt", [z]), sp_tanh: e("tanh", [z]), sp_sigmoid: e("sigmoid", [z]), sp_greater: e("greater", [z, k(0)]),
      sp_equal: e("equal", [z, z]), sp_cast_bool: e("cast", [z], { dtype: "bool" }),
      // numpy's maximum/minimum (the reference) propagate a NaN from either side.
      sp_max_nan_left: e("maximum", [z, k(1)]), sp_max_nan_right: e("maximum", [k(1), z]),
      sp_min_nan_left: e("minimum", [z, k(1)]), sp_min_nan_right: e("minimum", [k(1), z]),
    };
  });
});
