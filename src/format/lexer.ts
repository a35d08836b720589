// The formatter's view of a source: every token of the real lexer plus the comments, in order, with the
// line breaks between them. The grammar's lexer drops `//` and `/* */` comments (and sets `///` aside), so
// this lexer uses the same token types but keeps the three comment kinds in the main stream.
import type { IToken, Lexer as ChevrotainLexer, TokenType } from "chevrotain";
import { createToken, Lexer } from "../../grammar/chevrotain.js";
import * as T from "../../grammar/tokens.js";

const KeptDoc = createToken({ name: "DocComment", pattern: T.DocComment.PATTERN! });
const KeptLine = createToken({ name: "LineComment", pattern: T.LineComment.PATTERN! });
const KeptBlock = createToken({ name: "BlockComment", pattern: T.BlockComment.PATTERN!, line_breaks: true });

const KEPT: ReadonlyMap<TokenType, TokenType> = new Map([
  [T.DocComment, KeptDoc],
  [T.LineComment, KeptLine],
  [T.BlockComment, KeptBlock],
]);

let lexer: ChevrotainLexer | undefined;
/** Built on first use: chevrotain analyses the token set when a lexer is created. */
function formatLexer(): ChevrotainLexer {
  lexer ??= new Lexer(T.allTokens.map((t) => KEPT.get(t) ?? t), { positionTracking: "full", ensureOptimizations: false });
  return lexer;
}

export type CommentKind = "line" | "block" | "doc";

export interface FmtToken {
  type: TokenType;
  image: string;
  /** Offsets in the source: [start, end). */
  start: number;
  end: number;
  comment?: CommentKind;
  /** Line breaks in the whitespace before this token (0: it continues the previous token's line). */
  breaksBefore: number;
}

/** The same line terminators as chevrotain's line tracking, which decides what "a new line" is to the parser. */
const LINE_BREAK = /\r\n?|\n/g;

export function countBreaks(s: string): number {
  return s.match(LINE_BREAK)?.length ?? 0;
}

export interface FormatLex {
  tokens: FmtToken[];
  /** The tokens without comments, as the parser takes them (with line numbers: line breaks matter to it). */
  codeTokens: IToken[];
  /** False when the lexer met a character that is not .nn. */
  ok: boolean;
}

export function lexWithComments(text: string): FormatLex {
  const lexed = formatLexer().tokenize(text);
  const tokens: FmtToken[] = [];
  const codeTokens: IToken[] = [];
  let prevEnd = 0;
  for (const t of lexed.tokens) {
    const start = t.startOffset;
    const end = start + t.image.length;
    const comment = t.tokenType === KeptLine ? "line" : t.tokenType === KeptBlock ? "block" : t.tokenType === KeptDoc ? "doc" : undefined;
    tokens.push({ type: t.tokenType, image: t.image, start, end, comment, breaksBefore: countBreaks(text.slice(prevEnd, start)) });
    if (!comment) codeTokens.push(t);
    prevEnd = end;
  }
  return { tokens, codeTokens, ok: lexed.errors.length === 0 };
}

/** Line and doc comments run to the end of their line. */
export function isLineEndComment(t: FmtToken): boolean {
  return t.comment === "line" || t.comment === "doc";
}
