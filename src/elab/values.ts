// Compile-time values of the elaborator: numbers, lists, tensors (IR values), callables.
import type * as A from "../parser/ast.js";
import { Dim } from "../ir/dim.js";
import type { Value } from "../ir/graph.js";
import { typeToString } from "../ir/types.js";

/** A loaded .nn file: its AST and its top-level scope. */
export interface Module {
  name: string;
  file: string;
  program: A.Program;
  scope: Env;
  isStdlib: boolean;
}

export interface DefRef { def: A.Definition; module: Module }

export type V =
  | { k: "int"; d: Dim }
  | { k: "float"; v: number }
  | { k: "bool"; v: boolean }
  | { k: "str"; v: string }
  | { k: "none" }
  | { k: "list"; items: V[] }
  | { k: "tensor"; val: Value }
  | { k: "def"; ref: DefRef; config?: Map<string, V> }
  | { k: "prim"; name: string }
  | { k: "primns" }
  | { k: "lambda"; params: A.ParamDecl[]; body: A.Block; env: Env; mod: Module }
  | { k: "error" };

export const ERR: V = { k: "error" };
export const intV = (n: number | Dim): V => ({ k: "int", d: typeof n === "number" ? Dim.const(n) : n });

/** A lexical scope. Names bind values; `...` binds the captured dimensions of a rank-polymorphic type. */
export class Env {
  private vars = new Map<string, V>();
  constructor(readonly parent?: Env) {}
  get(name: string): V | undefined {
    return this.vars.get(name) ?? this.parent?.get(name);
  }
  has(name: string): boolean {
    return this.vars.has(name) || !!this.parent?.has(name);
  }
  hasOwn(name: string): boolean {
    return this.vars.has(name);
  }
  set(name: string, v: V): void {
    this.vars.set(name, v);
  }
  names(): string[] {
    const s = new Set<string>(this.parent ? this.parent.names() : []);
    for (const k of this.vars.keys()) s.add(k);
    return [...s];
  }
}

/** How a value reads in a message. */
export function describe(v: V): string {
  switch (v.k) {
    case "int": return `int ${v.d}`;
    case "float": return `float ${v.v}`;
    case "bool": return `bool ${v.v}`;
    case "str": return `string "${v.v}"`;
    case "none": return "none";
    case "list": return `list of ${v.items.length}`;
    case "tensor": return typeToString(v.val.type);
    case "def": return `${v.ref.def.defKind} \`${v.ref.def.name.name}\``;
    case "prim": return `primitive \`prim.${v.name}\``;
    case "primns": return "the `prim` namespace";
    case "lambda": return "a lambda";
    case "error": return "<error>";
  }
}

/** Plain JSON form of a compile-time value (initializer/optimizer arguments, settings). */
export function toPlain(v: V): number | string | boolean | null | unknown[] {
  switch (v.k) {
    case "int": return v.d.value ?? v.d.toString();
    case "float": return v.v;
    case "bool": return v.v;
    case "str": return v.v;
    case "list": return v.items.map(toPlain);
    case "def": return v.ref.def.name.name;
    default: return null;
  }
}

export type Plain = number | string | boolean;

/** A scalar value in plain form (undefined for lists, tensors, callables without a name…). */
export function plainScalar(v: V | undefined): Plain | undefined {
  const p = v ? toPlain(v) : undefined;
  return typeof p === "number" || typeof p === "string" || typeof p === "boolean" ? p : undefined;
}

/** A configuration's scalar arguments: adam(lr = 0.01) → { lr: 0.01, beta_1: 0.9, … }. */
export function plainArgs(config: Iterable<[string, V]> | undefined): Record<string, Plain> {
  const args: Record<string, Plain> = {};
  for (const [k, x] of config ?? []) {
    const p = plainScalar(x);
    if (p !== undefined) args[k] = p;
  }
  return args;
}

export const isCallable = (v: V): boolean =>
  v.k === "lambda" || v.k === "prim" || (v.k === "def" && ["fn", "layer", "model"].includes(v.ref.def.defKind));

/** Levenshtein distance, for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
  const dp = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) dp[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      dp[i]![j] = Math.min(dp[i - 1]![j]! + 1, dp[i]![j - 1]! + 1, dp[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      // A swap of two neighbours costs one edit (Damerau).
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) dp[i]![j] = Math.min(dp[i]![j]!, dp[i - 2]![j - 2]! + 1);
    }
  }
  return dp[a.length]![b.length]!;
}

export function suggest(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined, bestD = Infinity;
  for (const c of candidates) {
    if (c.startsWith("<")) continue;
    const d = editDistance(name.toLowerCase(), c.toLowerCase());
    if (d < bestD) { best = c; bestD = d; }
  }
  if (best !== undefined && bestD <= Math.max(1, Math.floor(name.length / 3))) return best;
  // An abbreviation: `val_acc` → `val_accuracy`.
  const longer = [...candidates].filter((c) => name.length >= 3 && c.startsWith(name)).sort((x, y) => x.length - y.length);
  return longer[0];
}
