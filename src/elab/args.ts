// Argument binding for calls: positional and named arguments, defaults, and type checks.
import type * as A from "../parser/ast.js";
import type { Span } from "../diag/diagnostic.js";
import { matchTensorType, typeExprToString } from "./unify.js";
import { recordTypeDims } from "./recorder.js";
import type { Elaborator } from "./elaborate.js";
import { describe, Env, ERR, isCallable, type Module, suggest, type V } from "./values.js";

export interface ArgIn { name?: A.Ident; value: V; span: Span }

/**
 * Binds `args` to `params`, evaluating defaults in `env` (earlier parameters are visible to later
 * defaults) and checking every value against its declared type. Returns undefined after reporting.
 */
export function bindArgs(el: Elaborator, params: A.ParamDecl[], args: ArgIn[], env: Env, mod: Module | undefined,
  span: Span, callee: string, inputs = false): Map<string, V> | undefined {
  const given = new Map<string, ArgIn>();
  let ok = true;
  let pos = 0;
  for (const a of args) {
    if (a.name) {
      const p = params.find((x) => x.name.name === a.name!.name);
      if (!p) {
        const s = suggest(a.name.name, params.map((x) => x.name.name));
        el.bag.error("E0211", a.name.span, `\`${callee}\` has no parameter \`${a.name.name}\``, {
          notes: [`its parameters: ${params.map((x) => x.name.name).join(", ") || "none"}`],
          fix: s ? { message: `did you mean \`${s}\`?`, span: a.name.span, replacement: s } : undefined,
        });
        ok = false;
        continue;
      }
      if (given.has(p.name.name)) {
        el.bag.error("E0213", a.name.span, `argument \`${p.name.name}\` of \`${callee}\` is given twice`);
        ok = false;
        continue;
      }
      given.set(p.name.name, a);
    } else {
      while (pos < params.length && given.has(params[pos]!.name.name)) pos++;
      const p = params[pos++];
      if (!p) {
        el.bag.error("E0210", a.span, `\`${callee}\` takes ${params.length} argument${params.length === 1 ? "" : "s"} (${params.map((x) => x.name.name).join(", ")}), but more were given`, {
          notes: inputs ? ["a layer's configuration goes in its first list: `dense(10)(x)` or `x |> dense(10)`"] : undefined,
        });
        ok = false;
        continue;
      }
      given.set(p.name.name, a);
    }
  }
  if (!ok) return undefined;
  const out = new Map<string, V>();
  for (const p of params) {
    const a = given.get(p.name.name);
    let v: V;
    let at = a?.span ?? span;
    if (a) v = a.value;
    else if (p.default) {
      v = el.evalExpr(p.default, env, mod ?? dummyModule(env));
      at = span;
    } else {
      el.bag.error("E0212", span, `\`${callee}\` is missing argument \`${p.name.name}\`${p.type ? `: ${typeExprToString(p.type)}` : ""}`, {
        related: p.span.file !== span.file || p.span.start !== span.start ? [{ span: p.span, message: "parameter declared here" }] : undefined,
      });
      ok = false;
      continue;
    }
    if (v.k === "error") { ok = false; continue; }
    if (p.type) {
      if (p.type.kind === "TensorType") {
        if (v.k !== "tensor") {
          el.bag.error("E0214", at, `argument \`${p.name.name}\` of \`${callee}\` must be a tensor ${typeExprToString(p.type)}, found ${describe(v)}`);
          ok = false;
          continue;
        }
        const m = matchTensorType(p.type, v.val.type, env, { span: at, what: `argument \`${p.name.name}\`` });
        if (m) {
          const declared = p.span.file !== at.file ? [{ span: p.type.span, message: `\`${callee}\` declares ${p.name.name}: ${typeExprToString(p.type)}` }] : [];
          const related = [...(m.related ?? []), ...declared];
          el.bag.error(m.code, at, `argument \`${p.name.name}\` of \`${callee}\`: ${m.message}`, {
            notes: m.notes, fix: shapeFix(callee, p.type, v), related: related.length ? related : undefined,
          });
          ok = false;
          continue;
        }
      } else {
        v = checkConfigType(el, p.type, v, at, `argument \`${p.name.name}\` of \`${callee}\``);
        if (v.k === "error") { ok = false; continue; }
      }
    }
    env.set(p.name.name, v);
    out.set(p.name.name, v);
    // Facts for tools; primitives (no module) have no parameter declarations in the source.
    if (mod && el.recorder) {
      el.recorder.value(p.name.span, v);
      recordTypeDims(el.recorder, p.type, env);
    }
  }
  return ok ? out : undefined;
}

function shapeFix(callee: string, t: A.TypeExpr & { kind: "TensorType" }, v: V): { message: string } | undefined {
  if (v.k !== "tensor") return undefined;
  const rank = v.val.type.shape.length;
  const want = t.dims.filter((d) => d.kind !== "DimEllipsis").length;
  if (rank > want && !t.dims.some((d) => d.kind === "DimEllipsis")) return { message: `insert \`flatten\` before \`${callee}\`` };
  if (rank < want && (callee === "conv2d" || callee.includes("pool"))) return { message: `reshape the input to [B, H, W, C] before \`${callee}\`, e.g. \`reshape((28, 28, 1))\`` };
  return undefined;
}

const KIND_TYPES: Record<string, string[]> = {
  init: ["initializer"], initializer: ["initializer"], regularizer: ["regularizer"], loss: ["loss"], metric: ["metric"],
  optimizer: ["optimizer"], callback: ["callback"], schedule: ["schedule"], source: ["source"],
};

/** Checks a compile-time value against a named or list type, with int → float widening. */
export function checkConfigType(el: Elaborator, t: A.TypeExpr, v: V, span: Span, what: string): V {
  const bad = (): V => {
    el.bag.error("E0214", span, `${what} must be ${typeExprToString(t)}, found ${describe(v)}`, {
      fix: t.kind === "ListType" && v.k === "int" ? { message: `write a list, e.g. (${v.d}, ${v.d})` } : undefined,
    });
    return ERR;
  };
  if (v.k === "error") return v;
  if (v.k === "none" && t.kind === "ListType") return v;
  if (t.kind === "ListType") {
    if (v.k !== "list") return bad();
    const items = v.items.map((x) => checkConfigType(el, t.element, x, span, `an element of ${what}`));
    return items.some((x) => x.k === "error") ? ERR : { k: "list", items };
  }
  if (t.kind === "TensorType") return v.k === "tensor" ? v : bad();
  // `none` stands for "absent" for every non-tensor parameter type.
  if (v.k === "none" && t.name !== "tensor" && t.name !== "tensors") return v;
  switch (t.name) {
    case "any": return v;
    case "int": return v.k === "int" ? v : bad();
    case "float": return v.k === "float" ? v : v.k === "int" && v.d.value !== undefined ? { k: "float", v: v.d.value } : bad();
    case "bool": return v.k === "bool" ? v : bad();
    case "string": return v.k === "str" ? v : bad();
    case "tensor": return v.k === "tensor" ? v : bad();
    case "tensors": return v.k === "list" && v.items.every((x) => x.k === "tensor") ? v : bad();
    case "dims": return v.k === "list" && v.items.every((x) => x.k === "int") ? v : bad();
    case "fn": case "layer": case "model":
      return isCallable(v) || (v.k === "def" && !!v.ref.def.inputs) ? v : bad();
  }
  const kinds = KIND_TYPES[t.name];
  if (kinds) return v.k === "def" && kinds.includes(v.ref.def.defKind) ? v : bad();
  el.bag.error("E0214", t.span, `unknown type \`${t.name}\``, {
    notes: ["types: int, float, bool, string, fn, layer, initializer, regularizer, [T], and tensors like f32[B, N]"],
  });
  return ERR;
}

function dummyModule(env: Env): Module {
  return { name: "<prim>", file: "<prim>", program: { kind: "Program", file: "<prim>", items: [], span: { file: "<prim>", start: 0, end: 0, line: 1, col: 1, endLine: 1, endCol: 1 } }, scope: env, isStdlib: true };
}
