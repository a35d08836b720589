// Matmul as a register-blocked loop nest: each (MR × nr) tile of C is accumulated in registers over the
// whole K loop; per k, a row segment of B is loaded once and reused by MR rows of A. With vectors
// (ctx.lanes = W > 1) a tile row is two W-lane vectors updated by FMAs with a broadcast element of A;
// without, MR × NR scalar accumulators are left to LLVM's SLP vectorizer. Tiles that overhang C's edge
// take a plain path: one dot product per element.
import { Dim } from "../../ir/dim.js";
import type { IRNode, Value } from "../../ir/graph.js";
import type { KExpr, KStmt, KType } from "../kir/kir.js";
import { add, bin, c64, cst, dimExpr, div, flatten, mul, sub } from "../kir/expr.js";
import { ktype } from "./attrs.js";
import type { ExprCtx } from "./injective.js";
import { nest, type Template } from "./templates.js";

/** Rows of a register tile, and its columns without vectors: 6 rows × 2 vectors fill 12 registers. */
export const MR = 6, NR = 16;

const dims = (v: Value): Dim[] => v.type.shape;
const get = (t: KType, name: string): KExpr => ({ k: "get", t, name });

export function gemmTemplate(n: IRNode, outBuf: number, ctx: ExprCtx): Template {
  const [a, b] = n.inputs as [Value, Value];
  const row = dims(a).length === 1;
  const as = row ? [Dim.const(1), ...dims(a)] : dims(a), bs = dims(b), os = dims(n.output);
  const batch = os.slice(0, row ? -1 : -2);
  const M = dimExpr(as[as.length - 2]!), K = dimExpr(as[as.length - 1]!), N = dimExpr(bs[bs.length - 1]!);
  const t = ktype(n.output.type.dtype);
  const W = ctx.lanes;
  const bIdx = (sh: Dim[], bv: KExpr[]) => {
    const lead = batch.length - (sh.length - 2);
    return sh.slice(0, -2).map((d, j) => (d.value === 1 && batch[lead + j]!.value !== 1 ? c64(0) : bv[lead + j]!));
  };
  const tiles = (x: KExpr, r: number) => div(add(x, c64(r - 1)), c64(r));
  const body = nest("p", [...batch.map(dimExpr), tiles(M, MR)], (pv) => {
    const bv = pv.slice(0, -1), i0 = mul(pv[pv.length - 1]!, c64(MR));
    const aAt = (i: KExpr, k: KExpr) => ctx.at(a, row ? [k] : [...bIdx(as, bv), i, k]);
    const bAt = (k: KExpr, j: KExpr) => ctx.at(b, [...bIdx(bs, bv), k, j]);
    const cIdx = (i: KExpr, j: KExpr) => flatten(row ? [...bv, j] : [...bv, i, j], os);
    // Vectors (f32 only) need rows of B and C in memory: B's element must be a plain load.
    const vec = W > 1 && t === "f32" && bAt(c64(0), c64(0)).k === "load";
    const nr = vec ? 2 * W : NR;
    return nest("q", [tiles(N, nr)], ([jt]) => {
      const j0 = mul(jt!, c64(nr));
      const fast: KStmt[] = [];
      const cols = vec ? 2 : NR;
      const acc = (r: number, c: number) => `c${r}_${c}`;
      const zero: KExpr = vec ? { k: "splat", t, lanes: W, a: cst(t, 0) } : cst(t, 0);
      for (let r = 0; r < MR; r++) for (let c = 0; c < cols; c++) fast.push({ k: "local", name: acc(r, c), t, init: zero, lanes: vec ? W : undefined });
      fast.push(...nest("k", [K], ([k]) => {
        const s: KStmt[] = [];
        for (let c = 0; c < cols; c++) {
          const e = bAt(k!, add(j0, c64(vec ? c * W : c)));
          s.push({ k: "local", name: `b${c}`, t, init: vec && e.k === "load" ? { ...e, lanes: W } : e, lanes: vec ? W : undefined });
        }
        for (let r = 0; r < MR; r++) {
          const av = aAt(add(i0, c64(r)), k!);
          s.push({ k: "local", name: "a", t, init: vec ? { k: "splat", t, lanes: W, a: av } : av, lanes: vec ? W : undefined });
          for (let c = 0; c < cols; c++) s.push({ k: "set", name: acc(r, c), value: bin("add", mul(get(t, "a"), get(t, `b${c}`)), get(t, acc(r, c))) });
        }
        return s;
      }, false));
      for (let r = 0; r < MR; r++) for (let c = 0; c < cols; c++) {
        fast.push({ k: "store", buf: outBuf, idx: cIdx(add(i0, c64(r)), add(j0, c64(vec ? c * W : c))), value: get(t, acc(r, c)), lanes: vec ? W : undefined });
      }
      const rows = bin("min", c64(MR), sub(M, i0)), left = bin("min", c64(nr), sub(N, j0));
      const edge = nest("e", [rows, left], ([r, c]) => {
        const i = add(i0, r!), j = add(j0, c!);
        return [
          { k: "local", name: "s", t, init: cst(t, 0) },
          ...nest("k", [K], ([k]) => [{ k: "set", name: "s", value: bin("add", mul(aAt(i, k!), bAt(k!, j)), get(t, "s")) }], false),
          { k: "store", buf: outBuf, idx: cIdx(i, j), value: get(t, "s") },
        ];
      }, false);
      const full = bin("and", bin("le", add(i0, c64(MR)), M), bin("le", add(j0, c64(nr)), N));
      return [{ k: "if", cond: full, body: fast }, { k: "if", cond: { k: "un", t: "bool", op: "not", a: full }, body: edge }];
    }, false);
  });
  return { body, cost: mul(dimExpr(os.reduce((s, d) => s.mul(d), Dim.const(1))), K) };
}
