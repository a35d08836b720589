// The tokens before the cursor, lexed afresh with the compiler's lexer, with their bracket nesting
// matched by hand (a half-typed line leaves brackets open), and whether the cursor is in code, a
// comment or a string. completion-context.ts reads positions from it.
import type { IToken, TokenType } from "chevrotain";
import * as T from "../../grammar/tokens.js";
import { DEFINITION_KINDS } from "../parser/ast.js";

/** The kind of top-level item the cursor is in. */
export type ItemKind = "import" | "train" | "dataset" | "definition" | "none";

export const DTYPES = new Set(["f16", "f32", "f64", "i32", "i64", "bool"]);
export const OPENERS = new Map<TokenType, TokenType>([[T.LParen, T.RParen], [T.LBracket, T.RBracket], [T.LBrace, T.RBrace]]);
const CLOSERS = new Set<TokenType>(OPENERS.values());
const ITEM_KEYWORDS = new Set<TokenType>([T.Import, T.Fn, T.Layer, T.Model, T.Dataset, T.Train]);

/** The tokens before the cursor with their nesting. */
export class Scan {
  readonly tokens: IToken[];
  /** Bracket depth at each token (an opener has the depth outside it). */
  readonly depth: number[] = [];
  /** Indices of brackets still open at the end, outermost first. */
  readonly stack: number[] = [];
  itemStart = -1;
  itemClosed = false;

  constructor(readonly text: string, end: number) {
    this.tokens = T.NnLexer.tokenize(text.slice(0, end)).tokens;
    this.tokens.forEach((t, i) => {
      if (CLOSERS.has(t.tokenType)) {
        // A stray closer pops up to its opener; one with no opener is ignored.
        const at = this.stack.map((j) => OPENERS.get(this.tokens[j]!.tokenType)).lastIndexOf(t.tokenType);
        if (at >= 0) this.stack.length = at;
        if (this.stack.length === 0 && t.tokenType === T.RBrace) this.itemClosed = true;
      } else if (this.stack.length === 0 && this.startsItem(i)) {
        this.itemStart = i;
        this.itemClosed = false;
      }
      // Brackets count at the depth outside them, so an opener and its closer share a depth.
      this.depth.push(this.stack.length);
      if (OPENERS.has(t.tokenType)) this.stack.push(i);
    });
  }

  is(i: number, type: TokenType): boolean {
    return this.tokens[i]?.tokenType === type;
  }

  /** True when a line break separates token i from the one before it (or the text start). */
  newlineBefore(i: number): boolean {
    const from = i > 0 ? this.tokens[i - 1]!.endOffset! + 1 : 0;
    return /[\n\r]/.test(this.text.slice(from, this.tokens[i]!.startOffset)) || i === 0;
  }

  private startsItem(i: number): boolean {
    const t = this.tokens[i]!;
    if (!this.newlineBefore(i)) return false;
    if (ITEM_KEYWORDS.has(t.tokenType)) return true;
    return t.tokenType === T.Identifier && (DEFINITION_KINDS as readonly string[]).includes(t.image);
  }

  get itemKind(): ItemKind {
    const t = this.tokens[this.itemStart];
    if (!t) return "none";
    if (t.tokenType === T.Import) return "import";
    if (t.tokenType === T.Train) return "train";
    if (t.tokenType === T.Dataset) return "dataset";
    return "definition";
  }

  /** The tokens at depth `d` on the line that holds token `end - 1`, as indices (nested ones left out). */
  lineAt(end: number, d: number): number[] {
    const out: number[] = [];
    for (let j = end - 1; j >= 0 && this.depth[j]! >= d; j--) {
      if (this.depth[j] !== d) continue;
      out.unshift(j);
      if (this.newlineBefore(j)) break;
    }
    return out;
  }

  /** Tokens directly inside the bracket opened at `open` (nested ones left out), up to the end. */
  inside(open: number): number[] {
    const d = this.depth[open]! + 1;
    const out: number[] = [];
    for (let j = open + 1; j < this.tokens.length; j++) if (this.depth[j] === d) out.push(j);
    return out;
  }
}

/** Code, a comment or a string at the end of `before` (strings end at the line). */
export function lexicalState(before: string): { state: "code" | "comment" | "string"; start: number } {
  let state: "code" | "line" | "block" | "string" = "code";
  let start = 0;
  for (let i = 0; i < before.length; i++) {
    const c = before[i]!;
    if (state === "code") {
      if (c === "/" && before[i + 1] === "/") state = "line";
      else if (c === "/" && before[i + 1] === "*") (state = "block"), i++;
      else if (c === "\"") (state = "string"), (start = i);
    } else if (state === "line") {
      if (c === "\n" || c === "\r") state = "code";
    } else if (state === "block") {
      if (c === "*" && before[i + 1] === "/") (state = "code"), i++;
    } else if (c === "\\") i++;
    else if (c === "\"" || c === "\n" || c === "\r") state = "code";
  }
  if (state === "line" || state === "block") return { state: "comment", start };
  return { state, start };
}

