// Turns a scalar elementwise expression at column `j` into the same expression over W consecutive
// columns j0 … j0+W−1, for a GEMM's epilogue (bias, activation, residual applied to a register tile).
// Loads whose index moves with j by exactly one become vector loads, loads that do not move become
// splats; anything else (a gather, a random draw, an op the renderer only knows on scalars) is refused.
import type { KExpr } from "../kir/kir.js";
import { walkExpr } from "../kir/walk.js";

export class NotVectorizable extends Error {}

/** The coefficient of variable `v` in `e` when `e` is affine in it; undefined otherwise. */
export function coef(e: KExpr, v: string): number | undefined {
  switch (e.k) {
    case "var": return e.name === v ? 1 : 0;
    case "const": return 0;
    case "bin": {
      const a = coef(e.a, v), b = coef(e.b, v);
      if (a === undefined || b === undefined) return undefined;
      if (e.op === "add") return a + b;
      if (e.op === "sub") return a - b;
      if (e.op === "mul" && e.b.k === "const" && a !== 0) return b === 0 ? a * e.b.v : undefined;
      if (e.op === "mul" && e.a.k === "const" && b !== 0) return a === 0 ? b * e.a.v : undefined;
      return a === 0 && b === 0 ? 0 : undefined;
    }
    default: return uses(e, v) ? undefined : 0;
  }
}

function uses(e: KExpr, v: string): boolean {
  let found = false;
  walkExpr(e, (x) => (found ||= x.k === "var" && x.name === v));
  return found;
}

/** `e` with variable `v` replaced by `by`. */
export function subst(e: KExpr, v: string, by: KExpr): KExpr {
  switch (e.k) {
    case "var": return e.name === v ? by : e;
    case "load": return { ...e, idx: subst(e.idx, v, by), ...(e.count ? { count: subst(e.count, v, by) } : {}) };
    case "un": case "cast": case "splat": return { ...e, a: subst(e.a, v, by) };
    case "bin": return { ...e, a: subst(e.a, v, by), b: subst(e.b, v, by) };
    case "select": return { ...e, c: subst(e.c, v, by), a: subst(e.a, v, by), b: subst(e.b, v, by) };
    case "rand": return { ...e, idx: subst(e.idx, v, by) };
    default: return e;
  }
}

/** Unary ops the renderer emits as LLVM intrinsics or plain instructions, which work lane-wise. */
const LANE_UN = new Set(["neg", "exp", "log", "sqrt", "abs", "sigmoid", "tanh"]);
const LANE_BIN = new Set(["add", "sub", "mul", "div", "max", "min", "gt", "ge", "lt", "le", "eq", "and", "or"]);

export interface VectorContext {
  /** The column variable of the scalar expression. */
  j: string;
  /** The first column of the vector. */
  j0: KExpr;
  lanes: number;
  /** Valid lanes from j0 (the ragged edge); all of them when absent. */
  count?: KExpr;
  /** Vector values for locals the scalar expression reads (the accumulator, earlier outputs). */
  locals: Map<string, KExpr>;
}

/**
 * The vector form of `e`, or a scalar when `e` does not vary with j (the caller splats it where a vector
 * is needed). Throws NotVectorizable.
 */
export function vectorize(e: KExpr, cx: VectorContext): { e: KExpr; vec: boolean } {
  const splat = (x: { e: KExpr; vec: boolean }): KExpr => {
    if (x.vec) return x.e;
    if (x.e.t !== "f32") throw new NotVectorizable(`a ${x.e.t} scalar in a vector expression`);
    return { k: "splat", t: "f32", lanes: cx.lanes, a: x.e };
  };
  switch (e.k) {
    case "get": {
      const v = cx.locals.get(e.name);
      return v ? { e: v, vec: true } : { e, vec: false };
    }
    case "const": case "var":
      if (e.k === "var" && e.name === cx.j) throw new NotVectorizable("the column index used as a value");
      return { e, vec: false };
    case "load": {
      const c = coef(e.idx, cx.j);
      if (c === 0) return { e, vec: false };
      if (c !== 1 || e.t !== "f32" || e.lanes) throw new NotVectorizable("a load that does not move with the column");
      return { e: { k: "load", t: "f32", buf: e.buf, idx: subst(e.idx, cx.j, cx.j0), lanes: cx.lanes, ...(cx.count ? { count: cx.count } : {}) }, vec: true };
    }
    case "un": {
      const a = vectorize(e.a, cx);
      if (!a.vec) return { e: { ...e, a: a.e }, vec: false };
      if (!LANE_UN.has(e.op) || e.t !== "f32") throw new NotVectorizable(`${e.op} on vectors`);
      return { e: { ...e, a: a.e }, vec: true };
    }
    case "bin": {
      const a = vectorize(e.a, cx), b = vectorize(e.b, cx);
      if (!a.vec && !b.vec) return { e: { ...e, a: a.e, b: b.e }, vec: false };
      if (!LANE_BIN.has(e.op)) throw new NotVectorizable(`${e.op} on vectors`);
      // Logic joins two vector comparisons; arithmetic and comparisons take floats (scalars splatted).
      if (e.op === "and" || e.op === "or") {
        if (!a.vec || !b.vec) throw new NotVectorizable(`${e.op} of a vector and a scalar`);
        return { e: { ...e, a: a.e, b: b.e }, vec: true };
      }
      if (e.a.t !== "f32") throw new NotVectorizable(`${e.op} on ${e.a.t} vectors`);
      return { e: { ...e, a: splat(a), b: splat(b) }, vec: true };
    }
    case "select": {
      const c = vectorize(e.c, cx), a = vectorize(e.a, cx), b = vectorize(e.b, cx);
      if (!c.vec && !a.vec && !b.vec) return { e: { ...e, c: c.e, a: a.e, b: b.e }, vec: false };
      if (e.t !== "f32") throw new NotVectorizable("a non-float select on vectors");
      return { e: { ...e, c: c.e, a: splat(a), b: splat(b) }, vec: true };
    }
    case "cast": {
      const a = vectorize(e.a, cx);
      if (a.vec) throw new NotVectorizable("a cast on vectors");
      return { e: { ...e, a: a.e }, vec: false };
    }
    default: throw new NotVectorizable(`${e.k} in a vector expression`);
  }
}
