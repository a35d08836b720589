// The .nn formatter (`nnc fmt`, and the language server's formatting).
//
// It works from the token stream, not by printing the AST: the AST has no comments and no parentheses,
// and the author's line breaks carry meaning (`-`, `(` and `[` at a line start begin a new expression),
// so printing from it would lose comments or change programs. The formatter lexes the source keeping
// comments, keeps every token and every line break, and rewrites only indentation and the spaces between
// tokens; the parse tells it where statements start (anything else on a new line is a continuation) and
// which settings belong to one block. Because tokens and line breaks are kept, the output parses to the
// same AST; tokenDifference checks that on every call. Long lines are never split or joined.
import type { Diagnostic } from "../diag/diagnostic.js";
import { parseSource } from "../parser/parse.js";
import { settingPads } from "./align.js";
import { layoutLines } from "./layout.js";
import { lexWithComments, type FmtToken } from "./lexer.js";
import { analyzeTokens } from "./spacing.js";
import { parseStructure } from "./structure.js";
import { tokenDifference } from "./verify.js";

export interface FormatResult {
  /** The formatted text, or the input itself when it does not parse. */
  text: string;
  /** Syntax diagnostics of the input when it does not parse (then nothing is formatted); else empty. */
  diagnostics: Diagnostic[];
  changed: boolean;
}

/**
 * Formats one .nn source. Idempotent, comment-preserving, and never changes what the file means. A
 * source with syntax errors is returned unchanged with its diagnostics.
 */
export function formatSource(text: string, file = "input.nn"): FormatResult {
  const lexed = lexWithComments(text);
  const structure = lexed.ok ? parseStructure(lexed.codeTokens) : undefined;
  if (!structure) {
    // The front end explains what is wrong (the formatter's own parse only says that something is).
    const diagnostics = parseSource(text, file).diagnostics.filter((d) => d.severity === "error");
    return { text, diagnostics, changed: false };
  }
  const statementTokens = new Set<FmtToken>();
  for (const t of lexed.tokens) if (structure.statementStarts.has(t.start)) statementTokens.add(t);
  // A byte-order mark lexes as whitespace; keep it so an editor sees the same encoding.
  const bom = text.startsWith("\ufeff") ? "\ufeff" : "";
  const out = bom + layoutLines({
    text,
    tokens: lexed.tokens,
    statementTokens,
    facts: analyzeTokens(lexed.tokens),
    pads: settingPads(lexed.tokens, structure.settingBlocks),
    eol: /\r\n?|\n/.exec(text)?.[0] === "\r\n" ? "\r\n" : "\n",
  });
  const difference = tokenDifference(lexed.tokens, out);
  // Not a user error: a bug here would change a program, so it must not pass silently.
  if (difference !== undefined) throw new Error(`nnc fmt would change ${file}: ${difference}`);
  return { text: out, diagnostics: [], changed: out !== text };
}
