// Reductions (sum, mean, max, min, argmax) and their gradient helpers (sum_to, unreduce).
import type { Kernel, KernelCtx } from "../kernel.js";
import { RuntimeError, shapeStr, sizeOf, stridesOf, type Tensor, zeros } from "../../tensor.js";
import { type Attrs, axisOf, fromValues, indexMap, intAttr, intsAttr, sumInto } from "./util.js";

/** The set of reduced axes (normalised), from the `axes` attribute (missing means the last axis). */
function reducedAxes(x: Tensor, attrs: Attrs, ctx: KernelCtx, op: string): Set<number> {
  return new Set(intsAttr(attrs["axes"], ctx, [-1]).map((a) => axisOf(a, x.shape.length, op)));
}

/** Per input axis, its stride in the reduced result (0 on reduced axes); the result's flat layout is the same with or without keepdims. */
function keptStrides(shape: number[], axes: Set<number>): { strides: number[]; size: number; count: number } {
  const keptShape = shape.map((d, i) => (axes.has(i) ? 1 : d));
  const st = stridesOf(keptShape);
  return {
    strides: shape.map((_, i) => (axes.has(i) ? 0 : st[i]!)),
    size: sizeOf(keptShape),
    count: sizeOf(shape.filter((_, i) => axes.has(i))),
  };
}

const resultShape = (shape: number[], axes: Set<number>, keepdims: boolean): number[] =>
  shape.flatMap((d, i) => (axes.has(i) ? (keepdims ? [1] : []) : [d]));

const sumLike = (mean: boolean): Kernel => ([x], attrs, node, ctx) => {
  const op = mean ? "mean" : "sum";
  const axes = reducedAxes(x!, attrs, ctx, op);
  const { strides, size, count } = keptStrides(x!.shape, axes);
  const acc = sumInto(x!.data, x!.shape, strides, size);
  if (mean) for (let i = 0; i < acc.length; i++) acc[i]! /= count;
  return fromValues(ctx.dtype(node.output), resultShape(x!.shape, axes, Boolean(attrs["keepdims"])), acc);
};

// NaN wins and stays (like numpy): once acc is NaN no comparison replaces it.
const extremum = (op: "max" | "min"): Kernel => ([x], attrs, node, ctx) => {
  const axes = reducedAxes(x!, attrs, ctx, op);
  const { strides, size, count } = keptStrides(x!.shape, axes);
  if (count === 0) throw new RuntimeError(`${op}: cannot reduce an empty axis of a tensor of shape ${shapeStr(x!.shape)}`);
  const acc = new Float64Array(size).fill(op === "max" ? -Infinity : Infinity);
  const map = indexMap(x!.shape, strides);
  const src = x!.data;
  for (let i = 0; i < map.length; i++) {
    const v = src[i]!, o = map[i]!, cur = acc[o]!;
    if (op === "max" ? v > cur : v < cur) acc[o] = v;
    else if (v !== v) acc[o] = v;
  }
  return fromValues(ctx.dtype(node.output), resultShape(x!.shape, axes, Boolean(attrs["keepdims"])), acc);
};

// Index of the first maximum along one axis (the first NaN, if any, as numpy does).
const argmax: Kernel = ([x], attrs, node, ctx) => {
  const shape = x!.shape;
  const ax = axisOf(intAttr(attrs["axis"], ctx, -1), shape.length, "argmax");
  const n = shape[ax]!, inner = sizeOf(shape.slice(ax + 1)), outer = sizeOf(shape.slice(0, ax));
  if (n === 0) throw new RuntimeError(`argmax: axis ${ax} of a tensor of shape ${shapeStr(shape)} is empty`);
  const out = zeros(ctx.dtype(node.output), shape.filter((_, i) => i !== ax));
  const src = x!.data;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const base = o * n * inner + j;
      let best = src[base]!, bi = 0;
      for (let k = 1; k < n && best === best; k++) {
        const v = src[base + k * inner]!;
        if (v > best || v !== v) { best = v; bi = k; }
      }
      out.data[o * inner + j] = bi;
    }
  }
  return out;
};

// sum_to(x, like): like's shape is right-aligned against x's; axes that x adds, or where like has 1, are summed.
const sumTo: Kernel = ([x, like], _a, node, ctx) => {
  const xs = x!.shape, ls = like!.shape;
  const lead = xs.length - ls.length;
  if (lead < 0) throw new RuntimeError(`sum_to: ${shapeStr(xs)} has fewer axes than the target ${shapeStr(ls)}`);
  const lst = stridesOf(ls);
  const strides = xs.map((d, i) => {
    const j = i - lead;
    if (j < 0) return 0;
    if (ls[j] === d) return lst[j]!;
    if (ls[j] === 1) return 0;
    throw new RuntimeError(`sum_to: cannot sum ${shapeStr(xs)} down to ${shapeStr(ls)}`);
  });
  return fromValues(ctx.dtype(node.output), ls, sumInto(x!.data, xs, strides, sizeOf(ls)));
};

// unreduce(dy, like): every element of like's shape takes the dy of the position it was reduced into.
const unreduce: Kernel = ([dy, like], attrs, node, ctx) => {
  const shape = like!.shape;
  const axes = reducedAxes(like!, attrs, ctx, "unreduce");
  const { strides, size, count } = keptStrides(shape, axes);
  if (dy!.data.length !== size) throw new RuntimeError(`unreduce: dy of shape ${shapeStr(dy!.shape)} does not match reducing ${shapeStr(shape)}`);
  const map = indexMap(shape, strides);
  const scale = attrs["mean"] ? 1 / count : 1;
  const out = zeros(ctx.dtype(node.output), shape);
  const src = dy!.data;
  for (let i = 0; i < map.length; i++) out.data[i] = src[map[i]!]! * scale;
  return out;
};

// A label is in the top k when fewer than k scores are strictly greater than its own (ties favour it, as in TF).
const inTopK: Kernel = ([p, labels], attrs, node, ctx) => {
  const [b, c] = p!.shape as [number, number];
  const k = intAttr(attrs["k"], ctx, 5);
  const out = zeros(ctx.dtype(node.output), [b]);
  for (let i = 0; i < b; i++) {
    const l = labels!.data[i]!;
    if (!(l >= 0 && l < c)) continue; // out of range: false
    const row = i * c, score = p!.data[row + l]!;
    if (score !== score) continue; // a NaN score is never in the top k
    let greater = 0;
    for (let j = 0; j < c; j++) if (p!.data[row + j]! > score) greater++;
    out.data[i] = greater < k ? 1 : 0;
  }
  return out;
};

export const REDUCE_KERNELS: [string, Kernel][] = [
  ["sum", sumLike(false)],
  ["mean", sumLike(true)],
  ["max", extremum("max")],
  ["min", extremum("min")],
  ["argmax", argmax],
  ["sum_to", sumTo],
  ["unreduce", unreduce],
  ["in_top_k", inTopK],
];
