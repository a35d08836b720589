// Explicit vectors for the innermost loops of elementwise kernels: `for j < n` whose body only
// defines float locals and stores floats at an index that moves with j by one becomes a loop over
// whole vectors plus one masked tail. LLVM's own vectoriser gives up on these loops (too many
// buffers to check for overlap at run time, exp and tanh inlined into long bodies). Buffers of one
// kernel never overlap (memory.ts), so lanes may be loaded before earlier lanes are stored, except
// where the loop reads a buffer it writes: only at the very index it writes is that allowed.
import type { KExpr, KStmt } from "../kir/kir.js";
import { c64, mul, v64 } from "../kir/expr.js";
import { exprToString } from "../kir/printer.js";
import { walkExpr } from "../kir/walk.js";
import { coef, NotVectorizable, subst, vectorize, type VectorContext } from "./vectorize.js";

/** Every innermost serial loop of constant extent in `ss` that can be vectorised, vectorised. */
export function vectorizeLoops(ss: KStmt[], lanes: number): KStmt[] {
  return ss.flatMap((s): KStmt[] => {
    if (s.k === "if") return [{ ...s, body: vectorizeLoops(s.body, lanes) }];
    if (s.k !== "for") return [s];
    const inner = s.body.every((x) => x.k === "local" || x.k === "store");
    if (!inner) return [{ ...s, body: vectorizeLoops(s.body, lanes) }];
    if (s.mode !== "serial" || s.n.k !== "const") return [s];
    try {
      return vectorLoop(s.v, s.n.v, s.body, lanes);
    } catch (e) {
      if (e instanceof NotVectorizable) return [s];
      throw e;
    }
  });
}

function vectorLoop(v: string, n: number, body: KStmt[], lanes: number): KStmt[] {
  checkHazards(body, v);
  const full = Math.floor(n / lanes), rest = n % lanes;
  const out: KStmt[] = [];
  const vt = `${v}v`;
  if (full > 0) out.push({ k: "for", v: vt, n: c64(full), mode: "serial", body: lanesOf(body, v, mul(v64(vt), c64(lanes)), lanes) });
  if (rest > 0) out.push(...lanesOf(body, v, c64(full * lanes), lanes, c64(rest)));
  return out;
}

/** The body over lanes j0 … j0 + lanes − 1 (the first `count` of them). */
function lanesOf(body: KStmt[], v: string, j0: KExpr, lanes: number, count?: KExpr): KStmt[] {
  const cx: VectorContext = { j: v, j0, lanes, count, locals: new Map() };
  const vec = (e: KExpr): KExpr => {
    const r = vectorize(e, cx);
    return r.vec ? r.e : { k: "splat", t: "f32", lanes, a: r.e };
  };
  return body.map((s): KStmt => {
    if (s.k === "local") {
      if (s.t !== "f32" || s.lanes) throw new NotVectorizable(`a ${s.t} local`);
      const name = `${s.name}v`;
      const init = vec(s.init);
      cx.locals.set(s.name, { k: "get", t: "f32", name });
      return { k: "local", name, t: "f32", init, lanes };
    }
    if (s.k !== "store" || s.lanes || s.value.t !== "f32") throw new NotVectorizable("not a float store");
    if (coef(s.idx, v) !== 1) throw new NotVectorizable("a store that does not move with the loop");
    return { k: "store", buf: s.buf, idx: subst(s.idx, v, j0), value: vec(s.value), lanes, ...(s.accumulate ? { accumulate: true } : {}), ...(count ? { count } : {}) };
  });
}

/** A buffer the loop stores to may be read only at the index stored (lane j reads what lane j wrote). */
function checkHazards(body: KStmt[], v: string): void {
  const stored = new Map<number, string>();
  for (const s of body) {
    if (s.k !== "store") continue;
    const idx = exprToString(s.idx);
    if (stored.has(s.buf) && stored.get(s.buf) !== idx) throw new NotVectorizable("two stores to one buffer");
    stored.set(s.buf, idx);
  }
  const check = (e: KExpr) => walkExpr(e, (x) => {
    if (x.k === "load" && stored.has(x.buf) && exprToString(x.idx) !== stored.get(x.buf)) throw new NotVectorizable(`buffer ${x.buf} read at another index than stored`);
    if (x.k === "var" && x.name === `${v}v`) throw new NotVectorizable("name clash");
  });
  for (const s of body) {
    if (s.k === "local") check(s.init);
    if (s.k === "store") [s.idx, s.value].forEach(check);
  }
}
