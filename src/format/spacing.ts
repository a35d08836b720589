// Spaces between two tokens on one line: one space around binary operators, `|>`, `=`, `->` and after `,`
// and `:`; none inside brackets, around `.`, before a call's or an index's bracket, after a unary minus.
import * as T from "../../grammar/tokens.js";
import { countBreaks, type FmtToken } from "./lexer.js";

const OPENERS = new Set([T.LParen, T.LBracket, T.LBrace]);
const CLOSERS = new Set([T.RParen, T.RBracket, T.RBrace]);
/** Tokens after which a `(` or `[` is a call, an index or a tensor type's dimensions, and `-` is binary. */
const OPERAND_END = new Set([
  T.Identifier, T.Integer, T.Float, T.StringLit, T.SingleQuoted, T.True, T.False, T.None, T.Ellipsis,
  T.RParen, T.RBracket, T.RBrace, T.Model,
]);

export const isOpener = (t: FmtToken) => OPENERS.has(t.type);
export const isCloser = (t: FmtToken) => CLOSERS.has(t.type);

/** Facts about single tokens that the spacing rules need and that depend on their neighbours. */
export interface TokenFacts {
  /** `-` used as a negation. */
  unary: Set<FmtToken>;
  /** The braces of an import's name list (`std.data.{mnist}`), written without inner spaces. */
  tightBraces: Set<FmtToken>;
  /** Each opener's matching closer and each closer's opener. */
  partner: Map<FmtToken, FmtToken>;
}

export function analyzeTokens(tokens: FmtToken[]): TokenFacts {
  const facts: TokenFacts = { unary: new Set(), tightBraces: new Set(), partner: new Map() };
  const open: FmtToken[] = [];
  let prevCode: FmtToken | undefined;
  let breaksSincePrevCode = 0;
  for (const t of tokens) {
    breaksSincePrevCode += t.breaksBefore;
    if (t.comment) {
      breaksSincePrevCode += countBreaks(t.image);
      continue;
    }
    // The parser reads a `-` that starts a line as the start of a new expression.
    if (t.type === T.Minus && (!prevCode || breaksSincePrevCode > 0 || !OPERAND_END.has(prevCode.type))) facts.unary.add(t);
    if (isOpener(t)) {
      open.push(t);
      if (t.type === T.LBrace && prevCode?.type === T.Dot) facts.tightBraces.add(t);
    } else if (isCloser(t)) {
      const o = open.pop();
      if (o) {
        facts.partner.set(o, t);
        facts.partner.set(t, o);
        if (facts.tightBraces.has(o)) facts.tightBraces.add(t);
      }
    }
    prevCode = t;
    breaksSincePrevCode = 0;
  }
  return facts;
}

/** The spaces between `prev` and `next` on one line (a comment gets one space each side, none inside brackets). */
export function spaceBetween(prev: FmtToken, next: FmtToken, facts: TokenFacts): string {
  const tightOpen = (t: FmtToken) => (t.type === T.LParen || t.type === T.LBracket || facts.tightBraces.has(t));
  const tightClose = (t: FmtToken) => (t.type === T.RParen || t.type === T.RBracket || facts.tightBraces.has(t));
  const beforeNothing = next.type === T.Comma || next.type === T.Semicolon;
  if (prev.comment || next.comment) return beforeNothing || tightClose(next) || tightOpen(prev) ? "" : " ";
  if (beforeNothing || tightClose(next) || tightOpen(prev)) return "";
  // An empty block: `{}`.
  if (prev.type === T.LBrace && next.type === T.RBrace) return "";
  if (prev.type === T.Dot || next.type === T.Dot) return "";
  if (next.type === T.Colon) return "";
  if (facts.unary.has(prev)) return "";
  if ((next.type === T.LParen || next.type === T.LBracket) && OPERAND_END.has(prev.type)) return "";
  return " ";
}
