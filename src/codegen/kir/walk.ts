// Visiting kernel-IR statements and expressions (buffer use, dimension use, verification).
import type { KExpr, KStep, KStmt, Kernel } from "./kir.js";

/** Every kernel of `steps`, in program order (`seq` bodies included). */
export function kernelsOf(steps: KStep[]): Kernel[] {
  return steps.flatMap((s) => (s.k === "kernel" ? [s.kernel] : kernelsOf(s.body)));
}

export function walkExpr(e: KExpr, fn: (e: KExpr) => void): void {
  fn(e);
  switch (e.k) {
    case "load": walkExpr(e.idx, fn); if (e.count) walkExpr(e.count, fn); break;
    case "un": case "cast": case "splat": walkExpr(e.a, fn); break;
    case "bin": walkExpr(e.a, fn); walkExpr(e.b, fn); break;
    case "select": walkExpr(e.c, fn); walkExpr(e.a, fn); walkExpr(e.b, fn); break;
    case "rand": walkExpr(e.idx, fn); break;
  }
}

/** Calls `stmt` for every statement (pre-order) and `expr` for every expression in `body`. */
export function walkStmts(body: KStmt[], stmt: (s: KStmt) => void, expr: (e: KExpr) => void = () => {}): void {
  for (const s of body) {
    stmt(s);
    switch (s.k) {
      case "for": walkExpr(s.n, expr); walkStmts(s.body, stmt, expr); break;
      case "if": walkExpr(s.cond, expr); walkStmts(s.body, stmt, expr); break;
      case "store": walkExpr(s.idx, expr); walkExpr(s.value, expr); if (s.count) walkExpr(s.count, expr); break;
      case "local": walkExpr(s.init, expr); break;
      case "set": walkExpr(s.value, expr); break;
      case "prefetch": walkExpr(s.idx, expr); break;
    }
  }
}

/** Buffers a step (kernel or seq) reads and writes. */
export function buffersOf(step: KStep): { reads: Set<number>; writes: Set<number> } {
  const reads = new Set<number>(), writes = new Set<number>();
  for (const k of kernelsOf([step])) {
    walkStmts(k.body, (st) => {
      if (st.k === "store") {
        writes.add(st.buf);
        if (st.accumulate) reads.add(st.buf);
      }
      if (st.k === "prefetch") reads.add(st.buf);
    }, (e) => {
      if (e.k === "load") reads.add(e.buf);
    });
  }
  return { reads, writes };
}

/** Names of the symbolic dimensions (`dim:X` variables) a step uses. */
export function dimsOf(steps: KStep[]): Set<string> {
  const out = new Set<string>();
  const visit = (s: KStep): void => {
    if (s.k === "seq") {
      walkExpr(s.n, (e) => e.k === "var" && e.name.startsWith("dim:") && out.add(e.name.slice(4)));
      return s.body.forEach(visit);
    }
    walkStmts(s.kernel.body, () => {}, (e) => {
      if (e.k === "var" && e.name.startsWith("dim:")) out.add(e.name.slice(4));
    });
    walkExpr(s.kernel.cost, (e) => e.k === "var" && e.name.startsWith("dim:") && out.add(e.name.slice(4)));
  };
  steps.forEach(visit);
  return out;
}
