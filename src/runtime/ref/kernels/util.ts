// Helpers shared by the reference kernels: attribute decoding, index maps for broadcasting and reduction,
// and results built from computed values.
import { Dim } from "../../../ir/dim.js";
import type { Attr } from "../../../ir/graph.js";
import type { DType } from "../../../ir/types.js";
import { RuntimeError, shapeStr, sizeOf, storeInto, stridesOf, type Tensor, type TypedArray, zeros } from "../../tensor.js";
import type { Kernel, KernelCtx } from "../kernel.js";

export type Attrs = Parameters<Kernel>[1];
export type Node = Parameters<Kernel>[2];

/** An int attribute: a plain number or a symbolic dimension evaluated under the current bindings. */
export function intAttr(a: Attr | undefined, ctx: KernelCtx, fallback?: number): number {
  if (a === undefined) {
    if (fallback === undefined) throw new Error("reference kernel: missing int attribute");
    return fallback;
  }
  return a instanceof Dim ? ctx.evalDim(a) : Number(a);
}

/** A numeric attribute (float or int), possibly a symbolic dimension. */
export const numAttr = intAttr;

/** An ints attribute: number[] or Dim[] (or a mix). */
export function intsAttr(a: Attr | undefined, ctx: KernelCtx, fallback?: number[]): number[] {
  if (!Array.isArray(a)) {
    if (fallback === undefined) throw new Error("reference kernel: missing ints attribute");
    return fallback;
  }
  return (a as unknown[]).map((x) => (x instanceof Dim ? ctx.evalDim(x) : Number(x)));
}

/** A possibly negative axis, normalised against `rank`. */
export function axisOf(axis: number, rank: number, op: string): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) throw new RuntimeError(`${op}: axis ${axis} is out of range for a rank-${rank} tensor`);
  return a;
}

/** Copies numbers into a fresh tensor of `dtype` (rounding to f32 / truncating to int as the storage does). */
export function fromValues(dtype: DType, shape: number[], values: ArrayLike<number>): Tensor {
  return storeInto(zeros(dtype, shape), values);
}

/**
 * For every position of `shape` in row-major order, the flat offset sum(coord[i] * strides[i]).
 * With stride 0 on some axes this is the source index for broadcasting, or the destination index for reducing.
 */
export function indexMap(shape: readonly number[], strides: readonly number[]): Int32Array {
  const n = sizeOf(shape);
  const map = new Int32Array(n);
  const r = shape.length;
  if (n === 0) return map;
  const coord = new Array<number>(r).fill(0);
  let off = 0;
  for (let i = 0; i < n; i++) {
    map[i] = off;
    // Odometer step: bump the last axis, carrying into earlier ones.
    for (let ax = r - 1; ax >= 0; ax--) {
      if (++coord[ax]! < shape[ax]!) {
        off += strides[ax]!;
        break;
      }
      off -= strides[ax]! * (coord[ax]! - 1);
      coord[ax] = 0;
    }
  }
  return map;
}

/** Numpy broadcast of concrete shapes (right-aligned). */
export function broadcastShape(op: string, ...shapes: number[][]): number[] {
  const r = Math.max(...shapes.map((s) => s.length));
  const out = new Array<number>(r).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const j = r - s.length + i, d = s[i]!;
      if (out[j] === 1) out[j] = d;
      else if (d !== 1 && d !== out[j]) throw new RuntimeError(`${op}: shapes ${shapes.map(shapeStr).join(", ")} do not broadcast`);
    }
  }
  return out;
}

/** Source index for each element of `outShape` when `inShape` is broadcast to it; null when the shapes are equal. */
export function broadcastMap(inShape: readonly number[], outShape: readonly number[]): Int32Array | null {
  if (inShape.length === outShape.length && inShape.every((d, i) => d === outShape[i])) return null;
  const st = stridesOf(inShape);
  const lead = outShape.length - inShape.length;
  const strides = outShape.map((_, j) => (j < lead || inShape[j - lead] === 1 ? 0 : st[j - lead]!));
  return indexMap(outShape, strides);
}

/**
 * Sums `src` (shape `inShape`) into a Float64Array of size `outSize`, where `outStrides` gives, per input axis,
 * the stride in the output (0 for summed axes).
 */
export function sumInto(src: TypedArray, inShape: readonly number[], outStrides: readonly number[], outSize: number): Float64Array {
  const acc = new Float64Array(outSize);
  const map = indexMap(inShape, outStrides);
  for (let i = 0; i < map.length; i++) acc[map[i]!]! += src[i]!;
  return acc;
}

/** Conv / pooling geometry along one spatial axis (TensorFlow's padding convention). */
export interface Geom { out: number; pad: number }

export function geometry(size: number, k: number, stride: number, padding: string, op: string): Geom {
  if (padding === "same") {
    const out = Math.ceil(size / stride);
    const total = Math.max((out - 1) * stride + k - size, 0);
    return { out, pad: Math.floor(total / 2) };
  }
  if (padding !== "valid") throw new RuntimeError(`${op}: unknown padding "${padding}"`);
  if (size < k) throw new RuntimeError(`${op}: window ${k} is larger than the input size ${size}`);
  return { out: Math.floor((size - k) / stride) + 1, pad: 0 };
}
