// An optional hook through which tools (the language server) learn what the elaborator computed:
// the value of every expression and binding, what each dimension name was bound to, and the
// parameters each call created. Checking never reads it back, so diagnostics do not depend on it.
import type * as A from "../parser/ast.js";
import type { Span } from "../diag/diagnostic.js";
import type { Graph, ParamInfo } from "../ir/graph.js";
import type { TensorType } from "../ir/types.js";
import type { Env, V } from "./values.js";

/** One application of a layer, model, fn, loss or metric (or a lambda) at a call site. */
export interface CallRecord {
  /** The call expression, or the pipeline stage the input flowed into. */
  span: Span;
  /** The definition applied (undefined for a lambda). */
  def?: A.Definition;
  /** Its configuration, as bound for this call. */
  config?: Map<string, V>;
  /** The bound inputs. */
  inputs: Map<string, V>;
  /** The result, or ERR when the call failed. */
  output: V;
  /** Parameters created by this call, including those of the layers it called. */
  params: ParamInfo[];
}

/** What a dataset block yields, as the checker worked it out. */
export interface DatasetRecord {
  decl: A.DatasetDecl;
  source?: string;
  features?: TensorType;
  labels?: TensorType;
  classes?: number;
}

export interface ElabRecorder {
  /** The expression, binding name or dimension name at `span` evaluated to `v`. */
  value(span: Span, v: V): void;
  call(c: CallRecord): void;
  dataset(d: DatasetRecord): void;
}

let active: ElabRecorder | undefined;

/** Runs `f` with `r` receiving facts from every elaborator created meanwhile (checks are synchronous). */
export function withRecorder<T>(r: ElabRecorder | undefined, f: () => T): T {
  const saved = active;
  active = r;
  try {
    return f();
  } finally {
    active = saved;
  }
}

export const activeRecorder = (): ElabRecorder | undefined => active;

/** Records what each dimension name (and `...`) in a declared tensor type stands for in `env`. */
export function recordTypeDims(r: ElabRecorder | undefined, t: A.TypeExpr | undefined, env: Env): void {
  if (!r || !t) return;
  if (t.kind === "ListType") return recordTypeDims(r, t.element, env);
  if (t.kind !== "TensorType") return;
  const visit = (d: A.DimExpr): void => {
    if (d.kind === "DimBin") {
      visit(d.left);
      visit(d.right);
    } else if (d.kind === "DimName" || d.kind === "DimEllipsis") {
      const v = env.get(d.kind === "DimName" ? d.name : "...");
      if (v) r.value(d.span, v);
    }
  };
  t.dims.forEach(visit);
}

/** A name bound to `v` (a `let`, a `param`), and the dimension names its declared type binds. */
export function recordBinding(r: ElabRecorder | undefined, name: Span, v: V, t: A.TypeExpr | undefined, env: Env): void {
  if (!r) return;
  r.value(name, v);
  recordTypeDims(r, t, env);
}

/** Runs one application (`run`) and records it: its result and the parameters it added to `root`. */
export function recordCall(r: ElabRecorder, root: Graph, f: V & ({ k: "def" } | { k: "lambda" }), inputs: Map<string, V>, env: Env, span: Span, run: () => V): V {
  const before = root.params.length;
  const output = run();
  const def = f.k === "def" ? f.ref.def : undefined;
  recordTypeDims(r, def?.returnType, env);
  r.call({ span, def, config: f.k === "def" ? f.config : undefined, inputs, output, params: root.params.slice(before) });
  return output;
}
