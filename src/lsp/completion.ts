// Completion, by position: layers and functions after `|>`, named arguments inside a call, keywords
// and snippets at the top level, statements in a body, a `train` block's settings and the losses,
// optimizers, metrics and callbacks each takes, dataset names and options, dimension names inside
// `f32[…]`, import paths. The position comes from the text before the cursor (completion-context.ts),
// so it works while the line being typed does not parse; names come from the document's analysis and
// from its last analysis that parsed.
import * as fs from "node:fs";
import * as path from "node:path";
import {
  type CompletionItem, CompletionItemKind, type CompletionList, type CompletionParams, CompletionTriggerKind, type TextEdit,
} from "vscode-languageserver/node";
import type * as A from "../parser/ast.js";
import { loadPrelude } from "../elab/modules.js";
import { PRIMS } from "../ir/prims.js";
import type { Analysis } from "./analysis.js";
import { type CallSite, completionContext, type CompletionContext, type Position } from "./completion-context.js";
import {
  definitionItem, definitionsInScope, definitionsOf, keywordItems, localItems, namedArgumentItems, primArgumentItems, primitiveItems,
  type ScopeDef, settingItems, snippet, SORT, typeItems,
} from "./completion-items.js";
import { uriToPath } from "./positions.js";
import type { Feature } from "./server.js";

const TOP_KEYWORDS = ["import", "model", "layer", "fn", "loss", "metric", "optimizer", "initializer", "regularizer", "callback", "schedule", "source", "transform", "dataset", "train"];
const STATEMENT_KEYWORDS = ["let", "param", "state", "if"];
const EXPRESSION_KEYWORDS = ["if", "fn", "not", "true", "false", "none"];

/** A `train` block's settings (the checker accepts exactly these, see train-check.ts). */
const TRAIN_SETTINGS = [
  { key: "loss", doc: "the loss to minimise: sparse_categorical_crossentropy(), mse, …" },
  { key: "optimizer", doc: "how weights are updated: adam(lr = 1e-3), sgd(momentum = 0.9), …" },
  { key: "epochs", doc: "passes over the training data" },
  { key: "batch", doc: "samples per step" },
  { key: "metrics", doc: "metrics logged each epoch: [accuracy, …]" },
  { key: "validation", doc: "a fraction of the training data held out, or a dataset name" },
  { key: "callbacks", doc: "callbacks: [early_stopping(patience = 3), …] (or bare calls in the block)" },
  { key: "schedule", doc: "a learning-rate schedule: cosine_decay(steps = 1000), …" },
  { key: "clip_norm", doc: "clip the gradients' global norm to this value" },
  { key: "clip_value", doc: "clip each gradient element to ± this value" },
  { key: "seed", doc: "seed of initial weights, shuffles and dropout" },
  { key: "shuffle", doc: "shuffle the training data each epoch (default true)" },
  { key: "data", doc: "the training data: a dataset name or a source" },
];

/** A dataset block's options (the checker's list). */
const DATASET_OPTIONS = [
  { key: "source", doc: "where samples come from: csv(\"file.csv\", label = \"y\"), mnist(), moons(), …" },
  { key: "features", doc: "the per-sample feature type, e.g. f32[4]", typed: true },
  { key: "labels", doc: "the per-sample label type, e.g. i32[]", typed: true },
  { key: "classes", doc: "how many classes the labels have" },
  { key: "preprocess", doc: "transforms fitted on the training split: [scale(1 / 255), standardize, min_max, one_hot]" },
  { key: "test_split", doc: "fraction held out for testing" },
  { key: "validation_split", doc: "fraction of the rest held out for validation" },
  { key: "shuffle", doc: "shuffle before splitting" },
  { key: "seed", doc: "seed of the shuffle and the splits" },
  { key: "limit", doc: "use only the first N samples" },
];

/** What each `train` setting's value can name. */
const TRAIN_VALUE_KINDS: Record<string, A.DefinitionKind[]> = {
  loss: ["loss"], optimizer: ["optimizer"], metrics: ["metric"], callbacks: ["callback"], schedule: ["schedule"], data: ["source"],
};

/** What a parameter of each declared type can be given. */
const TYPE_VALUE_KINDS: Record<string, A.DefinitionKind[]> = {
  fn: ["fn", "layer"], layer: ["layer", "fn"], initializer: ["initializer"], regularizer: ["regularizer"], loss: ["loss"],
  metric: ["metric"], optimizer: ["optimizer"], callback: ["callback"], schedule: ["schedule"], source: ["source"],
};

const BODY_KINDS: A.DefinitionKind[] = ["fn", "layer", "model", "loss", "metric"];

// Expanded as they stand (defaults kept) they make a program that checks: the test expands them.
const SNIPPETS = [
  snippet("model", "model definition", "model ${1:Model}(${2:x}: f32[B, ${3:784}]) -> f32[B, ${4:10}] {\n  ${2:x} |> dense(${4:10})$0\n}"),
  snippet("layer", "layer definition", "layer ${1:block}(${2:units}: int)(${3:x}: f32[..., N]) -> f32[..., ${2:units}] {\n  ${3:x} |> dense(${2:units})$0\n}"),
  snippet("train", "train block", "train ${1:Model} on ${2:data} {\n  loss      = ${3:sparse_categorical_crossentropy()}\n  optimizer = ${4:adam(lr = 1e-3)}\n  epochs    = ${5:10}\n  metrics   = [${6:accuracy}]$0\n}"),
  snippet("dataset", "dataset block", "dataset ${1:data} {\n  source   = ${2:csv(\"${3:data.csv}\", label = \"${4:label}\")}\n  features : f32[${5:784}]\n  classes  = ${6:10}$0\n}"),
];

/** What may follow each trigger character; a trigger elsewhere (`x / 2`) offers nothing. */
const TRIGGERED: Record<string, Position["kind"][]> = {
  ".": ["member", "import-module"], "(": ["call"], ",": ["call", "train-value", "dataset-value", "dims", "import-names"],
  "[": ["dims", "train-value", "dataset-value"], "=": ["argument-value", "train-value", "dataset-value", "dataset-source"],
  ":": ["type"], ">": ["pipe", "type"], "\"": ["import-file"], "/": ["import-file"], "{": ["import-names"],
};

export interface CompletionInput {
  analysis: Analysis | undefined;
  lastGood?: Analysis;
  text: string;
  offset: number;
  /** The document's absolute path (import paths are relative to it); undefined for untitled documents. */
  path?: string;
  trigger?: string;
}

/** The completion items at `offset`. */
export function completionAt(input: CompletionInput): CompletionItem[] {
  const ctx = completionContext(input.text, input.offset);
  if (input.trigger && !TRIGGERED[input.trigger]?.includes(ctx.position.kind)) return [];
  return new Completer(input, ctx).items();
}

class Completer {
  private defs: Map<string, ScopeDef>;
  private a: Analysis | undefined;

  constructor(private input: CompletionInput, private ctx: CompletionContext) {
    this.a = input.analysis;
    this.defs = definitionsInScope(input.analysis, input.lastGood);
  }

  items(): CompletionItem[] {
    const p = this.ctx.position;
    switch (p.kind) {
      case "none": return [];
      case "top-level": return [...keywordItems(TOP_KEYWORDS), ...SNIPPETS];
      case "import-module": return this.modules(p.path);
      case "import-names": return this.importNames(p.module, p.isFile, p.given);
      case "import-file": return this.files(p.typed, p.start);
      case "type": return typeItems(p.dtypesOnly);
      case "dims": return localItems(this.a, this.ctx.locals.filter((l) => l.kind === "dimension" || l.isInt), ["dimension", "parameter"]);
      case "pipe": return [...this.locals(), ...definitionsOf(this.defs, ["layer", "fn", "model"])];
      case "member": return primitiveItems();
      case "call": return [...this.namedArguments(p.call), ...this.expressions()];
      case "argument-value": return this.argumentValues(p.call.callee, p.call.applied, p.name);
      case "statement": return [...keywordItems(STATEMENT_KEYWORDS), ...this.expressions()];
      case "expression": return this.expressions();
      case "after-block": return keywordItems(["else"]);
      case "train-model": return definitionsOf(this.defs, ["model"]);
      case "train-on": return keywordItems(["on"]);
      case "train-data": return [...this.datasets(), ...definitionsOf(this.defs, ["source"])];
      case "train-setting": return [...settingItems(TRAIN_SETTINGS, p.given), ...definitionsOf(this.defs, ["callback"])];
      case "train-value": return this.trainValue(p.key);
      case "dataset-option": return settingItems(DATASET_OPTIONS, p.given);
      case "dataset-value": return this.datasetValue(p.key);
      case "dataset-source": return definitionsOf(this.defs, ["source"]);
    }
  }

  private locals(): CompletionItem[] {
    return localItems(this.a, this.ctx.locals, ["parameter", "let", "param", "state", "dimension"]);
  }

  /** What an expression in a body can start with. */
  private expressions(): CompletionItem[] {
    // Outside definitions (a callback's or a source's arguments) values are literals: nothing to name.
    if (this.ctx.item !== "definition") return [];
    const prim: CompletionItem = { label: "prim", kind: CompletionItemKind.Module, detail: "the compiler's primitive operations", sortText: SORT.stdlib + "prim" };
    return [...this.locals(), ...definitionsOf(this.defs, BODY_KINDS), prim, ...keywordItems(EXPRESSION_KEYWORDS)];
  }

  private bools(): CompletionItem[] {
    return keywordItems(["true", "false"]);
  }

  private namedArguments(call: CallSite): CompletionItem[] {
    // Positional arguments come first: they fill the first parameters.
    const positional = call.index - call.named.length;
    if (call.callee.startsWith("prim.")) return primArgumentItems(call.callee.slice(5), new Set(call.named), positional);
    // A local that shadows a definition (`activation(x)` in dense's body) has no named arguments we know.
    if (this.ctx.locals.some((l) => l.name === call.callee)) return [];
    const d = this.defs.get(call.callee);
    if (!d) return [];
    // `x |> f(‸` with a one-list f: the piped value is its first input.
    const piped = call.piped && !call.applied && !d.def.config ? 1 : 0;
    return namedArgumentItems(d, call.applied, new Set(call.named), positional + piped);
  }

  /** After `name = ` in a call: values of the parameter's declared type. */
  private argumentValues(callee: string, applied: boolean, name: string): CompletionItem[] {
    let type: string | undefined;
    if (callee.startsWith("prim.")) {
      const kind = PRIMS.get(callee.slice(5))?.params.find((x) => x.name === name)?.kind;
      type = kind === "fn" || kind === "bool" ? kind : undefined;
    } else {
      const d = this.ctx.locals.some((l) => l.name === callee) ? undefined : this.defs.get(callee);
      const p = d && (applied ? d.def.inputs : d.def.config ?? d.def.inputs)?.find((x) => x.name.name === name);
      type = p?.type?.kind === "NamedType" ? p.type.name : undefined;
    }
    if (type === "bool") return this.bools();
    if (type === "string") return [];
    const kinds = type ? TYPE_VALUE_KINDS[type] : undefined;
    if (kinds) return [...definitionsOf(this.defs, kinds), ...keywordItems(["none"])];
    return this.expressions();
  }

  private trainValue(key: string): CompletionItem[] {
    if (key === "validation") return this.datasets();
    if (key === "shuffle") return this.bools();
    if (key === "data") return [...this.datasets(), ...definitionsOf(this.defs, ["source"])];
    const kinds = TRAIN_VALUE_KINDS[key];
    return kinds ? definitionsOf(this.defs, kinds) : [];
  }

  private datasetValue(key: string): CompletionItem[] {
    if (key === "source") return definitionsOf(this.defs, ["source"]);
    if (key === "preprocess") return definitionsOf(this.defs, ["transform"]);
    if (key === "shuffle") return this.bools();
    return [];
  }

  /** Dataset names of the document (and of its last good analysis). */
  private datasets(): CompletionItem[] {
    const seen = new Set<string>();
    const out: CompletionItem[] = [];
    for (const a of [this.a, this.input.lastGood]) {
      for (const it of a?.program?.items ?? []) {
        if (it.kind !== "Dataset" || it.name.name === "<missing>" || seen.has(it.name.name)) continue;
        seen.add(it.name.name);
        const src = it.source ?? it.settings.find((s) => s.key.name === "source")?.value;
        const detail = src && a ? `dataset: ${a.text.slice(src.span.start, src.span.end)}` : "dataset";
        out.push({ label: it.name.name, kind: CompletionItemKind.Variable, detail, documentation: it.doc, sortText: SORT.local + it.name.name });
      }
    }
    return out;
  }

  /** `import ‸` → `std.layers`, …; `import std.‸` → `layers`, …. */
  private modules(typed: string): CompletionItem[] {
    const names = [...loadPrelude().modules.keys()];
    const items = (labels: string[]) => labels.map((label) => ({ label, kind: CompletionItemKind.Module, detail: `stdlib/${label.replace(/^std\./, "")}.nn` }));
    if (typed === "") return items(names);
    if (typed === "std.") return items(names.map((n) => n.slice(4))).map((i) => ({ ...i, detail: `stdlib/${i.label}.nn` }));
    return [];
  }

  private importNames(module: string, isFile: boolean, given: string[]): CompletionItem[] {
    let m: { program: A.Program; file: string; isStdlib: boolean } | undefined;
    if (isFile) {
      const target = this.input.path && path.resolve(path.dirname(this.input.path), module);
      m = this.a?.result.modules.find((x) => path.resolve(x.file) === target);
    } else m = loadPrelude().modules.get(module);
    if (!m) return [];
    const defs = m.program.items.filter((i): i is A.Definition => i.kind === "Definition" && !given.includes(i.name.name));
    return defs.map((def) => definitionItem({ name: def.name.name, def, module: m as ScopeDef["module"], origin: this.a }));
  }

  /** `import "./‸`: `.nn` files and folders next to the document, replacing what is typed inside the quotes. */
  private files(typed: string, start: number): CompletionItem[] {
    if (!this.input.path || /^\w+:/.test(typed)) return [];
    const slash = typed.lastIndexOf("/");
    const dirPart = slash >= 0 ? typed.slice(0, slash + 1) : "./";
    const dir = path.resolve(path.dirname(this.input.path), dirPart);
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return [];
    }
    const range = this.input.analysis?.lines.range(start, this.input.offset);
    const out: CompletionItem[] = [];
    for (const e of entries.sort((x, y) => x.name.localeCompare(y.name))) {
      const isDir = e.isDirectory() && !e.name.startsWith(".") && e.name !== "node_modules";
      const isNn = e.isFile() && e.name.endsWith(".nn") && path.join(dir, e.name) !== this.input.path;
      if (!isDir && !isNn) continue;
      const newText = `${dirPart.startsWith(".") ? dirPart : "./" + dirPart}${e.name}${isDir ? "/" : ""}`;
      const textEdit: TextEdit | undefined = range && { range, newText };
      out.push({ label: newText, kind: isDir ? CompletionItemKind.Folder : CompletionItemKind.File, textEdit, insertText: textEdit ? undefined : newText, filterText: newText });
    }
    return out;
  }
}

/** Syntax errors and unknown definition kinds (`laye x(…)`, mid-typing) drop definitions from a parse. */
const LOSSY = new Set(["E0001", "E0002", "E0102"]);
const parses = (a: Analysis) => !a.diagnostics.some((d) => LOSSY.has(d.code));

export const completionFeature: Feature = {
  name: "completion",
  capabilities: { completionProvider: { triggerCharacters: Object.keys(TRIGGERED), resolveProvider: false } },
  register(ctx) {
    // The last analysis of each document that parsed: names it had stay available while a line is broken.
    const lastGood = new Map<string, Analysis>();
    const remember = (uri: string) => {
      const a = ctx.workspace.lastAnalysis(uri);
      if (a && parses(a)) lastGood.set(uri, a);
    };
    ctx.documents.onDidChangeContent((e) => remember(e.document.uri));
    ctx.documents.onDidClose((e) => lastGood.delete(e.document.uri));
    ctx.connection.onCompletion(ctx.guard("completion", null, (p: CompletionParams): CompletionList | null => {
      const doc = ctx.documents.get(p.textDocument.uri);
      if (!doc) return null;
      const at = ctx.at(p);
      const text = at?.analysis.text ?? doc.getText();
      const offset = at?.offset ?? doc.offsetAt(p.position);
      const trigger = p.context?.triggerKind === CompletionTriggerKind.TriggerCharacter ? p.context.triggerCharacter : undefined;
      const good = lastGood.get(doc.uri);
      const items = completionAt({
        analysis: at?.analysis, lastGood: good && good !== at?.analysis ? good : undefined, text, offset, trigger,
        path: doc.uri.startsWith("file:") ? uriToPath(doc.uri) : undefined,
      });
      return { isIncomplete: false, items };
    }));
  },
};
