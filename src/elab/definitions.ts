// Checks on definitions that do not need elaboration: parameter types, bodies, alias targets.
import type * as A from "../parser/ast.js";
import type { DiagnosticBag } from "../diag/diagnostic.js";
import type { Module } from "./values.js";
import { suggest } from "./values.js";

const TENSOR_KINDS = new Set(["fn", "layer", "model", "loss", "metric"]);

export function checkDefinitionShapes(mod: Module, bag: DiagnosticBag): void {
  for (const item of mod.program.items) {
    if (item.kind !== "Definition") continue;
    for (const p of [...(item.config ?? []), ...(item.inputs ?? [])]) {
      if (!p.type) {
        bag.error("E0105", p.name.span, `parameter \`${p.name.name}\` of \`${item.name.name}\` needs a type`, {
          fix: { message: `write \`${p.name.name}: f32[B, N]\` for a tensor or \`${p.name.name}: int\` for a number` },
        });
      }
    }
    if (!item.body && !item.alternatives && TENSOR_KINDS.has(item.defKind) && !mod.isStdlib && item.name.name !== "<missing>") {
      bag.error("E0106", item.name.span, `${item.defKind} \`${item.name.name}\` has no body`, {
        fix: { message: "add a body in braces: `{ x |> dense(10) }`" },
      });
    }
    for (const alt of item.alternatives ?? []) {
      const v = mod.scope.get(alt.name);
      if (!v) {
        const s = suggest(alt.name, mod.scope.names());
        bag.error("E0201", alt.span, `unknown name \`${alt.name}\``, { fix: s ? { message: `did you mean \`${s}\`?`, span: alt.span, replacement: s } : undefined });
      } else if (v.k !== "def" || v.ref.def.defKind !== item.defKind) {
        bag.error("E0214", alt.span, `\`${alt.name}\` is not a ${item.defKind}`);
      }
    }
  }
}

export type { A };
