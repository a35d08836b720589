// Preprocessing transforms (stdlib/data.nn): scale, standardize, min_max, one_hot.
//
// Statistics are fitted on the TRAINING split only and then applied unchanged to every split (and saved in
// checkpoints, so eval/predict see the same preprocessing). Transforms are fitted in order: each one is
// fitted on the training data as transformed by the ones before it.
//
// standardize and min_max are PER FEATURE over the flattened sample: each element of the per-sample shape
// (each pixel of an image, each column of a CSV) gets its own mean/std or min/max. A constant feature
// (std 0, or max = min) is only shifted: it is divided by 1, as scikit-learn does.
import { type Tensor, sizeOf, zeros } from "../runtime/tensor.js";
import { type DataSet, DataError, isIntDType, numSamples, sampleShape } from "./types.js";

export type TransformState = Record<string, number[] | number>;

export interface FittedTransform {
  name: string;
  state: TransformState;
  apply(ds: DataSet): DataSet;
}

export interface TransformSpec { name: string; args: Record<string, number | string | boolean> }

export const TRANSFORMS = ["scale", "standardize", "min_max", "one_hot"];

function floatFeatures(ds: DataSet, name: string): Tensor {
  if (isIntDType(ds.features.dtype)) {
    throw new DataError(`${name} works on float features, but these are ${ds.features.dtype} (e.g. token ids for an embedding)`, undefined, undefined, undefined,
      [`remove ${name} from the dataset's preprocess list`]);
  }
  return ds.features;
}

/** Applies `f(value, featureIndex)` to every feature element; the result is f32 (f64 stays f64). */
function mapFeatures(ds: DataSet, name: string, f: (v: number, j: number) => number, expected?: number): DataSet {
  const x = floatFeatures(ds, name);
  const per = sizeOf(sampleShape(x));
  if (expected !== undefined && per !== expected) {
    throw new DataError(`${name} was fitted on samples of ${expected} features, but these have ${per}`, undefined, undefined, undefined,
      ["the data does not match the data the model was trained on"]);
  }
  const out = zeros(x.dtype === "f64" ? "f64" : "f32", x.shape);
  for (let i = 0; i < x.data.length; i++) out.data[i] = f(x.data[i]!, i % per);
  return { ...ds, features: out };
}

function scaleT(factor: number): FittedTransform {
  return { name: "scale", state: { factor }, apply: (ds) => mapFeatures(ds, "scale", (v) => v * factor) };
}

function standardizeT(mean: number[], std: number[]): FittedTransform {
  return {
    name: "standardize", state: { mean, std },
    apply: (ds) => mapFeatures(ds, "standardize", (v, j) => (v - mean[j]!) / std[j]!, mean.length),
  };
}

function minMaxT(min: number[], max: number[]): FittedTransform {
  const range = min.map((lo, j) => (max[j]! - lo > 0 ? max[j]! - lo : 1));
  return {
    name: "min_max", state: { min, max },
    apply: (ds) => mapFeatures(ds, "min_max", (v, j) => (v - min[j]!) / range[j]!, min.length),
  };
}

function oneHotT(classes: number): FittedTransform {
  return {
    name: "one_hot", state: { classes },
    apply(ds) {
      const y = ds.labels;
      const n = y.shape[0] ?? 0;
      if (!isIntDType(y.dtype)) throw new DataError(`one_hot needs integer class labels, but the labels are ${y.dtype}`);
      if (sizeOf(sampleShape(y)) !== 1) throw new DataError(`one_hot needs one class id per sample, but each sample has labels of shape [${sampleShape(y).join(", ")}]`);
      const out = zeros("f32", [n, classes]);
      for (let i = 0; i < n; i++) {
        const c = y.data[i]!;
        if (c < 0 || c >= classes) throw new DataError(`one_hot: sample ${i + 1} has label ${c}, outside the ${classes} classes 0..${classes - 1}`);
        out.data[i * classes + c] = 1;
      }
      return { ...ds, labels: out };
    },
  };
}

/** Per-feature statistics of the training features, checking that every value is finite. */
function featureColumns(ds: DataSet, name: string): { n: number; per: number; x: Tensor } {
  const x = floatFeatures(ds, name);
  const n = numSamples(ds);
  if (n === 0) throw new DataError(`${name} cannot be fitted: the training split has no samples`);
  const per = sizeOf(sampleShape(x));
  for (let i = 0; i < x.data.length; i++) {
    if (!Number.isFinite(x.data[i]!)) {
      throw new DataError(`${name} cannot be fitted: sample ${Math.floor(i / per) + 1} of the training split has a non-finite feature value (${x.data[i]}) at feature ${(i % per) + 1}`);
    }
  }
  return { n, per, x };
}

function fitOne(spec: TransformSpec, train: DataSet, classes: number | undefined): FittedTransform {
  switch (spec.name) {
    case "scale": {
      const f = spec.args.factor;
      if (typeof f !== "number" || !Number.isFinite(f)) throw new DataError(`scale needs a numeric \`factor\`, e.g. scale(1 / 255), found ${JSON.stringify(f)}`);
      return scaleT(f);
    }
    case "standardize": {
      const { n, per, x } = featureColumns(train, "standardize");
      const mean = new Array<number>(per).fill(0), sq = new Array<number>(per).fill(0);
      for (let i = 0; i < x.data.length; i++) mean[i % per]! += x.data[i]!;
      for (let j = 0; j < per; j++) mean[j]! /= n;
      for (let i = 0; i < x.data.length; i++) { const d = x.data[i]! - mean[i % per]!; sq[i % per]! += d * d; }
      const std = sq.map((s) => { const v = Math.sqrt(s / n); return v > 1e-12 ? v : 1; });
      return standardizeT(mean, std);
    }
    case "min_max": {
      const { per, x } = featureColumns(train, "min_max");
      const min = new Array<number>(per).fill(Infinity), max = new Array<number>(per).fill(-Infinity);
      for (let i = 0; i < x.data.length; i++) {
        const j = i % per, v = x.data[i]!;
        if (v < min[j]!) min[j] = v;
        if (v > max[j]!) max[j] = v;
      }
      return minMaxT(min, max);
    }
    case "one_hot": {
      const k = typeof spec.args.classes === "number" ? spec.args.classes : classes;
      if (k === undefined || !Number.isInteger(k) || k < 1) {
        throw new DataError("one_hot needs the number of classes", undefined, undefined, undefined, ["add `classes = N` to the dataset"]);
      }
      return oneHotT(k);
    }
    default:
      throw new DataError(`unknown transform \`${spec.name}\``, undefined, undefined, undefined, [`the transforms are ${TRANSFORMS.join(", ")}`]);
  }
}

/** Fits the transforms in order on the training split (each on the output of the previous ones). */
export function fitTransforms(specs: TransformSpec[], train: DataSet, classes?: number): FittedTransform[] {
  const out: FittedTransform[] = [];
  let cur = train;
  specs.forEach((spec, k) => {
    const t = fitOne(spec, cur, classes);
    out.push(t);
    if (k < specs.length - 1) cur = t.apply(cur);
  });
  return out;
}

export function applyTransforms(ts: readonly FittedTransform[], ds: DataSet): DataSet {
  return ts.reduce((d, t) => t.apply(d), ds);
}

/** Rebuilds fitted transforms from their saved name and state (a checkpoint), validating the state. */
export function restoreTransforms(saved: readonly { name: string; state: TransformState }[]): FittedTransform[] {
  const bad = (name: string, what: string): never => {
    throw new DataError(`the checkpoint's saved ${name} transform is damaged: ${what}`);
  };
  const num = (s: TransformState, name: string, key: string): number => {
    const v = s[key];
    if (typeof v !== "number" || !Number.isFinite(v)) bad(name, `\`${key}\` should be a number`);
    return v as number;
  };
  const arr = (s: TransformState, name: string, key: string): number[] => {
    const v = s[key];
    if (!Array.isArray(v) || v.some((x) => typeof x !== "number" || !Number.isFinite(x))) bad(name, `\`${key}\` should be a list of numbers`);
    return v as number[];
  };
  return saved.map(({ name, state }) => {
    switch (name) {
      case "scale": return scaleT(num(state, name, "factor"));
      case "standardize": {
        const mean = arr(state, name, "mean"), std = arr(state, name, "std");
        if (mean.length !== std.length || std.some((s) => s <= 0)) bad(name, "`mean` and `std` differ in length or a std is not positive");
        return standardizeT(mean, std);
      }
      case "min_max": {
        const min = arr(state, name, "min"), max = arr(state, name, "max");
        if (min.length !== max.length) bad(name, "`min` and `max` differ in length");
        return minMaxT(min, max);
      }
      case "one_hot": {
        const k = num(state, name, "classes");
        if (!Number.isInteger(k) || k < 1) bad(name, "`classes` should be a positive integer");
        return oneHotT(k);
      }
      default:
        throw new DataError(`the checkpoint names an unknown transform \`${name}\``, undefined, undefined, undefined, [`the transforms are ${TRANSFORMS.join(", ")}`]);
    }
  });
}
