// Reference kernels: conv2d and pooling (with TensorFlow's padding), their gradients, dropout and batch_norm.
import { describe, expect, it } from "vitest";
import { Rng } from "../../src/runtime/rng.js";
import type { Tensor } from "../../src/runtime/tensor.js";
import { dot, expectClose, f32, f64, iota, rand, run, values } from "./kernels-helpers.js";

/** A single-channel image [1, H, W, 1] from rows. */
const image = (rows: number[][]): Tensor => f64([1, rows.length, rows[0]!.length, 1], rows.flat());
/** A single-filter kernel [KH, KW, 1, 1] from rows. */
const kernel = (rows: number[][]): Tensor => f64([rows.length, rows[0]!.length, 1, 1], rows.flat());

/** Valid, stride-1 cross-correlation written out by hand. */
function handConv(x: number[][], k: number[][]): number[][] {
  const out: number[][] = [];
  for (let i = 0; i + k.length <= x.length; i++) {
    const row: number[] = [];
    for (let j = 0; j + k[0]!.length <= x[0]!.length; j++) {
      let s = 0;
      k.forEach((kr, a) => kr.forEach((kv, b) => { s += x[i + a]![j + b]! * kv; }));
      row.push(s);
    }
    out.push(row);
  }
  return out;
}

describe("conv2d", () => {
  it("the seed's 6×6 example: first entries 515 and 374 (cross-correlation, no flip)", () => {
    const x = [[81, 2, 209, 44, 71, 58], [24, 56, 108, 98, 12, 112], [91, 0, 189, 65, 79, 232], [12, 0, 0, 5, 1, 71], [2, 32, 23, 58, 8, 208], [4, 23, 2, 1, 3, 9]];
    const k = [[0, 1, 1], [1, 0, 0], [1, 0, 1]];
    const r = run("conv2d", [image(x), kernel(k)], { strides: [1, 1], padding: "valid" });
    expect(r.shape).toEqual([1, 4, 4, 1]);
    // By hand: 0·81 + 1·2 + 1·209 + 1·24 + 0·56 + 0·108 + 1·91 + 0·0 + 1·189 = 515,
    //          0·2 + 1·209 + 1·44 + 1·56 + 0·108 + 0·98 + 1·0 + 0·189 + 1·65 = 374.
    expect(r.data[0]).toBe(515);
    expect(r.data[1]).toBe(374);
    expect(values(r)).toEqual(handConv(x, k).flat());
  });

  it("the vertical edge filter on the 6×6 matrix", () => {
    const x = [[3, 0, 1, 2, 7, 4], [1, 5, 8, 9, 3, 1], [2, 7, 2, 5, 1, 3], [0, 1, 3, 1, 7, 8], [4, 2, 1, 6, 2, 8], [2, 4, 5, 2, 3, 9]];
    const k = [[1, 0, -1], [1, 0, -1], [1, 0, -1]];
    const r = run("conv2d", [image(x), kernel(k)], {});
    // First row by hand: (3+1+2)-(1+8+2) = -5, (0+5+7)-(2+9+5) = -4, (1+8+2)-(7+3+1) = 0, (2+9+5)-(4+1+3) = 8.
    expect(values(r).slice(0, 4)).toEqual([-5, -4, 0, 8]);
    expect(values(r)).toEqual(handConv(x, k).flat());
  });

  it("multi-channel, multi-filter matches a direct sum", () => {
    const x = rand([2, 4, 5, 3], 1), w = rand([2, 3, 3, 2], 2);
    const r = run("conv2d", [x, w], { strides: [1, 2] });
    expect(r.shape).toEqual([2, 3, 2, 2]);
    const at = (t: Tensor, ...ix: number[]) => t.data[ix.reduce((o, v, d) => o * t.shape[d]! + v, 0)]!;
    let s = 0;
    for (let a = 0; a < 2; a++) for (let b = 0; b < 3; b++) for (let c = 0; c < 3; c++) s += at(x, 1, 2 + a, 2 + b, c) * at(w, a, b, c, 1);
    expect(at(r, 1, 2, 1, 1)).toBeCloseTo(s, 12);
  });

  it('"same" with stride 2 pads the smaller half on top/left (TensorFlow)', () => {
    const ones = kernel([[1, 1, 1], [1, 1, 1], [1, 1, 1]]);
    // 5×5, stride 2: 3 outputs, total pad 2 → 1 on each side.
    const x5 = f64([1, 5, 5, 1], iota(25, 1));
    const r5 = run("conv2d", [x5, ones], { strides: [2, 2], padding: "same" });
    expect(r5.shape).toEqual([1, 3, 3, 1]);
    expect(values(r5)).toEqual([
      1 + 2 + 6 + 7, 2 + 3 + 4 + 7 + 8 + 9, 4 + 5 + 9 + 10,
      6 + 7 + 11 + 12 + 16 + 17, 7 + 8 + 9 + 12 + 13 + 14 + 17 + 18 + 19, 9 + 10 + 14 + 15 + 19 + 20,
      16 + 17 + 21 + 22, 17 + 18 + 19 + 22 + 23 + 24, 19 + 20 + 24 + 25,
    ]);
    // 4×4, stride 2: 2 outputs, total pad 1 → 0 on top, 1 at the bottom.
    const x4 = f64([1, 4, 4, 1], iota(16, 1));
    const r4 = run("conv2d", [x4, ones], { strides: [2, 2], padding: "same" });
    expect(values(r4)).toEqual([1 + 2 + 3 + 5 + 6 + 7 + 9 + 10 + 11, 3 + 4 + 7 + 8 + 11 + 12, 9 + 10 + 11 + 13 + 14 + 15, 11 + 12 + 15 + 16]);
  });

  it("stores f32 results in a Float32Array", () => {
    const r = run("conv2d", [f32([1, 2, 2, 1], [0.1, 0.2, 0.3, 0.4]), f32([1, 1, 1, 1], [3])], {});
    expect(r.data).toBeInstanceOf(Float32Array);
  });
});

describe("conv2d gradients", () => {
  for (const [padding, strides] of [["valid", [1, 1]], ["same", [2, 2]], ["same", [1, 2]], ["valid", [2, 3]]] as const) {
    it(`adjoint identities, ${padding} ${strides.join("×")}`, () => {
      const x = rand([2, 7, 6, 3], 3), w = rand([3, 2, 3, 4], 4);
      const attrs = { strides: [...strides], padding };
      const y = run("conv2d", [x, w], attrs);
      const dy = rand(y.shape, 5);
      const dx = run("conv2d_grad_input", [dy, w, x], attrs);
      const dw = run("conv2d_grad_filter", [x, dy, w], attrs);
      // conv is bilinear: <conv(x, w), dy> = <x, dx> = <w, dw>.
      expect(dot(x, dx)).toBeCloseTo(dot(y, dy), 10);
      expect(dot(w, dw)).toBeCloseTo(dot(y, dy), 10);
    });
  }

  it("matches finite differences of conv2d", () => {
    const x = rand([1, 5, 5, 2], 6), w = rand([3, 3, 2, 2], 7);
    const attrs = { strides: [2, 2], padding: "same" };
    const dy = rand(run("conv2d", [x, w], attrs).shape, 8);
    const loss = (xx: Tensor, ww: Tensor) => dot(run("conv2d", [xx, ww], attrs), dy);
    const dx = run("conv2d_grad_input", [dy, w, x], attrs), dw = run("conv2d_grad_filter", [x, dy, w], attrs);
    const h = 1e-6;
    for (const i of [0, 7, 23, 49]) {
      const xp = f64(x.shape, x.data); xp.data[i]! += h;
      const xm = f64(x.shape, x.data); xm.data[i]! -= h;
      expect(dx.data[i]).toBeCloseTo((loss(xp, w) - loss(xm, w)) / (2 * h), 6);
    }
    for (const i of [0, 5, 17, 35]) {
      const wp = f64(w.shape, w.data); wp.data[i]! += h;
      const wm = f64(w.shape, w.data); wm.data[i]! -= h;
      expect(dw.data[i]).toBeCloseTo((loss(x, wp) - loss(x, wm)) / (2 * h), 6);
    }
  });
});

describe("pooling", () => {
  const x3 = f64([1, 3, 3, 1], iota(9, 1));

  it("valid max and average pooling", () => {
    const x = f64([1, 4, 4, 1], [1, 3, 2, 4, 5, 7, 6, 8, 9, 11, 10, 12, 13, 15, 14, 16]);
    expect(values(run("max_pool2d", [x], {}))).toEqual([7, 8, 15, 16]);
    expect(values(run("avg_pool2d", [x], {}))).toEqual([4, 5, 12, 13]);
  });

  it('"same" at the borders ignores padded positions', () => {
    // 3×3, window 2, stride 2: 2 outputs, padding 1 at the bottom/right only.
    expect(values(run("max_pool2d", [x3], { padding: "same" }))).toEqual([5, 6, 8, 9]);
    expect(values(run("avg_pool2d", [x3], { padding: "same" }))).toEqual([3, 4.5, 7.5, 9]);
    // Window 3, stride 1: padding 1 all round; the corner averages 4 values, the middle 9.
    const avg = run("avg_pool2d", [x3], { window: [3, 3], strides: [1, 1], padding: "same" });
    expect(avg.data[0]).toBe((1 + 2 + 4 + 5) / 4);
    expect(avg.data[1]).toBe((1 + 2 + 3 + 4 + 5 + 6) / 6);
    expect(avg.data[4]).toBe(5);
    // Negative inputs: padding is not a zero that could win the max.
    const neg = run("max_pool2d", [f64([1, 3, 3, 1], iota(9, -20))], { padding: "same" });
    expect(values(neg)).toEqual([-16, -15, -13, -12]);
  });

  it("channels pool independently", () => {
    const x = f64([1, 2, 2, 2], [1, 8, 2, 7, 3, 6, 4, 5]);
    expect(values(run("max_pool2d", [x], {}))).toEqual([4, 8]);
  });

  it("max_pool2d_grad sends dy to the first maximum of each window", () => {
    const x = f64([1, 2, 4, 1], [5, 5, 1, 2, 5, 0, 2, 1]);
    const g = run("max_pool2d_grad", [x, f64([1, 1, 2, 1], [10, 20])], {});
    expect(values(g)).toEqual([10, 0, 0, 20, 0, 0, 0, 0]);
    // Overlapping windows (stride 1) accumulate.
    const o = run("max_pool2d_grad", [f64([1, 1, 3, 1], [1, 9, 2]), f64([1, 1, 2, 1], [1, 2])], { window: [1, 2], strides: [1, 1] });
    expect(values(o)).toEqual([0, 3, 0]);
  });

  it("max_pool2d_grad matches finite differences (distinct values, same padding)", () => {
    const x = rand([2, 5, 5, 2], 9);
    const attrs = { window: [3, 3], strides: [2, 2], padding: "same" };
    const dy = rand(run("max_pool2d", [x], attrs).shape, 10);
    const g = run("max_pool2d_grad", [x, dy], attrs);
    const v = rand(x.shape, 11), h = 1e-7;
    const xp = f64(x.shape, x.data.map((e, i) => e + h * v.data[i]!));
    const xm = f64(x.shape, x.data.map((e, i) => e - h * v.data[i]!));
    const fd = (dot(run("max_pool2d", [xp], attrs), dy) - dot(run("max_pool2d", [xm], attrs), dy)) / (2 * h);
    expect(dot(v, g)).toBeCloseTo(fd, 6);
  });

  for (const attrs of [{}, { padding: "same" }, { window: [3, 2], strides: [1, 2], padding: "same" }, { window: [3, 3], strides: [2, 1] }]) {
    it(`avg_pool2d_grad is the adjoint of avg_pool2d ${JSON.stringify(attrs)}`, () => {
      const x = rand([2, 5, 6, 3], 12);
      const y = run("avg_pool2d", [x], attrs);
      const dy = rand(y.shape, 13);
      expect(dot(x, run("avg_pool2d_grad", [dy, x], attrs))).toBeCloseTo(dot(y, dy), 12);
    });
  }
});

describe("dropout", () => {
  const x = f32([2, 50], iota(100, 1));

  it("is the identity outside training", () => {
    expect(values(run("dropout", [x], { rate: 0.5 }))).toEqual(values(x));
  });

  it("draws one number per element: kept when >= rate, scaled by 1/(1-rate)", () => {
    const r = values(run("dropout", [x], { rate: 0.25 }, { training: true, rng: new Rng(42) }));
    const rng = new Rng(42);
    const want = values(x).map((v) => (rng.next() >= 0.25 ? Math.fround(v * Math.fround(1 / 0.75)) : 0));
    expect(r).toEqual(want);
    const kept = r.filter((v) => v !== 0).length;
    expect(kept).toBeGreaterThan(55);
    expect(kept).toBeLessThan(95);
  });

  it("dropout_mask uses the same draws, so x * mask equals dropout(x)", () => {
    const mask = run("dropout_mask", [x], { rate: 0.3 }, { training: true, rng: new Rng(7) });
    expect(mask.dtype).toBe("f32");
    expect(new Set(values(mask))).toEqual(new Set([0, Math.fround(1 / 0.7)]));
    const d = run("dropout", [x], { rate: 0.3 }, { training: true, rng: new Rng(7) });
    expect(values(run("mul", [x, mask]))).toEqual(values(d));
  });
});

describe("batch_norm", () => {
  it("uses the moving statistics over the last axis", () => {
    const x = f64([2, 2], [1, 2, 3, 4]);
    const r = run("batch_norm", [x, f64([2], [2, 1]), f64([2], [0.5, 0]), f64([2], [1, 3]), f64([2], [4, 1])], { epsilon: 0 });
    expectClose(values(r), [2 * 0 / 2 + 0.5, (2 - 3) / 1, 2 * 2 / 2 + 0.5, (4 - 3) / 1], 1e-12);
    const e = run("batch_norm", [f64([1], [2]), f64([1], [1]), f64([1], [0]), f64([1], [0]), f64([1], [1])], {});
    expect(e.data[0]).toBeCloseTo(2 / Math.sqrt(1.001), 12);
  });
});
