// Index-set splitting: an inner loop whose body tests its index against constants (a concat picks its
// source by column, a slice's gradient is zero outside the slice, a clamp keeps an index in range) runs
// as one loop per stretch of indices on which every test has one answer. In each piece the tests fold
// away and the indices become affine in the loop variable, which is what vectorising needs.
import type { KExpr, KStmt } from "../kir/kir.js";
import { add, bin, c64, cast, cst, isConst, select, sub, v64 } from "../kir/expr.js";
import { coef, subst } from "./vectorize.js";

/** Inclusive bounds of an integer expression. */
interface Range {
  lo: number;
  hi: number;
}
type Env = Map<string, Range>;

/** More pieces than this and the loop is left whole (each piece is a loop with its own tail). */
const MAX_PIECES = 8;

/** Bounds of an i64 expression over the variables in `env`; undefined when unknown. */
export function rangeOf(e: KExpr, env: Env): Range | undefined {
  if (e.k === "const") return e.t === "i64" ? { lo: e.v, hi: e.v } : undefined;
  if (e.k === "var") return env.get(e.name);
  if (e.k !== "bin" || e.t !== "i64") return undefined;
  const a = rangeOf(e.a, env), b = rangeOf(e.b, env);
  if (!a || !b) return undefined;
  switch (e.op) {
    case "add": return { lo: a.lo + b.lo, hi: a.hi + b.hi };
    case "sub": return { lo: a.lo - b.hi, hi: a.hi - b.lo };
    case "mul": {
      const p = [a.lo * b.lo, a.lo * b.hi, a.hi * b.lo, a.hi * b.hi];
      return { lo: Math.min(...p), hi: Math.max(...p) };
    }
    case "min": return { lo: Math.min(a.lo, b.lo), hi: Math.min(a.hi, b.hi) };
    case "max": return { lo: Math.max(a.lo, b.lo), hi: Math.max(a.hi, b.hi) };
    default: return undefined;
  }
}

/** The answer of `a op b` for every a in ra and b in rb, when there is one. */
function decide(op: string, ra: Range, rb: Range): boolean | undefined {
  switch (op) {
    case "lt": return ra.hi < rb.lo ? true : ra.lo >= rb.hi ? false : undefined;
    case "le": return ra.hi <= rb.lo ? true : ra.lo > rb.hi ? false : undefined;
    case "gt": return ra.lo > rb.hi ? true : ra.hi <= rb.lo ? false : undefined;
    case "ge": return ra.lo >= rb.hi ? true : ra.hi < rb.lo ? false : undefined;
    case "eq": return ra.lo === ra.hi && rb.lo === rb.hi && ra.lo === rb.lo ? true : ra.hi < rb.lo || rb.hi < ra.lo ? false : undefined;
    default: return undefined;
  }
}

/** `e` with comparisons, clamps, logic and selects folded where the ranges in `env` decide them. */
export function simplify(e: KExpr, env: Env): KExpr {
  switch (e.k) {
    case "bin": {
      const a = simplify(e.a, env), b = simplify(e.b, env);
      if (a.t === "i64" && b.t === "i64") {
        const ra = rangeOf(a, env), rb = rangeOf(b, env);
        if (ra && rb) {
          const d = decide(e.op, ra, rb);
          if (d !== undefined) return cst("bool", d ? 1 : 0);
          if (e.op === "min" && ra.hi <= rb.lo) return a;
          if (e.op === "min" && rb.hi <= ra.lo) return b;
          if (e.op === "max" && ra.lo >= rb.hi) return a;
          if (e.op === "max" && rb.lo >= ra.hi) return b;
        }
      }
      if ((e.op === "and" || e.op === "or") && (isConst(a) || isConst(b))) {
        const [k, other] = isConst(a) ? [a, b] : [b, a];
        return (e.op === "and") === Boolean(k.k === "const" && k.v) ? other : k;
      }
      return bin(e.op, a, b);
    }
    case "select": return select(simplify(e.c, env), simplify(e.a, env), simplify(e.b, env));
    case "un": {
      const a = simplify(e.a, env);
      return e.op === "not" && isConst(a) ? cst("bool", a.k === "const" && a.v ? 0 : 1) : { ...e, a };
    }
    case "cast": return cast(e.t, simplify(e.a, env));
    case "splat": return { ...e, a: simplify(e.a, env) };
    case "load": return { ...e, idx: simplify(e.idx, env), ...(e.count ? { count: simplify(e.count, env) } : {}) };
    default: return e;
  }
}

/** Every expression of `ss` rewritten by `f`. */
export function mapExprs(ss: KStmt[], f: (e: KExpr) => KExpr): KStmt[] {
  return ss.map((s): KStmt => {
    switch (s.k) {
      case "for": return { ...s, n: f(s.n), body: mapExprs(s.body, f) };
      case "if": return { ...s, cond: f(s.cond), body: mapExprs(s.body, f) };
      case "store": return { ...s, idx: f(s.idx), value: f(s.value), ...(s.count ? { count: f(s.count) } : {}) };
      case "local": return { ...s, init: f(s.init) };
      case "set": return { ...s, value: f(s.value) };
      case "prefetch": return { ...s, idx: f(s.idx) };
    }
  });
}

/** A test of c·v + k against 0 (`min`/`max`: which side wins). */
interface Test {
  op: string;
  c: number;
  k: number;
}

const TESTED = new Set(["lt", "le", "gt", "ge", "eq", "min", "max"]);

function holds(t: Test, v: number): boolean {
  const x = t.c * v + t.k;
  switch (t.op) {
    case "lt": return x < 0;
    case "le": case "min": return x <= 0;
    case "gt": return x > 0;
    case "ge": case "max": return x >= 0;
    default: return x === 0;
  }
}

/** The tests of `v` with constant thresholds in `ss`. */
function testsOf(ss: KStmt[], v: string): Test[] {
  const out: Test[] = [];
  const visit = (e: KExpr): void => {
    if (e.k === "bin") {
      if (TESTED.has(e.op) && e.a.t === "i64" && e.b.t === "i64") {
        const d = sub(e.a, e.b), c = coef(d, v);
        const k = simplify(subst(d, v, c64(0)), new Map());
        if (c !== undefined && c !== 0 && Number.isInteger(c) && k.k === "const") out.push({ op: e.op, c, k: k.v });
      }
      visit(e.a);
      visit(e.b);
    } else if (e.k === "select") [e.c, e.a, e.b].forEach(visit);
    else if (e.k === "un" || e.k === "cast" || e.k === "splat") visit(e.a);
    else if (e.k === "load") visit(e.idx);
  };
  mapExprs(ss, (e) => (visit(e), e));
  return out;
}

const hasLoop = (ss: KStmt[]): boolean => ss.some((s) => s.k === "for" || (s.k === "if" && hasLoop(s.body)));

/** Splits every innermost serial loop of constant extent in `ss` (recursively). */
export function splitLoops(ss: KStmt[]): KStmt[] {
  return ss.flatMap((s): KStmt[] => {
    if (s.k === "if") return [{ ...s, body: splitLoops(s.body) }];
    if (s.k !== "for") return [s];
    if (hasLoop(s.body) || s.mode !== "serial" || s.n.k !== "const") return [{ ...s, body: splitLoops(s.body) }];
    return splitLoop(s.v, s.n.v, s.body);
  });
}

function splitLoop(v: string, n: number, body: KStmt[]): KStmt[] {
  const tests = testsOf(body, v);
  // Candidate cut points: around each threshold −k/c; pieces whose tests all answer alike merge again.
  const cuts = new Set([0, n]);
  for (const t of tests) {
    const x = -t.k / t.c;
    for (const p of [Math.floor(x), Math.floor(x) + 1, Math.ceil(x), Math.ceil(x) + 1]) if (p > 0 && p < n) cuts.add(p);
  }
  const points = [...cuts].sort((a, b) => a - b);
  const pieces: { lo: number; hi: number; sig: string }[] = [];
  for (let i = 0; i + 1 < points.length; i++) {
    const lo = points[i]!, hi = points[i + 1]!;
    const sig = tests.map((t) => (holds(t, lo) ? 1 : 0)).join("");
    const last = pieces[pieces.length - 1];
    if (last && last.sig === sig) last.hi = hi;
    else pieces.push({ lo, hi, sig });
  }
  if (pieces.length > MAX_PIECES) return [{ k: "for", v, n: c64(n), mode: "serial", body }];
  return pieces.map((p) => {
    const env: Env = new Map([[v, { lo: 0, hi: p.hi - p.lo - 1 }]]);
    const shifted = p.lo === 0 ? body : mapExprs(body, (e) => subst(e, v, add(v64(v), c64(p.lo))));
    return { k: "for", v, n: c64(p.hi - p.lo), mode: "serial", body: mapExprs(shifted, (e) => simplify(e, env)) };
  });
}
