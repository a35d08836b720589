// Folding ranges: definitions, datasets and train blocks (from their first line), then every other
// bracket pair over several lines (blocks, parameter lists, multi-line calls and lists), runs of line
// comments, block comments, and groups of imports. A closing bracket that starts its line stays
// visible; where two ranges start on one line, the outer one (an item) is kept.
import { type FoldingRange, FoldingRangeKind, type FoldingRangeParams } from "vscode-languageserver/node";
import * as T from "../../grammar/tokens.js";
import { lexWithComments, type FmtToken } from "../format/lexer.js";
import type { Analysis } from "./analysis.js";
import type { Feature } from "./server.js";

const OPEN = new Map([[T.LParen, T.RParen], [T.LBracket, T.RBracket], [T.LBrace, T.RBrace]]);

export function foldingRanges(a: Analysis): FoldingRange[] {
  const { tokens } = lexWithComments(a.text);
  const line = (offset: number) => a.lines.positionAt(offset).line;
  const out: FoldingRange[] = [];
  const taken = new Set<number>();
  const add = (startLine: number, endLine: number, kind?: FoldingRangeKind) => {
    if (endLine <= startLine || taken.has(startLine)) return;
    taken.add(startLine);
    out.push(kind ? { startLine, endLine, kind } : { startLine, endLine });
  };
  // The last line to hide: the closing token's line, unless it starts that line.
  const endBefore = (close: FmtToken) => (close.breaksBefore > 0 ? line(close.start) - 1 : line(close.start));

  const closers = matchBrackets(tokens);
  const items = a.program?.items ?? [];
  for (const it of items) {
    if (it.kind === "Import") continue;
    const close = closers.byEnd.get(it.span.end);
    if (close) add(line(it.span.start), endBefore(close));
  }
  const itemClosers = new Set(items.map((it) => closers.byEnd.get(it.span.end)));
  // An item's own braces fold with the item (from its first line), not a second time.
  for (const [open, close] of closers.pairs) if (!itemClosers.has(close)) add(line(open.start), endBefore(close));

  comments(tokens, line, add);
  // Consecutive imports fold into one range (`import …` lines at the top of a file).
  for (let i = 0; i < items.length; i++) {
    if (items[i]!.kind !== "Import") continue;
    let j = i;
    while (j + 1 < items.length && items[j + 1]!.kind === "Import") j++;
    add(line(items[i]!.span.start), line(items[j]!.span.end), FoldingRangeKind.Imports);
    i = j;
  }
  return out.sort((x, y) => x.startLine - y.startLine);
}

/** Matching bracket pairs in source order of their openers; unmatched brackets (broken text) are skipped. */
function matchBrackets(tokens: FmtToken[]): { pairs: [FmtToken, FmtToken][]; byEnd: Map<number, FmtToken> } {
  const stack: FmtToken[] = [];
  const pairs: [FmtToken, FmtToken][] = [];
  const byEnd = new Map<number, FmtToken>();
  for (const t of tokens) {
    if (OPEN.has(t.type)) stack.push(t);
    else if ([...OPEN.values()].includes(t.type)) {
      // Pop to the nearest opener of this kind: a stray bracket does not unbalance the rest.
      const at = stack.map((o) => OPEN.get(o.type)).lastIndexOf(t.type);
      if (at < 0) continue;
      const open = stack[at]!;
      stack.length = at;
      pairs.push([open, t]);
      byEnd.set(t.end, t);
    }
  }
  pairs.sort((x, y) => x[0].start - y[0].start);
  return { pairs, byEnd };
}

/** Runs of line comments on consecutive lines (each alone on its line), and block comments over several lines. */
function comments(tokens: FmtToken[], line: (offset: number) => number, add: (s: number, e: number, k?: FoldingRangeKind) => void): void {
  let run: FmtToken[] = [];
  const flush = () => {
    if (run.length > 1) add(line(run[0]!.start), line(run[run.length - 1]!.start), FoldingRangeKind.Comment);
    run = [];
  };
  tokens.forEach((t, i) => {
    const ownLine = t.breaksBefore > 0 || i === 0;
    if ((t.comment === "line" || t.comment === "doc") && ownLine) {
      if (run.length && t.breaksBefore !== 1) flush();
      run.push(t);
      return;
    }
    flush();
    if (t.comment === "block") add(line(t.start), line(t.end), FoldingRangeKind.Comment);
  });
  flush();
}

export const foldingFeature: Feature = {
  name: "folding",
  capabilities: { foldingRangeProvider: true },
  register(ctx) {
    ctx.connection.onFoldingRanges(ctx.guard("folding", [], (p: FoldingRangeParams): FoldingRange[] => {
      const a = ctx.workspace.analysis(p.textDocument.uri);
      return a ? foldingRanges(a) : [];
    }));
  },
};
