// Inlay hints: the shape after each pipeline stage (`|> dense(512, relu) ⟶ f32[B, 512]`), the type
// of each `let` without an annotation (`let h: f32[B, 64] = …`), and the parameters each layer call
// creates (`100,480 params`). Each kind can be switched off (settings.ts). Code elaborated several
// times (a layer used twice) shows each distinct result, separated by ` | `.
import { type InlayHint, InlayHintKind, type InlayHintParams } from "vscode-languageserver/node";
import type * as A from "../parser/ast.js";
import type { Analysis } from "./analysis.js";
import { walk } from "./ast-walk.js";
import { formatCount, paramCount, paramLines, tensorTypes } from "./describe.js";
import type { Feature } from "./server.js";
import type { NncSettings } from "./settings.js";

const ARROW = "⟶";

interface Hint { offset: number; order: number; hint: Omit<InlayHint, "position"> }

/** Hints whose position lies in [start, end] (offsets into the document). */
export function inlayHints(a: Analysis, start: number, end: number, settings: NncSettings["inlayHints"]): InlayHint[] {
  const program = a.program;
  if (!program) return [];
  const hints: Hint[] = [];
  if (settings.shapes) shapeHints(a, program, hints);
  if (settings.parameterCounts) countHints(a, hints);
  return hints
    .filter((h) => h.offset >= start && h.offset <= end)
    .sort((x, y) => x.offset - y.offset || x.order - y.order)
    .map((h) => ({ position: a.lines.positionAt(h.offset), ...h.hint }));
}

function shapeHints(a: Analysis, program: A.Program, out: Hint[]): void {
  // The last stage of a `let` value has its type on the name already.
  const letValues = new Set<A.Expr>();
  walk({ tag: "program", node: program }, (r) => {
    if (r.tag === "stmt" && r.node.kind === "Let") {
      const s = r.node;
      letValues.add(s.value);
      const types = tensorTypes(a.valuesAt(s.name.span));
      if (!s.type && types.length) {
        out.push({ offset: s.name.span.end, order: 0, hint: { label: `: ${types.join(" | ")}`, kind: InlayHintKind.Type } });
      }
    }
    if (r.tag === "expr" && r.node.kind === "Pipe" && !letValues.has(r.node)) {
      const types = tensorTypes(a.valuesAt(r.node.span));
      if (types.length) out.push({ offset: r.node.span.end, order: 1, hint: { label: `${ARROW} ${types.join(" | ")}`, kind: InlayHintKind.Type, paddingLeft: true } });
    }
  });
}

function countHints(a: Analysis, out: Hint[]): void {
  const bySite = new Map<number, { counts: number[]; tooltip: string[] }>();
  for (const c of a.callsIn()) {
    const n = paramCount(c.params);
    if (n === 0 || !c.def) continue;
    let site = bySite.get(c.span.end);
    if (!site) bySite.set(c.span.end, (site = { counts: [], tooltip: [] }));
    if (!site.counts.includes(n)) {
      site.counts.push(n);
      site.tooltip.push(`${c.def.name.name}: ${paramLines(c.params).join(", ")}`);
    }
  }
  for (const [offset, site] of bySite) {
    const label = `${site.counts.map(formatCount).join(" | ")} param${site.counts.length === 1 && site.counts[0] === 1 ? "" : "s"}`;
    out.push({ offset, order: 2, hint: { label, paddingLeft: true, tooltip: site.tooltip.join("\n") } });
  }
}

export const inlayHintFeature: Feature = {
  name: "inlay hints",
  capabilities: { inlayHintProvider: true },
  register(ctx) {
    ctx.connection.languages.inlayHint.on(ctx.guard("inlay hints", [] as InlayHint[], async (p: InlayHintParams) => {
      const settings = await ctx.settings.get();
      const at = ctx.at({ textDocument: p.textDocument, position: p.range.start });
      if (!at) return [];
      const lines = at.analysis.lines;
      return inlayHints(at.analysis, lines.offsetAt(p.range.start), lines.offsetAt(p.range.end), settings.inlayHints);
    }));
  },
};
