// Our diagnostics → LSP diagnostics: code, severity, the message with its notes and help, related
// locations (where a dimension came from), and the suggested fix kept in `data` for code actions.
import {
  type Diagnostic as LspDiagnostic, DiagnosticSeverity, type DiagnosticRelatedInformation, type Range,
} from "vscode-languageserver/node";
import type { Diagnostic, Severity, Span } from "../diag/diagnostic.js";
import type { LineIndex } from "./positions.js";

/** What `Diagnostic.data` holds: the checker's suggested fix, with its range in the same document. */
export interface DiagnosticData {
  fix?: { message: string; range?: Range; replacement?: string };
}

/** Where a span's file is for the client, and its line table (undefined when the text is unknown). */
export type Locate = (span: Span) => { uri: string; lines?: LineIndex } | undefined;

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  note: DiagnosticSeverity.Information,
};

/** The message as the terminal renders it, less the source excerpt: notes and help follow on their own lines. */
export function messageText(d: Diagnostic): string {
  const parts = [d.message];
  for (const n of d.notes ?? []) if (n.trim()) parts.push(`note: ${n}`);
  if (d.fix) parts.push(`help: ${d.fix.message}`);
  return parts.join("\n");
}

export function toLspDiagnostic(d: Diagnostic, lines: LineIndex, locate: Locate): LspDiagnostic {
  const out: LspDiagnostic = {
    range: lines.spanRange(d.span),
    severity: SEVERITY[d.severity],
    code: d.code,
    source: "nnc",
    message: messageText(d),
  };
  const related: DiagnosticRelatedInformation[] = [];
  for (const r of d.related ?? []) {
    const at = locate(r.span);
    if (!at) continue;
    const range = at.lines ? at.lines.spanRange(r.span) : { start: { line: r.span.line - 1, character: r.span.col - 1 }, end: { line: r.span.endLine - 1, character: r.span.endCol - 1 } };
    related.push({ location: { uri: at.uri, range }, message: r.message });
  }
  if (related.length) out.relatedInformation = related;
  if (d.fix) {
    const data: DiagnosticData = {
      fix: {
        message: d.fix.message,
        // A replacement only makes sense in this document.
        ...(d.fix.span && d.fix.span.file === d.span.file ? { range: lines.spanRange(d.fix.span) } : {}),
        ...(d.fix.replacement !== undefined ? { replacement: d.fix.replacement } : {}),
      },
    };
    out.data = data;
  }
  return out;
}
