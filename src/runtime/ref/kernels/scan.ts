// scan and its gradient: loops over axis 1, running the step body once per time step.
import type { Kernel } from "../kernel.js";
import { sizeOf, type Tensor, zeros } from "../../tensor.js";

/** xs[:, t] of a [B, T, ...] tensor. */
export function takeStep(xs: Tensor, t: number): Tensor {
  const [b, steps, ...rest] = xs.shape as [number, number, ...number[]];
  const inner = sizeOf(rest);
  const out = zeros(xs.dtype, [b, ...rest]);
  for (let i = 0; i < b; i++) out.data.set(xs.data.subarray((i * steps + t) * inner, (i * steps + t + 1) * inner), i * inner);
  return out;
}

/** ys[:, t] = v (ys is [B, T, ...]). */
export function putStep(ys: Tensor, t: number, v: Tensor, accumulate = false): void {
  const [b, steps] = ys.shape as [number, number];
  const inner = sizeOf(ys.shape.slice(2));
  for (let i = 0; i < b; i++) {
    const o = (i * steps + t) * inner;
    if (!accumulate) ys.data.set(v.data.subarray(i * inner, (i + 1) * inner), o);
    else for (let j = 0; j < inner; j++) ys.data[o + j]! += v.data[i * inner + j]!;
  }
}

const addInto = (acc: Tensor, v: Tensor): void => {
  for (let i = 0; i < acc.data.length; i++) acc.data[i]! += v.data[i]!;
};

const scan: Kernel = ([init, xs], _a, node, ctx) => {
  const steps = xs!.shape[1]!;
  const ys = zeros(ctx.dtype(node.output), [init!.shape[0]!, steps, ...init!.shape.slice(1)]);
  let carry = init!;
  for (let t = 0; t < steps; t++) {
    carry = ctx.runBody(node.body!, [carry, takeStep(xs!, t)])[0]!;
    putStep(ys, t, carry);
  }
  return ys;
};

// Inputs: init, xs, ys (all carries of the forward scan), dys. Body: (carry_prev, x_t, dcarry) →
// (dcarry_prev, dx_t, d captured…). Results: d_init, d_xs, then the captured values' gradients summed over steps.
const scanGrad: Kernel = ([init, xs, ys, dys], _a, node, ctx) => {
  const steps = xs!.shape[1]!;
  const body = node.body!;
  const dxs = zeros(ctx.dtype(node.extraOutputs![0]!), xs!.shape);
  const dcaps = node.extraOutputs!.slice(1).map((v) => zeros(ctx.dtype(v), v.type.shape.map((d) => ctx.evalDim(d))));
  let dcarry = zeros(ctx.dtype(node.output), init!.shape);
  for (let t = steps - 1; t >= 0; t--) {
    const prev = t === 0 ? init! : takeStep(ys!, t - 1);
    const dc = takeStep(dys!, t);
    addInto(dc, dcarry);
    const outs = ctx.runBody(body, [prev, takeStep(xs!, t), dc]);
    dcarry = outs[0]!;
    putStep(dxs, t, outs[1]!);
    outs.slice(2).forEach((g, i) => addInto(dcaps[i]!, g));
  }
  return [dcarry, dxs, ...dcaps];
};

export const SCAN_KERNELS: [string, Kernel][] = [["scan", scan], ["scan_grad", scanGrad]];
