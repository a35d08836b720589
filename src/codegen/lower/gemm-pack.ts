// Packing a GEMM's operands (gemm.ts): B into column panels of 2W, A into row panels of a tile's
// height, and the tile height itself.
import { Dim, numel } from "../../ir/dim.js";
import type { KExpr, KStmt } from "../kir/kir.js";
import { add, bin, c64, cst, dimExpr, div, flatten, mul, select, sub, un, v64 } from "../kir/expr.js";
import { exprToString } from "../kir/printer.js";
import type { GemmSpec } from "./gemm.js";
import type { ExprCtx } from "./injective.js";
import { nest, type Template } from "./templates.js";

/** Parts of a GEMM's parallel work (row tiles or column panels): any thread count dividing it gets an even share. */
export const CHUNKS = 8;

const tiles = (x: KExpr, r: number | KExpr) => {
  const d = typeof r === "number" ? c64(r) : r;
  return div(add(x, sub(d, c64(1))), d);
};
const minE = (a: KExpr, b: KExpr) => bin("min", a, b);

/** Panels [lo, hi) of part p when CHUNKS parts share `panels` column panels. */
export const panelRange = (p: KExpr, panels: KExpr): [KExpr, KExpr] => [div(mul(p, panels), c64(CHUNKS)), div(mul(add(p, c64(1)), panels), c64(CHUNKS))];

/** `d` rounded up to a multiple of `r` (over-estimated by r when d is symbolic). */
const padTo = (d: Dim, r: number) => (d.value !== undefined ? Dim.const(Math.ceil(d.value / r) * r) : d.add(Dim.const(r)));

/** Packs B into panels P[bb…][N / nr][K][nr], zero past N; none when B is one panel already (`bRows`). */
export function packB(s: GemmSpec, nr: number, ctx: ExprCtx, byPart = false): { buf: number; kernel?: Template; panels: KExpr } {
  const N = dimExpr(s.N), K = dimExpr(s.K);
  if (s.bRows !== undefined && s.N.value === nr && s.bBatch.length === 0) return { buf: s.bRows, panels: c64(1) };
  const size = numel([...s.bBatch, s.K, padTo(s.N, nr)]);
  const buf = ctx.scratch("f32", size, `packb${s.id}`);
  const panels = tiles(N, nr);
  const panel = (bv: KExpr[], k: KExpr, jt: KExpr): KStmt[] => {
    const at = add(mul(add(mul(flatten(bv, s.bBatch), panels), jt), K), k);
    const copy = (guard: boolean) => nest("c", [c64(nr)], ([c]) => {
      const j = add(mul(jt, c64(nr)), c!);
      const idx = add(mul(at, c64(nr)), c!);
      if (!guard) return [{ k: "store", buf, idx, value: s.b(bv, k, j) }];
      return [{ k: "store", buf, idx, value: select(bin("lt", j, N), s.b(bv, k, minE(j, sub(N, c64(1)))), cst("f32", 0)) }];
    }, false);
    // Every panel but a ragged last one is a plain copy, which vectorises.
    if (s.N.value !== undefined && s.N.value % nr === 0) return copy(false);
    const full = bin("le", mul(add(jt, c64(1)), c64(nr)), N);
    return [{ k: "if", cond: full, body: copy(false) }, { k: "if", cond: un("not", full), body: copy(true) }];
  };
  // Rows of B outermost: the copy is parallel over K even for a single panel, and reads B row by row.
  // For a GEMM split by columns, each part packs the panels that its part of the GEMM reads.
  const body = byPart
    ? nest("p", [c64(CHUNKS)], ([p]) => {
      const [lo, hi] = panelRange(p!, panels);
      return nest("pk", [K, sub(hi, lo)], ([k, q]) => panel([], k!, add(lo, q!)), false);
    })
    : nest("p", [...s.bBatch.map(dimExpr), K, panels], (v) => panel(v.slice(0, -2), v[v.length - 2]!, v[v.length - 1]!));
  // B read as it lies in memory (a weight): the panels are a plain layout of it that a step may keep.
  const packed = s.bRows !== undefined && s.bBatch.length === 0 ? { buf, rows: s.K, nr } : undefined;
  return { buf, kernel: { body, cost: dimExpr(size), name: "pack_b", invariant: s.bValue, ...(packed ? { packed } : {}) }, panels };
}

/**
 * A's scratch: row panels Q[ab…][M / mr][K][mr]; rows past M repeat the last row. Each chunk of row
 * tiles is packed by the GEMM kernel itself just before it is used, while it is hot in L2.
 */
export function packA(s: GemmSpec, mr: number, ctx: ExprCtx): { buf: number; panels: KExpr; tile: (ab: KExpr[], it: KExpr, k0?: KExpr, kn?: KExpr) => KStmt[] } {
  const M = dimExpr(s.M), K = dimExpr(s.K);
  const size = numel([...s.aBatch, s.K, padTo(s.M, mr)]);
  const buf = ctx.scratch("f32", size, `packa${s.id}`);
  const panels = tiles(M, mr);
  const col = s.aBatch.length === 0 && mr <= ctx.lanes ? transposedA(s) : undefined;
  // Columns [k0, k0 + kn) of the tile (default: all of K); a custom packing always packs all of K.
  const tile = (ab: KExpr[], it: KExpr, k0: KExpr = c64(0), kn: KExpr = K): KStmt[] => {
    const base = add(mul(flatten(ab, s.aBatch), panels), it);
    const dest = (k: KExpr, r: KExpr) => add(mul(add(mul(base, K), k), c64(mr)), r);
    if (s.packTile) return s.packTile(buf, mr, it, dest);
    // A transposed matrix in memory: a tile's rows at one k are consecutive, one masked vector. Rows
    // past M read as zeros here (their products are never stored).
    if (col !== undefined) return nest("pk", [kn], ([kk]) => {
      const k = add(k0, kk!), i0 = mul(it, c64(mr));
      const value: KExpr = { k: "load", t: "f32", buf: col, idx: add(mul(k, M), i0), lanes: ctx.lanes, count: minE(c64(mr), sub(M, i0)) };
      return [{ k: "store", buf, idx: dest(k, c64(0)), value, lanes: ctx.lanes, count: c64(mr) }];
    }, false);
    return nest("pk", [kn], ([kk]) => nest("pr", [c64(mr)], ([r]) => {
      const i = minE(add(mul(it, c64(mr)), r!), sub(M, c64(1)));
      const k = add(k0, kk!);
      return [{ k: "store", buf, idx: dest(k, r!), value: s.a(ab, i, k) }];
    }, false), false);
  };
  return { buf, panels, tile };
}

/** The buffer holding A column by column (A[i, k] at k·M + i: a transposed matrix, as xᵀ in a weight gradient), if so. */
function transposedA(s: GemmSpec): number | undefined {
  const i = v64("probe0"), k = v64("probe1");
  const e = s.a([], i, k);
  return e.k === "load" && !e.lanes && exprToString(e.idx) === exprToString(flatten([k, i], [s.K, s.M])) ? e.buf : undefined;
}

/** Rows per register tile: 8 for a symbolic M (a batch, usually a power of two, so no row is wasted);
 * for a constant M the height in 6 … 14 that wastes least, counting two rows' worth of B loads per tile. */
export function tileRows(M: Dim): number {
  if (M.value === undefined) return 8;
  if (M.value < 6) return M.value;
  let best = 6;
  for (let mr = 6; mr <= 14; mr++) if (Math.ceil(M.value / mr) * (mr + 2) <= Math.ceil(M.value / best) * (best + 2)) best = mr;
  return best;
}

