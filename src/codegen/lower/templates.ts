// Kernels for the ops that are not injective: reductions (with their inlined prologue),
// convolution and pooling with their gradients, scatter_add. Each returns a loop nest whose
// outermost loop is parallel; operands are read through ctx.at, so producers fuse in.
import { Dim } from "../../ir/dim.js";
import type { IRNode, Value } from "../../ir/graph.js";
import type { KExpr, KStmt, KType } from "../kir/kir.js";
import { add, bin, c64, cast, cst, dimExpr, div, flatten, mul, select, sizeExpr, sub, un, unflatten, v64 } from "../kir/expr.js";
import { axisOf, intsAttr, ktype, LowerError, numAttr, reducedAxes, strAttr } from "./attrs.js";
import type { Epilogue } from "./gemm.js";
import type { ExprCtx } from "./injective.js";
import { NotVectorizable, vectorize } from "./vectorize.js";

export interface Template {
  body: KStmt[];
  cost: KExpr;
  /** Kernels that must run first (packing an operand into a scratch buffer). */
  before?: Template[];
  /** Suffix of the kernel's name (`pack_b` gives `k3_matmul_pack_b`). */
  name?: string;
  /** A `before` kernel that reads only this value: it may run outside recurrences this value is outside of. */
  invariant?: Value;
  /**
   * A `before` kernel packing `invariant` (a row-major matrix of `rows` rows) into column panels
   * P[jt][rows][nr] in `buf`: a training step may keep it between steps (lower.ts, persistent packs).
   */
  packed?: PanelLayout;
}

/** Column panels of `nr` columns, each `rows` rows long, one after another: element (r, j) at (⌊j/nr⌋·rows + r)·nr + j mod nr. */
export interface PanelLayout {
  buf: number;
  rows: Dim;
  nr: number;
}

/** Nested loops over `extents` (the first parallel) around `inner`, which receives the loop variables. */
export function nest(prefix: string, extents: KExpr[], inner: (vars: KExpr[]) => KStmt[], parallel = true): KStmt[] {
  const vars = extents.map((_, i) => v64(`${prefix}${i}`));
  let body = inner(vars);
  for (let i = extents.length - 1; i >= 0; i--) body = [{ k: "for", v: `${prefix}${i}`, n: extents[i]!, mode: parallel && i === 0 ? "parallel" : "serial", body }];
  return body;
}

const dims = (v: Value): Dim[] => v.type.shape;
/** Columns a reduction sweeps at once when it reduces leading axes. */
const NR = 16;
const exts = (ds: Dim[]): KExpr[] => ds.map(dimExpr);

type ReduceKind = "sum" | "max" | "min";

/** The identity of max / min in type t (i32 has no infinities). */
const lowest = (t: KType): KExpr => cst(t, t === "f32" ? -Infinity : -2147483648);
const highest = (t: KType): KExpr => cst(t, t === "f32" ? Infinity : 2147483647);

/**
 * out[kept] = reduce over the `reduced` axes of x. `outIdx` maps the kept loop variables (in x's axis
 * order) to the flat output position.
 */
function reduceNest(x: Value, reduced: boolean[], kind: ReduceKind, outBuf: number, outIdx: (kept: KExpr[]) => KExpr, ctx: ExprCtx, finish: (acc: KExpr) => KExpr = (a) => a): Template {
  const xs = dims(x);
  const t = ktype(x.type.dtype);
  const keptAxes = xs.map((_, i) => i).filter((i) => !reduced[i]);
  const redAxes = xs.map((_, i) => i).filter((i) => reduced[i]);
  const init = kind === "sum" ? cst(t, 0) : kind === "max" ? lowest(t) : highest(t);
  const step = (acc: KExpr, v: KExpr): KExpr => kind === "sum" ? bin("add", acc, v)
    // NaN wins and stays, as in the reference: v != v takes v; acc != acc keeps acc.
    : select(bin("or", bin(kind === "max" ? "gt" : "lt", v, acc), un("not", bin("eq", v, v))), v, acc);
  const at = (rv: KExpr[], kv: KExpr[]) => ctx.at(x, xs.map((_, i) => (reduced[i] ? rv[redAxes.indexOf(i)]! : kv[keptAxes.indexOf(i)]!)));
  if (keptAxes.length && redAxes.length && redAxes.every((i) => i < keptAxes[0]!)) return columnReduce();
  const body = nest("o", keptAxes.map((i) => dimExpr(xs[i]!)), (kv) => {
    const inner = nest("r", redAxes.map((i) => dimExpr(xs[i]!)), (rv) => [{ k: "set", name: "acc", value: step({ k: "get", t, name: "acc" }, at(rv, kv)) }], false);
    return [{ k: "local", name: "acc", t, init }, ...inner, { k: "store", buf: outBuf, idx: outIdx(kv), value: finish({ k: "get", t, name: "acc" }) }];
  });
  return { body, cost: sizeExpr(xs) };

  /**
   * Leading axes reduced (a bias gradient: [B, …, F] → [F]): a row-by-row sweep over NR columns at a
   * time, so memory is read in order instead of one strided column per output.
   */
  function columnReduce(): Template {
    const keptShape = keptAxes.map((i) => xs[i]!);
    const S = sizeExpr(keptShape);
    if (ctx.lanes > 1 && keptShape.length === 1 && t === "f32") {
      try {
        return vectorColumns();
      } catch (e) {
        if (!(e instanceof NotVectorizable)) throw e;
      }
    }
    const acc = (c: number) => `acc${c}`;
    const body = nest("o", [div(add(S, c64(NR - 1)), c64(NR))], ([jt]) => {
      const col = (c: number) => add(mul(jt!, c64(NR)), c64(c));
      const out: KStmt[] = Array.from({ length: NR }, (_, c) => ({ k: "local", name: acc(c), t, init }));
      out.push(...nest("r", redAxes.map((i) => dimExpr(xs[i]!)), (rv) => Array.from({ length: NR }, (_, c): KStmt => {
        const kv = unflatten(bin("min", col(c), sub(S, c64(1))), keptShape);
        return { k: "set", name: acc(c), value: step({ k: "get", t, name: acc(c) }, at(rv, kv)) };
      }), false));
      for (let c = 0; c < NR; c++) {
        const value = finish({ k: "get", t, name: acc(c) });
        out.push({ k: "if", cond: bin("lt", col(c), S), body: [{ k: "store", buf: outBuf, idx: outIdx(unflatten(col(c), keptShape)), value }] });
      }
      return out;
    });
    return { body, cost: sizeExpr(xs) };
  }

  /** One vector of columns at a time, its accumulator a vector register (a bias gradient over B·T rows). */
  function vectorColumns(): Template {
    const W = ctx.lanes, S = dimExpr(xs[keptAxes[0]!]!), J = "jred";
    const body = nest("o", [div(add(S, c64(W - 1)), c64(W))], ([jt]) => {
      const j0 = mul(jt!, c64(W));
      const cx = { j: J, j0, lanes: W, count: bin("min", c64(W), sub(S, j0)), locals: new Map<string, KExpr>() };
      const acc: KExpr = { k: "get", t, name: "vacc" };
      const term = vectorize(at(redAxes.map(() => c64(0)), [v64(J)]), cx);
      if (!term.vec) throw new NotVectorizable("a reduction term that does not move with the column");
      const inner = nest("r", redAxes.map((i) => dimExpr(xs[i]!)), (rv) => [{ k: "set", name: "vacc", value: step(acc, vectorize(at(rv, [v64(J)]), cx).e) }], false);
      const value = vectorize(finish({ k: "get", t, name: "vsum" }), { ...cx, locals: new Map([["vsum", acc]]) });
      return [
        { k: "local", name: "vacc", t, init: { k: "splat", t, lanes: W, a: init }, lanes: W },
        ...inner,
        { k: "store", buf: outBuf, idx: outIdx([j0]), value: value.vec ? value.e : acc, lanes: W, count: cx.count },
      ];
    });
    return { body, cost: sizeExpr(xs) };
  }
}

export function reduceTemplate(n: IRNode, outBuf: number, ctx: ExprCtx): Template {
  const x = n.inputs[0]!, xs = dims(x);
  const axes = reducedAxes(n, xs.length);
  const reduced = xs.map((_, i) => axes.has(i));
  const keptShape = xs.filter((_, i) => !axes.has(i));
  const outIdx = (kv: KExpr[]) => flatten(kv, keptShape);
  if (n.op === "sum") return reduceNest(x, reduced, "sum", outBuf, outIdx, ctx);
  if (n.op === "mean") {
    const count = dimExpr([...axes].reduce((a, i) => a.mul(xs[i]!), Dim.const(1)));
    // Integer means are taken in f32 and truncated toward zero, as the reference stores them.
    return reduceNest(x, reduced, "sum", outBuf, outIdx, ctx, (acc) => cast(acc.t, bin("div", cast("f32", acc), cast("f32", count))));
  }
  if (n.op === "max" || n.op === "min") return reduceNest(x, reduced, n.op, outBuf, outIdx, ctx);
  throw new LowerError(`no reduction template for ${n.op}`, n);
}

/** sum_to(x, like): like is right-aligned against x; leading axes and axes where like has 1 are summed. */
export function sumToTemplate(n: IRNode, outBuf: number, ctx: ExprCtx): Template {
  const x = n.inputs[0]!, xs = dims(x), ls = dims(n.inputs[1]!);
  const lead = xs.length - ls.length;
  const reduced = xs.map((d, i) => i < lead || (ls[i - lead]!.value === 1 && d.value !== 1));
  const keptAxes = xs.map((_, i) => i).filter((i) => !reduced[i]);
  const outIdx = (kv: KExpr[]) => flatten(ls.map((_, j) => (reduced[j + lead] ? c64(0) : kv[keptAxes.indexOf(j + lead)]!)), ls);
  return reduceNest(x, reduced, "sum", outBuf, outIdx, ctx);
}

/** Index of the first maximum along one axis (ties keep the first). */
export function argmaxTemplate(n: IRNode, outBuf: number, ctx: ExprCtx): Template {
  const x = n.inputs[0]!, xs = dims(x);
  const ax = axisOf(n, numAttr(n, "axis", -1), xs.length);
  const kept = xs.filter((_, i) => i !== ax);
  const t = ktype(x.type.dtype);
  const body = nest("o", exts(kept), (kv) => {
    const idxAt = (k: KExpr) => [...kv.slice(0, ax), k, ...kv.slice(ax)];
    const best: KExpr = { k: "get", t, name: "best" }, bi: KExpr = { k: "get", t: "i64", name: "bi" };
    const loop = nest("r", [dimExpr(xs[ax]!)], ([r]) => {
      const v = ctx.at(x, idxAt(r!));
      // The first NaN wins and stays (as numpy's argmax): once best is NaN nothing replaces it.
      const nan = (e: KExpr) => un("not", bin("eq", e, e));
      const better = bin("and", un("not", nan(best)), bin("or", bin("gt", v, best), nan(v)));
      return [{ k: "set", name: "bi", value: select(better, r!, bi) }, { k: "set", name: "best", value: select(better, v, best) }];
    }, false);
    return [
      { k: "local", name: "best", t, init: lowest(t) }, { k: "local", name: "bi", t: "i64", init: c64(0) },
      ...loop, { k: "store", buf: outBuf, idx: flatten(kv, kept), value: cast("i32", bi) },
    ];
  });
  return { body, cost: sizeExpr(xs) };
}

// ---- convolution and pooling (NHWC, TensorFlow padding) ----

export interface Geo { B: KExpr; H: number; W: number; C: number; KH: number; KW: number; SH: number; SW: number; OH: number; OW: number; PT: number; PL: number }

function geometry(size: number, k: number, stride: number, padding: string): { out: number; pad: number } {
  if (padding === "same") {
    const out = Math.ceil(size / stride);
    return { out, pad: Math.floor(Math.max((out - 1) * stride + k - size, 0) / 2) };
  }
  return { out: Math.floor((size - k) / stride) + 1, pad: 0 };
}

export function geo(n: IRNode, x: Dim[], kh: number, kw: number, defaultStrides: number[]): Geo {
  const [B, H, W, C] = x as [Dim, Dim, Dim, Dim];
  const need = (d: Dim, what: string) => {
    if (d.value === undefined) throw new LowerError(`${n.op}: the ${what} must be known at compile time, found ${d}`, n);
    return d.value;
  };
  const [SH, SW] = intsAttr(n, "strides", defaultStrides) as [number, number];
  const pad = strAttr(n, "padding", "valid");
  const h = need(H, "height"), w = need(W, "width");
  const gy = geometry(h, kh, SH, pad), gx = geometry(w, kw, SW, pad);
  return { B: dimExpr(B), H: h, W: w, C: need(C, "channel count"), KH: kh, KW: kw, SH, SW, OH: gy.out, OW: gx.out, PT: gy.pad, PL: gx.pad };
}

/** Input row/column of an output position and a tap, and whether it is inside the image. */
export function tap(g: Geo, oy: KExpr, ox: KExpr, ky: KExpr, kx: KExpr) {
  const iy = add(sub(mul(oy, c64(g.SH)), c64(g.PT)), ky), ix = add(sub(mul(ox, c64(g.SW)), c64(g.PL)), kx);
  const inside = bin("and", bin("and", bin("ge", iy, c64(0)), bin("lt", iy, c64(g.H))), bin("and", bin("ge", ix, c64(0)), bin("lt", ix, c64(g.W))));
  return { iy, ix, inside };
}

export function convTemplate(n: IRNode, outBuf: number, ctx: ExprCtx): Template {
  const t: KType = "f32";
  const xShape = n.op === "conv2d" ? dims(n.inputs[0]!) : n.op === "conv2d_grad_input" ? dims(n.inputs[2]!) : dims(n.inputs[0]!);
  const wShape = n.op === "conv2d_grad_filter" ? dims(n.inputs[2]!) : dims(n.inputs[1]!);
  const kh = wShape[0]!.value!, kw = wShape[1]!.value!, F = wShape[3]!.value!;
  const g = geo(n, xShape, kh, kw, [1, 1]);
  const x4 = (b: KExpr, y: KExpr, xx: KExpr, c: KExpr) => flatten([b, y, xx, c], xShape);
  const o4 = (b: KExpr, y: KExpr, xx: KExpr, f: KExpr) => [b, y, xx, f];
  const cost = mul(g.B, c64(g.OH * g.OW * g.KH * g.KW * g.C * F));
  if (n.op === "conv2d") {
    const [x, w] = n.inputs as [Value, Value];
    const os = dims(n.output);
    const body = nest("p", [g.B, c64(g.OH), c64(g.OW)], ([b, oy, ox]) => [
      ...nest("z", [c64(F)], ([f]) => [{ k: "store", buf: outBuf, idx: flatten(o4(b!, oy!, ox!, f!), os), value: cst(t, 0) }], false),
      ...nest("q", [c64(g.KH), c64(g.KW)], ([ky, kx]) => {
        const { iy, ix, inside } = tap(g, oy!, ox!, ky!, kx!);
        return [{ k: "if", cond: inside, body: nest("c", [c64(g.C)], ([c]) => [
          { k: "local", name: "xv", t, init: ctx.at(x, [b!, iy, ix, c!]) },
          ...nest("f", [c64(F)], ([f]) => [{ k: "store", buf: outBuf, idx: flatten(o4(b!, oy!, ox!, f!), os), accumulate: true, value: mul({ k: "get", t, name: "xv" }, ctx.at(w, [ky!, kx!, c!, f!])) }], false),
        ], false) }];
      }, false),
    ]);
    return { body, cost };
  }
  if (n.op === "conv2d_grad_input") {
    const [dy, w] = n.inputs as [Value, Value];
    // Parallel over the batch: each image's gradient is written by one thread only.
    const body = nest("p", [g.B], ([b]) => [
      ...nest("z", [c64(g.H * g.W * g.C)], ([e]) => [{ k: "store", buf: outBuf, idx: add(mul(b!, c64(g.H * g.W * g.C)), e!), value: cst(t, 0) }], false),
      ...nest("q", [c64(g.OH), c64(g.OW), c64(g.KH), c64(g.KW)], ([oy, ox, ky, kx]) => {
        const { iy, ix, inside } = tap(g, oy!, ox!, ky!, kx!);
        return [{ k: "if", cond: inside, body: nest("c", [c64(g.C)], ([c]) => [
          { k: "local", name: "s", t, init: cst(t, 0) },
          ...nest("f", [c64(F)], ([f]) => [{ k: "set", name: "s", value: bin("add", { k: "get", t, name: "s" }, mul(ctx.at(dy, [b!, oy!, ox!, f!]), ctx.at(w, [ky!, kx!, c!, f!]))) }], false),
          { k: "store", buf: outBuf, idx: x4(b!, iy, ix, c!), accumulate: true, value: { k: "get", t, name: "s" } },
        ], false) }];
      }, false),
    ]);
    return { body, cost };
  }
  if (n.op === "conv2d_grad_filter") {
    const [x, dy] = n.inputs as [Value, Value];
    // Parallel over the taps × input channels: each owns one row of F outputs.
    const body = nest("p", [c64(g.KH * g.KW * g.C)], ([q]) => {
      const ky = bin("div", q!, c64(g.KW * g.C)), kx = bin("mod", bin("div", q!, c64(g.C)), c64(g.KW)), c = bin("mod", q!, c64(g.C));
      const out = (f: KExpr) => add(mul(q!, c64(F)), f);
      return [
        ...nest("z", [c64(F)], ([f]) => [{ k: "store", buf: outBuf, idx: out(f!), value: cst(t, 0) }], false),
        ...nest("s", [g.B, c64(g.OH), c64(g.OW)], ([b, oy, ox]) => {
          const { iy, ix, inside } = tap(g, oy!, ox!, ky, kx);
          return [{ k: "if", cond: inside, body: [
            { k: "local", name: "xv", t, init: ctx.at(x, [b!, iy, ix, c]) },
            ...nest("f", [c64(F)], ([f]) => [{ k: "store", buf: outBuf, idx: out(f!), accumulate: true, value: mul({ k: "get", t, name: "xv" }, ctx.at(dy, [b!, oy!, ox!, f!])) }], false),
          ] }];
        }, false),
      ];
    });
    return { body, cost };
  }
  throw new LowerError(`no convolution template for ${n.op}`, n);
}

/**
 * Pooling and its gradients. With `epilogue` (max pooling's gradient only), what one elementwise reader
 * makes of the gradient is stored instead of the gradient itself; that needs the vector path over
 * windows that tile the image (each element stored once), else NotVectorizable.
 */
export function poolTemplate(n: IRNode, outBuf: number, ctx: ExprCtx, epilogue?: Epilogue): Template {
  const t: KType = "f32";
  const [kh, kw] = intsAttr(n, "window", [2, 2]) as [number, number];
  const xv = n.op === "avg_pool2d_grad" ? n.inputs[1]! : n.inputs[0]!;
  const xShape = dims(xv);
  const g = geo(n, xShape, kh, kw, [2, 2]);
  const cost = mul(g.B, c64(g.OH * g.OW * g.C * kh * kw));
  const window = (oy: KExpr, ox: KExpr, each: (iy: KExpr, ix: KExpr) => KStmt[]) => nest("w", [c64(kh), c64(kw)], ([ky, kx]) => {
    const { iy, ix, inside } = tap(g, oy, ox, ky!, kx!);
    return [{ k: "if", cond: inside, body: each(iy, ix) }];
  }, false);
  const get = (name: string, ty: KType = t): KExpr => ({ k: "get", t: ty, name });
  if (n.op === "max_pool2d" || n.op === "avg_pool2d") {
    const os = dims(n.output);
    const avg = n.op === "avg_pool2d";
    const body = nest("p", [g.B, c64(g.OH), c64(g.OW), c64(g.C)], ([b, oy, ox, c]) => [
      { k: "local", name: "acc", t, init: cst(t, avg ? 0 : -Infinity) }, { k: "local", name: "cnt", t, init: cst(t, 0) },
      ...window(oy!, ox!, (iy, ix) => {
        const v = ctx.at(xv, [b!, iy, ix, c!]);
        return [
          { k: "set", name: "acc", value: avg ? bin("add", get("acc"), v) : select(bin("gt", v, get("acc")), v, get("acc")) },
          { k: "set", name: "cnt", value: bin("add", get("cnt"), cst(t, 1)) },
        ];
      }),
      { k: "store", buf: outBuf, idx: flatten([b!, oy!, ox!, c!], os), value: select(bin("gt", get("cnt"), cst(t, 0)), avg ? bin("div", get("acc"), get("cnt")) : get("acc"), cst(t, 0)) },
    ]);
    return { body, cost };
  }
  // Gradients: zero the image, then each output's dy goes to its window (first maximum, or shared evenly).
  const dy = n.op === "max_pool2d_grad" ? n.inputs[1]! : n.inputs[0]!;
  const img = c64(g.H * g.W * g.C);
  // Disjoint windows (stride = window, no padding before) write every element they cover once: the
  // vector gradient stores instead of adding, and only the rows and columns no window covers (11 = 2·5
  // + 1) get zeros (or the epilogue of zero), instead of zeroing the whole image first.
  const disjoint = g.SH === kh && g.SW === kw && g.PT === 0 && g.PL === 0;
  const vectorBody = n.op === "max_pool2d_grad" && ctx.lanes > 1 ? maxPoolGradLanes(g, kh, kw, xv, dy, outBuf, xShape, ctx, disjoint, epilogue) : undefined;
  if (epilogue && !(vectorBody && disjoint)) throw new NotVectorizable("a pooling gradient's epilogue needs disjoint windows");
  const zero = vectorBody && disjoint ? [] : [0];
  const uncovered = vectorBody && disjoint ? uncoveredStores(g, kh, kw, outBuf, xShape, ctx.lanes, epilogue) : () => [];
  const body = nest("p", [g.B], ([b]) => [
    ...zero.flatMap(() => nest("z", [img], ([e]) => [{ k: "store", buf: outBuf, idx: add(mul(b!, img), e!), value: cst(t, 0) }], false)),
    ...uncovered(b!),
    ...vectorBody?.(b!) ?? nest("q", [c64(g.OH), c64(g.OW), c64(g.C)], ([oy, ox, c]) => {
      const d = ctx.at(dy, [b!, oy!, ox!, c!]);
      if (n.op === "avg_pool2d_grad") {
        return [
          { k: "local", name: "cnt", t, init: cst(t, 0) },
          ...window(oy!, ox!, () => [{ k: "set", name: "cnt", value: bin("add", get("cnt"), cst(t, 1)) }]),
          { k: "local", name: "share", t, init: bin("div", d, get("cnt")) },
          ...window(oy!, ox!, (iy, ix) => [{ k: "store", buf: outBuf, idx: flatten([b!, iy, ix, c!], xShape), accumulate: true, value: get("share") }]),
        ];
      }
      return [
        { k: "local", name: "best", t, init: cst(t, -Infinity) }, { k: "local", name: "at", t: "i64", init: c64(-1) },
        ...window(oy!, ox!, (iy, ix) => {
          const v = ctx.at(xv, [b!, iy, ix, c!]);
          const better = bin("or", bin("gt", v, get("best")), bin("lt", get("at", "i64"), c64(0)));
          return [
            { k: "set", name: "at", value: select(better, flatten([b!, iy, ix, c!], xShape), get("at", "i64")) },
            { k: "set", name: "best", value: select(better, v, get("best")) },
          ];
        }),
        { k: "if", cond: bin("ge", get("at", "i64"), c64(0)), body: [{ k: "store", buf: outBuf, idx: get("at", "i64"), accumulate: true, value: d }] },
      ];
    }, false),
  ]);
  return { body, cost };
}

/**
 * Max pooling's gradient a vector of channels at a time: each lane keeps the window position of its
 * first maximum (as a float), then every position of the window adds dy where its lane chose it.
 */
function maxPoolGradLanes(g: Geo, kh: number, kw: number, xv: Value, dy: Value, outBuf: number, xShape: Dim[], ctx: ExprCtx, disjoint: boolean, epilogue?: Epilogue): ((b: KExpr) => KStmt[]) | undefined {
  const t: KType = "f32", W = ctx.lanes;
  const splat = (v: number): KExpr => ({ k: "splat", t, lanes: W, a: cst(t, v) });
  const get = (name: string): KExpr => ({ k: "get", t, name });
  const body = (b: KExpr) => nest("q", [c64(g.OH), c64(g.OW), c64(Math.ceil(g.C / W))], ([oy, ox, cv]) => {
    const c0 = mul(cv!, c64(W));
    const count = bin("min", c64(W), sub(c64(g.C), c0));
    // x and dy may be inlined producers: their scalar expressions at channel `pc`, over W channels.
    const lanes = (v: Value, idx: KExpr[]): KExpr => {
      const r = vectorize(ctx.at(v, [...idx, v64("pc")]), { j: "pc", j0: c0, lanes: W, count, locals: new Map() });
      return r.vec ? r.e : { k: "splat", t, lanes: W, a: r.e };
    };
    const taps = Array.from({ length: kh * kw }, (_, w) => ({ w, ...tap(g, oy!, ox!, c64(Math.floor(w / kw)), c64(w % kw)) }));
    return [
      { k: "local", name: "best", t, init: splat(-Infinity), lanes: W },
      { k: "local", name: "pick", t, init: splat(-1), lanes: W },
      ...taps.map(({ w, iy, ix, inside }): KStmt => {
        const v = get(`v${w}`), take = bin("or", bin("gt", v, get("best")), bin("lt", get("pick"), splat(0)));
        return { k: "if", cond: inside, body: [
          { k: "local", name: `v${w}`, t, init: lanes(xv, [b, iy, ix]), lanes: W },
          { k: "set", name: "pick", value: select(take, splat(w), get("pick")) },
          { k: "set", name: "best", value: select(bin("gt", get("pick"), splat(w - 0.5)), v, get("best")) },
        ] };
      }),
      { k: "local", name: "d", t, init: lanes(dy, [b, oy!, ox!]), lanes: W },
      ...taps.map(({ w, iy, ix, inside }): KStmt => {
        const grad = select(bin("eq", get("pick"), splat(w)), get("d"), splat(0));
        const store: KStmt[] = epilogue ? epilogue.store((j) => [b, iy, ix, j], c0, grad, count)
          : [{ k: "store", buf: outBuf, idx: flatten([b, iy, ix, c0], xShape), ...(disjoint ? {} : { accumulate: true }), value: grad, lanes: W, count }];
        return { k: "if", cond: inside, body: store };
      }),
    ];
  }, false);
  try {
    body(v64("probe"));
    return body;
  } catch (e) {
    if (e instanceof NotVectorizable) return undefined;
    throw e;
  }
}

/** Zeros (or what the epilogue makes of zero) at the pixels of image `b` that no disjoint window covers. */
function uncoveredStores(g: Geo, kh: number, kw: number, outBuf: number, xShape: Dim[], W: number, epilogue?: Epilogue): (b: KExpr) => KStmt[] {
  const coverH = Math.min(g.H, g.OH * kh), coverW = Math.min(g.W, g.OW * kw);
  const zero: KExpr = { k: "splat", t: "f32", lanes: W, a: cst("f32", 0) };
  const at = (b: KExpr, iy: KExpr, ix: KExpr) => nest("uc", [c64(Math.ceil(g.C / W))], ([cv]) => {
    const c0 = mul(cv!, c64(W)), count = bin("min", c64(W), sub(c64(g.C), c0));
    return epilogue ? epilogue.store((j) => [b, iy, ix, j], c0, zero, count) : [{ k: "store", buf: outBuf, idx: flatten([b, iy, ix, c0], xShape), value: zero, lanes: W, count }];
  }, false);
  return (b) => [
    // Rows below the last window, whole; then, beside the windows, the columns right of the last one.
    ...(coverH < g.H ? nest("ur", [c64(g.H - coverH), c64(g.W)], ([r, x]) => at(b, add(r!, c64(coverH)), x!), false) : []),
    ...(coverW < g.W ? nest("ul", [c64(coverH), c64(g.W - coverW)], ([y, r]) => at(b, y!, add(r!, c64(coverW))), false) : []),
  ];
}

/** scatter_add(dy, indices, like): rows of dy accumulate into the table rows their index names. */
export function scatterTemplate(n: IRNode, outBuf: number, ctx: ExprCtx): Template {
  const [dy, indices, like] = n.inputs as [Value, Value, Value];
  const ls = dims(like), is = dims(indices);
  const V = dimExpr(ls[0]!), row = ls.slice(1), R = sizeExpr(row);
  const t = ktype(n.output.type.dtype);
  // Parallel over blocks of NR columns (a cache line of f32): every thread sees all indices, so no
  // two threads add to one element, and each touches whole lines of the table.
  const whole = R.k === "const" && Number(R.v) % NR === 0;
  const body = nest("p", [div(add(R, c64(NR - 1)), c64(NR))], ([cb]) => {
    const columns = (at: (col: KExpr) => KStmt[]): KStmt[] => nest("c", [c64(NR)], ([c]) => {
      const col = add(mul(cb!, c64(NR)), c!);
      return whole ? at(col) : [{ k: "if", cond: bin("lt", col, R), body: at(col) }];
    }, false);
    return [
      ...nest("z", [V], ([r]) => columns((col) => [{ k: "store", buf: outBuf, idx: add(mul(r!, R), col), value: cst(t, 0) }]), false),
      ...nest("i", exts(is), (iv) => {
        const r = cast("i64", ctx.at(indices, iv));
        return [{ k: "if", cond: bin("and", bin("ge", r, c64(0)), bin("lt", r, V)), body: columns((col) => [
          { k: "store", buf: outBuf, idx: add(mul(r, R), col), accumulate: true, value: ctx.at(dy, [...iv, ...(row.length ? unflatten(col, row) : [])]) },
        ]) }];
      }, false),
    ];
  });
  return { body, cost: mul(sizeExpr(is), R) };
}
