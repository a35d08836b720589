// Parameter initializers (Keras's formulas): the numerics behind stdlib/initializers.nn.
import type { ParamInfo } from "../ir/graph.js";
import type { Rng } from "./rng.js";
import { RuntimeError, sizeOf, type Tensor, zeros } from "./tensor.js";

/** Keras's fan computation: the last axis is fan-out, the one before fan-in, earlier axes a receptive field. */
export function fans(shape: number[]): { fanIn: number; fanOut: number } {
  if (shape.length === 0) return { fanIn: 1, fanOut: 1 };
  if (shape.length === 1) return { fanIn: shape[0]!, fanOut: shape[0]! };
  const rf = sizeOf(shape.slice(0, -2));
  return { fanIn: shape[shape.length - 2]! * rf, fanOut: shape[shape.length - 1]! * rf };
}

/** Normal truncated at two standard deviations (redrawn outside). */
function truncated(rng: Rng, mean: number, std: number): number {
  for (;;) {
    const z = rng.normal();
    if (Math.abs(z) <= 2) return mean + std * z;
  }
}

// Keras scales the truncated normal's σ by 1/0.8796 so the variance matches the untruncated one.
const TRUNC = 0.87962566103423978;

export function initParam(p: ParamInfo, shape: number[], rng: Rng): Tensor {
  const t = zeros(p.value.type.dtype, shape);
  const d = t.data;
  const a = p.init.args;
  const num = (k: string, def: number) => Number(a[k] ?? def);
  const { fanIn, fanOut } = fans(shape);
  const fill = (f: () => number) => { for (let i = 0; i < d.length; i++) d[i] = f(); };
  switch (p.init.name) {
    case "zeros": break;
    case "ones": d.fill(1); break;
    case "constant": d.fill(num("value", 0)); break;
    case "uniform": fill(() => rng.uniform(num("minval", -0.05), num("maxval", 0.05))); break;
    case "normal": fill(() => num("mean", 0) + num("stddev", 0.05) * rng.normal()); break;
    case "truncated_normal": fill(() => truncated(rng, num("mean", 0), num("stddev", 0.05))); break;
    case "glorot_uniform": { const r = Math.sqrt(6 / (fanIn + fanOut)); fill(() => rng.uniform(-r, r)); break; }
    case "glorot_normal": { const s = Math.sqrt(2 / (fanIn + fanOut)) / TRUNC; fill(() => truncated(rng, 0, s)); break; }
    case "he_uniform": { const r = Math.sqrt(6 / fanIn); fill(() => rng.uniform(-r, r)); break; }
    case "he_normal": { const s = Math.sqrt(2 / fanIn) / TRUNC; fill(() => truncated(rng, 0, s)); break; }
    case "lecun_uniform": { const r = Math.sqrt(3 / fanIn); fill(() => rng.uniform(-r, r)); break; }
    case "lecun_normal": { const s = Math.sqrt(1 / fanIn) / TRUNC; fill(() => truncated(rng, 0, s)); break; }
    case "orthogonal": orthogonal(t, shape, num("gain", 1), rng); break;
    case "lstm_bias": { const u = num("units", shape[0]! / 4); for (let i = u; i < 2 * u && i < d.length; i++) d[i] = 1; break; }
    default: throw new RuntimeError(`unknown initializer ${p.init.name} for ${p.name}`);
  }
  return t;
}

/** Rows = product of all axes but the last; orthonormal rows or columns via Gram–Schmidt on a normal matrix. */
function orthogonal(t: Tensor, shape: number[], gain: number, rng: Rng): void {
  const cols = shape[shape.length - 1] ?? 1;
  const rows = sizeOf(shape) / cols;
  // Orthonormalise the vectors of the smaller side, then lay them out as rows × cols.
  const n = Math.min(rows, cols), len = Math.max(rows, cols);
  const vs: Float64Array[] = [];
  for (let i = 0; i < n; i++) {
    const v = new Float64Array(len);
    for (;;) {
      for (let k = 0; k < len; k++) v[k] = rng.normal();
      for (const u of vs) {
        let dot = 0;
        for (let k = 0; k < len; k++) dot += v[k]! * u[k]!;
        for (let k = 0; k < len; k++) v[k]! -= dot * u[k]!;
      }
      let norm = 0;
      for (let k = 0; k < len; k++) norm += v[k]! * v[k]!;
      norm = Math.sqrt(norm);
      if (norm > 1e-6) {
        for (let k = 0; k < len; k++) v[k]! /= norm;
        break;
      }
    }
    vs.push(v);
  }
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t.data[r * cols + c] = gain * (rows <= cols ? vs[r]![c]! : vs[c]![r]!);
}
