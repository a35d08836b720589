// Matching declared types against actual tensor types: binds dimension names, reports mismatches.
import type * as A from "../parser/ast.js";
import { Dim } from "../ir/dim.js";
import { isDType, type TensorType, typeToString } from "../ir/types.js";
import type { Related, Span } from "../diag/diagnostic.js";
import { Env, intV, type V } from "./values.js";

/** Evaluates a dimension expression; undefined when it names an unbound dimension. */
export function evalDim(e: A.DimExpr, env: Env): Dim | undefined {
  switch (e.kind) {
    case "DimNum": return Dim.const(e.value);
    case "DimName": {
      const v = env.get(e.name);
      return v?.k === "int" ? v.d : undefined;
    }
    case "DimBin": {
      const l = evalDim(e.left, env), r = evalDim(e.right, env);
      if (!l || !r) return undefined;
      if (e.op === "+") return l.add(r);
      if (e.op === "-") return l.sub(r);
      if (e.op === "*") return l.mul(r);
      return r.value === 0 ? undefined : l.floorDiv(r);
    }
    case "DimEllipsis": return undefined;
  }
}

export function dimExprToString(e: A.DimExpr): string {
  switch (e.kind) {
    case "DimNum": return String(e.value);
    case "DimName": return e.name;
    case "DimEllipsis": return "...";
    case "DimBin": return `${wrap(e.left)} ${e.op} ${wrap(e.right)}`;
  }
}
const wrap = (e: A.DimExpr) => (e.kind === "DimBin" ? `(${dimExprToString(e)})` : dimExprToString(e));

export function typeExprToString(t: A.TypeExpr): string {
  if (t.kind === "NamedType") return t.name;
  if (t.kind === "ListType") return `[${typeExprToString(t.element)}]`;
  return `${t.dtype}[${t.dims.map(dimExprToString).join(", ")}]`;
}

export interface Mismatch {
  code: "E0301" | "E0302" | "E0303";
  message: string;
  notes: string[];
  /** Where the conflicting dimension name got its value (another argument). */
  related?: Related[];
}

/** The argument that bound each dimension name of a signature's environment, for "where it came from". */
const origins = new WeakMap<Env, Map<string, { span: Span; what: string }>>();

/** The declared type with known names filled in, e.g. f32[B, 784] for f32[B, N] with N = 784. */
export function instantiate(t: A.TypeExpr & { kind: "TensorType" }, env: Env): string {
  const dims: string[] = [];
  for (const d of t.dims) {
    if (d.kind === "DimEllipsis") {
      const cap = env.get("...");
      if (cap?.k === "list") dims.push(...cap.items.map((x) => (x.k === "int" ? x.d.toString() : "?")));
      else dims.push("...");
    } else dims.push(evalDim(d, env)?.toString() ?? dimExprToString(d));
  }
  return `${t.dtype}[${dims.join(", ")}]`;
}

/**
 * Matches `actual` against the declared tensor type, binding unbound dimension names (and `...`) in
 * `env`. Returns a mismatch description or undefined on success.
 */
export function matchTensorType(decl: A.TypeExpr & { kind: "TensorType" }, actual: TensorType, env: Env, from?: { span: Span; what: string }): Mismatch | undefined {
  const shown = () => instantiate(decl, env);
  if (decl.dtype !== "any" && isDType(decl.dtype) && decl.dtype !== actual.dtype) {
    return { code: "E0303", message: `expected ${decl.dtype} elements, found ${typeToString(actual)}`, notes: [] };
  }
  const ell = decl.dims.findIndex((d) => d.kind === "DimEllipsis");
  const fixed = decl.dims.length - (ell >= 0 ? 1 : 0);
  const rank = actual.shape.length;
  if (ell < 0 ? rank !== fixed : rank < fixed) {
    return {
      code: "E0302",
      message: `expected ${shown()} (rank ${ell < 0 ? fixed : `≥ ${fixed}`}), found ${typeToString(actual)} (rank ${rank})`,
      notes: [],
    };
  }
  // Pair each declared dimension with an actual one.
  const pairs: [A.DimExpr, Dim][] = [];
  let captured: Dim[] = [];
  if (ell < 0) decl.dims.forEach((d, i) => pairs.push([d, actual.shape[i]!]));
  else {
    const tail = decl.dims.length - ell - 1;
    decl.dims.slice(0, ell).forEach((d, i) => pairs.push([d, actual.shape[i]!]));
    captured = actual.shape.slice(ell, rank - tail);
    decl.dims.slice(ell + 1).forEach((d, i) => pairs.push([d, actual.shape[rank - tail + i]!]));
    const prev = env.get("...");
    if (prev?.k === "list") {
      const prevDims = prev.items.map((x) => (x.k === "int" ? x.d : Dim.const(-1)));
      if (prevDims.length !== captured.length || prevDims.some((d, i) => !d.equals(captured[i]!))) {
        return { code: "E0301", message: `expected ${shown()}, found ${typeToString(actual)}`, notes: ["`...` must stand for the same dimensions everywhere in one signature"] };
      }
    } else env.set("...", { k: "list", items: captured.map((d) => intV(d)) });
  }
  // Bind plain names first, so that expressions like `2 * N` can use them.
  for (const [d, a] of pairs) {
    if (d.kind === "DimName" && !env.has(d.name)) {
      env.set(d.name, intV(a));
      if (from) {
        if (!origins.has(env)) origins.set(env, new Map());
        origins.get(env)!.set(d.name, from);
      }
    }
  }
  for (let i = 0; i < pairs.length; i++) {
    const [d, a] = pairs[i]!;
    const want = evalDim(d, env);
    if (!want) {
      return { code: "E0301", message: `cannot solve dimension \`${dimExprToString(d)}\` in ${shown()}`, notes: ["name each unknown dimension on its own somewhere in the inputs, e.g. f32[B, N]"] };
    }
    if (!want.equals(a)) {
      const notes: string[] = [];
      if (d.kind === "DimName") notes.push(`\`${d.name}\` is ${want} here`);
      else if (d.kind === "DimBin") notes.push(`\`${dimExprToString(d)}\` = ${want}`);
      const name = d.kind === "DimName" ? d.name : undefined;
      const o = name ? origins.get(env)?.get(name) : undefined;
      const related = o && o.span !== from?.span ? [{ span: o.span, message: `\`${name}\` = ${want} comes from ${o.what}` }] : undefined;
      return { code: "E0301", message: `expected ${shown()}, found ${typeToString(actual)}`, notes, ...(related ? { related } : {}) };
    }
  }
  return undefined;
}

/** Builds a concrete tensor type from a declared type (all names must be bound). */
export function typeFromDecl(decl: A.TypeExpr & { kind: "TensorType" }, env: Env): TensorType | string {
  if (!isDType(decl.dtype)) return `unknown element type \`${decl.dtype}\``;
  const shape: Dim[] = [];
  for (const d of decl.dims) {
    if (d.kind === "DimEllipsis") {
      const cap = env.get("...");
      if (cap?.k !== "list") return "`...` is not bound here";
      for (const x of cap.items) if (x.k === "int") shape.push(x.d);
      continue;
    }
    const v = evalDim(d, env);
    if (!v) return `dimension \`${dimExprToString(d)}\` is not known here`;
    shape.push(v);
  }
  return { dtype: decl.dtype, shape };
}

export type { V };
