// Tensor types: a dtype and a symbolic shape.
import { type Shape, shapeToString, shapesEqual } from "./dim.js";

export const DTYPES = ["f16", "f32", "f64", "i32", "i64", "bool"] as const;
export type DType = (typeof DTYPES)[number];

export const isDType = (s: string): s is DType => (DTYPES as readonly string[]).includes(s);
export const isFloat = (d: DType): boolean => d === "f16" || d === "f32" || d === "f64";
export const isInt = (d: DType): boolean => d === "i32" || d === "i64";

export interface TensorType {
  dtype: DType;
  shape: Shape;
}

export const typeToString = (t: TensorType): string => `${t.dtype}${shapeToString(t.shape)}`;
export const typesEqual = (a: TensorType, b: TensorType): boolean => a.dtype === b.dtype && shapesEqual(a.shape, b.shape);
