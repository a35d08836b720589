// Lines and indentation. Every line break of the source is kept (blank lines collapse to one), so only
// the whitespace inside lines and the indentation change. A line is indented by what it starts:
//   - a statement, setting, `else` or `{`: its block's level (two spaces per enclosing block);
//   - a closing bracket: the line that opened it;
//   - any other line in a block is a continuation (`|> dense(10)`): two more spaces; a definition's
//     second parameter list lines up with its first `(`, as the stdlib writes it;
//   - inside `(` or `[`: after the bracket when the first element follows it on its line (the stdlib's
//     parameter lists), else two spaces in from the opening line;
//   - a comment line: like the line of code after it.
import * as T from "../../grammar/tokens.js";
import { trailingCommentColumn } from "./align.js";
import { countBreaks, isLineEndComment, type FmtToken } from "./lexer.js";
import { isCloser, isOpener, spaceBetween, type TokenFacts } from "./spacing.js";

export interface LayoutInput {
  text: string;
  tokens: FmtToken[];
  /** The first token of every item, statement, setting and bare call (see structure.ts). */
  statementTokens: Set<FmtToken>;
  facts: TokenFacts;
  /** Spaces after a setting key, by key token (see align.ts). */
  pads: Map<FmtToken, number>;
  eol: string;
}

/** An open bracket (or the file itself, the outermost level). */
interface Level {
  opener?: FmtToken;
  closer?: FmtToken;
  /** A block or the file: its lines are statements; else a list of elements. */
  block: boolean;
  contentIndent: number;
  closeIndent: number;
  /** The indentation of the last statement (or list element) that started a line at this level. */
  statementIndent: number;
  /** At file level: the column of the current item's first `(`. */
  headerParen?: number;
}

interface SourceLine {
  tokens: FmtToken[];
  blankBefore: boolean;
  oldIndent: number;
}

type LineKind = "statement" | "closer" | "operator" | "header" | "element" | "continuation" | "comment";

/** A continuation line that starts with one of these continues an expression rather than a header. */
const OPERATORS = new Set([
  T.Pipe, T.Plus, T.Minus, T.Star, T.Slash, T.At, T.EqEq, T.NotEq, T.Less, T.LessEq, T.Greater, T.GreaterEq,
  T.And, T.Or, T.Bar, T.Dot, T.FatArrow,
]);

export function layoutLines(input: LayoutInput): string {
  return new LineWriter(input).write();
}

class LineWriter {
  private readonly stack: Level[] = [{ block: true, contentIndent: 0, closeIndent: 0, statementIndent: 0 }];
  private readonly out: string[] = [];
  /** Comment-only lines waiting for the indentation of the next line of code. */
  private pending: SourceLine[] = [];
  private prevCode: FmtToken | undefined;
  /** Whether the last line written opened a bracket (a blank line after it is dropped) or ends in `///`. */
  private lastEndsOpen = false;
  private lastEndsDoc = false;

  constructor(private readonly input: LayoutInput) {}

  write(): string {
    for (const line of this.splitLines()) {
      const first = line.tokens.find((t) => !t.comment);
      if (!first) {
        this.pending.push(line);
        continue;
      }
      const top = this.top();
      const { indent, kind } = this.indentOf(first, top);
      this.flushPending(kind === "closer" ? top.contentIndent : indent);
      this.emit(line, indent, kind);
    }
    this.flushPending(this.top().contentIndent);
    return this.out.length ? this.out.join(this.input.eol) + this.input.eol : "";
  }

  private top(): Level {
    return this.stack[this.stack.length - 1]!;
  }

  private splitLines(): SourceLine[] {
    const lines: SourceLine[] = [];
    for (const t of this.input.tokens) {
      if (t.breaksBefore > 0 || lines.length === 0) {
        lines.push({ tokens: [t], blankBefore: t.breaksBefore > 1, oldIndent: this.oldColumn(t) });
      } else {
        lines[lines.length - 1]!.tokens.push(t);
      }
    }
    return lines;
  }

  private oldColumn(t: FmtToken): number {
    const text = this.input.text;
    let i = t.start;
    while (i > 0 && text[i - 1] !== "\n" && text[i - 1] !== "\r") i--;
    return t.start - i;
  }

  private indentOf(first: FmtToken, top: Level): { indent: number; kind: LineKind } {
    if (isCloser(first) && top.closer === first) return { indent: top.closeIndent, kind: "closer" };
    if (!top.block) {
      const element = this.prevCode === top.opener || this.prevCode?.type === T.Comma || first.type === T.Else;
      return element ? { indent: top.contentIndent, kind: "element" } : { indent: top.contentIndent + 2, kind: "continuation" };
    }
    if (this.input.statementTokens.has(first) || first.type === T.Else || first.type === T.LBrace) {
      if (this.stack.length === 1) top.headerParen = undefined;
      return { indent: top.contentIndent, kind: "statement" };
    }
    if (this.stack.length === 1 && first.type === T.LParen && top.headerParen !== undefined) {
      return { indent: top.headerParen, kind: "header" };
    }
    return { indent: top.contentIndent + 2, kind: OPERATORS.has(first.type) ? "operator" : "header" };
  }

  private flushPending(indent: number): void {
    for (const line of this.pending) this.emit(line, indent, "comment");
    this.pending = [];
  }

  private emit(line: SourceLine, indent: number, kind: LineKind): void {
    const first = line.tokens[0]!;
    // A blank line after a `///` line is kept: it decides whether the comment documents the next item.
    const dropBlank = !this.lastEndsDoc && (this.lastEndsOpen || (isCloser(first) && this.top().closer === first));
    if (line.blankBefore && this.out.length > 0 && !dropBlank) this.out.push("");
    const lineLevel = this.top();
    if (kind === "statement" || kind === "element") lineLevel.statementIndent = indent;
    const lineDepth = this.stack.length;
    let text = " ".repeat(indent);
    let col = indent;
    line.tokens.forEach((t, i) => {
      if (i > 0) {
        const gap = this.gap(line, i, indent, col);
        text += gap;
        col += gap.length;
      }
      if (!t.comment) this.track(t, line.tokens[i + 1], { indent, kind, col, lineDepth });
      const image = t.comment === "block" ? t.image : t.comment ? t.image.trimEnd() : t.image;
      text += image;
      const breaks = t.comment === "block" ? countBreaks(image) : 0;
      col = breaks ? image.length - Math.max(image.lastIndexOf("\n"), image.lastIndexOf("\r")) - 1 : col + image.length;
    });
    this.out.push(text);
    const last = line.tokens[line.tokens.length - 1]!;
    const lastCode = [...line.tokens].reverse().find((t) => !t.comment);
    this.lastEndsOpen = !!lastCode && isOpener(lastCode);
    this.lastEndsDoc = last.comment === "doc";
  }

  private gap(line: SourceLine, i: number, indent: number, col: number): string {
    const prev = line.tokens[i - 1]!, t = line.tokens[i]!;
    if (isLineEndComment(t)) return " ".repeat(trailingCommentColumn(this.oldColumn(t), indent - line.oldIndent, col) - col);
    const pad = this.input.pads.get(prev);
    if (pad !== undefined && (t.type === T.Equals || t.type === T.Colon)) return " ".repeat(pad);
    return spaceBetween(prev, t, this.input.facts);
  }

  /** Opens and closes levels as brackets go by. */
  private track(t: FmtToken, next: FmtToken | undefined, at: { indent: number; kind: LineKind; col: number; lineDepth: number }): void {
    const top = this.top();
    this.prevCode = t;
    if (isCloser(t)) {
      if (this.stack.length > 1 && top.closer === t) this.stack.pop();
      return;
    }
    if (!isOpener(t)) return;
    const closer = this.input.facts.partner.get(t);
    if (this.stack.length === 1 && t.type === T.LParen && top.headerParen === undefined) top.headerParen = at.col;
    // Where the bracket's contents are indented from: the line it opens on, unless that line is a header's
    // continuation (`(x: f32[B, N]) {`) or started inside brackets closed before this one
    // (`noise = 0.2) {`): then the statement it belongs to.
    let base = at.indent;
    if (this.stack.length < at.lineDepth || (this.stack.length === at.lineDepth && at.kind === "header")) base = top.statementIndent;
    if (t.type === T.LBrace && !this.input.facts.tightBraces.has(t)) {
      this.stack.push({ opener: t, closer, block: true, contentIndent: base + 2, closeIndent: base, statementIndent: base + 2 });
      return;
    }
    const visual = !!next && !next.comment;
    const contentIndent = visual ? at.col + 1 : base + 2;
    this.stack.push({ opener: t, closer, block: false, contentIndent, closeIndent: base, statementIndent: contentIndent });
  }
}
