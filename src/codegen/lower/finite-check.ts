// The training step's check that its new parameters are finite, as a kernel at the end of the step
// instead of a serial scan by the host afterwards (60 µs of W1's 1.3 ms step). Each of CHECK_PARTS
// parts of a parameter sums x − x over its share, a vector at a time: 0 where every element is finite,
// NaN as soon as one is not (∞ − ∞ and NaN − NaN are NaN; no sum of zeros overflows). The parts split
// the buffer in order, as the GEMMs split their rows, so each thread mostly reads what it just wrote.
import type { Dim } from "../../ir/dim.js";
import type { KExpr, KStmt } from "../kir/kir.js";
import { add, bin, c64, cst, dimExpr, div, mul, sub } from "../kir/expr.js";
import { walkStmts } from "../kir/walk.js";
import type { FiniteFlags } from "./injective.js";
import { nest, type Template } from "./templates.js";

/** Parts of each checked buffer (the parallel loop's iterations, as the GEMMs' CHUNKS). */
export const CHECK_PARTS = 8;

/**
 * Writes into `flags` (f32, CHECK_PARTS · lanes per buffer, in order) the lane sums of x − x over each
 * part of each buffer: all zero exactly when every element of every buffer is finite.
 */
export function finiteCheck(buffers: { buf: number; size: Dim; slot: number }[], flags: number, lanes: number): Template {
  const t = "f32" as const, W = Math.max(1, lanes);
  const zero: KExpr = W > 1 ? { k: "splat", t, lanes: W, a: cst(t, 0) } : cst(t, 0);
  const body = nest("f", [c64(CHECK_PARTS)], ([p]) => buffers.flatMap(({ buf, size, slot }, q): KStmt[] => {
    const n = dimExpr(size), vectors = div(add(n, c64(W - 1)), c64(W));
    const lo = div(mul(p!, vectors), c64(CHECK_PARTS)), hi = div(mul(add(p!, c64(1)), vectors), c64(CHECK_PARTS));
    const acc = `fin${q}`;
    const get: KExpr = { k: "get", t, name: acc };
    return [
      { k: "local", name: acc, t, init: zero, ...(W > 1 ? { lanes: W } : {}) },
      ...nest("fv", [sub(hi, lo)], ([v]) => {
        const at = mul(add(lo, v!), c64(W));
        const x: KExpr = W > 1 ? { k: "load", t, buf, idx: at, lanes: W, count: bin("min", c64(W), sub(n, at)) } : { k: "load", t, buf, idx: at };
        return [{ k: "set", name: acc, value: bin("add", get, bin("sub", x, x)) }];
      }, false),
      { k: "store", buf: flags, idx: mul(add(c64(slot * CHECK_PARTS), p!), c64(W)), value: get, ...(W > 1 ? { lanes: W } : {}) },
    ];
  }));
  const total = buffers.reduce<KExpr>((s, b) => add(s, dimExpr(b.size)), c64(0));
  return { body, cost: total };
}

/**
 * A GEMM epilogue that stores checked buffers in whole vectors only (the caller's guarantee: N is whole
 * panels, so no lane is masked) over exactly CHECK_PARTS parts checks them itself, from the registers it stores: a vector local per buffer and part
 * sums x − x (`init` at the part's start, `after` each epilogue's statements, `store` at its end). The
 * last kernel then skips them: for W1 it read W's 1.6 MB again, from L3 (3% of the step).
 */
export interface PartChecks {
  init: KStmt[];
  after(stmts: KStmt[]): KStmt[];
  store(part: KExpr): KStmt[];
  claim(): void;
}

export function partChecks(stored: KStmt[], finite: FiniteFlags | undefined, lanes: number): PartChecks | undefined {
  if (!finite || lanes <= 1) return undefined;
  const W = lanes, t = "f32" as const;
  const slots = new Map<number, number>();
  walkStmts(stored, (s) => {
    if (s.k !== "store") return;
    const slot = finite.slot(s.buf);
    if (slot !== undefined) slots.set(s.buf, slot);
  });
  if (!slots.size) return undefined;
  const name = (buf: number) => `fin${buf}`;
  const get = (buf: number): KExpr => ({ k: "get", t, name: name(buf) });
  return {
    init: [...slots.keys()].map((b) => ({ k: "local", name: name(b), t, init: { k: "splat", t, lanes: W, a: cst(t, 0) }, lanes: W })),
    after: (stmts) => stmts.flatMap((s): KStmt[] => {
      if (s.k !== "store" || !slots.has(s.buf)) return [s];
      if (s.lanes !== W) throw new Error("internal: a checked epilogue store of scalars");
      return [s, { k: "set", name: name(s.buf), value: bin("add", get(s.buf), bin("sub", s.value, s.value)) }];
    }),
    store: (p) => [...slots].map(([b, slot]): KStmt => ({ k: "store", buf: finite.flags, idx: mul(add(c64(slot * CHECK_PARTS), p), c64(W)), value: get(b), lanes: W })),
    claim: () => slots.forEach((_, b) => finite.claim(b)),
  };
}
