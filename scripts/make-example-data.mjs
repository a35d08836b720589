#!/usr/bin/env node
// Writes the synthetic example data sets used by examples/*.nn:
//
//   examples/data/house_prices.csv   1,000 houses: bedrooms, bathrooms, sqft_living, sqft_lot → price
//   examples/data/breast_cancer.csv  569 rows, 30 measurements + target (0 malignant, 1 benign)
//   examples/data/digits.csv         1,797 8×8 digit images, pixels 0–16, + digit
//
// All three are SYNTHETIC stand-ins with the shapes of the real data sets (which are not
// available offline here). The output is deterministic: every generator draws from one
// mulberry32 stream per file with a fixed seed, so re-running the script reproduces the
// files byte for byte.
//
// Usage: node scripts/make-example-data.mjs [outDir]   (default: examples/data)

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const outDir = path.resolve(process.argv[2] ?? path.join(here, "..", "examples", "data"));

// ---------------------------------------------------------------------------------------------
// Deterministic randomness

function mulberry32(seed) {
  let a = seed >>> 0;
  return function next() {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Rng {
  constructor(seed) {
    this.u = mulberry32(seed);
    this.spare = null;
  }
  uniform(lo = 0, hi = 1) {
    return lo + (hi - lo) * this.u();
  }
  int(lo, hi) {
    // inclusive bounds
    return lo + Math.floor(this.u() * (hi - lo + 1));
  }
  normal(mean = 0, sd = 1) {
    if (this.spare !== null) {
      const z = this.spare;
      this.spare = null;
      return mean + sd * z;
    }
    let u1 = this.u();
    while (u1 <= Number.EPSILON) u1 = this.u();
    const u2 = this.u();
    const r = Math.sqrt(-2 * Math.log(u1));
    this.spare = r * Math.sin(2 * Math.PI * u2);
    return mean + sd * r * Math.cos(2 * Math.PI * u2);
  }
  pick(weights) {
    const total = weights.reduce((a, b) => a + b, 0);
    let x = this.u() * total;
    for (let i = 0; i < weights.length; i++) {
      x -= weights[i];
      if (x < 0) return i;
    }
    return weights.length - 1;
  }
  shuffle(arr) {
    for (let i = arr.length - 1; i > 0; i--) {
      const j = Math.floor(this.u() * (i + 1));
      [arr[i], arr[j]] = [arr[j], arr[i]];
    }
    return arr;
  }
}

const clamp = (x, lo, hi) => Math.min(hi, Math.max(lo, x));

/** `sig` significant digits, plain decimal notation, no trailing zeros. */
function fmt(v, sig = 4) {
  if (v === 0) return "0";
  const decimals = Math.max(0, sig - 1 - Math.floor(Math.log10(Math.abs(v))));
  return String(Number(v.toFixed(decimals)));
}

function writeCsv(name, header, rows) {
  const text = [header.join(","), ...rows.map((r) => r.join(","))].join("\n") + "\n";
  fs.mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, name);
  fs.writeFileSync(file, text);
  console.log(`wrote ${path.relative(process.cwd(), file)}: ${rows.length} rows × ${header.length} columns`);
}

// ---------------------------------------------------------------------------------------------
// House prices (seed S1): King-County-like houses, price a linear-ish function + noise.

function housePrices() {
  const rng = new Rng(20240601);
  const rows = [
    // The seed's toy rows come first, verbatim.
    [2, 1, 1200, 2000, 229000],
    [3, 1, 1500, 3500, 319000],
    [4, 2, 2300, 5000, 599000],
  ];
  while (rows.length < 1000) {
    const bedrooms = 1 + rng.pick([4, 14, 42, 30, 8, 2]); // 1..6, mostly 3–4
    // Bathrooms grow with bedrooms; quarter steps between 1 and 4.5.
    const bathrooms = clamp(Math.round((0.6 + 0.5 * bedrooms + rng.normal(0, 0.5)) * 4) / 4, 1, 4.5);
    // Living area: log-normal around a bedroom/bathroom-dependent size.
    const base = 350 + 380 * bedrooms + 260 * bathrooms;
    const sqftLiving = clamp(Math.round((base * Math.exp(rng.normal(0, 0.22))) / 10) * 10, 500, 6000);
    // Lot: bigger houses sit on bigger lots, with a heavy right tail.
    const sqftLot = clamp(Math.round((1.9 * sqftLiving * Math.exp(rng.normal(0.3, 0.6))) / 10) * 10, 1000, 40000);
    const value =
      170 * sqftLiving +
      0.03 * sqftLiving * sqftLiving +
      18000 * bathrooms -
      9000 * bedrooms +
      2.5 * (sqftLot - 5000);
    const price = clamp(Math.round((value * Math.exp(rng.normal(0, 0.15))) / 1000) * 1000, 100000, 2000000);
    rows.push([bedrooms, bathrooms, sqftLiving, sqftLot, price]);
  }
  writeCsv("house_prices.csv", ["bedrooms", "bathrooms", "sqft_living", "sqft_lot", "price"], rows);
}

// ---------------------------------------------------------------------------------------------
// Breast cancer (seed S0): 30 class-conditional measurements, 212 malignant / 357 benign.
//
// Each row draws a severity m (≈ 0 benign, ≈ 1 malignant; see SEVERITY) and every base feature
// is log-normal around the benign/malignant mean and sd below (close to the per-class statistics
// of the Wisconsin diagnostic set) interpolated at m. Features share latent factors (size, texture,
// shape, smoothness, symmetry, fractal dimension) so related columns are correlated; perimeter
// and area are derived from radius (≈ 2π·r, π·r²), and the `*_error` columns of perimeter and
// area from radius_error.

const BASES = ["radius", "texture", "perimeter", "area", "smoothness", "compactness", "concavity", "concave_points", "symmetry", "fractal_dimension"];

// name: [malignant mean, sd, benign mean, sd, latent factor, loading]
const CANCER = {
  mean_radius: [17.46, 3.2, 12.15, 1.78, "size", 0.95],
  mean_texture: [21.6, 3.78, 17.91, 3.99, "texture", 0.9],
  mean_smoothness: [0.1029, 0.0126, 0.0925, 0.0134, "smooth", 0.8],
  mean_compactness: [0.145, 0.054, 0.08, 0.034, "shape", 0.85],
  mean_concavity: [0.161, 0.075, 0.046, 0.043, "shape", 0.85],
  mean_concave_points: [0.088, 0.034, 0.0257, 0.0159, "shape", 0.85],
  mean_symmetry: [0.193, 0.028, 0.174, 0.025, "sym", 0.8],
  mean_fractal_dimension: [0.0627, 0.0076, 0.0629, 0.0067, "fd", 0.8],
  radius_error: [0.609, 0.345, 0.284, 0.113, "size", 0.6],
  texture_error: [1.211, 0.483, 1.22, 0.59, "texture", 0.35],
  smoothness_error: [0.00678, 0.00289, 0.0072, 0.00306, "smooth", 0.35],
  compactness_error: [0.0323, 0.0184, 0.0214, 0.0164, "shape", 0.6],
  concavity_error: [0.0418, 0.0216, 0.026, 0.0331, "shape", 0.55],
  concave_points_error: [0.0151, 0.0055, 0.00986, 0.0057, "shape", 0.5],
  symmetry_error: [0.0205, 0.01, 0.0206, 0.007, "sym", 0.35],
  fractal_dimension_error: [0.00406, 0.00204, 0.00364, 0.00294, "fd", 0.5],
  worst_texture: [29.32, 5.43, 23.52, 5.49, "texture", 0.9],
  worst_smoothness: [0.1448, 0.0219, 0.125, 0.02, "smooth", 0.8],
  worst_compactness: [0.375, 0.17, 0.183, 0.092, "shape", 0.85],
  worst_concavity: [0.451, 0.181, 0.166, 0.14, "shape", 0.85],
  worst_concave_points: [0.182, 0.046, 0.0744, 0.0358, "shape", 0.85],
  worst_symmetry: [0.323, 0.075, 0.27, 0.042, "sym", 0.8],
  worst_fractal_dimension: [0.0915, 0.0216, 0.0794, 0.0138, "fd", 0.8],
};

// Severity ~ N(mean, sd) per class; sdScale shrinks the within-profile spread to compensate
// for the spread that the severity itself adds.
const SEVERITY = { malignant: [1.0, 0.2], benign: [0.0, 0.12], sdScale: 0.9 };

function logNormal(rng, mean, sd, g) {
  const s2 = Math.log(1 + (sd * sd) / (mean * mean));
  return Math.exp(Math.log(mean) - s2 / 2 + Math.sqrt(s2) * g);
}

function cancerRow(rng, malignant) {
  // Severity: where the row sits between the benign (0) and malignant (1) profiles. Low-grade
  // malignant and atypical benign rows overlap, so the classes are not perfectly separable.
  const m = malignant ? clamp(rng.normal(SEVERITY.malignant[0], SEVERITY.malignant[1]), -0.3, 1.6) : clamp(rng.normal(SEVERITY.benign[0], SEVERITY.benign[1]), -0.3, 1.6);
  const latent = {};
  for (const f of ["size", "texture", "shape", "smooth", "sym", "fd"]) latent[f] = rng.normal();
  const v = {};
  for (const [name, [mm, ms, bm, bs, factor, load]] of Object.entries(CANCER)) {
    const g = load * latent[factor] + Math.sqrt(1 - load * load) * rng.normal();
    const mean = Math.max(bm + m * (mm - bm), 0.3 * Math.min(bm, mm));
    const sd = Math.max(bs + m * (ms - bs), 0.5 * Math.min(bs, ms)) * SEVERITY.sdScale;
    v[name] = logNormal(rng, mean, sd, g);
  }
  // Geometry: perimeter ≈ 2π·r (a little more for irregular, compact outlines), area ≈ π·r².
  const r = v.mean_radius;
  v.mean_perimeter = 2 * Math.PI * r * (1 + 0.35 * v.mean_compactness + rng.normal(0, 0.006));
  v.mean_area = Math.PI * r * r * (1 + rng.normal(0, 0.03));
  // Worst (mean of the three largest cells) values exceed the means.
  const wr = r * logNormal(rng, 1.1 + 0.11 * clamp(m, 0, 1), 0.05, rng.normal());
  v.worst_radius = wr;
  v.worst_perimeter = 2 * Math.PI * wr * (1 + 0.17 * v.worst_compactness + rng.normal(0, 0.008));
  v.worst_area = Math.PI * wr * wr * (1 + rng.normal(0, 0.035));
  v.worst_texture = Math.max(v.worst_texture, v.mean_texture * 1.02);
  v.worst_smoothness = Math.max(v.worst_smoothness, v.mean_smoothness * 1.05);
  for (const b of ["compactness", "concavity", "concave_points", "symmetry", "fractal_dimension"])
    v[`worst_${b}`] = Math.max(v[`worst_${b}`], v[`mean_${b}`] * 1.05);
  // Standard errors of perimeter and area follow the radius error.
  const re = v.radius_error;
  v.perimeter_error = re * 2 * Math.PI * (1.1 + 0.15 * rng.normal());
  v.area_error = re * 2 * Math.PI * r * (1 + 0.15 * rng.normal());
  return v;
}

function breastCancer() {
  const rng = new Rng(569212357);
  const names = [...BASES.map((b) => `mean_${b}`), ...BASES.map((b) => `${b}_error`), ...BASES.map((b) => `worst_${b}`)];
  const targets = rng.shuffle([...Array(212).fill(0), ...Array(357).fill(1)]);
  const rows = targets.map((t) => {
    const v = cancerRow(rng, t === 0);
    return [...names.map((n) => fmt(v[n], 4)), t];
  });
  writeCsv("breast_cancer.csv", [...names, "target"], rows);
}

// ---------------------------------------------------------------------------------------------
// Digits (seed S3): 8×8 images, pixel intensities 0–16, from one hand-drawn template per digit,
// with random ±1 shifts, stroke intensity and thickness, blur, dropout and speckle noise.

const TEMPLATES = [
  [
    "..####..",
    ".##..##.",
    ".#....#.",
    ".#....#.",
    ".#....#.",
    ".#....#.",
    ".##..##.",
    "..####..",
  ],
  [
    "...##...",
    "..###...",
    ".#.##...",
    "...##...",
    "...##...",
    "...##...",
    "...##...",
    ".######.",
  ],
  [
    "..####..",
    ".#....#.",
    "......#.",
    ".....#..",
    "....#...",
    "...#....",
    "..#.....",
    ".######.",
  ],
  [
    "..####..",
    ".#....#.",
    "......#.",
    "...###..",
    "......#.",
    "......#.",
    ".#....#.",
    "..####..",
  ],
  [
    ".....#..",
    "....##..",
    "...#.#..",
    "..#..#..",
    ".#...#..",
    ".######.",
    ".....#..",
    ".....#..",
  ],
  [
    ".######.",
    ".#......",
    ".#......",
    ".#####..",
    "......#.",
    "......#.",
    ".#....#.",
    "..####..",
  ],
  [
    "...###..",
    "..#.....",
    ".#......",
    ".#####..",
    ".#....#.",
    ".#....#.",
    ".#....#.",
    "..####..",
  ],
  [
    ".######.",
    "......#.",
    ".....#..",
    ".....#..",
    "....#...",
    "....#...",
    "...#....",
    "...#....",
  ],
  [
    "..####..",
    ".#....#.",
    ".#....#.",
    "..####..",
    ".#....#.",
    ".#....#.",
    ".#....#.",
    "..####..",
  ],
  [
    "..####..",
    ".#....#.",
    ".#....#.",
    "..#####.",
    "......#.",
    "......#.",
    ".....#..",
    "..###...",
  ],
];

// Class sizes of the real 1,797-image set.
const DIGIT_COUNTS = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180];

function digitImage(rng, d) {
  const t = TEMPLATES[d];
  const dx = rng.pick([1, 2, 1]) - 1; // shift by −1, 0 or +1 pixel
  const dy = rng.pick([1, 3, 1]) - 1; // vertical shifts crop a row, so they are rarer
  const stroke = (y, x) => {
    const sy = y - dy;
    const sx = x - dx;
    return sy >= 0 && sy < 8 && sx >= 0 && sx < 8 && t[sy][sx] === "#";
  };
  const intensity = rng.uniform(9, 16);
  const thick = rng.u() < 0.3 ? (rng.u() < 0.5 ? -1 : 1) : 0; // smear strokes sideways
  const blur = rng.uniform(0.1, 0.35);
  const img = new Array(64).fill(0);
  for (let y = 0; y < 8; y++) {
    for (let x = 0; x < 8; x++) {
      let v = 0;
      if (stroke(y, x)) {
        v = intensity * rng.uniform(0.75, 1.05);
        if (rng.u() < 0.08) v *= rng.uniform(0, 0.4); // dropout
      } else {
        let n = 0;
        if (stroke(y - 1, x)) n++;
        if (stroke(y + 1, x)) n++;
        if (stroke(y, x - 1)) n++;
        if (stroke(y, x + 1)) n++;
        v = intensity * blur * Math.min(n, 2) * rng.uniform(0.3, 1);
        if (thick !== 0 && stroke(y, x - thick)) v = Math.max(v, intensity * rng.uniform(0.4, 0.9));
      }
      if (v >= 0.5) v += rng.normal(0, 1); // jitter on the ink
      else if (rng.u() < 0.12) v += rng.uniform(0, 3); // faint background smudges
      if (rng.u() < 0.03) v += rng.uniform(3, 10); // speckle
      img[y * 8 + x] = clamp(Math.round(v), 0, 16);
    }
  }
  return img;
}

function digits() {
  const rng = new Rng(1797);
  const labels = rng.shuffle(DIGIT_COUNTS.flatMap((n, d) => Array(n).fill(d)));
  const rows = labels.map((d) => [...digitImage(rng, d), d]);
  writeCsv("digits.csv", [...Array.from({ length: 64 }, (_, i) => `p${i}`), "digit"], rows);
}

// ---------------------------------------------------------------------------------------------

for (const [i, t] of TEMPLATES.entries()) {
  if (t.length !== 8 || t.some((row) => row.length !== 8)) throw new Error(`digit template ${i} is not 8×8`);
}
housePrices();
breastCancer();
digits();
