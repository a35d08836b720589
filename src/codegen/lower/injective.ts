// Injective ops: each output element is a function of a few input elements at computable indices.
// They never get kernels of their own unless their value is needed in memory; otherwise they are
// inlined (fused) into whichever kernel reads them.
import { Dim } from "../../ir/dim.js";
import type { IRNode, Value } from "../../ir/graph.js";
import type { BinOp, KExpr, KType, UnOp } from "../kir/kir.js";
import { add, bin, c64, cast, clamp, cst, dimExpr, flatten, isConst, select, sub, un, unflatten } from "../kir/expr.js";
import { axisOf, intsAttr, ktype, LowerError, numAttr, reducedAxes } from "./attrs.js";

export interface ExprCtx {
  /** The expression for value `v` at multi-index `idx` (a load, or the inlined producer). */
  at(v: Value, idx: KExpr[]): KExpr;
  /** A fresh random-stream number for a dropout mask. */
  stream(n: IRNode): number;
  /** The target's vector width in f32 lanes (1: no explicit vectors). */
  lanes: number;
  /** A new temp buffer for a template's own use (a packed operand). */
  scratch(t: KType, size: Dim, name: string): number;
  /** The training step's finite check (finite-check.ts), which a GEMM epilogue may take over for the buffers it stores. */
  finite?: FiniteFlags;
}

export interface FiniteFlags {
  /** The flags buffer (KProgram.finite). */
  flags: number;
  /** The flag slot of a checked output buffer, if it is one not yet claimed. */
  slot(buf: number): number | undefined;
  /** The buffer's flags are written by the kernel being built; the last kernel skips it. */
  claim(buf: number): void;
}

const UNARY: Record<string, UnOp> = { neg: "neg", exp: "exp", log: "log", sqrt: "sqrt", abs: "abs", sign: "sign", tanh: "tanh", sigmoid: "sigmoid" };
const BINARY: Record<string, BinOp> = {
  add: "add", sub: "sub", mul: "mul", div: "div", pow: "pow", maximum: "max", minimum: "min",
  greater: "gt", greater_equal: "ge", less: "lt", less_equal: "le", equal: "eq",
};

/** Ops that only move or select data: cheap to recompute in every reader. */
export const MOVEMENT = new Set(["reshape", "transpose", "slice", "index", "reverse", "concat", "unreduce", "slice_grad", "index_grad", "one_hot", "gather", "zeros", "const", "cast"]);
export const INJECTIVE = new Set([...Object.keys(UNARY), ...Object.keys(BINARY), "select", "dropout_mask", ...MOVEMENT]);

/** The index into an operand of shape `s` that broadcasts to the output index `idx`. */
export function broadcastIdx(s: Dim[], outShape: Dim[], idx: KExpr[]): KExpr[] {
  const lead = idx.length - s.length;
  return s.map((d, j) => (d.value === 1 && outShape[lead + j]!.value !== 1 ? c64(0) : idx[lead + j]!));
}

const shapeOf = (v: Value): Dim[] => v.type.shape;

/** Normalised start of slice/slice_grad along an axis of size `size`. */
function startOf(n: IRNode, size: Dim): KExpr {
  const s = numAttr(n, "start", 0);
  return s < 0 ? add(dimExpr(size), c64(s)) : c64(s);
}

export function injectiveAt(n: IRNode, idx: KExpr[], ctx: ExprCtx): KExpr {
  const out = n.output, t = ktype(out.type.dtype), oshape = shapeOf(out);
  const ins = n.inputs;
  const operand = (i: number) => ctx.at(ins[i]!, broadcastIdx(shapeOf(ins[i]!), oshape, idx));
  if (UNARY[n.op]) return un(UNARY[n.op]!, operand(0));
  if (BINARY[n.op]) {
    const op = BINARY[n.op]!;
    const e = bin(op, operand(0), operand(1));
    // Integer division truncates and x / 0 gives 0, as in the reference executor.
    if (op === "div" && t === "i32") return select(bin("eq", operand(1), cst("i32", 0)), cst("i32", 0), e);
    return e;
  }
  switch (n.op) {
    case "select": return select(operand(0), operand(1), operand(2));
    case "cast": return cast(t, ctx.at(ins[0]!, idx));
    case "zeros": return cst(t, 0);
    case "const": {
      const v = n.attrs["value"];
      if (v instanceof Dim && v.value === undefined) return cast(t, dimExpr(v));
      return cst(t, numAttr(n, "value"));
    }
    case "reshape": {
      const flat = flatten(idx, oshape);
      return ctx.at(ins[0]!, unflatten(flat, shapeOf(ins[0]!)));
    }
    case "transpose": {
      const perm = intsAttr(n, "perm");
      const src: KExpr[] = new Array(perm.length);
      perm.forEach((p, i) => (src[p] = idx[i]!));
      return ctx.at(ins[0]!, src);
    }
    case "slice": {
      const ax = axisOf(n, numAttr(n, "axis"), idx.length);
      return ctx.at(ins[0]!, idx.map((x, i) => (i === ax ? add(x, startOf(n, shapeOf(ins[0]!)[ax]!)) : x)));
    }
    case "index": {
      const xs = shapeOf(ins[0]!);
      const ax = axisOf(n, numAttr(n, "axis"), xs.length);
      const i = numAttr(n, "i");
      const p = i < 0 ? add(dimExpr(xs[ax]!), c64(i)) : c64(i);
      return ctx.at(ins[0]!, [...idx.slice(0, ax), p, ...idx.slice(ax)]);
    }
    case "reverse": {
      const ax = axisOf(n, numAttr(n, "axis"), idx.length);
      return ctx.at(ins[0]!, idx.map((x, i) => (i === ax ? sub(sub(dimExpr(oshape[ax]!), c64(1)), x) : x)));
    }
    case "concat": {
      const ax = axisOf(n, numAttr(n, "axis", -1), idx.length);
      // Later parts first, so the first part whose range holds the index wins; indices are clamped so
      // that the branch not taken never reads out of bounds.
      let off: KExpr = c64(0);
      const parts = ins.map((v) => {
        const size = dimExpr(shapeOf(v)[ax]!);
        const p = { v, off, size };
        off = add(off, size);
        return p;
      });
      let e: KExpr | undefined;
      for (const p of [...parts].reverse()) {
        const local = idx.map((x, i) => (i === ax ? clamp(sub(x, p.off), 0, p.size) : x));
        const val = ctx.at(p.v, local);
        e = e === undefined ? val : select(bin("lt", idx[ax]!, add(p.off, p.size)), val, e);
      }
      return e!;
    }
    case "one_hot": {
      const cls = cast("i64", ctx.at(ins[0]!, idx.slice(0, -1)));
      return select(bin("eq", cls, idx[idx.length - 1]!), cst(t, 1), cst(t, 0));
    }
    case "unreduce": {
      const like = shapeOf(ins[1]!);
      const axes = reducedAxes(n, like.length);
      const keep = Boolean(n.attrs["keepdims"]);
      const dyIdx = idx.flatMap((x, i) => (axes.has(i) ? (keep ? [c64(0)] : []) : [x]));
      const v = ctx.at(ins[0]!, dyIdx);
      if (!n.attrs["mean"]) return v;
      const count = [...axes].reduce((a, i) => a.mul(like[i]!), Dim.const(1));
      const c = dimExpr(count);
      return bin("div", v, isConst(c) ? cst("f32", c.v) : cast("f32", c));
    }
    case "slice_grad": {
      const like = shapeOf(ins[1]!), dys = shapeOf(ins[0]!);
      const ax = axisOf(n, numAttr(n, "axis"), like.length);
      const s = startOf(n, like[ax]!), len = dimExpr(dys[ax]!);
      const rel = sub(idx[ax]!, s);
      const inside = bin("and", bin("ge", rel, c64(0)), bin("lt", rel, len));
      const v = ctx.at(ins[0]!, idx.map((x, i) => (i === ax ? clamp(rel, 0, len) : x)));
      return select(inside, v, cst(t, 0));
    }
    case "index_grad": {
      const like = shapeOf(ins[1]!);
      const ax = axisOf(n, numAttr(n, "axis"), like.length);
      const i = numAttr(n, "i");
      const p = i < 0 ? add(dimExpr(like[ax]!), c64(i)) : c64(i);
      const v = ctx.at(ins[0]!, idx.filter((_, k) => k !== ax));
      return select(bin("eq", idx[ax]!, p), v, cst(t, 0));
    }
    case "gather": {
      const table = shapeOf(ins[0]!), ni = shapeOf(ins[1]!).length;
      const row = clamp(cast("i64", ctx.at(ins[1]!, idx.slice(0, ni))), 0, dimExpr(table[0]!));
      return ctx.at(ins[0]!, [row, ...idx.slice(ni)]);
    }
    case "dropout_mask": {
      const rate = numAttr(n, "rate");
      const scale = Math.fround(1 / (1 - rate));
      const r: KExpr = { k: "rand", t: "f32", stream: ctx.stream(n), idx: flatten(idx, oshape) };
      return select(bin("lt", r, cst("f32", rate)), cst("f32", 0), cst("f32", scale));
    }
  }
  throw new LowerError(`no injective lowering for \`${n.op}\``, n);
}

