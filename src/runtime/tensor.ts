// Concrete tensors for the runtime: a dtype, a shape of numbers and a flat row-major typed array.
import type { DType } from "../ir/types.js";

export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;

export interface Tensor {
  dtype: DType;
  shape: number[];
  data: TypedArray;
}

/** f16 is stored as f32 and i64 as i32 (the reference executor's documented simplification). */
export function allocData(dtype: DType, n: number): TypedArray {
  switch (dtype) {
    case "f64": return new Float64Array(n);
    case "f32": case "f16": return new Float32Array(n);
    case "i32": case "i64": return new Int32Array(n);
    case "bool": return new Uint8Array(n);
  }
}

export const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

export function zeros(dtype: DType, shape: number[]): Tensor {
  return { dtype, shape: [...shape], data: allocData(dtype, sizeOf(shape)) };
}

export function tensor(dtype: DType, shape: number[], values: ArrayLike<number>): Tensor {
  const t = zeros(dtype, shape);
  if (values.length !== t.data.length) throw new Error(`tensor: ${values.length} values for shape [${shape.join(", ")}]`);
  t.data.set(values as ArrayLike<number>);
  return t;
}

export const scalar = (v: number, dtype: DType = "f32"): Tensor => tensor(dtype, [], [v]);

/** Row-major strides of a shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

export function cloneTensor(t: Tensor): Tensor {
  return { dtype: t.dtype, shape: [...t.shape], data: t.data.slice() };
}

/** Writes numbers into `out` as its dtype stores them: ints truncate toward zero, bool is "nonzero" (NaN counts as true), floats round. */
export function storeInto(out: Tensor, values: ArrayLike<number>): Tensor {
  const d = out.data;
  if (out.dtype === "i32" || out.dtype === "i64") for (let i = 0; i < values.length; i++) d[i] = Math.trunc(values[i]!);
  else if (out.dtype === "bool") for (let i = 0; i < values.length; i++) d[i] = values[i] !== 0 ? 1 : 0;
  else d.set(values);
  return out;
}

/** A converted copy with another dtype. */
export function castTensor(t: Tensor, dtype: DType): Tensor {
  return storeInto(zeros(dtype, t.shape), t.data);
}

export const shapeStr = (s: readonly number[]): string => `[${s.join(", ")}]`;

/** A user-facing runtime failure (bad data, a failed shape assertion): reported, never a crash. */
export class RuntimeError extends Error {
  constructor(message: string, readonly notes: string[] = []) {
    super(message);
  }
}
