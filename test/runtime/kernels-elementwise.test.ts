// Reference kernels: elementwise maths, broadcasting, select/cast, reductions, matmul, in_top_k, sum_to, unreduce.
import { describe, expect, it } from "vitest";
import { Dim } from "../../src/ir/dim.js";
import { PRIMS } from "../../src/ir/prims.js";
import { KERNELS } from "../../src/runtime/ref/kernels/index.js";
import { bool, dot, expectClose, f32, f64, i32, iota, rand, run, values } from "./kernels-helpers.js";

describe("registry", () => {
  it("has a kernel for every primitive", () => {
    expect([...PRIMS.keys()].filter((p) => !KERNELS.has(p))).toEqual([]);
  });
});

describe("unary", () => {
  it("computes each function", () => {
    const x = f64([4], [-2, -0.5, 0, 3]);
    expectClose(values(run("neg", [x])), [2, 0.5, 0, -3]);
    expectClose(values(run("abs", [x])), [2, 0.5, 0, 3]);
    expectClose(values(run("sign", [x])), [-1, -1, 0, 1]);
    expectClose(values(run("exp", [x])), [-2, -0.5, 0, 3].map(Math.exp));
    expectClose(values(run("tanh", [x])), [-2, -0.5, 0, 3].map(Math.tanh));
    const p = f64([3], [1, 4, Math.E]);
    expectClose(values(run("log", [p])), [0, Math.log(4), 1]);
    expectClose(values(run("sqrt", [p])), [1, 2, Math.sqrt(Math.E)]);
  });

  it("sigmoid matches the seed's values and stays finite for large |x|", () => {
    const s = values(run("sigmoid", [f64([5], [0, 10, -10, 1000, -1000])]));
    expectClose(s.slice(0, 3), [0.5, 0.9999546021312976, 0.0000453978687024344], 1e-12);
    expect(s[3]).toBe(1);
    expect(s[4]).toBe(0);
    expect(s.every(Number.isFinite)).toBe(true);
  });

  it("rounds f32 results to f32", () => {
    const r = run("exp", [f32([1], [1])]);
    expect(r.data).toBeInstanceOf(Float32Array);
    expect(r.data[0]).toBe(Math.fround(Math.E));
  });

  it("works on integers where the shape rule allows", () => {
    const r = run("neg", [i32([3], [1, -2, 0])]);
    expect(r.dtype).toBe("i32");
    expect(values(r)).toEqual([-1, 2, 0]);
  });
});

describe("binary broadcasting", () => {
  it("[2,3] + [3]", () => {
    const r = run("add", [f32([2, 3], [1, 2, 3, 4, 5, 6]), f32([3], [10, 20, 30])]);
    expect(values(r)).toEqual([11, 22, 33, 14, 25, 36]);
  });

  it("[2,1,4] * [3,1] → [2,3,4]", () => {
    const a = f64([2, 1, 4], iota(8, 1));
    const b = f64([3, 1], [1, 10, 100]);
    const r = run("mul", [a, b]);
    const want: number[] = [];
    for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 4; k++) want.push(a.data[i * 4 + k]! * b.data[j]!);
    expect(values(r)).toEqual(want);
  });

  it("scalar on either side, and non-square [3,1] - [1,2]", () => {
    expect(values(run("sub", [f32([], [10]), f32([2], [1, 2])]))).toEqual([9, 8]);
    expect(values(run("div", [f32([2], [1, 3]), f32([], [2])]))).toEqual([0.5, 1.5]);
    expect(values(run("sub", [f32([3, 1], [1, 2, 3]), f32([1, 2], [10, 20])]))).toEqual([-9, -19, -8, -18, -7, -17]);
  });

  it("pow, maximum, minimum", () => {
    const a = f64([3], [2, -1, 4]), b = f64([3], [3, 2, 0.5]);
    expect(values(run("pow", [a, b]))).toEqual([8, 1, 2]);
    expect(values(run("maximum", [a, b]))).toEqual([3, 2, 4]);
    expect(values(run("minimum", [a, b]))).toEqual([2, -1, 0.5]);
  });

  it("comparisons give bool", () => {
    const a = f32([2, 2], [1, 2, 3, 4]), b = f32([2], [2, 2]);
    const g = run("greater", [a, b]);
    expect(g.dtype).toBe("bool");
    expect(g.data).toBeInstanceOf(Uint8Array);
    expect(values(g)).toEqual([0, 0, 1, 1]);
    expect(values(run("greater_equal", [a, b]))).toEqual([0, 1, 1, 1]);
    expect(values(run("less", [a, b]))).toEqual([1, 0, 0, 0]);
    expect(values(run("less_equal", [a, b]))).toEqual([1, 1, 0, 0]);
    expect(values(run("equal", [a, b]))).toEqual([0, 1, 0, 0]);
  });

  it("integer division truncates toward zero", () => {
    expect(values(run("div", [i32([3], [7, -7, 5]), i32([3], [2, 2, 0])]))).toEqual([3, -3, 0]);
  });

  it("does not mutate its inputs", () => {
    const a = f32([2], [1, 2]), b = f32([2], [3, 4]);
    run("add", [a, b]);
    expect(values(a)).toEqual([1, 2]);
    expect(values(b)).toEqual([3, 4]);
  });
});

describe("select and cast", () => {
  it("select broadcasts cond, a and b", () => {
    const c = bool([2, 1], [1, 0]);
    const r = run("select", [c, f32([3], [1, 2, 3]), f32([], [-1])]);
    expect(r.shape).toEqual([2, 3]);
    expect(values(r)).toEqual([1, 2, 3, -1, -1, -1]);
  });

  it("cast truncates toward zero, bool is nonzero", () => {
    const x = f32([5], [1.7, -1.7, 0, -0.2, 3]);
    expect(values(run("cast", [x], { dtype: "i32" }))).toEqual([1, -1, 0, 0, 3]);
    expect(values(run("cast", [x], { dtype: "bool" }))).toEqual([1, 1, 0, 1, 1]);
    const b = run("cast", [bool([2], [1, 0])], { dtype: "f32" });
    expect(b.data).toBeInstanceOf(Float32Array);
    expect(values(b)).toEqual([1, 0]);
    expect(run("cast", [f64([1], [0.1])], { dtype: "f32" }).data[0]).toBe(Math.fround(0.1));
  });
});

describe("reductions", () => {
  const x = f64([2, 3, 2], iota(12)); // x[i][j][k] = 6i + 2j + k

  it("sum over several axes, with and without keepdims", () => {
    expect(values(run("sum", [x], { axes: [0, 2] }))).toEqual([0 + 1 + 6 + 7, 2 + 3 + 8 + 9, 4 + 5 + 10 + 11]);
    const k = run("sum", [x], { axes: [0, 2], keepdims: true });
    expect(k.shape).toEqual([1, 3, 1]);
    expect(values(k)).toEqual([14, 22, 30]);
    expect(values(run("sum", [x], { axes: [-1] }))).toEqual([1, 5, 9, 13, 17, 21]);
    expect(values(run("sum", [x], { axes: [0, 1, 2] }))).toEqual([66]);
  });

  it("axes may be Dims; missing axes means the last", () => {
    expect(values(run("sum", [x], { axes: [Dim.const(1)] }))).toEqual([6, 9, 24, 27]);
    expect(values(run("mean", [x], {}))).toEqual([0.5, 2.5, 4.5, 6.5, 8.5, 10.5]);
  });

  it("mean, max, min", () => {
    expect(values(run("mean", [x], { axes: [1], keepdims: true }))).toEqual([2, 3, 8, 9]);
    expect(values(run("max", [x], { axes: [0, 1] }))).toEqual([10, 11]);
    expect(values(run("min", [x], { axes: [2] }))).toEqual([0, 2, 4, 6, 8, 10]);
    expect(values(run("max", [f64([3], [1, NaN, 2])], { axes: [0] }))).toEqual([NaN]);
  });

  it("argmax returns the first maximum as i32", () => {
    const y = f32([2, 4], [1, 5, 5, 2, 7, 0, 7, 7]);
    const r = run("argmax", [y], { axis: -1 });
    expect(r.dtype).toBe("i32");
    expect(values(r)).toEqual([1, 0]);
    expect(values(run("argmax", [y], { axis: 0 }))).toEqual([1, 0, 1, 1]);
  });

  it("in_top_k counts strictly greater scores (ties favour the label)", () => {
    const p = f32([3, 4], [0.1, 0.5, 0.3, 0.1, 0.2, 0.2, 0.2, 0.4, 0.9, 0.05, 0.03, 0.02]);
    expect(values(run("in_top_k", [p, i32([3], [2, 1, 3])], { k: 1 }))).toEqual([0, 0, 0]);
    expect(values(run("in_top_k", [p, i32([3], [2, 1, 0])], { k: 2 }))).toEqual([1, 1, 1]);
    expect(values(run("in_top_k", [p, i32([3], [1, 0, 9])], { k: 1 }))).toEqual([1, 0, 0]);
  });
});

describe("matmul", () => {
  /** Plain triple loop on matrix slices. */
  const naive = (a: number[], b: number[], m: number, k: number, n: number): number[] => {
    const out: number[] = [];
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
      let s = 0;
      for (let t = 0; t < k; t++) s += a[i * k + t]! * b[t * n + j]!;
      out.push(s);
    }
    return out;
  };

  it("2-D", () => {
    const r = run("matmul", [f32([2, 3], [1, 2, 3, 4, 5, 6]), f32([3, 2], [7, 8, 9, 10, 11, 12])]);
    expect(values(r)).toEqual([58, 64, 139, 154]);
  });

  it("broadcasts batch axes: [2,1,2,3] @ [3,3,4] → [2,3,2,4]", () => {
    const a = rand([2, 1, 2, 3], 1), b = rand([3, 3, 4], 2);
    const r = run("matmul", [a, b]);
    const av = values(a), bv = values(b), want: number[] = [];
    for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) want.push(...naive(av.slice(i * 6, i * 6 + 6), bv.slice(j * 12, j * 12 + 12), 2, 3, 4));
    expectClose(values(r), want, 1e-12);
  });

  it("a rank-1 left side is a row vector and its axis is dropped", () => {
    expect(values(run("matmul", [f32([3], [1, 2, 3]), f32([3, 2], [1, 0, 0, 1, 1, 1])]))).toEqual([4, 5]);
    const b = rand([4, 3, 2], 3);
    const r = run("matmul", [f64([3], [1, 2, 3]), b]);
    expect(r.shape).toEqual([4, 2]);
    const bv = values(b), want: number[] = [];
    for (let p = 0; p < 4; p++) want.push(...naive([1, 2, 3], bv.slice(p * 6, p * 6 + 6), 1, 3, 2));
    expectClose(values(r), want, 1e-12);
  });

  it("is fast enough for an MLP layer: 32×784 @ 784×128", () => {
    const a = f32([32, 784], Array.from({ length: 32 * 784 }, (_, i) => (i % 7) / 7));
    const b = f32([784, 128], Array.from({ length: 784 * 128 }, (_, i) => (i % 5) / 5 - 0.4));
    run("matmul", [a, b]); // warm-up
    const t0 = performance.now();
    for (let i = 0; i < 5; i++) run("matmul", [a, b]);
    const ms = (performance.now() - t0) / 5;
    expect(ms).toBeLessThan(100);
  });
});

describe("sum_to and unreduce", () => {
  it("sum_to sums added and broadcast axes", () => {
    const x = f64([2, 3, 4], iota(24));
    expect(values(run("sum_to", [x, f64([4], [0, 0, 0, 0])]))).toEqual([60, 66, 72, 78]);
    const r = run("sum_to", [x, f64([3, 1], [0, 0, 0])]);
    expect(values(r)).toEqual([0 + 1 + 2 + 3 + 12 + 13 + 14 + 15, 4 + 5 + 6 + 7 + 16 + 17 + 18 + 19, 8 + 9 + 10 + 11 + 20 + 21 + 22 + 23]);
    expect(values(run("sum_to", [x, f64([], [0])]))).toEqual([276]);
  });

  it("sum_to is the adjoint of broadcasting", () => {
    const y = rand([3, 1], 4), dz = rand([2, 3, 5], 5);
    const zeros = f64([2, 3, 5], new Array(30).fill(0));
    const bcast = run("add", [y, zeros]);
    expect(dot(bcast, dz)).toBeCloseTo(dot(y, run("sum_to", [dz, y])), 12);
  });

  it("unreduce spreads dy back (with keepdims either way, and mean)", () => {
    const like = f64([2, 3], new Array(6).fill(0));
    expect(values(run("unreduce", [f64([2], [1, 2]), like], { axes: [1] }))).toEqual([1, 1, 1, 2, 2, 2]);
    expect(values(run("unreduce", [f64([1, 3], [1, 2, 3]), like], { axes: [0], keepdims: true }))).toEqual([1, 2, 3, 1, 2, 3]);
    expect(values(run("unreduce", [f64([], [6]), like], { axes: [0, 1], mean: true }))).toEqual([1, 1, 1, 1, 1, 1]);
  });

  it("unreduce(mean) is the adjoint of mean", () => {
    const x = rand([2, 3, 4], 6), dy = rand([3], 7);
    const m = run("mean", [x], { axes: [0, 2] });
    expect(dot(m, dy)).toBeCloseTo(dot(x, run("unreduce", [dy, x], { axes: [0, 2], mean: true })), 12);
  });
});
