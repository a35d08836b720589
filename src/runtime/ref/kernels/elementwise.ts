// Elementwise kernels: unary maths, broadcasting binary ops and comparisons, select and cast.
// Values are computed in f64 and rounded by the result's storage (Float32Array for f32).
import type { Kernel } from "../kernel.js";
import { castTensor, type Tensor, zeros } from "../../tensor.js";
import { broadcastMap, broadcastShape } from "./util.js";

type Fn1 = (x: number) => number;
type Fn2 = (a: number, b: number) => number;

/** e^-|x| keeps both branches finite: no overflow for large |x|. */
const sigmoid: Fn1 = (x) => {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
};

const UNARY: [string, Fn1][] = [
  ["neg", (x) => -x],
  ["exp", Math.exp],
  ["log", Math.log],
  ["sqrt", Math.sqrt],
  ["abs", Math.abs],
  ["sign", (x) => (x > 0 ? 1 : x < 0 ? -1 : x)], // keeps 0, -0 and NaN as they are
  ["tanh", Math.tanh],
  ["sigmoid", sigmoid],
];

const unary = (f: Fn1): Kernel => ([x], _a, node, ctx) => {
  const out = zeros(ctx.dtype(node.output), x!.shape);
  const src = x!.data, dst = out.data;
  for (let i = 0; i < dst.length; i++) dst[i] = f(src[i]!);
  return out;
};

const BINARY: [string, Fn2][] = [
  ["add", (a, b) => a + b],
  ["sub", (a, b) => a - b],
  ["mul", (a, b) => a * b],
  ["div", (a, b) => a / b],
  ["pow", Math.pow],
  ["maximum", Math.max], // NaN propagates, as in numpy's maximum
  ["minimum", Math.min],
  ["greater", (a, b) => (a > b ? 1 : 0)],
  ["greater_equal", (a, b) => (a >= b ? 1 : 0)],
  ["less", (a, b) => (a < b ? 1 : 0)],
  ["less_equal", (a, b) => (a <= b ? 1 : 0)],
  ["equal", (a, b) => (a === b ? 1 : 0)],
];

/** Integer division truncates toward zero (and x / 0 gives 0) rather than storing Infinity into an Int32Array. */
const intDiv: Fn2 = (a, b) => (b === 0 ? 0 : Math.trunc(a / b));

/** out[i] = f(a[ma[i]], b[mb[i]]) over the broadcast shape; equal shapes skip the index maps. */
function binaryOp(f: Fn2, a: Tensor, b: Tensor, out: Tensor): void {
  const ma = broadcastMap(a.shape, out.shape), mb = broadcastMap(b.shape, out.shape);
  const x = a.data, y = b.data, dst = out.data;
  const n = dst.length;
  if (!ma && !mb) for (let i = 0; i < n; i++) dst[i] = f(x[i]!, y[i]!);
  else if (!ma) for (let i = 0; i < n; i++) dst[i] = f(x[i]!, y[mb![i]!]!);
  else if (!mb) for (let i = 0; i < n; i++) dst[i] = f(x[ma[i]!]!, y[i]!);
  else for (let i = 0; i < n; i++) dst[i] = f(x[ma[i]!]!, y[mb[i]!]!);
}

const binary = (name: string, f: Fn2): Kernel => ([a, b], _a, node, ctx) => {
  const out = zeros(ctx.dtype(node.output), broadcastShape(name, a!.shape, b!.shape));
  const isInt = out.dtype === "i32" || out.dtype === "i64";
  binaryOp(name === "div" && isInt ? intDiv : f, a!, b!, out);
  return out;
};

const select: Kernel = ([c, a, b], _a, node, ctx) => {
  const out = zeros(ctx.dtype(node.output), broadcastShape("select", c!.shape, a!.shape, b!.shape));
  const n = out.data.length;
  const mc = broadcastMap(c!.shape, out.shape), ma = broadcastMap(a!.shape, out.shape), mb = broadcastMap(b!.shape, out.shape);
  const cd = c!.data, ad = a!.data, bd = b!.data, dst = out.data;
  for (let i = 0; i < n; i++) {
    const ci = mc ? mc[i]! : i;
    dst[i] = cd[ci] ? ad[ma ? ma[i]! : i]! : bd[mb ? mb[i]! : i]!;
  }
  return out;
};

// The storage does the work for float targets; ints truncate toward zero; bool is "nonzero" (NaN counts as true).
const cast: Kernel = ([x], _a, node, ctx) => castTensor(x!, ctx.dtype(node.output));

export const ELEMENTWISE_KERNELS: [string, Kernel][] = [
  ...UNARY.map(([n, f]): [string, Kernel] => [n, unary(f)]),
  ...BINARY.map(([n, f]): [string, Kernel] => [n, binary(n, f)]),
  ["select", select],
  ["cast", cast],
];
