// Data movement: reshape, transpose, concat, slice, index, reverse, their gradients (slice_grad, index_grad),
// gather / scatter_add, one_hot, and the constant makers zeros / const.
import type { Kernel } from "../kernel.js";
import { RuntimeError, shapeStr, sizeOf, stridesOf, type Tensor, zeros } from "../../tensor.js";
import { axisOf, fromValues, indexMap, intAttr, intsAttr, numAttr } from "./util.js";

/** A tensor viewed as [outer, n, inner] around one axis. */
const around = (shape: number[], ax: number) => ({ outer: sizeOf(shape.slice(0, ax)), n: shape[ax]!, inner: sizeOf(shape.slice(ax + 1)) });

/** Copies `src` viewed as [outer, srcN, inner] into `dst` viewed as [outer, dstN, inner], starting at position `at` on the middle axis. */
function placeAlong(src: Tensor, dst: Tensor, ax: number, at: number): void {
  const { outer, n: srcN, inner } = around(src.shape, ax);
  const dstN = dst.shape[ax]!;
  for (let o = 0; o < outer; o++) {
    dst.data.set(src.data.subarray(o * srcN * inner, (o + 1) * srcN * inner), (o * dstN + at) * inner);
  }
}

/** Copies positions [start, start + len) of `src` along `ax` into `dst` (which has len there). */
function takeAlong(src: Tensor, dst: Tensor, ax: number, start: number): void {
  const { outer, n: srcN, inner } = around(src.shape, ax);
  const len = dst.shape[ax]!;
  for (let o = 0; o < outer; o++) {
    const from = (o * srcN + start) * inner;
    dst.data.set(src.data.subarray(from, from + len * inner), o * len * inner);
  }
}

const reshape: Kernel = ([x], attrs, node, ctx) => {
  const target = intsAttr(attrs["shape"], ctx);
  const total = x!.data.length;
  const hole = target.indexOf(-1);
  if (hole >= 0) {
    const known = sizeOf(target.filter((_, i) => i !== hole));
    if (known === 0 || total % known !== 0) throw new RuntimeError(`reshape: cannot reshape ${shapeStr(x!.shape)} (${total} elements) into ${shapeStr(target)}`);
    target[hole] = total / known;
  }
  if (sizeOf(target) !== total) throw new RuntimeError(`reshape: ${shapeStr(x!.shape)} has ${total} elements but ${shapeStr(target)} has ${sizeOf(target)}`);
  return fromValues(ctx.dtype(node.output), target, x!.data);
};

const transpose: Kernel = ([x], attrs, node, ctx) => {
  const perm = intsAttr(attrs["perm"], ctx);
  const st = stridesOf(x!.shape);
  const shape = perm.map((p) => x!.shape[p]!);
  // Walking the result in row-major order, the source offset advances by the permuted source strides.
  const map = indexMap(shape, perm.map((p) => st[p]!));
  const out = zeros(ctx.dtype(node.output), shape);
  for (let i = 0; i < map.length; i++) out.data[i] = x!.data[map[i]!]!;
  return out;
};

const concat: Kernel = (xs, attrs, node, ctx) => {
  const first = xs[0]!;
  const ax = axisOf(intAttr(attrs["axis"], ctx, -1), first.shape.length, "concat");
  const shape = [...first.shape];
  shape[ax] = xs.reduce((s, t) => s + t.shape[ax]!, 0);
  const out = zeros(ctx.dtype(node.output), shape);
  let at = 0;
  for (const t of xs) {
    if (t.shape.length !== shape.length || t.shape.some((d, i) => i !== ax && d !== shape[i])) {
      throw new RuntimeError(`concat along axis ${ax}: ${shapeStr(first.shape)} and ${shapeStr(t.shape)} do not fit`);
    }
    placeAlong(t, out, ax, at);
    at += t.shape[ax]!;
  }
  return out;
};

/** start / end of a slice, negative counting from the end, checked against the axis size. */
function sliceBounds(attrs: Parameters<Kernel>[1], ctx: Parameters<Kernel>[3], size: number, op: string): [number, number] {
  let s = intAttr(attrs["start"], ctx, 0), e = intAttr(attrs["end"], ctx, size);
  if (s < 0) s += size;
  if (e < 0) e += size;
  if (!(s >= 0 && s < e && e <= size)) throw new RuntimeError(`${op}: [${s}:${e}] is not a non-empty range inside an axis of size ${size}`);
  return [s, e];
}

const slice: Kernel = ([x], attrs, node, ctx) => {
  const ax = axisOf(intAttr(attrs["axis"], ctx), x!.shape.length, "slice");
  const [s, e] = sliceBounds(attrs, ctx, x!.shape[ax]!, "slice");
  const out = zeros(ctx.dtype(node.output), x!.shape.map((d, i) => (i === ax ? e - s : d)));
  takeAlong(x!, out, ax, s);
  return out;
};

const sliceGrad: Kernel = ([dy, like], attrs, node, ctx) => {
  const ax = axisOf(intAttr(attrs["axis"], ctx), like!.shape.length, "slice_grad");
  let s = intAttr(attrs["start"], ctx);
  if (s < 0) s += like!.shape[ax]!;
  if (s < 0 || s + dy!.shape[ax]! > like!.shape[ax]!) throw new RuntimeError(`slice_grad: dy of shape ${shapeStr(dy!.shape)} at ${s} does not fit in ${shapeStr(like!.shape)}`);
  const out = zeros(ctx.dtype(node.output), like!.shape);
  placeAlong(dy!, out, ax, s);
  return out;
};

/** Position i along an axis of size n (negative from the end). */
function indexPos(i: number, n: number, op: string): number {
  const p = i < 0 ? i + n : i;
  if (!(p >= 0 && p < n)) throw new RuntimeError(`${op}: index ${i} is out of range for an axis of size ${n}`);
  return p;
}

const index: Kernel = ([x], attrs, node, ctx) => {
  const ax = axisOf(intAttr(attrs["axis"], ctx), x!.shape.length, "index");
  const p = indexPos(intAttr(attrs["i"], ctx), x!.shape[ax]!, "index");
  const out = zeros(ctx.dtype(node.output), x!.shape.map((d, i) => (i === ax ? 1 : d)));
  takeAlong(x!, out, ax, p);
  out.shape.splice(ax, 1); // same data, the size-1 axis dropped
  return out;
};

const indexGrad: Kernel = ([dy, like], attrs, node, ctx) => {
  const ax = axisOf(intAttr(attrs["axis"], ctx), like!.shape.length, "index_grad");
  const p = indexPos(intAttr(attrs["i"], ctx), like!.shape[ax]!, "index_grad");
  const out = zeros(ctx.dtype(node.output), like!.shape);
  const src = { ...dy!, shape: like!.shape.map((d, i) => (i === ax ? 1 : d)) };
  placeAlong(src, out, ax, p);
  return out;
};

const reverse: Kernel = ([x], attrs, node, ctx) => {
  const ax = axisOf(intAttr(attrs["axis"], ctx), x!.shape.length, "reverse");
  const { outer, n, inner } = around(x!.shape, ax);
  const out = zeros(ctx.dtype(node.output), x!.shape);
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < n; k++) {
      const from = (o * n + k) * inner;
      out.data.set(x!.data.subarray(from, from + inner), (o * n + n - 1 - k) * inner);
    }
  }
  return out;
};

// gather(table [V, ...rest], indices [...]) → [...indices, ...rest]: one row copy per index.
const gather: Kernel = ([table, indices], _a, node, ctx) => {
  const v = table!.shape[0]!, rest = table!.shape.slice(1), row = sizeOf(rest);
  const out = zeros(ctx.dtype(node.output), [...indices!.shape, ...rest]);
  const idx = indices!.data;
  for (let p = 0; p < idx.length; p++) {
    const r = idx[p]!;
    if (!(r >= 0 && r < v)) throw new RuntimeError(`gather: index ${r} is out of range for a table of ${v} rows (valid: 0 to ${v - 1})`);
    out.data.set(table!.data.subarray(r * row, (r + 1) * row), p * row);
  }
  return out;
};

// The adjoint of gather: rows accumulate in f64, out-of-range indices contribute nothing.
const scatterAdd: Kernel = ([dy, indices, like], _a, node, ctx) => {
  const v = like!.shape[0]!, row = sizeOf(like!.shape.slice(1));
  const acc = new Float64Array(like!.data.length);
  const idx = indices!.data, g = dy!.data;
  for (let p = 0; p < idx.length; p++) {
    const r = idx[p]!;
    if (!(r >= 0 && r < v)) continue;
    for (let j = 0; j < row; j++) acc[r * row + j]! += g[p * row + j]!;
  }
  return fromValues(ctx.dtype(node.output), like!.shape, acc);
};

const oneHot: Kernel = ([indices], attrs, node, ctx) => {
  const depth = intAttr(attrs["depth"], ctx);
  const out = zeros(ctx.dtype(node.output), [...indices!.shape, depth]);
  const idx = indices!.data;
  for (let p = 0; p < idx.length; p++) {
    const c = idx[p]!;
    if (c >= 0 && c < depth) out.data[p * depth + c] = 1; // out of range: an all-zero row
  }
  return out;
};

const zerosK: Kernel = (_ins, attrs, node, ctx) => zeros(ctx.dtype(node.output), intsAttr(attrs["shape"], ctx, []));

const constK: Kernel = (_ins, attrs, node, ctx) => fromValues(ctx.dtype(node.output), [], [numAttr(attrs["value"], ctx)]);

export const SHAPE_KERNELS: [string, Kernel][] = [
  ["reshape", reshape],
  ["transpose", transpose],
  ["concat", concat],
  ["slice", slice],
  ["slice_grad", sliceGrad],
  ["index", index],
  ["index_grad", indexGrad],
  ["reverse", reverse],
  ["gather", gather],
  ["scatter_add", scatterAdd],
  ["one_hot", oneHot],
  ["zeros", zerosK],
  ["const", constK],
];
