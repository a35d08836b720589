// Document and range formatting with the formatter of `nnc fmt` (src/format). A text that does not
// parse is never edited. The formatter keeps every line break, so a range is formatted by formatting
// the whole text and taking the range's lines from the result.
import type { DocumentFormattingParams, DocumentRangeFormattingParams, Range, TextEdit } from "vscode-languageserver/node";
import { formatSource } from "../format/format.js";
import { parseSource } from "../parser/parse.js";
import { LineIndex, uriToPath } from "./positions.js";
import type { Feature } from "./server.js";

/** The formatted text, or undefined when the text does not parse, is already formatted, or the formatter failed. */
export function formattedText(text: string, file: string): string | undefined {
  if (parseSource(text, file).diagnostics.some((d) => d.severity === "error")) return undefined;
  try {
    const r = formatSource(text, file);
    return r.changed && !r.diagnostics.length ? r.text : undefined;
  } catch {
    // The formatter refuses output that would change the program; the editor just gets no edit.
    return undefined;
  }
}

/** One edit replacing the whole text, or none. */
export function documentEdits(text: string, file: string): TextEdit[] {
  const out = formattedText(text, file);
  if (out === undefined) return [];
  return [{ range: new LineIndex(text).range(0, text.length), newText: out }];
}

/** One edit replacing the lines the range touches with their formatted form, or none. */
export function rangeEdits(text: string, file: string, r: Range): TextEdit[] {
  const out = formattedText(text, file);
  if (out === undefined) return [];
  const before = new LineIndex(text), after = new LineIndex(out);
  // Only when lines correspond one to one (the formatter keeps line breaks; a final newline may differ).
  if (before.lineCount !== after.lineCount) return [];
  const first = r.start.line;
  // A range ending at the start of a line does not include that line.
  const last = r.end.character === 0 && r.end.line > r.start.line ? r.end.line - 1 : r.end.line;
  const lineStart = (li: LineIndex, t: string, line: number) => (line >= li.lineCount ? t.length : li.offsetAt({ line, character: 0 }));
  const [s0, e0] = [lineStart(before, text, first), lineStart(before, text, last + 1)];
  const [s1, e1] = [lineStart(after, out, first), lineStart(after, out, last + 1)];
  const oldText = text.slice(s0, e0), newText = out.slice(s1, e1);
  return oldText === newText ? [] : [{ range: before.range(s0, e0), newText }];
}

export const formattingFeature: Feature = {
  name: "formatting",
  capabilities: { documentFormattingProvider: true, documentRangeFormattingProvider: true },
  register(ctx) {
    const textOf = (uri: string) => (ctx.workspace.isOurs(uri) ? ctx.documents.get(uri)?.getText() : undefined);
    ctx.connection.onDocumentFormatting(ctx.guard("formatting", [], (p: DocumentFormattingParams): TextEdit[] => {
      const text = textOf(p.textDocument.uri);
      return text === undefined ? [] : documentEdits(text, uriToPath(p.textDocument.uri));
    }));
    ctx.connection.onDocumentRangeFormatting(ctx.guard("range formatting", [], (p: DocumentRangeFormattingParams): TextEdit[] => {
      const text = textOf(p.textDocument.uri);
      return text === undefined ? [] : rangeEdits(text, uriToPath(p.textDocument.uri), p.range);
    }));
  },
};
