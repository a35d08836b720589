// Shared pieces of the data layer: the DataSet shape, DataError, argument and file helpers.
import * as fs from "node:fs";
import * as path from "node:path";
import type { DType } from "../ir/types.js";
import { RuntimeError, type Tensor, shapeStr, sizeOf, zeros } from "../runtime/tensor.js";

/** A whole data set in memory: features [N, ...sample shape] and labels [N, ...label shape]. */
export interface DataSet {
  features: Tensor;
  /** i32 class ids, or f32 targets (regression, one-hot). */
  labels: Tensor;
  /** Categorical labels: class index → name (names sorted, so the mapping does not depend on row order). */
  classNames?: string[];
  /** CSV header names of the feature columns. */
  featureNames?: string[];
}

/** The per-sample types a dataset declares (from the `.nn` file). */
export interface Declared {
  features?: { dtype: string; shape: number[] };
  labels?: { dtype: string; shape: number[] };
  classes?: number;
}

export type Args = Record<string, number | string | boolean>;

/** Bad data: a missing or malformed file, a label out of range, an impossible argument. The message starts with `file:line:col: `. */
export class DataError extends RuntimeError {
  /** The message without the location prefix. */
  readonly detail: string;
  constructor(message: string, readonly file?: string, readonly line?: number, readonly col?: number, notes?: string[]) {
    super(location(file, line, col) + message, notes ?? []);
    this.detail = message;
    this.name = "DataError";
  }
}

function location(file?: string, line?: number, col?: number): string {
  if (file === undefined) return "";
  let s = file;
  if (line !== undefined) s += `:${line}`;
  if (line !== undefined && col !== undefined) s += `:${col}`;
  return s + ": ";
}

/** Number of samples (the leading dimension). */
export const numSamples = (ds: DataSet): number => ds.features.shape[0] ?? 0;

/** Per-sample shape of a batched tensor. */
export const sampleShape = (t: Tensor): number[] => t.shape.slice(1);

export const isIntDType = (d: string): boolean => d === "i32" || d === "i64";
export const isFloatDType = (d: string): boolean => d === "f32" || d === "f64" || d === "f16";

/** The storage dtype for a declared dtype (f16 is stored as f32, i64 as i32, like the runtime). */
export function storageDType(d: string | undefined, fallback: DType): DType {
  if (d === "f64") return "f64";
  if (d === "f32" || d === "f16") return "f32";
  if (d === "i32" || d === "i64") return "i32";
  return fallback;
}

/** "a", "a or b", "a, b or c" (after the first `max` names: "… and k more"). */
export function listNames(names: readonly string[], max = 12): string {
  const q = names.map((n) => `"${n}"`);
  if (q.length > max) return `${q.slice(0, max).join(", ")} … and ${q.length - max} more`;
  return q.join(", ");
}

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]!;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = d[j]!;
      d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return d[b.length]!;
}

/** The closest candidate to a misspelt name, if it is close enough to be a likely typo. */
export function didYouMean(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined, bestD = Infinity;
  const low = name.toLowerCase();
  for (const c of candidates) {
    const d = editDistance(low, c.toLowerCase());
    if (d < bestD) { best = c; bestD = d; }
  }
  if (best !== undefined && bestD <= Math.max(1, Math.floor(name.length / 3))) return best;
  const prefixed = candidates.filter((c) => low.length >= 3 && c.toLowerCase().startsWith(low));
  return prefixed.sort((x, y) => x.length - y.length)[0];
}

/** Reads a data file given as written in the `.nn` file (relative to its directory); errors name that path. */
export function readDataFile(file: string, baseDir: string, what: string): Buffer {
  const full = path.resolve(baseDir, file);
  let st: fs.Stats;
  try {
    st = fs.statSync(full);
  } catch {
    const dir = path.dirname(full);
    const notes = [`looked for ${full}`];
    if (!fs.existsSync(dir)) notes.push(`the folder ${path.dirname(file) || "."} does not exist either`);
    throw new DataError(`the ${what} file does not exist`, file, undefined, undefined, notes);
  }
  if (st.isDirectory()) throw new DataError(`expected a ${what} file, found a folder`, file);
  try {
    return fs.readFileSync(full);
  } catch (e) {
    throw new DataError(`cannot read the ${what} file: ${(e as Error).message}`, file);
  }
}

/** Typed access to a source's arguments, with errors that name the source and the argument. */
export class ArgReader {
  constructor(readonly source: string, readonly args: Args) {}

  private fail(key: string, expected: string, v: unknown): never {
    const found = typeof v === "string" ? `"${v}"` : String(v);
    throw new DataError(`${this.source}(): \`${key}\` must be ${expected}, found ${found}`);
  }

  str(key: string, dflt?: string): string {
    const v = this.args[key] ?? dflt;
    if (typeof v !== "string") this.fail(key, "a string", v);
    return v;
  }

  bool(key: string, dflt?: boolean): boolean {
    const v = this.args[key] ?? dflt;
    if (typeof v !== "boolean") this.fail(key, "true or false", v);
    return v;
  }

  num(key: string, dflt?: number, opts: { min?: number; max?: number; minExclusive?: boolean } = {}): number {
    const v = this.args[key] ?? dflt;
    if (typeof v !== "number" || !Number.isFinite(v)) this.fail(key, "a number", v);
    if (opts.min !== undefined && (opts.minExclusive ? v <= opts.min : v < opts.min)) this.fail(key, `${opts.minExclusive ? "greater than" : "at least"} ${opts.min}`, v);
    if (opts.max !== undefined && v > opts.max) this.fail(key, `at most ${opts.max}`, v);
    return v;
  }

  /** An integer ≥ min (default: a positive integer). */
  int(key: string, dflt?: number, min = 1, max?: number): number {
    const v = this.args[key] ?? dflt;
    if (typeof v !== "number" || !Number.isInteger(v)) this.fail(key, min === 1 ? "a positive integer" : "an integer", v);
    if (v < min) this.fail(key, min === 1 ? "a positive integer" : `at least ${min}`, v);
    if (max !== undefined && v > max) this.fail(key, `at most ${max}`, v);
    return v;
  }
}

/**
 * Gives a batched tensor the declared per-sample shape: a reshape when the sizes agree
 * (64 CSV columns → f32[8, 8]), otherwise a DataError naming both shapes.
 */
export function conformShape(t: Tensor, declared: number[] | undefined, what: "features" | "labels", file?: string, why?: string): Tensor {
  if (!declared) return t;
  const sample = sampleShape(t);
  if (sample.length === declared.length && sample.every((d, i) => d === declared[i])) return t;
  if (sizeOf(sample) !== sizeOf(declared)) {
    throw new DataError(
      `the dataset declares ${what} of shape ${shapeStr(declared)} (${sizeOf(declared)} values per sample), but the data has ${shapeStr(sample)} (${sizeOf(sample)} values)${why ? ` ${why}` : ""}`,
      file, undefined, undefined, [`declare \`${what}: ${t.dtype}${shapeStr(sample)}\` to match the data`]);
  }
  return { dtype: t.dtype, shape: [t.shape[0]!, ...declared], data: t.data };
}

/**
 * Checks class-id labels against the number of classes. `where(i)` locates sample i
 * (a CSV line, or "sample i" for binary files).
 */
export function checkClassRange(labels: Tensor, classes: number | undefined, file: string | undefined,
  where: (i: number) => { line?: number; col?: number; text: string } = (i) => ({ text: `sample ${i + 1}` })): void {
  if (!isIntDType(labels.dtype)) return;
  const per = sizeOf(sampleShape(labels));
  for (let i = 0; i < labels.data.length; i++) {
    const v = labels.data[i]!;
    if (v >= 0 && (classes === undefined || v < classes)) continue;
    const at = where(Math.floor(i / Math.max(per, 1)));
    const range = classes === undefined ? "class ids must be 0 or more" : `the dataset has ${classes} classes, so labels must be in 0..${classes - 1}`;
    throw new DataError(`${at.line === undefined ? `${at.text}: ` : ""}label ${v} is out of range: ${range}`, file, at.line, at.col,
      classes === undefined ? [] : [`if there are more classes, raise \`classes\` in the dataset`]);
  }
}

/** An empty DataSet shaped like `ds` (used for an empty split). */
export function emptyLike(ds: DataSet): DataSet {
  return {
    ...ds,
    features: zeros(ds.features.dtype, [0, ...sampleShape(ds.features)]),
    labels: zeros(ds.labels.dtype, [0, ...sampleShape(ds.labels)]),
  };
}
