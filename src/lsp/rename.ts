// Rename: definitions, datasets, parameters (their named arguments too), lets, params and dimension
// names. prepareRename says why a place cannot be renamed (a keyword, a primitive, a built-in type, a
// stdlib definition, a name that is not defined); the edit changes every place naming the symbol in
// every open document and the files they import.
import {
  LSPErrorCodes, type PrepareRenameParams, type Range, type RenameParams, ResponseError, type TextEdit,
  type WorkspaceEdit,
} from "vscode-languageserver/node";
import * as T from "../../grammar/tokens.js";
import { lexWithComments, type FmtToken } from "../format/lexer.js";
import type { Analysis } from "./analysis.js";
import type { NodeRef } from "./ast-walk.js";
import { Locator, referenceLocations } from "./navigation.js";
import { stdlibSpanFile } from "./positions.js";
import { isKeyword } from "./semantic-tokens.js";
import type { Feature, ServerContext } from "./server.js";
import type { NnSymbol } from "./symbol-index.js";

/** What can be renamed at an offset: the symbol and the name's span, or why not. */
export type RenameTarget = { symbol: NnSymbol; start: number; end: number } | { refusal: string };

const code = (s: string) => "`" + s + "`";

/** The token under a cursor (or just before it, when the cursor ends a name). */
export function tokenAt(text: string, offset: number): FmtToken | undefined {
  const { tokens } = lexWithComments(text);
  let touching: FmtToken | undefined;
  for (const t of tokens) {
    if (t.start > offset) break;
    if (offset < t.end) return t;
    if (offset === t.end) touching = t;
  }
  return touching;
}

export function renameTarget(a: Analysis, offset: number): RenameTarget {
  const ref = a.referenceAt(offset);
  if (ref) {
    const s = ref.symbol;
    if (s.kind === "file") return { refusal: `${code(s.name)} is an import path: rename the file instead` };
    // A stdlib file opened in the editor is checked under its own path: its names are still the stdlib's.
    const std = s.isStdlib ? s.nameSpan.file : stdlibSpanFile(s.path);
    if (std) return { refusal: `${code(s.name)} is defined in the standard library (${std}) and cannot be renamed` };
    return { symbol: s, start: ref.span.start, end: ref.span.end };
  }
  return { refusal: whyNot(a, offset) };
}

/** Why the text at an offset has nothing to rename. */
function whyNot(a: Analysis, offset: number): string {
  const t = tokenAt(a.text, offset);
  if (!t || t.comment) return "There is no name here to rename";
  const nodes = a.nodeAt(offset);
  const inner: NodeRef | undefined = nodes[nodes.length - 1];
  const parent: NodeRef | undefined = nodes[nodes.length - 2];
  const isKindWord = inner?.tag === "item" && inner.node.kind === "Definition" && inner.node.span.start === t.start;
  if (isKeyword(t.type) || isKindWord) return `${code(t.image)} is a keyword and cannot be renamed`;
  if (t.type !== T.Identifier) return "There is no name here to rename";
  if (isPrim(inner, parent)) return `${code(t.image === "prim" ? "prim" : `prim.${t.image}`)} is a primitive of the compiler and cannot be renamed`;
  if (inner?.tag === "type") return `${code(t.image)} is a built-in type and cannot be renamed`;
  if (inner?.tag === "ident" && (inner.role === "setting-key" || inner.role === "option-key")) {
    return `${code(t.image)} is a setting the compiler knows and cannot be renamed`;
  }
  return `${code(t.image)} is not defined here, so there is nothing to rename`;
}

function isPrim(inner: NodeRef | undefined, parent: NodeRef | undefined): boolean {
  if (inner?.tag === "expr" && inner.node.kind === "Name") return inner.node.name === "prim";
  return inner?.tag === "ident" && inner.role === "member-name" && parent?.tag === "expr" && parent.node.kind === "Member"
    && parent.node.object.kind === "Name" && parent.node.object.name === "prim";
}

/** Why a new name is not acceptable, if it is not. */
export function invalidName(name: string): string | undefined {
  const { codeTokens, ok } = lexWithComments(name);
  const only = codeTokens.length === 1 && ok ? codeTokens[0]! : undefined;
  if (!only || only.image !== name) return `${code(name)} is not a name: use letters, digits and _, not starting with a digit`;
  if (isKeyword(only.tokenType)) return `${code(name)} is a keyword`;
  if (only.tokenType !== T.Identifier) return `${code(name)} is not a name`;
  if (name === "prim") return "`prim` names the primitives";
  return undefined;
}

/** The edits renaming the symbol: every place naming it, grouped by document. */
export function renameEdits(ctx: Pick<ServerContext, "workspace">, loc: Locator, s: NnSymbol, newName: string): WorkspaceEdit {
  const changes: Record<string, TextEdit[]> = {};
  for (const { location } of referenceLocations(ctx, loc, s, true)) {
    (changes[location.uri] ??= []).push({ range: location.range, newText: newName });
  }
  return { changes };
}

const refuse = (message: string) => new ResponseError(LSPErrorCodes.RequestFailed, message);

export const renameFeature: Feature = {
  name: "rename",
  capabilities: { renameProvider: { prepareProvider: true } },
  register(ctx) {
    ctx.connection.onPrepareRename(ctx.guard("prepare rename", null, (p: PrepareRenameParams): { range: Range; placeholder: string } | ResponseError | null => {
      const at = ctx.at(p);
      if (!at) return null;
      const t = renameTarget(at.analysis, at.offset);
      if ("refusal" in t) return refuse(t.refusal);
      return { range: at.analysis.lines.range(t.start, t.end), placeholder: t.symbol.name };
    }));
    ctx.connection.onRenameRequest(ctx.guard("rename", null, (p: RenameParams): WorkspaceEdit | ResponseError | null => {
      const at = ctx.at(p);
      if (!at) return null;
      const t = renameTarget(at.analysis, at.offset);
      if ("refusal" in t) return refuse(t.refusal);
      const bad = invalidName(p.newName);
      if (bad) return refuse(bad);
      return renameEdits(ctx, new Locator(ctx.workspace, at.analysis), t.symbol, p.newName);
    }));
  },
};
