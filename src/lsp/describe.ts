// How editor features write values, definitions and counts: `f32[B, 512]`, `dense(units = 128)`, `100,480`.
import type * as A from "../parser/ast.js";
import type { ParamInfo } from "../ir/graph.js";
import { typeToString } from "../ir/types.js";
import type { V } from "../elab/values.js";

/** A value as a reader wants it: tensors by type, numbers by value, configured layers with their settings. */
export function describeValue(v: V): string {
  switch (v.k) {
    case "tensor": return typeToString(v.val.type);
    case "int": return `int ${v.d}`;
    case "float": return `float ${formatNumber(v.v)}`;
    case "bool": return `bool ${v.v}`;
    case "str": return `string ${JSON.stringify(v.v)}`;
    case "none": return "none";
    case "list": return `[${v.items.map(shortValue).join(", ")}]`;
    case "def": return v.config ? `${v.ref.def.defKind} ${v.ref.def.name.name}(${configText(v.config)})` : `${v.ref.def.defKind} ${v.ref.def.name.name}`;
    case "prim": return `primitive prim.${v.name}`;
    case "primns": return "the prim namespace";
    case "lambda": return `fn (${v.params.map((p) => p.name.name).join(", ")})`;
    case "error": return "<error>";
  }
}

/** A value inside a list or an argument list: no kind words. */
export function shortValue(v: V): string {
  switch (v.k) {
    case "int": return v.d.toString();
    case "float": return formatNumber(v.v);
    case "bool": return String(v.v);
    case "str": return JSON.stringify(v.v);
    case "def": return v.ref.def.name.name;
    case "lambda": return "fn";
    default: return describeValue(v);
  }
}

const KIND: Partial<Record<V["k"], string>> = { int: "int", float: "float", bool: "bool", str: "string", list: "list", prim: "fn", lambda: "fn" };

/** A name's value as `int = 128`, `fn = relu`, or a tensor type; `declared` is the written type, if any. */
export function bindingText(v: V, declared?: string): string {
  if (v.k === "tensor") return typeToString(v.val.type);
  if (v.k === "none" && !declared) return "none";
  const kind = declared ?? (v.k === "def" ? v.ref.def.defKind : KIND[v.k] ?? v.k);
  const value = v.k === "def" && v.config ? `${v.ref.def.name.name}(${configText(v.config)})` : shortValue(v);
  return `${kind} = ${value}`;
}

/** `units = 128, activation = relu, use_bias = true, …` */
export function configText(config: Map<string, V>): string {
  return [...config].map(([k, v]) => `${k} = ${shortValue(v)}`).join(", ");
}

/** The distinct descriptions of the values a node took, in the order first seen (errors left out). */
export function distinctDescriptions(vs: V[], f: (v: V) => string = describeValue): string[] {
  const out: string[] = [];
  for (const v of vs) {
    if (v.k === "error") continue;
    const d = f(v);
    if (!out.includes(d)) out.push(d);
  }
  return out;
}

/** The distinct tensor types among the values. */
export function tensorTypes(vs: V[]): string[] {
  return distinctDescriptions(vs.filter((v) => v.k === "tensor"));
}

/** 100480 → "100,480". */
export const formatCount = (n: number): string => n.toLocaleString("en-US");

export function formatNumber(n: number): string {
  return Number.isInteger(n) ? `${n}.0` : String(n);
}

export function paramCount(params: ParamInfo[]): number {
  return params.reduce((a, p) => a + p.value.type.shape.reduce((m, d) => m * (d.value ?? 0), 1), 0);
}

/** `kernel: f32[784, 128]` per parameter (the scope before the name left out). */
export function paramLines(params: ParamInfo[]): string[] {
  return params.map((p) => `${p.name.slice(p.name.lastIndexOf(".") + 1)}${p.trainable ? "" : " (state)"}: ${typeToString(p.value.type)}`);
}

/**
 * A definition's header as written (`layer dense(units: int, …)(x: f32[..., N]) -> f32[..., units]`),
 * from its source text: top-level definitions start a line, so the author's alignment is kept.
 */
export function signatureText(d: A.Definition, source: string | undefined): string {
  const end = d.body ? d.body.span.start : d.span.end;
  const text = source?.slice(d.span.start, end).trimEnd();
  return text || `${d.defKind} ${d.name.name}`;
}
