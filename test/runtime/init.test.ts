// Parameter initializers (src/runtime/init.ts): Keras's fans, bounds and variances, orthogonality,
// the LSTM forget-gate bias, constants, and reproducibility from the seed.
import { describe, expect, it } from "vitest";
import { Dim } from "../../src/ir/dim.js";
import type { ParamInfo } from "../../src/ir/graph.js";
import { fans, initParam } from "../../src/runtime/init.js";
import { Rng } from "../../src/runtime/rng.js";
import { RuntimeError } from "../../src/runtime/tensor.js";

const SPAN = { file: "t.nn", start: 0, end: 0, line: 1, col: 1, endLine: 1, endCol: 1 };

function init(name: string, shape: number[], args: Record<string, number> = {}, seed = 1): number[] {
  const p: ParamInfo = {
    name: "layer.w", trainable: true, span: SPAN, init: { name, args },
    value: { id: 0, type: { dtype: "f32", shape: shape.map((d) => Dim.const(d)) } },
  };
  const t = initParam(p, shape, new Rng(seed));
  expect(t.shape).toEqual(shape);
  expect(t.dtype).toBe("f32");
  return Array.from(t.data);
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const variance = (xs: number[]) => { const m = mean(xs); return xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length; };
const maxAbs = (xs: number[]) => xs.reduce((a, b) => Math.max(a, Math.abs(b)), 0);
/** σ of a normal truncated at ±2σ, relative to the untruncated σ (Keras divides by it). */
const TRUNC = 0.87962566103423978;

describe("fans", () => {
  it("dense kernels, biases and convolution kernels (receptive field × channels)", () => {
    expect(fans([200, 300])).toEqual({ fanIn: 200, fanOut: 300 });
    expect(fans([7])).toEqual({ fanIn: 7, fanOut: 7 });
    expect(fans([3, 3, 16, 32])).toEqual({ fanIn: 144, fanOut: 288 });
    expect(fans([])).toEqual({ fanIn: 1, fanOut: 1 });
  });
});

describe("random initializers", () => {
  it("glorot_uniform: within ±√(6/(fan_in+fan_out)), variance 2/(fan_in+fan_out), mean 0", () => {
    const xs = init("glorot_uniform", [200, 300]);
    const r = Math.sqrt(6 / 500);
    expect(maxAbs(xs)).toBeLessThanOrEqual(r + 1e-7);
    expect(maxAbs(xs)).toBeGreaterThan(0.999 * r);
    expect(Math.abs(variance(xs) / (2 / 500) - 1)).toBeLessThan(0.03);
    expect(Math.abs(mean(xs))).toBeLessThan(0.01 * r);
  });

  it("glorot_uniform on a conv kernel uses the receptive field", () => {
    const xs = init("glorot_uniform", [3, 3, 16, 32]);
    const r = Math.sqrt(6 / (144 + 288));
    expect(maxAbs(xs)).toBeLessThanOrEqual(r + 1e-7);
    expect(maxAbs(xs)).toBeGreaterThan(0.99 * r);
  });

  it("he_normal: standard deviation √(2/fan_in), truncated at two (scaled) standard deviations", () => {
    const xs = init("he_normal", [100, 600]);
    const s = Math.sqrt(2 / 100);
    expect(Math.abs(Math.sqrt(variance(xs)) / s - 1)).toBeLessThan(0.02);
    expect(maxAbs(xs)).toBeLessThanOrEqual((2 * s) / TRUNC + 1e-6);
    expect(maxAbs(xs)).toBeGreaterThan(0.98 * (2 * s) / TRUNC);
  });

  it("glorot_normal, lecun_normal: standard deviations √(2/(in+out)) and √(1/fan_in)", () => {
    expect(Math.abs(Math.sqrt(variance(init("glorot_normal", [200, 300]))) / Math.sqrt(2 / 500) - 1)).toBeLessThan(0.02);
    expect(Math.abs(Math.sqrt(variance(init("lecun_normal", [150, 400]))) / Math.sqrt(1 / 150) - 1)).toBeLessThan(0.02);
  });

  it("he_uniform and lecun_uniform bounds: √(6/fan_in), √(3/fan_in)", () => {
    const he = init("he_uniform", [50, 400]), le = init("lecun_uniform", [50, 400]);
    expect(maxAbs(he)).toBeLessThanOrEqual(Math.sqrt(6 / 50) + 1e-7);
    expect(maxAbs(he)).toBeGreaterThan(0.999 * Math.sqrt(6 / 50));
    expect(maxAbs(le)).toBeLessThanOrEqual(Math.sqrt(3 / 50) + 1e-7);
    expect(maxAbs(le)).toBeGreaterThan(0.999 * Math.sqrt(3 / 50));
  });

  it("uniform, normal and truncated_normal follow their arguments", () => {
    const u = init("uniform", [20000], { minval: 1, maxval: 3 });
    expect(Math.min(...u)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...u)).toBeLessThanOrEqual(3);
    expect(mean(u)).toBeCloseTo(2, 1);
    const n = init("normal", [20000], { mean: 5, stddev: 0.5 });
    expect(mean(n)).toBeCloseTo(5, 1);
    expect(Math.abs(Math.sqrt(variance(n)) / 0.5 - 1)).toBeLessThan(0.03);
    const t = init("truncated_normal", [20000], { mean: -1, stddev: 0.1 });
    expect(Math.max(...t.map((x) => Math.abs(x + 1)))).toBeLessThanOrEqual(0.2 + 1e-6);
    expect(Math.abs(Math.sqrt(variance(t)) / (0.1 * TRUNC) - 1)).toBeLessThan(0.03);
    // Defaults: uniform(-0.05, 0.05).
    expect(maxAbs(init("uniform", [1000]))).toBeLessThanOrEqual(0.05 + 1e-7);
  });
});

/** A·Aᵀ for a rows × cols matrix given row-major. */
function gram(w: number[], rows: number, cols: number, transpose: boolean): number[][] {
  const at = (r: number, c: number) => (transpose ? w[c * cols + r]! : w[r * cols + c]!);
  const n = transpose ? cols : rows, k = transpose ? rows : cols;
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => {
    let s = 0;
    for (let m = 0; m < k; m++) s += at(i, m) * at(j, m);
    return s;
  }));
}

function expectScaledIdentity(m: number[][], scale: number): void {
  m.forEach((row, i) => row.forEach((v, j) => expect(Math.abs(v - (i === j ? scale : 0)), `[${i}][${j}] = ${v}`).toBeLessThan(1e-5 * Math.max(1, scale))));
}

describe("orthogonal", () => {
  it("rows ≤ cols: W·Wᵀ = I", () => expectScaledIdentity(gram(init("orthogonal", [4, 9]), 4, 9, false), 1));
  it("rows > cols: Wᵀ·W = I", () => expectScaledIdentity(gram(init("orthogonal", [9, 4]), 9, 4, true), 1));
  it("square: both", () => {
    const w = init("orthogonal", [6, 6]);
    expectScaledIdentity(gram(w, 6, 6, false), 1);
    expectScaledIdentity(gram(w, 6, 6, true), 1);
  });
  it("gain scales: W·Wᵀ = gain²·I", () => expectScaledIdentity(gram(init("orthogonal", [3, 5], { gain: 2 }), 3, 5, false), 4));
  it("higher rank: all axes but the last are rows", () => expectScaledIdentity(gram(init("orthogonal", [2, 3, 8]), 6, 8, false), 1));
});

describe("deterministic initializers", () => {
  it("lstm_bias: ones exactly in [units, 2·units), zeros elsewhere", () => {
    const xs = init("lstm_bias", [20], { units: 5 });
    expect(xs).toEqual([...Array(20).keys()].map((i) => (i >= 5 && i < 10 ? 1 : 0)));
    // Without `units`: a quarter of the length.
    expect(init("lstm_bias", [12])).toEqual([0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0]);
  });

  it("zeros, ones, constant", () => {
    expect(init("zeros", [2, 3])).toEqual([0, 0, 0, 0, 0, 0]);
    expect(init("ones", [4])).toEqual([1, 1, 1, 1]);
    expect(init("constant", [3], { value: 0.25 })).toEqual([0.25, 0.25, 0.25]);
    expect(init("constant", [2], { value: 0.3 })).toEqual([Math.fround(0.3), Math.fround(0.3)]);
    expect(init("constant", [2])).toEqual([0, 0]);
  });

  it("an unknown initializer is a runtime error naming the parameter", () => {
    expect(() => init("kaiming", [2])).toThrow(RuntimeError);
    expect(() => init("kaiming", [2])).toThrow(/kaiming.*layer\.w/);
  });
});

describe("reproducibility", () => {
  for (const name of ["glorot_uniform", "he_normal", "orthogonal", "normal", "truncated_normal"]) {
    it(`${name}: the same seed gives the same values, another seed others`, () => {
      const a = init(name, [8, 16], {}, 42), b = init(name, [8, 16], {}, 42), c = init(name, [8, 16], {}, 43);
      expect(a).toEqual(b);
      expect(a).not.toEqual(c);
    });
  }
});
