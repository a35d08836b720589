// Source → tokens → CST → AST, with lexer and parser errors as diagnostics.
import type { IToken } from "chevrotain";
import { NnLexer, SingleQuoted, StringLit } from "../../grammar/tokens.js";
import { nnParser } from "../../grammar/parser.js";
import { DiagnosticBag, type Diagnostic, type Span } from "../diag/diagnostic.js";
import type { Program } from "./ast.js";
import { AstBuilder } from "./build-ast.js";

export interface ParseResult {
  program: Program;
  tokens: IToken[];
  docTokens: IToken[];
  diagnostics: Diagnostic[];
}

export function parseSource(source: string, file: string): ParseResult {
  const bag = new DiagnosticBag();
  const lexed = NnLexer.tokenize(source);
  for (const e of lexed.errors) {
    const span = offsetSpan(file, source, e.offset, e.offset + Math.max(1, e.length));
    const ch = source.slice(e.offset, e.offset + Math.max(1, e.length));
    bag.error("E0001", span, `unexpected character ${JSON.stringify(ch)}`, {
      notes: ["strings use double quotes; comments start with //"],
    });
  }
  // 'text' → "text" with an error, so parsing goes on as if it had been written right.
  for (const t of lexed.tokens) {
    if (t.tokenType !== SingleQuoted) continue;
    const span = offsetSpan(file, source, t.startOffset, (t.endOffset ?? t.startOffset) + 1);
    const fixed = `"${t.image.slice(1, -1)}"`;
    bag.error("E0001", span, "strings use double quotes", { fix: { message: `write ${fixed}`, span, replacement: fixed } });
    t.tokenType = StringLit;
    t.tokenTypeIdx = StringLit.tokenTypeIdx!;
    t.image = fixed;
  }
  nnParser.input = lexed.tokens;
  const cst = nnParser.program();
  let lastLine = -1;
  for (const e of nnParser.errors) {
    const t = e.token;
    // After one syntax error on a line, the rest of that line is usually its echo.
    const errLine = t && Number.isFinite(t.startLine) && t.tokenType?.name !== "EOF" ? t.startLine! : -2;
    if (errLine === lastLine) continue;
    lastLine = errLine;
    let span: Span;
    if (t && Number.isFinite(t.startOffset) && t.tokenType?.name !== "EOF") {
      span = offsetSpan(file, source, t.startOffset, (t.endOffset ?? t.startOffset) + 1);
    } else {
      // At end of input: point just past the last real token.
      const prev = (e as { previousToken?: IToken }).previousToken ?? lexed.tokens[lexed.tokens.length - 1];
      const at = prev && Number.isFinite(prev.endOffset) ? (prev.endOffset as number) + 1 : source.length;
      span = offsetSpan(file, source, at, at);
    }
    const found = t && t.tokenType?.name !== "EOF" ? `\`${t.image}\`` : "end of file";
    bag.error("E0002", span, `syntax error: ${simplifyMessage(e.message)}, found ${found}`, {
      notes: e.context?.ruleStack?.length ? [`while parsing ${describeRule(e.context.ruleStack)}`] : undefined,
    });
  }
  const builder = new AstBuilder(file, lexed.groups["docs"] ?? [], bag);
  const program = builder.program(cst);
  return { program, tokens: lexed.tokens, docTokens: lexed.groups["docs"] ?? [], diagnostics: bag.items };
}

function simplifyMessage(m: string): string {
  const first = m.split("\n")[0]!.replace(/ but found: .*$/, "");
  const exp = /Expecting token of type --> (\w+) <--/.exec(first);
  if (exp) return `expected ${tokenWord(exp[1]!)}`;
  if (/Expecting: one of these possible Token sequences|Expecting --> one of/.test(m)) {
    if (/Integer|Float|Identifier/.test(m) && /Minus|LParen/.test(m)) return "expected an expression";
    const alts = [...m.matchAll(/\[([^\]]+)\]/g)].map((x) => x[1]!.split(", ").map(tokenWord).join(" ")).slice(0, 4);
    return `expected one of ${[...new Set(alts)].join(", ")}`;
  }
  if (/Redundant input/.test(first)) return "unexpected input";
  return first;
}

const WORDS: Record<string, string> = {
  LParen: "`(`", RParen: "`)`", LBracket: "`[`", RBracket: "`]`", LBrace: "`{`", RBrace: "`}`", Comma: "`,`",
  Colon: "`:`", Equals: "`=`", Arrow: "`->`", Pipe: "`|>`", Identifier: "a name", Integer: "an integer",
  Float: "a number", StringLit: "a string", Dot: "`.`", Ellipsis: "`...`", Bar: "`|`", Semicolon: "`;`",
};
function tokenWord(name: string): string {
  return WORDS[name] ?? (/^[A-Z][a-z]+$/.test(name) ? `\`${name.toLowerCase()}\`` : name);
}

const RULE_WORDS: Record<string, string> = {
  definition: "a definition", paramList: "a parameter list", paramDecl: "a parameter", typeExpr: "a type",
  block: "a block", letStmt: "a `let` binding", paramStmt: "a `param` declaration", callArgs: "call arguments",
  importDecl: "an import", datasetDecl: "a dataset", trainDecl: "a train block", settingsBlock: "settings",
  listExpr: "a list", ifExpr: "an `if` expression", lambda: "a lambda",
};
function describeRule(stack: string[]): string {
  for (let i = stack.length - 1; i >= 0; i--) {
    const w = RULE_WORDS[stack[i]!];
    if (w) return w;
  }
  return "the file";
}

/** Builds a span from character offsets, computing line/column by scanning the source. */
export function offsetSpan(file: string, source: string, start: number, end: number): Span {
  const pos = (off: number) => {
    let line = 1, col = 1;
    for (let i = 0; i < off && i < source.length; i++) {
      if (source[i] === "\n") { line++; col = 1; } else col++;
    }
    return { line, col };
  };
  const a = pos(start), b = pos(end);
  return { file, start, end, line: a.line, col: a.col, endLine: b.line, endCol: b.col };
}
