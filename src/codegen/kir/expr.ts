// Builders for kernel-IR expressions that fold constants as they go, so index arithmetic stays small.
import { type Dim, numel } from "../../ir/dim.js";
import type { BinOp, KExpr, KType, UnOp } from "./kir.js";

export const c64 = (v: number): KExpr => ({ k: "const", t: "i64", v });
export const cf = (v: number): KExpr => ({ k: "const", t: "f32", v });
export const cst = (t: KType, v: number): KExpr => ({ k: "const", t, v });
export const v64 = (name: string): KExpr => ({ k: "var", t: "i64", name });
export const dimVar = (name: string): KExpr => v64(`dim:${name}`);

const isC = (e: KExpr, v?: number): e is { k: "const"; t: KType; v: number } => e.k === "const" && (v === undefined || e.v === v);

const COMPARE = new Set<BinOp>(["gt", "ge", "lt", "le", "eq"]);
const LOGIC = new Set<BinOp>(["and", "or"]);

export function bin(op: BinOp, a: KExpr, b: KExpr): KExpr {
  const t: KType = COMPARE.has(op) ? "bool" : LOGIC.has(op) ? "bool" : a.t;
  if (a.t === "i64" && b.t === "i64") {
    if (isC(a) && isC(b)) {
      const x = a.v, y = b.v;
      const r = op === "add" ? x + y : op === "sub" ? x - y : op === "mul" ? x * y : op === "div" ? Math.trunc(x / y) : op === "mod" ? x % y
        : op === "max" ? Math.max(x, y) : op === "min" ? Math.min(x, y) : undefined;
      if (r !== undefined) return c64(r);
    }
    if (op === "add" && isC(a, 0)) return b;
    if ((op === "add" || op === "sub") && isC(b, 0)) return a;
    if (op === "mul" && (isC(a, 0) || isC(b, 0))) return c64(0);
    if (op === "mul" && isC(a, 1)) return b;
    if ((op === "mul" || op === "div") && isC(b, 1)) return a;
    if (op === "mod" && isC(b, 1)) return c64(0);
  }
  return { k: "bin", t, op, a, b };
}

export const add = (a: KExpr, b: KExpr) => bin("add", a, b);
export const sub = (a: KExpr, b: KExpr) => bin("sub", a, b);
export const mul = (a: KExpr, b: KExpr) => bin("mul", a, b);
export const div = (a: KExpr, b: KExpr) => bin("div", a, b);
export const mod = (a: KExpr, b: KExpr) => bin("mod", a, b);
export const un = (op: UnOp, a: KExpr): KExpr => ({ k: "un", t: op === "not" ? "bool" : a.t, op, a });
export const select = (c: KExpr, a: KExpr, b: KExpr): KExpr => (isC(c) ? (c.v ? a : b) : { k: "select", t: a.t, c, a, b });
export const cast = (t: KType, a: KExpr): KExpr => (a.t === t ? a : isC(a) && t !== "bool" ? cst(t, t === "f32" ? Math.fround(a.v) : Math.trunc(a.v)) : { k: "cast", t, a });
export const clamp = (x: KExpr, lo: number, hi: KExpr): KExpr => bin("min", bin("max", x, c64(lo)), sub(hi, c64(1)));

/** A symbolic dimension as an i64 expression over the program's dimension variables. */
export function dimExpr(d: Dim): KExpr {
  let e: KExpr = c64(0);
  for (const [mono, coef] of d.terms) {
    let t: KExpr = c64(coef);
    for (const atom of mono ? mono.split("*") : []) t = mul(t, dimVar(atom));
    e = add(e, t);
  }
  return e;
}

/** Row-major flat index of `idx` in a tensor of shape `shape`. */
export function flatten(idx: KExpr[], shape: Dim[]): KExpr {
  let e: KExpr = c64(0);
  idx.forEach((x, i) => (e = add(mul(e, dimExpr(shape[i]!)), x)));
  return e;
}

/** The multi-index of flat position `flat` in a tensor of shape `shape`. */
export function unflatten(flat: KExpr, shape: Dim[]): KExpr[] {
  const out: KExpr[] = [];
  let rest = flat;
  for (let i = shape.length - 1; i >= 0; i--) {
    const n = dimExpr(shape[i]!);
    out.unshift(i === 0 ? rest : mod(rest, n));
    rest = div(rest, n);
  }
  return out;
}

export const isConst = isC;
export const sizeExpr = (shape: Dim[]): KExpr => dimExpr(numel(shape));
