// What completion offers: the definitions in scope (from the document's analysis, and from the last
// analysis that parsed when the current text has lost some), each with its signature and `///` doc,
// named arguments of a callee, locals, keywords and types. completion.ts picks among them by position.
import { CompletionItemKind, type CompletionItem, InsertTextFormat, type MarkupContent } from "vscode-languageserver/node";
import type * as A from "../parser/ast.js";
import { loadPrelude } from "../elab/modules.js";
import type { Module } from "../elab/values.js";
import { PRIMS } from "../ir/prims.js";
import type { Analysis } from "./analysis.js";
import type { LocalName } from "./completion-context.js";
import { bindingText, distinctDescriptions, signatureText } from "./describe.js";
import { spanFilePath } from "./positions.js";

export interface ScopeDef {
  name: string;
  def: A.Definition;
  module: Module;
  /** The analysis whose text the definition's spans point into. */
  origin?: Analysis;
}

/** Sort groups: what the position asks for first, keywords last. */
export const SORT = { argument: "0", local: "1", user: "2", stdlib: "3", keyword: "4" } as const;

const KIND_OF: Record<A.DefinitionKind, CompletionItemKind> = {
  layer: CompletionItemKind.Class, model: CompletionItemKind.Module, fn: CompletionItemKind.Function,
  loss: CompletionItemKind.Function, metric: CompletionItemKind.Function, transform: CompletionItemKind.Function,
  optimizer: CompletionItemKind.Constructor, initializer: CompletionItemKind.Constructor, regularizer: CompletionItemKind.Constructor,
  callback: CompletionItemKind.Constructor, schedule: CompletionItemKind.Constructor, source: CompletionItemKind.Constructor,
};

/** Every definition the document can name: its own, its imports', the stdlib's; then those of the last good analysis it lost. */
export function definitionsInScope(a: Analysis | undefined, lastGood: Analysis | undefined): Map<string, ScopeDef> {
  const out = new Map<string, ScopeDef>();
  for (const source of [a, lastGood]) {
    const scope = source?.result.module?.scope ?? loadPrelude().env;
    for (const name of scope.names()) {
      const v = scope.get(name);
      if (v?.k === "def" && !out.has(name) && v.ref.def.name.name !== "<missing>") out.set(name, { name, def: v.ref.def, module: v.ref.module, origin: source });
    }
  }
  return out;
}

/** The text of the file a definition is in (stdlib files from the prelude, user files from the analysis). */
export function sourceOfDef(d: ScopeDef): string | undefined {
  return loadPrelude().sources.get(d.module.file) ?? d.origin?.sourceOf(spanFilePath(d.module.file));
}

const fence = (code: string) => "```nn\n" + code + "\n```";
const oneLine = (s: string) => s.replace(/\s+/g, " ").replace(/\( /g, "(").trim();

/** A definition as a completion item: its header as detail, header and doc as documentation. */
export function definitionItem(d: ScopeDef): CompletionItem {
  const header = signatureText(d.def, sourceOfDef(d));
  const doc: MarkupContent = { kind: "markdown", value: [fence(header), d.def.doc ?? ""].filter(Boolean).join("\n\n") };
  return {
    label: d.name, kind: KIND_OF[d.def.defKind], detail: oneLine(header), documentation: doc,
    sortText: (d.module.isStdlib ? SORT.stdlib : SORT.user) + d.name,
  };
}

/** The definitions of some kinds, as items. */
export function definitionsOf(defs: Map<string, ScopeDef>, kinds: readonly A.DefinitionKind[]): CompletionItem[] {
  return [...defs.values()].filter((d) => kinds.includes(d.def.defKind)).map((d) => definitionItem(d));
}

/** The parameter list a call's arguments bind: the configuration, or the inputs of a one-list definition or an applied layer. */
export function boundList(def: A.Definition, applied: boolean): A.ParamDecl[] {
  if (applied) return def.inputs ?? [];
  return def.config ?? def.inputs ?? [];
}

/** A parameter as written (`activation: fn = linear`), whitespace collapsed. */
export function parameterText(p: A.ParamDecl, source: string | undefined): string {
  const text = source?.slice(p.span.start, p.span.end);
  return text ? oneLine(text) : p.name.name;
}

/** `units = ` for each parameter not given yet: by name, or by position (the first `positional` ones). */
export function namedArgumentItems(d: ScopeDef, applied: boolean, given: Set<string>, positional: number): CompletionItem[] {
  const source = sourceOfDef(d);
  const open = boundList(d.def, applied).slice(Math.max(0, positional));
  return open.filter((p) => !given.has(p.name.name) && p.name.name !== "<missing>").map((p) => {
    const text = parameterText(p, source);
    const dflt = p.default && source ? oneLine(source.slice(p.default.span.start, p.default.span.end)) : undefined;
    const value = [fence(`${d.def.defKind} ${d.name}(… ${text} …)`), dflt ? `default: \`${dflt}\`` : "required", d.def.doc ?? ""];
    return {
      label: `${p.name.name} =`, kind: CompletionItemKind.Property, detail: text, insertText: `${p.name.name} = `, filterText: p.name.name,
      documentation: { kind: "markdown", value: value.filter(Boolean).join("\n\n") }, sortText: SORT.argument + String(boundList(d.def, applied).indexOf(p)).padStart(3, "0"),
    } satisfies CompletionItem;
  });
}

/** Named arguments of a primitive (`prim.sum(x, axes = ‸`). */
export function primArgumentItems(name: string, given: Set<string>, positional: number): CompletionItem[] {
  const prim = PRIMS.get(name);
  if (!prim) return [];
  const open = prim.params.slice(Math.max(0, positional));
  return open.filter((p) => p.kind !== "tensor" && p.kind !== "tensors" && !given.has(p.name)).map((p, i) => ({
    label: `${p.name} =`, kind: CompletionItemKind.Property, detail: `${p.name}: ${p.kind}`, insertText: `${p.name} = `, filterText: p.name,
    documentation: { kind: "markdown", value: prim.doc }, sortText: SORT.argument + String(i).padStart(3, "0"),
  }));
}

/** The primitives after `prim.`. */
export function primitiveItems(): CompletionItem[] {
  return [...PRIMS.values()].map((p) => ({
    label: p.name, kind: CompletionItemKind.Function, detail: `prim.${p.name}(${p.params.map((x) => `${x.name}: ${x.kind}`).join(", ")})`,
    documentation: { kind: "markdown", value: p.doc },
  }));
}

const LOCAL_KIND: Record<LocalName["kind"], CompletionItemKind> = {
  parameter: CompletionItemKind.Variable, let: CompletionItemKind.Variable, param: CompletionItemKind.Field,
  state: CompletionItemKind.Field, dimension: CompletionItemKind.TypeParameter,
};

/** Names declared in the current definition, with what the analysis knows of their values. */
export function localItems(a: Analysis | undefined, locals: LocalName[], kinds: readonly LocalName["kind"][]): CompletionItem[] {
  const seen = new Set<string>();
  const out: CompletionItem[] = [];
  for (const l of locals) {
    if (!kinds.includes(l.kind) || seen.has(l.name)) continue;
    seen.add(l.name);
    out.push({ label: l.name, kind: LOCAL_KIND[l.kind], detail: localDetail(a, l), sortText: SORT.local + l.name });
  }
  return out;
}

function localDetail(a: Analysis | undefined, l: LocalName): string {
  const word = l.kind === "dimension" ? "dimension" : l.kind === "parameter" ? (l.isInt ? "int parameter" : "parameter") : l.kind;
  // The analysis of the same text knows the name's values when the name is where the tokens say.
  const ref = a?.referenceAt(l.offset);
  if (!a || !ref || ref.span.start !== l.offset || ref.symbol.name !== l.name) return word;
  const recorded = a.valuesAt(ref.symbol.nameSpan);
  if (l.kind === "dimension") {
    // A model's input dimensions stay symbols; a layer's are bound to a number per use.
    const sizes = distinctDescriptions(recorded, (v) => (v.k === "int" ? v.d.toString() : "?"));
    if (sizes.length !== 1) return word;
    return sizes[0] === l.name ? "dimension (symbolic)" : `dimension = ${sizes[0]}`;
  }
  const values = distinctDescriptions(recorded, (v) => bindingText(v));
  return values.length === 1 ? `${word}: ${values[0]}` : word;
}

export function keywordItems(words: readonly string[]): CompletionItem[] {
  return words.map((w) => ({ label: w, kind: CompletionItemKind.Keyword, sortText: SORT.keyword + w }));
}

/** Items that insert `key = ` (settings of `train` and `dataset` blocks) or `key : ` (per-sample types). */
export function settingItems(settings: readonly { key: string; doc: string; typed?: boolean }[], given: string[]): CompletionItem[] {
  return settings.filter((s) => !given.includes(s.key)).map((s, i) => ({
    label: s.key, kind: CompletionItemKind.Property, insertText: s.typed ? `${s.key}: ` : `${s.key} = `, detail: s.doc,
    sortText: SORT.argument + String(i).padStart(3, "0"),
  }));
}

export const DTYPE_NAMES = ["f32", "f16", "f64", "i32", "i64", "bool"] as const;
export const TYPE_NAMES = [
  "int", "float", "bool", "string", "fn", "layer", "initializer", "regularizer", "loss", "metric", "optimizer", "callback", "schedule", "source", "tensors", "any",
] as const;

/** Tensor dtypes (`f32[`) and, unless only per-sample types fit, the compile-time types. */
export function typeItems(dtypesOnly: boolean): CompletionItem[] {
  const dtypes = DTYPE_NAMES.map((t, i) => ({ label: t, kind: CompletionItemKind.TypeParameter, detail: "tensor dtype", sortText: `0${i}` }));
  if (dtypesOnly) return dtypes;
  const named = TYPE_NAMES.filter((t) => t !== "bool").map((t) => ({ label: t, kind: CompletionItemKind.Keyword, detail: "type", sortText: `1${t}` }));
  return [...dtypes, ...named];
}

export function snippet(label: string, detail: string, body: string): CompletionItem {
  return { label, kind: CompletionItemKind.Snippet, detail, insertText: body, insertTextFormat: InsertTextFormat.Snippet, sortText: SORT.keyword + label + "~" };
}
