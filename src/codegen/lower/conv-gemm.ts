// Convolution and both of its gradients as GEMMs (with vectors; without, the direct loops in
// templates.ts). The image side is packed im2col-style straight into the GEMM's A panels, one tap
// (ky, kx) at a time so the channel loop reads contiguous NHWC memory:
//   conv2d:             C[(b,oy,ox), f]  = Σ_(ky,kx,c) x[b, oy·s+ky−p, ox·s+kx−p, c] · w[ky,kx,c,f]
//   conv2d_grad_input:  cols[(b,oy,ox), (ky,kx,c)] = Σ_f dy[b,oy,ox,f] · w[ky,kx,c,f], then
//                       dx[b,y,x,c] = Σ_(ky,kx) cols[(b, (y+p−ky)/s, (x+p−kx)/s), (ky,kx,c)] (col2im)
//   conv2d_grad_filter: dw[(ky,kx,c), f] = Σ_(b,oy,ox) x[b, oy·s+ky−p, ox·s+kx−p, c] · dy[b,oy,ox,f]
import { Dim } from "../../ir/dim.js";
import type { IRNode, Value } from "../../ir/graph.js";
import type { KExpr, KStmt } from "../kir/kir.js";
import { add, bin, c64, cst, dimExpr, div, flatten, mod, mul, select, sizeExpr, sub, un, unflatten } from "../kir/expr.js";
import type { ExprCtx } from "./injective.js";
import { type Epilogue, type GemmSpec, inMemory, packedGemm } from "./gemm.js";
import { convTemplate, geo, type Geo, nest, tap, type Template } from "./templates.js";

const dims = (v: Value): Dim[] => v.type.shape;
const minE = (a: KExpr, b: KExpr) => bin("min", a, b);
const within = (v: KExpr, n: number) => bin("and", bin("ge", v, c64(0)), bin("lt", v, c64(n)));
const clampTo = (v: KExpr, n: number) => minE(bin("max", v, c64(0)), c64(n - 1));
/** A flat index split over axes whose trailing sizes are `trailing` (the leading axis takes the rest). */
const split = (i: KExpr, ...trailing: number[]): KExpr[] => unflatten(i, [Dim.const(1), ...trailing.map((t) => Dim.const(t))]);

/** Stores columns k0 … k0+n−1 of panel row r: `value(c)` where `ok`, zeros elsewhere (a tap off the image). */
function tapRun(buf: number, dest: (k: KExpr, r: KExpr) => KExpr, r: KExpr, k0: KExpr, n: number, ok: KExpr, value: (c: KExpr) => KExpr): KStmt[] {
  const put = (v: (c: KExpr) => KExpr): KStmt[] => nest("c", [c64(n)], ([c]) => [{ k: "store", buf, idx: dest(add(k0, c!), r), value: v(c!) }], false);
  return [
    { k: "if", cond: ok, body: put(value) },
    { k: "if", cond: { k: "un", t: "bool", op: "not", a: ok }, body: put(() => cst("f32", 0)) },
  ];
}

/**
 * A max pooling read of a convolution's output (through its epilogue) computed by the convolution itself:
 * windows of kh × kw pixels, strided by the window, none past the image. `out` is the pooled buffer.
 */
export interface ConvPool {
  kh: number;
  kw: number;
  out: number;
}

/** Pooling fits the GEMM: one K block (nothing to keep between blocks) and windows that fill 8-row tiles. */
export function poolFusable(conv: IRNode, kh: number, kw: number): boolean {
  const [KH, KW, C] = conv.inputs[1]!.type.shape.map((d) => d.value);
  const K = (KH ?? 0) * (KW ?? 0) * (C ?? 0);
  return conv.op === "conv2d" && K > 0 && K <= 384 && 8 % (kh * kw) === 0;
}

/** Convolution ops: a GEMM when the target has vectors, the direct loops otherwise. */
export function convGemmTemplate(n: IRNode, outBuf: number, ctx: ExprCtx, epilogue?: Epilogue, pool?: ConvPool): Template {
  if (ctx.lanes <= 1) return convTemplate(n, outBuf, ctx);
  const xShape = n.op === "conv2d_grad_input" ? dims(n.inputs[2]!) : dims(n.inputs[0]!);
  const wShape = n.op === "conv2d_grad_filter" ? dims(n.inputs[2]!) : dims(n.inputs[1]!);
  const [KH, KW, , F] = wShape.map((d) => d.value!) as [number, number, number, number];
  const g = geo(n, xShape, KH, KW, [1, 1]);
  if (n.op === "conv2d_grad_input") return gradInputCol2im(n, g, F, xShape[0]!, outBuf, ctx, epilogue);
  const spec = n.op === "conv2d" ? forward(n, g, F, xShape[0]!, ctx, pool) : gradFilter(n, g, F, xShape[0]!, ctx);
  return packedGemm({ ...spec, epilogue }, outBuf, ctx);
}

/**
 * The input gradient as a GEMM and a gather (col2im): cols[(b,oy,ox), (ky,kx,c)] = Σ_f dy[b,oy,ox,f] ·
 * w[ky,kx,c,f] reads dy as it lies (no im2col copy of dy, no zero taps), then each input pixel sums the
 * taps that reach it, a vector of channels at a time. The epilogue, if any, runs in the gather.
 */
function gradInputCol2im(n: IRNode, g: Geo, F: number, B: Dim, outBuf: number, ctx: ExprCtx, epilogue?: Epilogue): Template {
  const [dy, w] = n.inputs as [Value, Value];
  const P = g.OH * g.OW, N = g.KH * g.KW * g.C, W = ctx.lanes, t = "f32" as const;
  const M = B.mul(Dim.const(P));
  const cols = ctx.scratch(t, M.mul(Dim.const(N)), `cols${n.output.id}`);
  const gemm = packedGemm({
    ...plain(n.output.id, M, F, N, [g.OH, g.OW]),
    a: (_ab, i, k) => ctx.at(dy, [...split(i, g.OH, g.OW), k]),
    b: (_bb, k, j) => ctx.at(w, [...split(j, g.KW, g.C), k]),
    bValue: w,
  }, cols, ctx);
  const xShape = [B, Dim.const(g.H), Dim.const(g.W), Dim.const(g.C)];
  const body = nest("x", [g.B, c64(g.H), c64(g.W)], ([b, y, xx]) => nest("cv", [c64(Math.ceil(g.C / W))], ([cv]) => {
    const c0 = mul(cv!, c64(W));
    const count = minE(c64(W), sub(c64(g.C), c0));
    let acc: KExpr = { k: "splat", t, lanes: W, a: cst(t, 0) };
    for (let ky = 0; ky < g.KH; ky++) for (let kx = 0; kx < g.KW; kx++) {
      const s = source(g, y!, xx!, c64(ky), c64(kx));
      const row = add(mul(add(mul(b!, c64(g.OH)), clampTo(s.oy, g.OH)), c64(g.OW)), clampTo(s.ox, g.OW));
      const at = add(add(mul(row, c64(N)), c64((ky * g.KW + kx) * g.C)), c0);
      const v: KExpr = { k: "load", t, buf: cols, idx: at, lanes: W, count };
      acc = bin("add", acc, select(s.ok, v, { k: "splat", t, lanes: W, a: cst(t, 0) }));
    }
    const local: KStmt = { k: "local", name: "dxv", t, init: acc, lanes: W };
    const get: KExpr = { k: "get", t, name: "dxv" };
    if (epilogue) return [local, ...epilogue.store((c) => [b!, y!, xx!, c], c0, get, count)];
    return [local, { k: "store", buf: outBuf, idx: flatten([b!, y!, xx!, c0], xShape), value: get, lanes: W, count }];
  }, false));
  return { body, cost: mul(sizeExpr(xShape), c64(g.KH * g.KW)), before: [...(gemm.before ?? []), { body: gemm.body, cost: gemm.cost, name: "gemm" }] };
}

/** The output pixel that tap (ky, kx) of input pixel (y, x) belongs to, if any. */
function source(g: Geo, y: KExpr, xx: KExpr, ky: KExpr, kx: KExpr) {
  const ny = sub(add(y, c64(g.PT)), ky), nx = sub(add(xx, c64(g.PL)), kx);
  const oy = div(ny, c64(g.SH)), ox = div(nx, c64(g.SW));
  let ok = bin("and", bin("ge", ny, c64(0)), bin("ge", nx, c64(0)));
  if (g.SH > 1) ok = bin("and", ok, bin("eq", mod(ny, c64(g.SH)), c64(0)));
  if (g.SW > 1) ok = bin("and", ok, bin("eq", mod(nx, c64(g.SW)), c64(0)));
  ok = bin("and", ok, bin("and", bin("lt", oy, c64(g.OH)), bin("lt", ox, c64(g.OW))));
  return { oy, ox, ok };
}

/** Fields every convolution GEMM shares: no batch axes, C stored row-major [M, N] (M: rows of `rows`). */
function plain(id: number, M: Dim, K: number | Dim, N: number, rows: number[]): Pick<GemmSpec, "id" | "M" | "K" | "N" | "batch" | "aBatch" | "bBatch" | "aSel" | "bSel" | "c" | "cIndex"> {
  return {
    id, M, K: typeof K === "number" ? Dim.const(K) : K, N: Dim.const(N), batch: [], aBatch: [], bBatch: [],
    aSel: () => [], bSel: () => [], c: (_bv, i, j) => add(mul(i, c64(N)), j),
    // Row i of C is pixel (or tap) i of an output with trailing axes `rows`, then the column.
    cIndex: (_bv, i, j) => [...split(i, ...rows), j],
  };
}

/**
 * A panel row per output pixel (b, oy, ox): for each tap, C channels of x (zeros outside the image).
 * Pooled, rows run window by window, (b, py, px, wy, wx), and pixels in no window are not computed.
 */
function forward(n: IRNode, g: Geo, F: number, B: Dim, ctx: ExprCtx, pool?: ConvPool): GemmSpec {
  const [x, w] = n.inputs as [Value, Value];
  const K = g.KH * g.KW * g.C;
  const PH = pool ? Math.floor(g.OH / pool.kh) : 0, PW = pool ? Math.floor(g.OW / pool.kw) : 0;
  const group = pool ? pool.kh * pool.kw : 1;
  const P = pool ? PH * PW * group : g.OH * g.OW;
  const M = B.mul(Dim.const(P));
  const pixel = (i: KExpr): [KExpr, KExpr, KExpr] => {
    if (!pool) return split(i, g.OH, g.OW) as [KExpr, KExpr, KExpr];
    const [b, py, px, wy, wx] = split(i, PH, PW, pool.kh, pool.kw) as [KExpr, KExpr, KExpr, KExpr, KExpr];
    return [b, add(mul(py, c64(pool.kh)), wy), add(mul(px, c64(pool.kw)), wx)];
  };
  const spec = forwardSpec(n, g, F, M, K, x, w, pixel, ctx);
  if (!pool) return spec;
  return {
    ...spec, mr: 8,
    cIndex: (_bv, i, j) => [...pixel(i), j],
    pool: {
      group,
      store: (i, j0, vec, count) => [{ k: "store", buf: pool.out, idx: add(mul(div(i, c64(group)), c64(F)), j0), value: vec, lanes: ctx.lanes, count }],
    },
  };
}

function forwardSpec(n: IRNode, g: Geo, F: number, M: Dim, K: number, x: Value, w: Value, pixel: (i: KExpr) => [KExpr, KExpr, KExpr], ctx: ExprCtx): GemmSpec {
  return {
    ...plain(n.output.id, M, K, F, [g.OH, g.OW]),
    a: (_ab, i, k) => {
      const [b, oy, ox] = pixel(i), [ky, kx, c] = split(k, g.KW, g.C) as [KExpr, KExpr, KExpr];
      const t = tap(g, oy, ox, ky, kx);
      return select(t.inside, ctx.at(x, [b, clampTo(t.iy, g.H), clampTo(t.ix, g.W), c]), cst("f32", 0));
    },
    b: (_bb, k, j) => ctx.at(w, [...split(k, g.KW, g.C), j]),
    bValue: w,
    bRows: inMemory(w, ctx),
    direct: inPlace(g, x, pixel, ctx),
    packTile: (buf, mr, it, dest) => nest("r", [c64(mr)], ([r]) => {
      const i = minE(add(mul(it, c64(mr)), r!), sub(dimExpr(M), c64(1)));
      const [b, oy, ox] = pixel(i);
      return nest("q", [c64(g.KH), c64(g.KW)], ([ky, kx]) => {
        const t = tap(g, oy, ox, ky!, kx!);
        const k0 = mul(add(mul(ky!, c64(g.KW)), kx!), c64(g.C));
        return tapRun(buf, dest, r!, k0, g.C, t.inside, (c) => ctx.at(x, [b, t.iy, t.ix, c]));
      }, false);
    }, false),
  };
}

/**
 * x read in place when every tap of every output pixel is inside the image (no padding) and x is in
 * memory in NHWC order: x at tap k = (ky, kx, c) of pixel (b, oy, ox) is x[at(b, oy, ox) + tap(k)] with
 * at = ((b·H + oy·SH)·W + ox·SW)·C and tap = (ky·W + kx)·C + c. The forward convolution's A (a row per
 * pixel) and the filter gradient's A (a row per tap) are read so, and nothing is packed.
 */
function imageInPlace(g: Geo, x: Value, ctx: ExprCtx): { buf: number; at(b: KExpr, oy: KExpr, ox: KExpr): KExpr; tap(k: KExpr): KExpr } | undefined {
  if (g.PT !== 0 || g.PL !== 0 || (g.OH - 1) * g.SH + g.KH > g.H || (g.OW - 1) * g.SW + g.KW > g.W) return undefined;
  const buf = inMemory(x, ctx);
  if (buf === undefined) return undefined;
  return {
    buf,
    at: (b, oy, ox) => mul(add(mul(add(mul(b, c64(g.H)), mul(oy, c64(g.SH))), c64(g.W)), mul(ox, c64(g.SW))), c64(g.C)),
    tap: (k) => {
      const [ky, kx, c] = split(k, g.KW, g.C) as [KExpr, KExpr, KExpr];
      return add(mul(add(mul(ky, c64(g.W)), kx), c64(g.C)), c);
    },
  };
}

function inPlace(g: Geo, x: Value, pixel: (i: KExpr) => [KExpr, KExpr, KExpr], ctx: ExprCtx): GemmSpec["direct"] {
  const im = imageInPlace(g, x, ctx);
  return im && { buf: im.buf, base: (i) => im.at(...pixel(i)), off: im.tap };
}

/** A panel row per filter tap and channel (ky, kx, c): x at that tap for every output pixel of the batch. */
function gradFilter(n: IRNode, g: Geo, F: number, B: Dim, ctx: ExprCtx): GemmSpec {
  const [x, dy] = n.inputs as [Value, Value];
  const P = g.OH * g.OW, rows = g.KH * g.KW * g.C;
  const K = B.mul(Dim.const(P));
  const run = channelRun(g), im = imageInPlace(g, x, ctx);
  return {
    ...plain(n.output.id, Dim.const(rows), K, F, [g.KW, g.C]),
    a: (_ab, i, k) => {
      const [ky, kx, c] = split(i, g.KW, g.C) as [KExpr, KExpr, KExpr], [b, oy, ox] = split(k, g.OH, g.OW) as [KExpr, KExpr, KExpr];
      const t = tap(g, oy, ox, ky, kx);
      return select(t.inside, ctx.at(x, [b, clampTo(t.iy, g.H), clampTo(t.ix, g.W), c]), cst("f32", 0));
    },
    b: (_bb, k, j) => ctx.at(dy, [...split(k, g.OH, g.OW), j]),
    bRows: inMemory(dy, ctx),
    ...(run ? { mr: run, packTile: (buf, mr, it, dest) => channelRunTile(g, x, ctx, buf, mr, it, dest) } : {
      packTile: (buf, mr, it, dest) => nest("r", [c64(mr)], ([r]) => {
        const [ky, kx, c] = split(minE(add(mul(it, c64(mr)), r!), c64(rows - 1)), g.KW, g.C) as [KExpr, KExpr, KExpr];
        return overPixels(g, ky, kx, (b, iy, ix, rowIn, k) => {
          const v = select(bin("and", rowIn, within(ix, g.W)), ctx.at(x, [b, clampTo(iy, g.H), clampTo(ix, g.W), c]), cst("f32", 0));
          return [{ k: "store", buf, idx: dest(k, r!), value: v }];
        });
      }, false),
    }),
    // Rows of 8 consecutive (tap, channel) pairs, read in place: 8 broadcasts from one or two cache lines per pixel.
    // With C a multiple of 8, a tile's 8 rows are 8 channels of one tap: consecutive floats of x.
    ...(im ? { mr: 8, direct: { buf: im.buf, base: im.tap, off: (k) => im.at(...(split(k, g.OH, g.OW) as [KExpr, KExpr, KExpr])), contiguous: g.C % 8 === 0 } } : {}),
  };
}

/**
 * Rows per filter-gradient tile such that a tile's rows are one contiguous run of x per output pixel:
 * the largest divisor of C from 6 to 14 (channels of one tap), else a whole row of taps (KW·C ≤ 14,
 * adjacent pixels' channels, as with an RGB input).
 */
function channelRun(g: Geo): number | undefined {
  return [14, 13, 12, 11, 10, 9, 8, 7, 6].find((r) => g.C % r === 0) ?? (g.KW * g.C <= 14 && g.KW > 1 ? g.KW * g.C : undefined);
}

/**
 * The filter gradient's tile `it` when its rows are one run of x per output pixel (see channelRun): a
 * single vector per pixel instead of mr strided reads. A run over a row of taps that reaches past the
 * image's left or right edge is read element by element, with zeros outside.
 */
function channelRunTile(g: Geo, x: Value, ctx: ExprCtx, buf: number, mr: number, it: KExpr, dest: (k: KExpr, r: KExpr) => KExpr): KStmt[] {
  const first = mul(it, c64(mr));
  const [ky, kx, c0] = split(first, g.KW, g.C) as [KExpr, KExpr, KExpr];
  const taps = mr > g.C ? g.KW : 1;
  return overPixels(g, ky, kx, (b, iy, ix, rowIn, k) => {
    const ok = bin("and", rowIn, bin("and", within(ix, g.W), within(add(ix, c64(taps - 1)), g.W)));
    const run = nest("r", [c64(mr)], ([r]) => {
      const v = select(ok, ctx.at(x, [b, clampTo(iy, g.H), clampTo(ix, g.W), add(c0, r!)]), cst("f32", 0));
      return [{ k: "store", buf, idx: dest(k, r!), value: v }];
    }, false);
    if (taps === 1) return run;
    // At the edges: lane r is channel r % C of tap kx + r / C.
    const edge = nest("r", [c64(mr)], ([r]) => {
      const ixr = add(ix, div(r!, c64(g.C)));
      const v = select(bin("and", rowIn, within(ixr, g.W)), ctx.at(x, [b, clampTo(iy, g.H), clampTo(ixr, g.W), mod(r!, c64(g.C))]), cst("f32", 0));
      return [{ k: "store", buf, idx: dest(k, r!), value: v }];
    }, false);
    return [{ k: "if", cond: ok, body: run }, { k: "if", cond: un("not", ok), body: edge }];
  });
}

/** For every output pixel (b, oy, ox), the input position of tap (ky, kx), whether its row is inside, and the pixel's flat index k. */
function overPixels(g: Geo, ky: KExpr, kx: KExpr, inner: (b: KExpr, iy: KExpr, ix: KExpr, rowIn: KExpr, k: KExpr) => KStmt[]): KStmt[] {
  return nest("s", [g.B, c64(g.OH)], ([b, oy]) => {
    const iy = add(sub(mul(oy!, c64(g.SH)), c64(g.PT)), ky);
    const rowIn = within(iy, g.H);
    return nest("o", [c64(g.OW)], ([ox]) => {
      const ix = add(sub(mul(ox!, c64(g.SW)), c64(g.PL)), kx);
      return inner(b!, iy, ix, rowIn, add(mul(add(mul(b!, c64(g.OH)), oy!), c64(g.OW)), ox!));
    }, false);
  }, false);
}
