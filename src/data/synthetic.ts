// Seeded synthetic data sets: the same arguments (seed included) give the same arrays on every machine.
// Every generator yields exactly n samples; classification sets have balanced classes (sizes differ by
// at most one) and come shuffled; sine_windows stays in time order.
import { Rng } from "../runtime/rng.js";
import { type Tensor, zeros } from "../runtime/tensor.js";
import { ArgReader, type DataSet, DataError } from "./types.js";

type Args = Record<string, number | string | boolean>;

/** Class of sample i when n samples are spread evenly over k classes (first ones get the remainder). */
const evenClass = (i: number, n: number, k: number): number => {
  const base = Math.floor(n / k), extra = n % k;
  const cut = extra * (base + 1);
  return i < cut ? Math.floor(i / (base + 1)) : extra + Math.floor((i - cut) / Math.max(base, 1));
};

/** Reorders samples by a permutation drawn from `rng`. */
function shuffled(ds: DataSet, rng: Rng): DataSet {
  const n = ds.labels.shape[0]!;
  const perm = rng.permutation(n);
  const take = (t: Tensor): Tensor => {
    const per = n === 0 ? 0 : t.data.length / n;
    const out = zeros(t.dtype, t.shape);
    for (let i = 0; i < n; i++) out.data.set(t.data.subarray(perm[i]! * per, perm[i]! * per + per), i * per);
    return out;
  };
  return { ...ds, features: take(ds.features), labels: take(ds.labels) };
}

/** 2-D points with class labels, from a per-sample generator. */
function points2d(n: number, classes: number, rng: Rng, gen: (i: number, cls: number, rng: Rng) => [number, number]): DataSet {
  const features = zeros("f32", [n, 2]);
  const labels = zeros("i32", [n]);
  for (let i = 0; i < n; i++) {
    const c = evenClass(i, n, classes);
    const [x, y] = gen(i, c, rng);
    features.data[2 * i] = x;
    features.data[2 * i + 1] = y;
    labels.data[i] = c;
  }
  return shuffled({ features, labels }, rng);
}

/** Position of sample i within its class (for evenly spaced curves). */
function rankInClass(n: number, k: number): { rank: (i: number) => number; size: (c: number) => number } {
  const size = (c: number) => Math.floor(n / k) + (c < n % k ? 1 : 0);
  const first = (c: number) => c * Math.floor(n / k) + Math.min(c, n % k);
  return { rank: (i) => i - first(evenClass(i, n, k)), size };
}

/** Evenly spaced in [0, end] (sklearn's linspace with endpoint) or [0, end) without it. */
const lin = (j: number, m: number, end: number, endpoint: boolean): number => m <= 1 ? 0 : (end * j) / (endpoint ? m - 1 : m);

export function moons(args: Args): DataSet {
  const a = new ArgReader("moons", args);
  const n = a.int("n", 1000), noise = a.num("noise", 0.1, { min: 0 }), rng = new Rng(a.int("seed", 0, -(2 ** 31)));
  const r = rankInClass(n, 2);
  // sklearn's make_moons: an upper half circle and a lower one shifted right and down, then noise.
  return points2d(n, 2, rng, (i, c, g) => {
    const t = lin(r.rank(i), r.size(c), Math.PI, true);
    const x = c === 0 ? Math.cos(t) : 1 - Math.cos(t);
    const y = c === 0 ? Math.sin(t) : 0.5 - Math.sin(t);
    return [x + noise * g.normal(), y + noise * g.normal()];
  });
}

export function circles(args: Args): DataSet {
  const a = new ArgReader("circles", args);
  const n = a.int("n", 1000), noise = a.num("noise", 0.1, { min: 0 }), factor = a.num("factor", 0.5, { min: 0 });
  if (factor >= 1) throw new DataError(`circles(): \`factor\` (the inner circle's radius relative to the outer one) must be below 1, found ${factor}`);
  const rng = new Rng(a.int("seed", 0, -(2 ** 31)));
  const r = rankInClass(n, 2);
  return points2d(n, 2, rng, (i, c, g) => {
    const t = lin(r.rank(i), r.size(c), 2 * Math.PI, false);
    const rad = c === 0 ? 1 : factor;
    return [rad * Math.cos(t) + noise * g.normal(), rad * Math.sin(t) + noise * g.normal()];
  });
}

export function xor(args: Args): DataSet {
  const a = new ArgReader("xor", args);
  const n = a.int("n", 1000), noise = a.num("noise", 0.1, { min: 0 }), rng = new Rng(a.int("seed", 0, -(2 ** 31)));
  // Class 0: both coordinates of the same sign; class 1: opposite signs. Noise is added after labelling.
  return points2d(n, 2, rng, (_i, c, g) => {
    const sx = g.next() < 0.5 ? -1 : 1;
    const sy = c === 0 ? sx : -sx;
    const x = sx * (1 - g.next()), y = sy * (1 - g.next());
    return [x + noise * g.normal(), y + noise * g.normal()];
  });
}

export function spirals(args: Args): DataSet {
  const a = new ArgReader("spirals", args);
  const n = a.int("n", 1000), k = a.int("classes", 3), noise = a.num("noise", 0.1, { min: 0 }), rng = new Rng(a.int("seed", 0, -(2 ** 31)));
  const r = rankInClass(n, k);
  // Arm c: radius grows from 0 to 1 while the angle turns 4 radians from the arm's offset 2πc/k.
  return points2d(n, k, rng, (i, c, g) => {
    const t = r.size(c) <= 1 ? 1 : r.rank(i) / (r.size(c) - 1);
    const theta = (2 * Math.PI * c) / k + 4 * t;
    return [t * Math.sin(theta) + noise * g.normal(), t * Math.cos(theta) + noise * g.normal()];
  });
}

export function blobs(args: Args): DataSet {
  const a = new ArgReader("blobs", args);
  const n = a.int("n", 1000), f = a.int("features", 2), k = a.int("classes", 3), rng = new Rng(a.int("seed", 0, -(2 ** 31)));
  const centers = Array.from({ length: k }, () => Array.from({ length: f }, () => rng.uniform(-10, 10)));
  const features = zeros("f32", [n, f]);
  const labels = zeros("i32", [n]);
  for (let i = 0; i < n; i++) {
    const c = evenClass(i, n, k);
    labels.data[i] = c;
    for (let j = 0; j < f; j++) features.data[i * f + j] = centers[c]![j]! + rng.normal();
  }
  return shuffled({ features, labels }, rng);
}

export function sineWindows(args: Args): DataSet {
  const a = new ArgReader("sine_windows", args);
  const n = a.int("n", 1000), w = a.int("window", 4), noise = a.num("noise", 0.5, { min: 0 }), rng = new Rng(a.int("seed", 0, -(2 ** 31)));
  // A noisy sine wave s_t = sin(0.1·t) + noise·N(0, 1); sample i: the window s_i … s_{i+w-1}, label s_{i+w}.
  const s = new Float64Array(n + w);
  for (let t = 0; t < s.length; t++) s[t] = Math.sin(0.1 * t) + noise * rng.normal();
  const features = zeros("f32", [n, 1, w]);
  const labels = zeros("f32", [n, 1]);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < w; j++) features.data[i * w + j] = s[i + j]!;
    labels.data[i] = s[i + w]!;
  }
  return { features, labels };
}

export function syntheticImages(args: Args): DataSet {
  const a = new ArgReader("synthetic_images", args);
  const n = a.int("n", 1000), h = a.int("height", 32), w = a.int("width", 32), ch = a.int("channels", 3), k = a.int("classes", 10);
  const rng = new Rng(a.int("seed", 0, -(2 ** 31)));
  // Each class has a template: a coarse grid of random intensities (cells of about 1/8 of the image),
  // upsampled. A sample is its class template plus N(0, 0.25²) pixel noise, randomly shifted by up to one
  // pixel and clipped to [0, 1].
  const cell = Math.max(1, Math.floor(Math.min(h, w) / 8));
  const gh = Math.ceil(h / cell), gw = Math.ceil(w / cell);
  const templates = Array.from({ length: k }, () => {
    const grid = Float64Array.from({ length: gh * gw * ch }, () => 0.15 + 0.7 * rng.next());
    const t = new Float64Array(h * w * ch);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < ch; c++) {
      t[(y * w + x) * ch + c] = grid[(Math.floor(y / cell) * gw + Math.floor(x / cell)) * ch + c]!;
    }
    return t;
  });
  const per = h * w * ch;
  const features = zeros("f32", [n, h, w, ch]);
  const labels = zeros("i32", [n]);
  for (let i = 0; i < n; i++) {
    const c = evenClass(i, n, k);
    labels.data[i] = c;
    const tpl = templates[c]!;
    const dy = rng.int(3) - 1, dx = rng.int(3) - 1;
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      const sy = Math.min(h - 1, Math.max(0, y + dy)), sx = Math.min(w - 1, Math.max(0, x + dx));
      for (let cc = 0; cc < ch; cc++) {
        const v = tpl[(sy * w + sx) * ch + cc]! + 0.25 * rng.normal();
        features.data[i * per + (y * w + x) * ch + cc] = v < 0 ? 0 : v > 1 ? 1 : v;
      }
    }
  }
  return shuffled({ features, labels }, rng);
}

export function syntheticSequences(args: Args): DataSet {
  const a = new ArgReader("synthetic_sequences", args);
  const n = a.int("n", 1000), len = a.int("length", 120), vocab = a.int("vocab", 10000), rng = new Rng(a.int("seed", 0, -(2 ** 31)));
  if (vocab < 3) throw new DataError(`synthetic_sequences(): \`vocab\` must be at least 3 (token 0 is padding; tokens 1 … vocab-1 form two halves), found ${vocab}`);
  // Tokens are in [1, vocab); the "first half" is [1, mid). Label 1 ⇔ strictly more first-half tokens
  // than second-half ones. Sequences of class 1 draw each token from the first half with probability
  // 0.6 (class 0: 0.4) and are redrawn until the rule gives the intended label, so classes are balanced.
  const mid = 1 + Math.floor((vocab - 1) / 2);
  const features = zeros("i32", [n, len]);
  const labels = zeros("i32", [n]);
  for (let i = 0; i < n; i++) {
    const c = evenClass(i, n, 2);
    labels.data[i] = c;
    const p = c === 1 ? 0.6 : 0.4;
    let first = 0;
    for (let tries = 0; ; tries++) {
      first = 0;
      for (let j = 0; j < len; j++) {
        const lo = rng.next() < p;
        const tok = lo ? 1 + rng.int(mid - 1) : mid + rng.int(vocab - mid);
        if (lo) first++;
        features.data[i * len + j] = tok;
      }
      if ((first > len - first ? 1 : 0) === c || tries > 1000) break;
    }
    labels.data[i] = first > len - first ? 1 : 0;
  }
  return shuffled({ features, labels }, rng);
}

export function memoryTask(args: Args): DataSet {
  const a = new ArgReader("memory_task", args);
  const n = a.int("n", 1000), len = a.int("length", 60), rng = new Rng(a.int("seed", 0, -(2 ** 31)));
  // x_0 = ±1 (the label's sign), x_1 … x_{len-1} ~ N(0, 0.5²); label 1 ⇔ x_0 > 0.
  const features = zeros("f32", [n, len, 1]);
  const labels = zeros("i32", [n]);
  for (let i = 0; i < n; i++) {
    const c = evenClass(i, n, 2);
    labels.data[i] = c;
    features.data[i * len] = c === 1 ? 1 : -1;
    for (let j = 1; j < len; j++) features.data[i * len + j] = 0.5 * rng.normal();
  }
  return shuffled({ features, labels }, rng);
}

export const GENERATORS: Record<string, (args: Args) => DataSet> = {
  moons, circles, xor, spirals, blobs,
  sine_windows: sineWindows,
  synthetic_images: syntheticImages,
  synthetic_sequences: syntheticSequences,
  memory_task: memoryTask,
};
