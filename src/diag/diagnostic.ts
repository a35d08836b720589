// Diagnostics: every stage returns these instead of throwing on user error.

/** A half-open character range in one source file, with 1-based line/column of its start. */
export interface Span {
  file: string;
  start: number;
  end: number;
  line: number;
  col: number;
  endLine: number;
  endCol: number;
}

export type Severity = "error" | "warning" | "note";

export interface Related {
  span: Span;
  message: string;
}

export interface Diagnostic {
  code: string;
  severity: Severity;
  message: string;
  span: Span;
  /** Extra explanation, e.g. where a dimension came from. */
  notes?: string[];
  /** Other places in the source that explain this error. */
  related?: Related[];
  /** A suggested fix in words ("insert `flatten` before `dense`"), optionally with a replacement. */
  fix?: { message: string; span?: Span; replacement?: string };
}

export const noSpan = (file = "<unknown>"): Span => ({
  file, start: 0, end: 0, line: 1, col: 1, endLine: 1, endCol: 1,
});

/** Collects diagnostics for one run of the front end. */
export class DiagnosticBag {
  readonly items: Diagnostic[] = [];

  error(code: string, span: Span, message: string, extra: Partial<Diagnostic> = {}): Diagnostic {
    const d: Diagnostic = { code, severity: "error", message, span, ...extra };
    this.items.push(d);
    return d;
  }

  warning(code: string, span: Span, message: string, extra: Partial<Diagnostic> = {}): Diagnostic {
    const d: Diagnostic = { code, severity: "warning", message, span, ...extra };
    this.items.push(d);
    return d;
  }

  get hasErrors(): boolean {
    return this.items.some((d) => d.severity === "error");
  }
}

export function spanUnion(a: Span, b: Span): Span {
  if (a.file !== b.file) return a;
  const first = a.start <= b.start ? a : b;
  const last = a.end >= b.end ? a : b;
  return { file: a.file, start: first.start, line: first.line, col: first.col, end: last.end, endLine: last.endLine, endCol: last.endCol };
}

export function sortDiagnostics(ds: Diagnostic[]): Diagnostic[] {
  return [...ds].sort((a, b) => a.span.file.localeCompare(b.span.file) || a.span.start - b.span.start || a.code.localeCompare(b.code));
}
