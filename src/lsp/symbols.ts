// Document symbols (the outline) and workspace symbols. The outline lists imports' files, definitions
// with their kind (`layer`, `model`, …) and signature, their parameters, lets and params as children,
// datasets with their settings, and train blocks with their settings and callbacks. Workspace symbols
// match a query against the definitions and datasets of the open documents, the files they import
// and the stdlib.
import {
  type DocumentSymbol, type DocumentSymbolParams, SymbolKind, type WorkspaceSymbol, type WorkspaceSymbolParams,
} from "vscode-languageserver/node";
import * as path from "node:path";
import type * as A from "../parser/ast.js";
import type { Span } from "../diag/diagnostic.js";
import { typeExprToString } from "../elab/unify.js";
import { type Analysis, stdlibIndices } from "./analysis.js";
import { walk } from "./ast-walk.js";
import { Locator } from "./navigation.js";
import type { Feature } from "./server.js";
import type { NnSymbol, SymbolIndex } from "./symbol-index.js";

const DEFINITION_KINDS: Record<A.DefinitionKind, SymbolKind> = {
  fn: SymbolKind.Function, layer: SymbolKind.Class, model: SymbolKind.Module, loss: SymbolKind.Function, metric: SymbolKind.Function,
  optimizer: SymbolKind.Interface, initializer: SymbolKind.Interface, regularizer: SymbolKind.Interface, callback: SymbolKind.Event,
  schedule: SymbolKind.Interface, source: SymbolKind.Interface, transform: SymbolKind.Interface,
};

/** The LSP symbol kind of a definition or dataset. */
export function symbolKindOf(s: NnSymbol): SymbolKind {
  return s.kind === "dataset" ? SymbolKind.Object : DEFINITION_KINDS[s.defKind ?? "fn"];
}

export function documentSymbols(a: Analysis): DocumentSymbol[] {
  const program = a.program;
  if (!program) return [];
  const sym = (name: string, kind: SymbolKind, whole: Span, sel: Span, detail?: string, children?: DocumentSymbol[]): DocumentSymbol => {
    // The selection must lie inside the range: a recovered tree may say otherwise.
    const s = sel.start >= whole.start && sel.end <= whole.end ? sel : whole;
    return { name, kind, range: a.lines.spanRange(whole), selectionRange: a.lines.spanRange(s), ...(detail ? { detail } : {}), ...(children ? { children } : {}) };
  };
  const text = (s: Span) => a.text.slice(s.start, s.end);
  const out: DocumentSymbol[] = [];
  for (const it of program.items) {
    if (it.kind === "Import") {
      out.push(sym(it.path, SymbolKind.Namespace, it.span, it.pathSpan, "import"));
    } else if (it.kind === "Definition") {
      if (it.name.name === "<missing>") continue;
      // `layer (k: int)(x: f32[B, N]) -> f32[B, k]`: the header after the name, on one line.
      const header = a.text.slice(it.name.span.end, it.body ? it.body.span.start : it.span.end).replace(/\s+/g, " ").trim();
      out.push(sym(it.name.name, DEFINITION_KINDS[it.defKind], it.span, it.name.span, `${it.defKind}${header ? ` ${header}` : ""}`, definitionChildren(it, sym)));
    } else if (it.kind === "Dataset") {
      if (it.name.name === "<missing>") continue;
      const children = it.settings.map((s) => sym(s.key.name, SymbolKind.Property, s.span, s.key.span, s.value ? text(s.value.span) : s.type ? typeExprToString(s.type) : undefined));
      if (it.source) children.unshift(sym("source", SymbolKind.Property, it.source.span, it.source.span, text(it.source.span)));
      out.push(sym(it.name.name, SymbolKind.Object, it.span, it.name.span, "dataset", children));
    } else {
      const children = [
        ...it.settings.map((s) => sym(s.key.name, SymbolKind.Property, s.span, s.key.span, s.value ? text(s.value.span) : undefined)),
        ...it.calls.map((c) => sym(calleeName(c) ?? text(c.span), SymbolKind.Event, c.span, c.kind === "Call" ? c.callee.span : c.span, "callback")),
      ].sort((x, y) => x.range.start.line - y.range.start.line || x.range.start.character - y.range.start.character);
      const on = it.data ? ` on ${text(it.data.span)}` : "";
      out.push(sym(`train ${it.model.name}`, SymbolKind.Event, it.span, it.model.span, `train${on}`, children));
    }
  }
  return out;
}

type Make = (name: string, kind: SymbolKind, whole: Span, sel: Span, detail?: string, children?: DocumentSymbol[]) => DocumentSymbol;

/** Configuration parameters, inputs, then every `let`, `param` and `state` of the body (nested blocks included). */
function definitionChildren(d: A.Definition, sym: Make): DocumentSymbol[] {
  const out: DocumentSymbol[] = [];
  const param = (p: A.ParamDecl, kind: SymbolKind) => {
    if (p.name.name !== "<missing>") out.push(sym(p.name.name, kind, p.span, p.name.span, p.type ? typeExprToString(p.type) : undefined));
  };
  for (const p of d.config ?? []) param(p, SymbolKind.Property);
  for (const p of d.inputs ?? []) param(p, SymbolKind.Variable);
  if (d.body) {
    walk({ tag: "block", node: d.body }, (r) => {
      if (r.tag === "expr" && r.node.kind === "Lambda") return false;
      if (r.tag !== "stmt" || r.node.kind === "ExprStmt" || r.node.name.name === "<missing>") return;
      const s = r.node;
      const kind = s.kind === "Let" ? SymbolKind.Variable : SymbolKind.Field;
      const word = s.kind === "Let" ? "let" : s.trainable ? "param" : "state";
      out.push(sym(s.name.name, kind, s.span, s.name.span, s.type ? `${word}: ${typeExprToString(s.type)}` : word));
    });
  }
  return out;
}

function calleeName(e: A.Expr): string | undefined {
  if (e.kind === "Name") return e.name;
  if (e.kind === "Call") return calleeName(e.callee);
  return undefined;
}

/** True when every character of the query appears in the name in order (case-insensitive), as editors match. */
export function fuzzyMatch(query: string, name: string): boolean {
  const q = query.toLowerCase(), n = name.toLowerCase();
  let i = 0;
  for (const ch of n) if (i < q.length && ch === q[i]) i++;
  return i === q.length;
}

/** Definitions and datasets matching the query, in the open documents, their imports and the stdlib; each once. */
export function workspaceSymbols(analyses: Analysis[], loc: Locator, query: string): WorkspaceSymbol[] {
  const indices: SymbolIndex[] = [];
  for (const a of analyses) {
    for (const p of [a.path, ...a.files]) {
      const idx = a.indexOf(p);
      if (idx) indices.push(idx);
    }
  }
  indices.push(...stdlibIndices().values());
  const seen = new Set<string>();
  const out: WorkspaceSymbol[] = [];
  for (const idx of indices) {
    for (const s of idx.symbols) {
      if ((s.kind !== "definition" && s.kind !== "dataset") || seen.has(s.id) || !fuzzyMatch(query, s.name)) continue;
      const location = loc.location(s.path, s.nameSpan);
      if (!location) continue;
      seen.add(s.id);
      out.push({ name: s.name, kind: symbolKindOf(s), location, containerName: s.isStdlib ? s.nameSpan.file : path.basename(s.path) });
    }
  }
  return out;
}

export const documentSymbolFeature: Feature = {
  name: "document symbols",
  capabilities: { documentSymbolProvider: { label: "nn" } },
  register(ctx) {
    ctx.connection.onDocumentSymbol(ctx.guard("document symbols", [], (p: DocumentSymbolParams): DocumentSymbol[] => {
      const a = ctx.workspace.analysis(p.textDocument.uri);
      return a ? documentSymbols(a) : [];
    }));
  },
};

export const workspaceSymbolFeature: Feature = {
  name: "workspace symbols",
  capabilities: { workspaceSymbolProvider: true },
  register(ctx) {
    ctx.connection.onWorkspaceSymbol(ctx.guard("workspace symbols", [], (p: WorkspaceSymbolParams): WorkspaceSymbol[] =>
      workspaceSymbols(ctx.workspace.openAnalyses(), new Locator(ctx.workspace), p.query)));
  },
};
