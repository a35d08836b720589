// The formatter's safety net: the output must hold the same tokens and comments as the input, with a line
// break wherever the input had one (the parser reads `-`, `(` and `[` at a line start as a new
// expression) and a blank line after a `///` line wherever the input had one (it decides what the comment
// documents). Then the parser sees the same program, so the AST is the same but for spans.
import { lexWithComments, type FmtToken } from "./lexer.js";

/** A description of the first difference, or undefined when the output keeps the input's tokens. */
export function tokenDifference(before: FmtToken[], afterText: string): string | undefined {
  const lexed = lexWithComments(afterText);
  if (!lexed.ok) return "the output does not lex";
  const after = lexed.tokens;
  if (after.length !== before.length) return `${before.length} tokens became ${after.length}`;
  for (let i = 0; i < before.length; i++) {
    const a = before[i]!, b = after[i]!;
    const image = (t: FmtToken) => (t.comment === "line" || t.comment === "doc" ? t.image.trimEnd() : t.image);
    if (a.type !== b.type || image(a) !== image(b)) return `token ${i} ${JSON.stringify(a.image)} became ${JSON.stringify(b.image)}`;
    if (i === 0) continue;
    const breaks = (t: FmtToken) => Math.min(t.breaksBefore, before[i - 1]!.comment === "doc" ? 2 : 1);
    if (breaks(a) !== breaks(b)) return `the line structure before token ${i} ${JSON.stringify(a.image)} changed`;
  }
  return undefined;
}
