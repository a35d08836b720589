// Semantic tokens: every token of the document classified by what it is, not only how it looks.
// Names take their class from the symbol they resolve to (a layer is a class, a dimension name a type
// parameter, a stdlib name has the defaultLibrary modifier); names that resolve to nothing take it
// from their place in the AST (a setting key is a property, `f32` a type, `prim.exp` a function).
// The lexer keeps comments (the formatter's), so broken text is still coloured token by token.
import type { SemanticTokens, SemanticTokensLegend, SemanticTokensParams, SemanticTokensRangeParams } from "vscode-languageserver/node";
import type { TokenType } from "chevrotain";
import * as T from "../../grammar/tokens.js";
import type * as A from "../parser/ast.js";
import { lexWithComments, type FmtToken } from "../format/lexer.js";
import type { Analysis } from "./analysis.js";
import { walk } from "./ast-walk.js";
import type { Feature } from "./server.js";
import type { NnSymbol } from "./symbol-index.js";

export const TOKEN_TYPES = [
  "namespace", "type", "class", "function", "parameter", "variable", "property", "keyword", "number", "string", "comment",
  "operator", "typeParameter",
] as const;
export const TOKEN_MODIFIERS = ["declaration", "defaultLibrary", "documentation"] as const;

export type TokenKind = (typeof TOKEN_TYPES)[number];
export type TokenModifier = (typeof TOKEN_MODIFIERS)[number];

export const LEGEND: SemanticTokensLegend = { tokenTypes: [...TOKEN_TYPES], tokenModifiers: [...TOKEN_MODIFIERS] };

export interface Classified {
  start: number;
  end: number;
  kind: TokenKind;
  modifiers: TokenModifier[];
}

export const isKeyword = (type: TokenType): boolean => type === T.Keyword || (type.CATEGORIES ?? []).includes(T.Keyword);

const OPERATORS = new Set<TokenType>([
  T.Pipe, T.Arrow, T.FatArrow, T.EqEq, T.NotEq, T.LessEq, T.GreaterEq, T.Less, T.Greater, T.Equals, T.Plus, T.Minus, T.Star,
  T.Slash, T.At, T.Bar, T.Ellipsis,
]);

function symbolKind(s: NnSymbol): TokenKind {
  switch (s.kind) {
    case "definition": return s.defKind === "layer" || s.defKind === "model" ? "class" : "function";
    case "parameter": case "input": case "lambda-parameter": return "parameter";
    case "dimension": return "typeParameter";
    case "file": return "namespace";
    default: return "variable";
  }
}

type Role = { kind: TokenKind; modifiers: TokenModifier[] };

/** What the AST says about names the symbol index does not resolve, by the offset they start at. */
function roles(program: A.Program | undefined): Map<number, Role> {
  const out = new Map<number, Role>();
  if (!program) return out;
  const set = (start: number, kind: TokenKind, modifiers: TokenModifier[] = []) => out.set(start, { kind, modifiers });
  const std: TokenModifier[] = ["defaultLibrary"];
  walk({ tag: "program", node: program }, (r, parent) => {
    if (r.tag === "item" && r.node.kind === "Definition") set(r.node.span.start, "keyword");
    else if (r.tag === "item" && r.node.kind === "Import" && !r.node.isFile) {
      // `std.data`: every part of a module path is a namespace.
      for (let i = r.node.pathSpan.start; i < r.node.pathSpan.end; i++) set(i, "namespace", std);
    } else if (r.tag === "type" && (r.node.kind === "TensorType" || r.node.kind === "NamedType")) set(r.node.span.start, "type", std);
    else if (r.tag === "dim" && r.node.kind === "DimName") set(r.node.span.start, "typeParameter");
    else if (r.tag === "expr" && r.node.kind === "Name") set(r.node.span.start, r.node.name === "prim" ? "namespace" : "variable", r.node.name === "prim" ? std : []);
    else if (r.tag === "ident") {
      const isPrim = parent?.tag === "expr" && parent.node.kind === "Member" && parent.node.object.kind === "Name" && parent.node.object.name === "prim";
      const kind: TokenKind | undefined = {
        "setting-key": "property", "option-key": "property", "member-name": isPrim ? "function" : "property", "argument-name": "parameter",
        "alternative": "function", "train-model": "class", "import-name": "function",
      }[r.role as string] as TokenKind | undefined;
      if (kind) set(r.node.span.start, kind, isPrim ? std : []);
    }
  });
  return out;
}

/** Every classified token of the analysis' text, in order. */
export function classifyTokens(a: Analysis): Classified[] {
  // Keyed by start and end: an import's path (`std.data`) is one reference over several tokens.
  const key = (start: number, end: number) => `${start}:${end}`;
  const byToken = new Map<string, Role>();
  for (const r of a.index.references) {
    const modifiers: TokenModifier[] = [];
    if (r.isDeclaration) modifiers.push("declaration");
    if (r.symbol.isStdlib) modifiers.push("defaultLibrary");
    byToken.set(key(r.span.start, r.span.end), { kind: symbolKind(r.symbol), modifiers });
  }
  const fromAst = roles(a.program);
  const out: Classified[] = [];
  const push = (t: FmtToken, kind: TokenKind, modifiers: TokenModifier[] = []) => out.push({ start: t.start, end: t.end, kind, modifiers });
  for (const t of lexWithComments(a.text).tokens) {
    if (t.comment) push(t, "comment", t.comment === "doc" ? ["documentation"] : []);
    else if (isKeyword(t.type)) push(t, "keyword");
    else if (t.type === T.Integer || t.type === T.Float) push(t, "number");
    else if (t.type === T.StringLit || t.type === T.SingleQuoted) push(t, "string");
    else if (OPERATORS.has(t.type)) push(t, "operator");
    else if (t.type === T.Identifier) {
      const role = byToken.get(key(t.start, t.end)) ?? fromAst.get(t.start);
      if (role) push(t, role.kind, role.modifiers);
    }
  }
  return out;
}

/** The LSP encoding: five numbers per token, relative to the previous one; a token never spans lines. */
export function encodeTokens(a: Analysis, tokens: Classified[], from = 0, to = Infinity): number[] {
  const data: number[] = [];
  let line = 0, char = 0;
  const emit = (start: number, end: number, t: Classified) => {
    const p = a.lines.positionAt(start);
    const mods = t.modifiers.reduce((m, x) => m | (1 << TOKEN_MODIFIERS.indexOf(x)), 0);
    data.push(p.line - line, p.line === line ? p.character - char : p.character, end - start, TOKEN_TYPES.indexOf(t.kind), mods);
    line = p.line;
    char = p.character;
  };
  for (const t of tokens) {
    if (t.end <= from || t.start >= to) continue;
    // A block comment over several lines: one token per line, without the line breaks.
    const re = /\r\n?|\n/g;
    let start = t.start;
    const text = a.text.slice(t.start, t.end);
    for (let m = re.exec(text); m; m = re.exec(text)) {
      const end = t.start + m.index;
      if (end > start) emit(start, end, t);
      start = t.start + m.index + m[0].length;
    }
    if (t.end > start) emit(start, t.end, t);
  }
  return data;
}

export const semanticTokensFeature: Feature = {
  name: "semantic tokens",
  capabilities: { semanticTokensProvider: { legend: LEGEND, full: true, range: true } },
  register(ctx) {
    const empty: SemanticTokens = { data: [] };
    ctx.connection.languages.semanticTokens.on(ctx.guard("semantic tokens", empty, (p: SemanticTokensParams): SemanticTokens => {
      const a = ctx.workspace.analysis(p.textDocument.uri);
      return a ? { data: encodeTokens(a, classifyTokens(a)) } : empty;
    }));
    ctx.connection.languages.semanticTokens.onRange(ctx.guard("semantic tokens", empty, (p: SemanticTokensRangeParams): SemanticTokens => {
      const a = ctx.workspace.analysis(p.textDocument.uri);
      if (!a) return empty;
      return { data: encodeTokens(a, classifyTokens(a), a.lines.offsetAt(p.range.start), a.lines.offsetAt(p.range.end)) };
    }));
  },
};
