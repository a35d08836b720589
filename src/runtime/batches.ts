// Batching and label adaptation on the host side.
import type { TensorType } from "../ir/types.js";
import { castTensor, RuntimeError, shapeStr, sizeOf, type Tensor, zeros } from "./tensor.js";

/** Rows idx[start..end) of a [N, ...] tensor, as a new [end - start, ...] tensor. */
export function takeRows(t: Tensor, idx: ArrayLike<number>, start: number, end: number): Tensor {
  const inner = sizeOf(t.shape.slice(1));
  const out = zeros(t.dtype, [end - start, ...t.shape.slice(1)]);
  for (let r = start; r < end; r++) {
    const src = idx[r]! * inner;
    out.data.set(t.data.subarray(src, src + inner), (r - start) * inner);
  }
  return out;
}

/** Converts data labels to what the loss takes: integer classes as floats, [N] as [N, 1] (mirrors the checker). */
export function adaptLabelTensor(labels: Tensor, want: TensorType): Tensor {
  let t = labels;
  if (want.dtype !== t.dtype) t = castTensor(t, want.dtype);
  const sample = want.shape.slice(1).map((d) => d.value ?? -1);
  if (sample.length !== t.shape.length - 1) {
    if (sizeOf(sample) !== sizeOf(t.shape.slice(1))) throw new RuntimeError(`labels of shape ${shapeStr(t.shape)} do not fit the loss's ${shapeStr(sample)} per sample`);
    t = { ...t, shape: [t.shape[0]!, ...sample] };
  }
  return t;
}

/** A stable 32-bit mix of a seed and counters (independent random streams per epoch and per step). */
export function mixSeed(...xs: number[]): number {
  let h = 0x811c9dc5;
  for (const x of xs) {
    h = Math.imul(h ^ (x >>> 0), 0x01000193) >>> 0;
    h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> 0;
  }
  return h >>> 0;
}
