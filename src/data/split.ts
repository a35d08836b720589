// Subsets and seeded hold-out splits.
import { Rng } from "../runtime/rng.js";
import { type Tensor, zeros } from "../runtime/tensor.js";
import { type DataSet, DataError, numSamples } from "./types.js";

function gather(t: Tensor, idx: ArrayLike<number>, n: number): Tensor {
  const per = n === 0 ? 0 : t.data.length / n;
  const out = zeros(t.dtype, [idx.length, ...t.shape.slice(1)]);
  for (let i = 0; i < idx.length; i++) {
    const k = idx[i]!;
    if (!Number.isInteger(k) || k < 0 || k >= n) throw new DataError(`subset: sample index ${k} is out of range (the data set has ${n} samples)`);
    out.data.set(t.data.subarray(k * per, k * per + per), i * per);
  }
  return out;
}

/** The samples at `idx`, in that order (names are kept). */
export function subset(ds: DataSet, idx: ArrayLike<number>): DataSet {
  const n = numSamples(ds);
  return { ...ds, features: gather(ds.features, idx, n), labels: gather(ds.labels, idx, n) };
}

/**
 * Holds out `fraction` of the samples: `second` gets round(N·fraction) of them (at least one when
 * fraction > 0), `first` the rest. With `shuffle` the samples are drawn by a permutation seeded with
 * `seed` (the same seed gives the same split); without it `second` is the last samples, in order
 * (the future of a time series). Both keep the original relative order of their samples when unshuffled.
 */
export function splitDataSet(ds: DataSet, fraction: number, seed: number, shuffle = true): { first: DataSet; second: DataSet } {
  const n = numSamples(ds);
  if (!(fraction >= 0 && fraction < 1)) throw new DataError(`a split fraction must be in [0, 1), found ${fraction}`);
  let k = Math.round(n * fraction);
  if (fraction > 0 && k === 0) k = 1;
  if (fraction > 0 && k >= n) {
    throw new DataError(`cannot hold out ${fraction} of ${n} sample${n === 1 ? "" : "s"}: no samples would be left for training`, undefined, undefined, undefined,
      ["use more data or a smaller split"]);
  }
  const order = shuffle ? new Rng(seed).permutation(n) : Int32Array.from({ length: n }, (_, i) => i);
  return { first: subset(ds, order.subarray(0, n - k)), second: subset(ds, order.subarray(n - k)) };
}
