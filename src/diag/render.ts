// Renders diagnostics for people (rustc-style text) and for tools (plain JSON).
//
//   error[E0301]: matmul: inner dimensions differ: f32[B, 784] @ f32[100, 10]
//     --> examples/foo.nn:5:12
//      |
//    5 |   image |> dense(10)
//      |            ^^^^^^^^^
//      |
//      = note: …
//      = help: insert `flatten` before `dense`
//     ::: examples/foo.nn:3:4
//      |
//    3 | model Mlp(image: f32[B, 28, 28]) -> f32[B, 10] {
//      |    ^^^ the related message
import type { Diagnostic, Severity, Span } from "./diagnostic.js";

export interface RenderOptions {
  /** Emit ANSI colour codes. Default false. */
  color?: boolean;
}

export interface RenderAllOptions extends RenderOptions {
  /** The file that was checked; named in the final summary line. */
  file?: string;
}

const TAB = "    ";

interface Paint {
  sev(s: Severity, text: string): string;
  bold(text: string): string;
  gutter(text: string): string;
}

const plain: Paint = { sev: (_s, t) => t, bold: (t) => t, gutter: (t) => t };
const SEV_CODE: Record<Severity, string> = { error: "31", warning: "33", note: "36" };
const ansi: Paint = {
  sev: (s, t) => `\x1b[1;${SEV_CODE[s]}m${t}\x1b[0m`,
  bold: (t) => `\x1b[1m${t}\x1b[0m`,
  gutter: (t) => `\x1b[1;34m${t}\x1b[0m`,
};

/** The 1-based line `line` of `text` (without its line break), or undefined when out of range. */
function sourceLine(text: string, line: number): string | undefined {
  const lines = text.split(/\r?\n/);
  return line >= 1 && line <= lines.length ? lines[line - 1] : undefined;
}

/** Width of `s` on screen with tabs expanded the way the snippet expands them. */
const displayWidth = (s: string): number => s.replace(/\t/g, TAB).length;

/** True for the placeholder span `noSpan()` makes: it names a file but no place in it. */
const isPlaceless = (s: Span): boolean => s.start === 0 && s.end === 0 && s.line === 1 && s.col === 1 && s.endLine === 1 && s.endCol === 1;

interface Snippet {
  lineNo: number;
  text: string;
  caretCol: number; // 0-based display column
  caretLen: number;
}

function snippetFor(span: Span, sources: Map<string, string>): Snippet | undefined {
  const text = sources.get(span.file);
  if (text === undefined) return undefined;
  const line = sourceLine(text, span.line);
  if (line === undefined) return undefined;
  const startIdx = Math.max(0, span.col - 1);
  const caretCol = displayWidth(line.slice(0, startIdx)) + Math.max(0, startIdx - line.length);
  let caretLen: number;
  if (span.endLine > span.line) caretLen = displayWidth(line.slice(startIdx));
  else caretLen = displayWidth(line.slice(startIdx, Math.max(startIdx, span.endCol - 1))) + Math.max(0, span.endCol - 1 - Math.max(startIdx, line.length));
  return { lineNo: span.line, text: line.replace(/\t/g, TAB), caretCol, caretLen: Math.max(1, caretLen) };
}

function location(span: Span, hasSnippet: boolean): string {
  return !hasSnippet && isPlaceless(span) ? span.file : `${span.file}:${span.line}:${span.col}`;
}

/** Renders one diagnostic as text (no trailing newline). Source lines come from `sources` (file → text). */
export function renderDiagnostic(d: Diagnostic, sources: Map<string, string>, opts: RenderOptions = {}): string {
  const p = opts.color ? ansi : plain;
  const main = snippetFor(d.span, sources);
  const related = (d.related ?? []).map((r) => ({ r, snip: snippetFor(r.span, sources) }));
  const width = Math.max(1, ...[main, ...related.map((x) => x.snip)].map((s) => (s ? String(s.lineNo).length : 1)));
  const pad = " ".repeat(width + 1);
  const bar = p.gutter(`${pad} |`);
  const out: string[] = [];

  const header = d.code ? `${d.severity}[${d.code}]` : d.severity;
  out.push(`${p.sev(d.severity, header)}${p.bold(`: ${d.message}`)}`);

  const snippet = (s: Snippet, sev: Severity, label?: string) => {
    out.push(bar);
    out.push(`${p.gutter(` ${String(s.lineNo).padStart(width)} |`)} ${s.text}`.trimEnd());
    const carets = p.sev(sev, "^".repeat(s.caretLen) + (label ? ` ${label}` : ""));
    out.push(`${bar} ${" ".repeat(s.caretCol)}${carets}`);
  };

  out.push(`${p.gutter(`${pad}-->`)} ${location(d.span, !!main)}`);
  if (main) snippet(main, d.severity);

  const extras: string[] = [];
  for (const n of d.notes ?? []) extras.push(`${p.gutter(`${pad} =`)} ${p.bold("note")}: ${indentMore(n, width)}`);
  if (d.fix) extras.push(`${p.gutter(`${pad} =`)} ${p.bold("help")}: ${indentMore(d.fix.message, width)}`);
  if (extras.length) {
    if (main) out.push(bar);
    out.push(...extras);
  }

  for (const { r, snip } of related) {
    if (snip) {
      out.push(`${p.gutter(`${pad}:::`)} ${location(r.span, true)}`);
      snippet(snip, "note", r.message);
    } else {
      out.push(`${p.gutter(`${pad}:::`)} ${location(r.span, false)}: ${r.message}`);
    }
  }
  return out.join("\n");
}

/** Continuation lines of a multi-line note line up under its first line. */
function indentMore(text: string, width: number): string {
  return text.replace(/\n/g, `\n${" ".repeat(width + 1)}   `);
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** "2 errors, 1 warning" (a part is left out when its count is 0). */
export function countSummary(ds: Diagnostic[]): string {
  const errors = ds.filter((d) => d.severity === "error").length;
  const warnings = ds.filter((d) => d.severity === "warning").length;
  const parts: string[] = [];
  if (errors) parts.push(plural(errors, "error"));
  if (warnings) parts.push(plural(warnings, "warning"));
  return parts.join(", ");
}

/**
 * Renders every diagnostic (in the order given), separated by blank lines, then one summary line:
 *   `error: could not check FILE: 2 errors, 1 warning`   (when there is an error)
 *   `warning: FILE: 1 warning emitted`                    (warnings only)
 * Returns "" for no diagnostics; otherwise the text ends with a newline.
 */
export function renderDiagnostics(ds: Diagnostic[], sources: Map<string, string>, opts: RenderAllOptions = {}): string {
  if (ds.length === 0) return "";
  const p = opts.color ? ansi : plain;
  const blocks = ds.map((d) => renderDiagnostic(d, sources, opts));
  const counts = countSummary(ds);
  const hasError = ds.some((d) => d.severity === "error");
  let last = "";
  if (hasError) last = `${p.sev("error", "error")}${p.bold(`: ${opts.file ? `could not check ${opts.file}` : "aborting"}: ${counts}`)}`;
  else if (counts) last = `${p.sev("warning", "warning")}${p.bold(`: ${opts.file ? `${opts.file}: ` : ""}${counts} emitted`)}`;
  return blocks.join("\n\n") + "\n" + (last ? `\n${last}\n` : "");
}

export interface JsonLocation {
  file: string;
  line: number;
  col: number;
  endLine: number;
  endCol: number;
}

export interface JsonDiagnostic extends JsonLocation {
  code: string;
  severity: Severity;
  message: string;
  notes: string[];
  related: (JsonLocation & { message: string })[];
  /** `replacement` and the location fields are present only when the fix has them. */
  fix: ({ message: string; replacement?: string } & Partial<JsonLocation>) | null;
}

const loc = (s: Span): JsonLocation => ({ file: s.file, line: s.line, col: s.col, endLine: s.endLine, endCol: s.endCol });

/** Plain JSON-able objects, one per diagnostic, in the order given. */
export function diagnosticsToJson(ds: Diagnostic[]): JsonDiagnostic[] {
  return ds.map((d) => {
    let fix: JsonDiagnostic["fix"] = null;
    if (d.fix) {
      fix = { message: d.fix.message };
      if (d.fix.span) Object.assign(fix, loc(d.fix.span));
      if (d.fix.replacement !== undefined) fix.replacement = d.fix.replacement;
    }
    return {
      code: d.code,
      severity: d.severity,
      message: d.message,
      ...loc(d.span),
      notes: [...(d.notes ?? [])],
      related: (d.related ?? []).map((r) => ({ ...loc(r.span), message: r.message })),
      fix,
    };
  });
}
