// GEMM epilogues: when a matmul's (or convolution's) only reader is an elementwise kernel of the same
// shape (bias + activation, a residual add) that kernel's outputs are computed from the register tile as
// it is stored, so C never goes to memory. Its guests (outputs it computes on the way, see lower.ts)
// are stored too.
import type { IRNode, Value } from "../../ir/graph.js";
import type { KExpr, KStmt } from "../kir/kir.js";
import { add, c64, dimExpr, div, flatten, mod, mul, v64 } from "../kir/expr.js";
import { exprToString } from "../kir/printer.js";
import { ktype } from "./attrs.js";
import type { Epilogue } from "./gemm.js";
import { type ExprCtx, injectiveAt } from "./injective.js";
import type { PanelLayout } from "./templates.js";
import { NotVectorizable, subst, vectorize } from "./vectorize.js";

/** A fused value was read at an index other than its reader's own: the fusion is abandoned. */
export class NotIdentity extends Error {}

/** A reader of a value held in local `name` that only accepts the kernel's own index `iv`. */
export function identityRead(iv: KExpr[], get: KExpr): (idx: KExpr[]) => KExpr {
  return (idx) => {
    if (idx.some((e, i) => e !== iv[i] && exprToString(e) !== exprToString(iv[i]!))) throw new NotIdentity();
    return get;
  };
}

export interface EpilogueParts {
  /** The GEMM's own result (never stored). */
  h: Value;
  /** The elementwise kernel reading it, and the values that kernel stores on the way. */
  host: IRNode;
  guests: IRNode[];
  ctx: ExprCtx;
  virtual: Map<number, (idx: KExpr[]) => KExpr>;
  bufferFor(v: Value): number;
  /** Weight packings kept by the step (lower.ts, `updatedParams`): the panels to store a 2-D output into too. */
  panels?: {
    layout(v: Value): PanelLayout | undefined;
    done(v: Value): void;
  };
}

const J = "jcol";

/** Throws NotVectorizable or NotIdentity (from `store`) when the host's expressions do not fit. */
export function gemmEpilogue(p: EpilogueParts): Epilogue {
  const shape = p.host.output.type.shape;
  return {
    value: (at, j0, acc, count, name) => {
      if (p.guests.length) throw new NotVectorizable("an epilogue that stores more than one value");
      const iv = at(v64(J));
      const cx = { j: J, j0, lanes: p.ctx.lanes, count, locals: new Map<string, KExpr>([["hacc", acc]]) };
      p.virtual.set(p.h.id, identityRead(iv, { k: "get", t: "f32", name: "hacc" }));
      try {
        if (ktype(p.host.output.type.dtype) !== "f32") throw new NotVectorizable("a non-float output");
        const v = vectorize(injectiveAt(p.host, iv, p.ctx), cx);
        return [{ k: "local", name, t: "f32", init: v.vec ? v.e : { k: "splat", t: "f32", lanes: cx.lanes, a: v.e }, lanes: cx.lanes }];
      } finally {
        p.virtual.delete(p.h.id);
      }
    },
    store: (at, j0, acc, count) => {
      const iv = at(v64(J));
      const locals = new Map<string, KExpr>([["hacc", acc]]);
      const cx = { j: J, j0, lanes: p.ctx.lanes, count, locals };
      const ids = [p.h.id, ...p.guests.map((x) => x.output.id)];
      p.virtual.set(p.h.id, identityRead(iv, { k: "get", t: "f32", name: "hacc" }));
      try {
        const st: KStmt[] = [];
        const out = (x: IRNode, name: string) => {
          if (ktype(x.output.type.dtype) !== "f32") throw new NotVectorizable("a non-float output");
          const v = vectorize(injectiveAt(x, iv, p.ctx), cx);
          const e: KExpr = v.vec ? v.e : { k: "splat", t: "f32", lanes: cx.lanes, a: v.e };
          st.push({ k: "local", name, t: "f32", init: e, lanes: cx.lanes });
          st.push({ k: "store", buf: p.bufferFor(x.output), idx: subst(flatten(iv, shape), J, j0), value: { k: "get", t: "f32", name }, lanes: cx.lanes, count });
          if (shape.length !== 2 || !p.panels) return;
          const layout = p.panels.layout(x.output);
          if (!layout) return;
          // The same vector into the kept panels: j0 is a multiple of the lanes, so within one panel.
          const { buf, rows, nr } = layout;
          const idx = add(mul(add(mul(div(j0, c64(nr)), dimExpr(rows)), iv[0]!), c64(nr)), mod(j0, c64(nr)));
          st.push({ k: "store", buf, idx, value: { k: "get", t: "f32", name }, lanes: cx.lanes, count });
          p.panels.done(x.output);
        };
        for (const x of p.guests) {
          const name = `e${x.output.id}`;
          out(x, name);
          locals.set(`g${x.output.id}`, { k: "get", t: "f32", name });
          p.virtual.set(x.output.id, identityRead(iv, { k: "get", t: "f32", name: `g${x.output.id}` }));
        }
        out(p.host, `e${p.host.output.id}`);
        return st;
      } finally {
        for (const id of ids) p.virtual.delete(id);
      }
    },
  };
}
