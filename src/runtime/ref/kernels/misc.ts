// Training-related kernels: dropout, dropout_mask and batch_norm (evaluation form).
import type { Kernel } from "../kernel.js";
import { RuntimeError, type Tensor, zeros } from "../../tensor.js";
import { numAttr } from "./util.js";

/** 1/(1-rate) rounded to the result's storage, so that dropout(x) equals x * dropout_mask(x) exactly. */
function keepScale(out: Tensor, rate: number): number {
  const s = zeros(out.dtype, [1]);
  s.data[0] = 1 / (1 - rate);
  return s.data[0]!;
}

function rateOf(attrs: Parameters<Kernel>[1], ctx: Parameters<Kernel>[3], op: string): number {
  const rate = numAttr(attrs["rate"], ctx);
  if (!(rate >= 0 && rate < 1)) throw new RuntimeError(`${op}: rate must be in [0, 1), found ${rate}`);
  return rate;
}

// One draw per element in row-major order; an element is kept when its draw is >= rate.
const dropout: Kernel = ([x], attrs, node, ctx) => {
  const out = zeros(ctx.dtype(node.output), x!.shape);
  if (!ctx.training) {
    out.data.set(x!.data);
    return out;
  }
  const rate = rateOf(attrs, ctx, "dropout");
  const scale = keepScale(out, rate);
  for (let i = 0; i < out.data.length; i++) out.data[i] = ctx.rng.next() >= rate ? x!.data[i]! * scale : 0;
  return out;
};

const dropoutMask: Kernel = ([like], attrs, node, ctx) => {
  const out = zeros(ctx.dtype(node.output), like!.shape);
  const rate = rateOf(attrs, ctx, "dropout_mask");
  const scale = keepScale(out, rate);
  for (let i = 0; i < out.data.length; i++) out.data[i] = ctx.rng.next() < rate ? 0 : scale;
  return out;
};

// Evaluation form over the last axis: y = gamma * (x - mean) / sqrt(var + eps) + beta.
// (Training-mode batch statistics are lowered to other primitives before execution.)
const batchNorm: Kernel = ([x, gamma, beta, mean, variance], attrs, node, ctx) => {
  const eps = numAttr(attrs["epsilon"] ?? 0.001, ctx);
  const c = x!.shape[x!.shape.length - 1]!;
  const scale = new Float64Array(c), shift = new Float64Array(c);
  for (let j = 0; j < c; j++) {
    scale[j] = gamma!.data[j]! / Math.sqrt(variance!.data[j]! + eps);
    shift[j] = mean!.data[j]!;
  }
  const out = zeros(ctx.dtype(node.output), x!.shape);
  for (let i = 0; i < out.data.length; i++) {
    const j = i % c;
    out.data[i] = (x!.data[i]! - shift[j]!) * scale[j]! + beta!.data[j]!;
  }
  return out;
};

export const MISC_KERNELS: [string, Kernel][] = [
  ["dropout", dropout],
  ["dropout_mask", dropoutMask],
  ["batch_norm", batchNorm],
];
