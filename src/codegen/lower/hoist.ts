// Loop-invariant hoisting: a subexpression that reads no loop variable, no local and no buffer the
// kernel writes is computed once, in a local before the kernel's loops. LLVM cannot do this itself
// when the value comes from a buffer (a store in the loop might alias it): Adam's bias correction
// `pow(β, step)` was otherwise computed for every weight.
import type { KExpr, KStmt, Kernel } from "../kir/kir.js";
import { exprToString } from "../kir/printer.js";
import { walkStmts } from "../kir/walk.js";

/** Worth a local: anything but a constant or a bare variable; index arithmetic (i64) stays inline. */
const worth = (e: KExpr): boolean => e.k !== "const" && e.k !== "var" && e.k !== "get" && e.t !== "i64";

export function hoistInvariants(k: Kernel): Kernel {
  const bound = new Set<string>(), written = new Set<number>();
  walkStmts(k.body, (s) => {
    if (s.k === "for") bound.add(s.v);
    if (s.k === "store") written.add(s.buf);
  });
  const invariant = (e: KExpr): boolean => {
    switch (e.k) {
      case "const": return true;
      case "var": return !bound.has(e.name);
      case "get": case "rand": return false;
      case "load": return !e.lanes && !written.has(e.buf) && invariant(e.idx);
      // Vectors stay where they are (locals here are scalars); the scalar inside a splat may move.
      case "splat": return false;
      case "un": case "cast": return invariant(e.a);
      case "bin": return invariant(e.a) && invariant(e.b);
      case "select": return invariant(e.c) && invariant(e.a) && invariant(e.b);
    }
  };
  const hoisted = new Map<string, { name: string; e: KExpr }>();
  const rewrite = (e: KExpr): KExpr => {
    if (worth(e) && invariant(e)) {
      const key = exprToString(e);
      let h = hoisted.get(key);
      if (!h) hoisted.set(key, (h = { name: `h${hoisted.size}`, e }));
      return { k: "get", t: e.t, name: h.name };
    }
    switch (e.k) {
      case "load": return { ...e, idx: rewrite(e.idx), ...(e.count ? { count: rewrite(e.count) } : {}) };
      case "un": case "cast": case "splat": return { ...e, a: rewrite(e.a) };
      case "bin": return { ...e, a: rewrite(e.a), b: rewrite(e.b) };
      case "select": return { ...e, c: rewrite(e.c), a: rewrite(e.a), b: rewrite(e.b) };
      default: return e;
    }
  };
  const stmts = (ss: KStmt[]): KStmt[] => ss.map((s): KStmt => {
    switch (s.k) {
      case "for": return { ...s, body: stmts(s.body) };
      case "if": return { ...s, cond: rewrite(s.cond), body: stmts(s.body) };
      case "store": return { ...s, value: rewrite(s.value) };
      case "local": return { ...s, init: rewrite(s.init) };
      case "set": return { ...s, value: rewrite(s.value) };
      case "prefetch": return s;
    }
  });
  const body = stmts(k.body);
  if (!hoisted.size) return k;
  const pre: KStmt[] = [...hoisted.values()].map((h) => ({ k: "local", name: h.name, t: h.e.t, init: h.e }));
  return { ...k, body: [...pre, ...body] };
}
