// 2-D convolution (cross-correlation, NHWC, kernel [KH, KW, C, F]) and pooling, with their gradients.
// Padding follows TensorFlow: "same" gives ceil(H / S) outputs with the smaller half of the padding on top/left;
// padded positions are zeros for conv and are skipped by pooling.
import type { Kernel, KernelCtx } from "../kernel.js";
import { RuntimeError, shapeStr, type Tensor, zeros } from "../../tensor.js";
import { type Attrs, fromValues, geometry, intsAttr } from "./util.js";

interface Geo {
  b: number; h: number; w: number; c: number;
  kh: number; kw: number; sh: number; sw: number;
  oh: number; ow: number; padTop: number; padLeft: number;
}

function geo(op: string, x: number[], kh: number, kw: number, attrs: Attrs, ctx: KernelCtx, defaultStrides: number[]): Geo {
  if (x.length !== 4) throw new RuntimeError(`${op}: expects a 4-D input [B, H, W, C], found ${shapeStr(x)}`);
  const [b, h, w, c] = x as [number, number, number, number];
  const [sh, sw] = intsAttr(attrs["strides"], ctx, defaultStrides) as [number, number];
  const padding = String(attrs["padding"] ?? "valid");
  const gy = geometry(h, kh, sh, padding, op), gx = geometry(w, kw, sw, padding, op);
  return { b, h, w, c, kh, kw, sh, sw, oh: gy.out, ow: gx.out, padTop: gy.pad, padLeft: gx.pad };
}

/** Geometry of a conv whose kernel is `wShape` [KH, KW, C, F]. */
function convGeo(op: string, x: number[], wShape: number[], attrs: Attrs, ctx: KernelCtx): Geo & { f: number } {
  if (wShape.length !== 4) throw new RuntimeError(`${op}: kernel must be 4-D [KH, KW, C, F], found ${shapeStr(wShape)}`);
  const g = geo(op, x, wShape[0]!, wShape[1]!, attrs, ctx, [1, 1]);
  if (wShape[2] !== g.c) throw new RuntimeError(`${op}: input has ${g.c} channels but the kernel expects ${wShape[2]}`);
  return { ...g, f: wShape[3]! };
}

function checkDy(op: string, dy: Tensor, g: Geo, last: number): void {
  const want = [g.b, g.oh, g.ow, last];
  if (dy.shape.length !== 4 || dy.shape.some((d, i) => d !== want[i])) throw new RuntimeError(`${op}: dy has shape ${shapeStr(dy.shape)}, expected ${shapeStr(want)}`);
}

/**
 * Calls `fn` for every output position and every in-bounds kernel tap, with the flat offsets (without the
 * channel) of the input pixel, the output pixel and the tap (ky * KW + kx).
 */
function forEachTap(g: Geo, fn: (xPix: number, oPix: number, tap: number) => void): void {
  for (let b = 0; b < g.b; b++) {
    for (let oy = 0; oy < g.oh; oy++) {
      for (let ox = 0; ox < g.ow; ox++) {
        const oPix = (b * g.oh + oy) * g.ow + ox;
        for (let ky = 0; ky < g.kh; ky++) {
          const iy = oy * g.sh - g.padTop + ky;
          if (iy < 0 || iy >= g.h) continue;
          for (let kx = 0; kx < g.kw; kx++) {
            const ix = ox * g.sw - g.padLeft + kx;
            if (ix < 0 || ix >= g.w) continue;
            fn((b * g.h + iy) * g.w + ix, oPix, ky * g.kw + kx);
          }
        }
      }
    }
  }
}

const conv2d: Kernel = ([x, w], attrs, node, ctx) => {
  const g = convGeo("conv2d", x!.shape, w!.shape, attrs, ctx);
  const { c, f } = g;
  const acc = new Float64Array(g.b * g.oh * g.ow * f);
  const X = x!.data, W = w!.data;
  forEachTap(g, (xPix, oPix, tap) => {
    const xo = xPix * c, oo = oPix * f, wo = tap * c * f;
    for (let ci = 0; ci < c; ci++) {
      const xv = X[xo + ci]!, wr = wo + ci * f;
      for (let fi = 0; fi < f; fi++) acc[oo + fi]! += xv * W[wr + fi]!;
    }
  });
  return fromValues(ctx.dtype(node.output), [g.b, g.oh, g.ow, f], acc);
};

const conv2dGradInput: Kernel = ([dy, w, like], attrs, node, ctx) => {
  const g = convGeo("conv2d_grad_input", like!.shape, w!.shape, attrs, ctx);
  checkDy("conv2d_grad_input", dy!, g, g.f);
  const { c, f } = g;
  const acc = new Float64Array(like!.data.length);
  const D = dy!.data, W = w!.data;
  forEachTap(g, (xPix, oPix, tap) => {
    const xo = xPix * c, oo = oPix * f, wo = tap * c * f;
    for (let ci = 0; ci < c; ci++) {
      const wr = wo + ci * f;
      let s = 0;
      for (let fi = 0; fi < f; fi++) s += D[oo + fi]! * W[wr + fi]!;
      acc[xo + ci]! += s;
    }
  });
  return fromValues(ctx.dtype(node.output), like!.shape, acc);
};

const conv2dGradFilter: Kernel = ([x, dy, like], attrs, node, ctx) => {
  const g = convGeo("conv2d_grad_filter", x!.shape, like!.shape, attrs, ctx);
  checkDy("conv2d_grad_filter", dy!, g, g.f);
  const { c, f } = g;
  const acc = new Float64Array(like!.data.length);
  const X = x!.data, D = dy!.data;
  forEachTap(g, (xPix, oPix, tap) => {
    const xo = xPix * c, oo = oPix * f, wo = tap * c * f;
    for (let ci = 0; ci < c; ci++) {
      const xv = X[xo + ci]!, wr = wo + ci * f;
      for (let fi = 0; fi < f; fi++) acc[wr + fi]! += xv * D[oo + fi]!;
    }
  });
  return fromValues(ctx.dtype(node.output), like!.shape, acc);
};

// ---- pooling ----

function poolGeo(op: string, x: number[], attrs: Attrs, ctx: KernelCtx): Geo {
  const [kh, kw] = intsAttr(attrs["window"], ctx, [2, 2]) as [number, number];
  return geo(op, x, kh, kw, attrs, ctx, [2, 2]);
}

/** Per output pixel, the in-bounds input pixels of its window in row-major order (padding excluded). */
function windows(g: Geo): number[][] {
  const pixels: number[][] = Array.from({ length: g.b * g.oh * g.ow }, () => []);
  forEachTap(g, (xPix, oPix) => pixels[oPix]!.push(xPix));
  return pixels;
}

/** Offset of the first maximum among `pix` for channel ci (a NaN counts as the maximum, the first one wins). */
function firstMax(X: Tensor["data"], pix: number[], c: number, ci: number): number {
  let best = pix[0]! * c + ci;
  for (let k = 1; k < pix.length && X[best] === X[best]; k++) {
    const o = pix[k]! * c + ci;
    if (X[o]! > X[best]! || X[o] !== X[o]) best = o;
  }
  return best;
}

const maxPool: Kernel = ([x], attrs, node, ctx) => {
  const g = poolGeo("max_pool2d", x!.shape, attrs, ctx);
  const out = zeros(ctx.dtype(node.output), [g.b, g.oh, g.ow, g.c]);
  windows(g).forEach((pix, o) => {
    for (let ci = 0; ci < g.c; ci++) out.data[o * g.c + ci] = pix.length ? x!.data[firstMax(x!.data, pix, g.c, ci)]! : 0;
  });
  return out;
};

// Each dy goes to the first maximum of its window, the same element the forward pass picked.
const maxPoolGrad: Kernel = ([x, dy], attrs, node, ctx) => {
  const g = poolGeo("max_pool2d_grad", x!.shape, attrs, ctx);
  checkDy("max_pool2d_grad", dy!, g, g.c);
  const acc = new Float64Array(x!.data.length);
  windows(g).forEach((pix, o) => {
    if (!pix.length) return;
    for (let ci = 0; ci < g.c; ci++) acc[firstMax(x!.data, pix, g.c, ci)]! += dy!.data[o * g.c + ci]!;
  });
  return fromValues(ctx.dtype(node.output), x!.shape, acc);
};

// The average divides by the number of in-bounds elements (TensorFlow's "same" convention).
const avgPool: Kernel = ([x], attrs, node, ctx) => {
  const g = poolGeo("avg_pool2d", x!.shape, attrs, ctx);
  const acc = new Float64Array(g.b * g.oh * g.ow * g.c);
  windows(g).forEach((pix, o) => {
    for (let ci = 0; ci < g.c; ci++) {
      let s = 0;
      for (const p of pix) s += x!.data[p * g.c + ci]!;
      acc[o * g.c + ci] = pix.length ? s / pix.length : 0;
    }
  });
  return fromValues(ctx.dtype(node.output), [g.b, g.oh, g.ow, g.c], acc);
};

const avgPoolGrad: Kernel = ([dy, like], attrs, node, ctx) => {
  const g = poolGeo("avg_pool2d_grad", like!.shape, attrs, ctx);
  checkDy("avg_pool2d_grad", dy!, g, g.c);
  const acc = new Float64Array(like!.data.length);
  windows(g).forEach((pix, o) => {
    for (let ci = 0; ci < g.c; ci++) {
      const share = dy!.data[o * g.c + ci]! / pix.length;
      for (const p of pix) acc[p * g.c + ci]! += share;
    }
  });
  return fromValues(ctx.dtype(node.output), like!.shape, acc);
};

export const CONV_KERNELS: [string, Kernel][] = [
  ["conv2d", conv2d],
  ["conv2d_grad_input", conv2dGradInput],
  ["conv2d_grad_filter", conv2dGradFilter],
  ["max_pool2d", maxPool],
  ["max_pool2d_grad", maxPoolGrad],
  ["avg_pool2d", avgPool],
  ["avg_pool2d_grad", avgPoolGrad],
];
