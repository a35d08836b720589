// Reading graph-IR attributes during lowering: axes, ints and floats that are known at compile time.
import { Dim } from "../../ir/dim.js";
import type { Attr, IRNode } from "../../ir/graph.js";
import type { KType } from "../kir/kir.js";
import type { DType } from "../../ir/types.js";

export class LowerError extends Error {
  constructor(message: string, readonly node?: IRNode) {
    super(message);
  }
}

export function numAttr(n: IRNode, key: string, fallback?: number): number {
  const a = n.attrs[key];
  if (a === undefined) {
    if (fallback === undefined) throw new LowerError(`${n.op}: missing attribute \`${key}\``, n);
    return fallback;
  }
  const v = a instanceof Dim ? a.value : Number(a);
  if (v === undefined || Number.isNaN(v)) throw new LowerError(`${n.op}: attribute \`${key}\` must be known at compile time`, n);
  return v;
}

export function intsAttr(n: IRNode, key: string, fallback?: number[]): number[] {
  const a: Attr | undefined = n.attrs[key];
  if (!Array.isArray(a)) {
    if (fallback === undefined) throw new LowerError(`${n.op}: missing attribute \`${key}\``, n);
    return fallback;
  }
  return (a as unknown[]).map((x) => {
    const v = x instanceof Dim ? x.value : Number(x);
    if (v === undefined) throw new LowerError(`${n.op}: attribute \`${key}\` must be known at compile time`, n);
    return v;
  });
}

export const strAttr = (n: IRNode, key: string, fallback: string): string => (typeof n.attrs[key] === "string" ? (n.attrs[key] as string) : fallback);

export function axisOf(n: IRNode, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new LowerError(`${n.op}: axis ${axis} is out of range for rank ${rank}`, n);
  return a;
}

/** The set of axes a reduction (or unreduce) works on: the `axes` attribute, default the last axis. */
export const reducedAxes = (n: IRNode, rank: number): Set<number> => new Set(intsAttr(n, "axes", [-1]).map((a) => axisOf(n, a, rank)));

/** Storage type of a graph dtype in the kernel IR (f16/f64 compute in f32, i64 in i32). */
export const ktype = (d: DType): KType => (d === "bool" ? "bool" : d === "i32" || d === "i64" ? "i32" : "f32");
