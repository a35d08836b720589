// Hover: the type and shape of any expression or name; on a layer or function (at a call, in a
// pipeline, or where it is defined) its signature, `///` documentation, and at a call the input and
// output shapes, the parameters it creates and their count; on a dimension name what it is bound to.
import type { Hover, HoverParams, MarkupContent } from "vscode-languageserver/node";
import type * as A from "../parser/ast.js";
import type { Span } from "../diag/diagnostic.js";
import type { CallRecord } from "../elab/recorder.js";
import type { V } from "../elab/values.js";
import { typeExprToString } from "../elab/unify.js";
import { PRIMS } from "../ir/prims.js";
import { typeToString } from "../ir/types.js";
import type { Analysis } from "./analysis.js";
import type { NodeRef } from "./ast-walk.js";
import { bindingText, configText, describeValue, distinctDescriptions, formatCount, paramCount, paramLines, signatureText } from "./describe.js";
import type { Feature } from "./server.js";
import type { NnSymbol, Reference } from "./symbol-index.js";

const fence = (code: string) => "```nn\n" + code + "\n```";
const code = (s: string) => "`" + s.replace(/`/g, "'") + "`";

/** The hover text (markdown) and the range it is about, or undefined where there is nothing to say. */
export function hoverAt(a: Analysis, offset: number): { markdown: string; span: Span } | undefined {
  const nodes = a.nodeAt(offset);
  const ref = a.referenceAt(offset);
  if (ref) return { markdown: symbolHover(a, ref, nodes), span: ref.span };
  const inner = nodes[nodes.length - 1];
  // A primitive: `prim.reshape`.
  if (inner?.tag === "ident" && inner.role === "member-name") {
    const prim = PRIMS.get(inner.node.name);
    if (prim) return { markdown: primHover(prim.name, prim.doc, prim.params), span: inner.node.span };
  }
  const t = a.typeAt(offset);
  if (!t || isLiteral(t.node)) return undefined;
  const values = distinctDescriptions(t.values);
  if (!values.length) return undefined;
  return { markdown: valuesBlock(values), span: t.span };
}

const isLiteral = (n: NodeRef) => n.tag === "expr" && ["Num", "Str", "Bool", "NoneLit"].includes(n.node.kind);

function valuesBlock(values: string[]): string {
  if (values.length === 1) return fence(values[0]!);
  return `${fence(values.join("\n"))}\n\none per use of this code (${values.length} different)`;
}

function symbolHover(a: Analysis, ref: Reference, nodes: NodeRef[]): string {
  const s = ref.symbol;
  const inner = nodes[nodes.length - 1];
  switch (s.kind) {
    case "definition": return definitionHover(a, s, ref, nodes);
    case "dataset": return datasetHover(a, s);
    case "dimension": return dimensionHover(a, s, ref);
    case "file": return `${code(s.name)}: ${s.path}`;
    // `dense(4, activation = relu)`: the parameter as declared, not its value in every use of `dense`.
    default: return localHover(a, s, ref, inner?.tag === "ident" && inner.role === "argument-name");
  }
}

function definitionHover(a: Analysis, s: NnSymbol, ref: Reference, nodes: NodeRef[]): string {
  const d = s.decl as A.Definition;
  const head = [fence(signatureText(d, a.sourceOf(s.path)))];
  if (d.doc) head.push(d.doc);
  const parts = [head.join("\n\n")];
  const calls: { records: CallRecord[]; call?: CallExpr } = ref.isDeclaration ? { records: [] } : callsAround(a, nodes);
  const configured = calls.call ? a.valuesAt(calls.call.span).find((v) => v.k === "def" && v.config) : undefined;
  const summary = d.defKind === "model" ? a.result.summaries.find((x) => x.model === d.name.name && s.path === a.path) : undefined;
  if (calls.records.length) parts.push(callSection(calls.records, calls.call));
  // An optimizer, callback, source… is only configured: its settings as the checker bound them.
  else if (configured?.k === "def") parts.push(`**Settings:** ${code(configText(configured.config!))}`);
  else if (summary) parts.push(`**Parameters:** ${formatCount(summary.total)} (${formatCount(summary.trainable)} trainable)`);
  if (s.isStdlib) parts.push(`*${s.nameSpan.file}*`);
  return parts.join("\n\n---\n\n");
}

type CallExpr = A.Expr & { kind: "Call" };

/** The applications recorded at the call around a callee name: `dense(…)`, `|> dense(…)`, `|> flatten`, `dense(10)(x)`. */
function callsAround(a: Analysis, nodes: NodeRef[]): { records: CallRecord[]; call?: CallExpr } {
  let i = nodes.length - 1;
  if (nodes[i]?.tag !== "expr") return { records: [] };
  let span = nodes[i]!.node.span;
  let call: CallExpr | undefined;
  let records = a.callsAt(span);
  // Walk up through the calls this name is the callee of; the outermost with records wins.
  while (i > 0) {
    const parent = nodes[i - 1]!;
    if (parent.tag !== "expr" || parent.node.kind !== "Call" || parent.node.callee.span !== span) break;
    call = call ?? parent.node;
    span = parent.node.span;
    const more = a.callsAt(span);
    if (more.length) records = more;
    i--;
  }
  return { records, call };
}

function callSection(records: CallRecord[], call: CallExpr | undefined): string {
  const lines: string[] = [];
  const seen = new Set<string>();
  // A metric tries its alternatives (`accuracy`): the ones that did not fit are not this call.
  const fitting = records.filter((r) => r.output.k !== "error");
  for (const r of fitting.length ? fitting : records) {
    const ins = [...r.inputs].map(([k, v]) => `${k}: ${describeValue(v)}`).join(", ");
    const out = r.output.k === "error" ? "?" : describeValue(r.output);
    const written = r.config && call ? writtenConfig(r.config, call, r.def) : "";
    const n = paramCount(r.params);
    const text = [
      `**This call:** ${code(`${r.def?.name.name ?? "fn"}${written ? `(${written})` : ""}`)}: ${code(ins || "()")} ⟶ ${code(out)}`,
      n > 0 ? `**Parameters:** ${formatCount(n)} (${paramLines(r.params).map(code).join(", ")})` : "",
    ].filter(Boolean).join("  \n");
    if (!seen.has(text)) {
      seen.add(text);
      lines.push(text);
    }
  }
  return lines.join("\n\n");
}

/** The configuration values the call wrote (positional and named), not the defaults. */
function writtenConfig(config: Map<string, V>, call: CallExpr, def: A.Definition | undefined): string {
  const names = def?.config?.map((p) => p.name.name) ?? [];
  const given = new Set<string>();
  call.args.forEach((arg, i) => given.add(arg.name ? arg.name.name : names[i] ?? ""));
  return configText(new Map([...config].filter(([k]) => given.has(k))));
}

function datasetHover(a: Analysis, s: NnSymbol): string {
  const d = s.decl as A.DatasetDecl;
  const rec = a.facts.datasetOf(d);
  const parts = [fence(`dataset ${d.name.name}`)];
  if (d.doc) parts.push(d.doc);
  if (rec) {
    const rows = [
      rec.source ? `**Source:** ${code(`${rec.source}()`)}` : "",
      rec.features ? `**Features:** ${code(typeToString(rec.features))} per sample` : "",
      rec.labels ? `**Labels:** ${code(typeToString(rec.labels))} per sample` : "",
      rec.classes !== undefined ? `**Classes:** ${rec.classes}` : "",
    ].filter(Boolean);
    if (rows.length) parts.push(rows.join("  \n"));
  }
  return parts.join("\n\n---\n\n");
}

const dimText = (v: V): string =>
  v.k === "int" ? v.d.toString() : v.k === "list" ? `[${v.items.map((x) => (x.k === "int" ? x.d.toString() : "?")).join(", ")}]` : describeValue(v);

function dimensionHover(a: Analysis, s: NnSymbol, ref: Reference): string {
  const values = distinctDescriptions(a.valuesAt(ref.span).length ? a.valuesAt(ref.span) : a.valuesAt(s.nameSpan), dimText);
  // A model's input dimensions stay symbols: they are bound to numbers only when data is.
  const symbolic = values.length === 1 && values[0] === s.name;
  const head = values.length === 1 && !symbolic ? `${s.name} = ${values[0]}` : s.name;
  const parts = [fence(`(dimension) ${head}`)];
  const bound = a.sourceOf(s.path)?.slice(s.declSpan.start, s.declSpan.end);
  const owner = s.container ? ` of ${code(s.container.name)}` : "";
  parts.push(`dimension${owner}, bound by ${code(bound ?? s.name)}`);
  if (symbolic) parts.push("symbolic: its size is known only when data is bound (the batch size, a sequence length)");
  if (values.length > 1) parts.push(`one value per use: ${values.map(code).join(", ")}`);
  if (!values.length) parts.push("no value yet: this code was not elaborated (nothing uses it)");
  return parts.join("\n\n");
}

const LOCAL_WORDS: Record<string, string> = {
  parameter: "parameter", input: "input", let: "let", param: "param", state: "state", "lambda-parameter": "parameter",
};

function localHover(a: Analysis, s: NnSymbol, ref: Reference, declaredOnly: boolean): string {
  const decl = s.decl as A.ParamDecl | A.LetStmt | A.ParamStmt | undefined;
  const declared = decl?.type ? typeExprToString(decl.type) : undefined;
  const recorded = declaredOnly ? [] : a.valuesAt(ref.span).length ? a.valuesAt(ref.span) : a.valuesAt(s.nameSpan);
  const values = distinctDescriptions(recorded, (v) => bindingText(v, declared));
  const word = LOCAL_WORDS[s.kind] ?? s.kind;
  // Never elaborated (or a named argument): what the declaration says.
  const dflt = decl && "default" in decl && decl.default ? ` = ${a.sourceOf(s.path)?.slice(decl.default.span.start, decl.default.span.end) ?? "…"}` : "";
  const head = values.length === 1 ? values[0]! : declared ? `${declared}${dflt}` : "";
  const parts = [fence(`(${word}) ${s.name}${head ? `: ${head}` : ""}`)];
  if (values.length > 1) parts.push(valuesBlock(values));
  if (s.container) parts.push(`in ${code(s.container.name)}`);
  if (s.doc) parts.push(s.doc);
  return parts.join("\n\n");
}

function primHover(name: string, doc: string, params: { name: string; kind: string }[]): string {
  return [fence(`prim.${name}(${params.map((p) => `${p.name}: ${p.kind}`).join(", ")})`), doc].filter(Boolean).join("\n\n");
}

export const hoverFeature: Feature = {
  name: "hover",
  capabilities: { hoverProvider: true },
  register(ctx) {
    ctx.connection.onHover(ctx.guard("hover", null, (p: HoverParams): Hover | null => {
      const at = ctx.at(p);
      if (!at) return null;
      const h = hoverAt(at.analysis, at.offset);
      if (!h) return null;
      const contents: MarkupContent = { kind: "markdown", value: h.markdown };
      return { contents, range: at.analysis.lines.spanRange(h.span) };
    }));
  },
};
