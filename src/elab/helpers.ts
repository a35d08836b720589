// Small pure helpers of the elaborator: primitive parameter lists, attributes, names in messages.
import type * as A from "../parser/ast.js";
import type { Span } from "../diag/diagnostic.js";
import { Dim } from "../ir/dim.js";
import type { Attr } from "../ir/graph.js";
import { toPlain, type V } from "./values.js";

export function primParamDecl(p: { name: string; kind: string; default?: Attr }, span: Span): A.ParamDecl {
  const typeName = p.kind === "tensor" ? "tensor" : p.kind === "tensors" ? "tensors" : p.kind === "ints" ? "dims" : p.kind;
  const def: A.Expr | undefined = p.default === undefined ? undefined
    : Array.isArray(p.default) ? { kind: "List", items: (p.default as number[]).map((n) => ({ kind: "Num", value: n, isInt: true, span })), span }
    : typeof p.default === "number" ? { kind: "Num", value: p.default, isInt: Number.isInteger(p.default), span }
    : typeof p.default === "boolean" ? { kind: "Bool", value: p.default, span }
    : { kind: "Str", value: String(p.default), span };
  return { name: { name: p.name, span }, type: { kind: "NamedType", name: typeName, span }, default: def, span };
}

export function attrOf(v: V): Attr {
  switch (v.k) {
    case "int": return v.d.value ?? v.d;
    case "float": return v.v;
    case "bool": return v.v;
    case "str": return v.v;
    case "list": return v.items.map((x) => (x.k === "int" ? x.d : Dim.const(Number(toPlain(x)))));
    default: return String(toPlain(v));
  }
}

export function sameConst(l: V, r: V): boolean | undefined {
  if (l.k === "none" || r.k === "none") return l.k === r.k;
  if (l.k === "str" && r.k === "str") return l.v === r.v;
  if (l.k === "bool" && r.k === "bool") return l.v === r.v;
  if (l.k === "def" && r.k === "def") return l.ref.def === r.ref.def;
  return undefined;
}

const SYMBOLS: Record<string, string> = { add: "+", sub: "-", mul: "*", div: "/", matmul: "@", neg: "-" };
export const opSymbol = (op: string) => SYMBOLS[op] ?? `prim.${op}`;
export const article = (w: string) => (/^[aeiou]/.test(w) ? "an" : "a");

export function calleeName(e: A.Expr): string {
  if (e.kind === "Name") return e.name;
  if (e.kind === "Member") return `${calleeName(e.object)}.${e.name.name}`;
  if (e.kind === "Call") return calleeName(e.callee);
  return "expression";
}
