// The bodies of `nnc check` and `nnc summary`. Each returns an exit code.
import * as fs from "node:fs";
import * as path from "node:path";
import { checkFile, findEntry, type CheckResult, type ModelSummary } from "../driver.js";
import { noSpan, type Diagnostic } from "../diag/diagnostic.js";
import { countSummary, diagnosticsToJson, renderDiagnostics } from "../diag/render.js";
import { displayPath, Exit, stderrColor, type CliIo } from "./io.js";
import { renderSummaryTable } from "./summary-table.js";

export type Format = "text" | "json";

/**
 * The file a command works on: the one given (a folder is searched like the working folder), else the
 * working folder's entry (nnc.json's "entry", else the only .nn file with a `train` block).
 */
export function resolveEntry(file: string | undefined): { file?: string; diagnostics: Diagnostic[] } {
  if (file === undefined) return shown(findEntry(process.cwd()));
  let stat: fs.Stats | undefined;
  try {
    stat = fs.statSync(file);
  } catch {
    stat = undefined;
  }
  if (!stat) {
    const hint = path.extname(file) === "" && fs.existsSync(`${file}.nn`) ? [`did you mean ${file}.nn?`] : undefined;
    return { diagnostics: [{ code: "E0901", severity: "error", message: `cannot read ${file}: no such file`, span: noSpan(file), notes: hint }] };
  }
  if (stat.isDirectory()) return shown(findEntry(path.resolve(file)));
  return { file, diagnostics: [] };
}

const shown = (r: { file?: string; diagnostics: Diagnostic[] }) => (r.file ? { ...r, file: displayPath(r.file) } : r);

const hasErrors = (ds: Diagnostic[]) => ds.some((d) => d.severity === "error");

function printDiagnostics(io: CliIo, ds: Diagnostic[], sources: Map<string, string>, file: string | undefined): void {
  if (ds.length) io.stderr.write(renderDiagnostics(ds, sources, { color: stderrColor(io), file }));
}

function printJson(io: CliIo, value: unknown): void {
  io.stdout.write(JSON.stringify(value, null, 2) + "\n");
}

/** Resolves the entry and runs the front end; `{ exit }` (after printing why) when there is no entry. */
function runFrontEnd(file: string | undefined, format: Format, io: CliIo): CheckResult | { exit: number } {
  const entry = resolveEntry(file);
  if (!entry.file) {
    if (format === "json") printJson(io, { file: file ?? null, diagnostics: diagnosticsToJson(entry.diagnostics) });
    else printDiagnostics(io, entry.diagnostics, new Map(), file ?? "the project in this folder");
    return { exit: Exit.errors };
  }
  return checkFile(entry.file);
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

export function checkCommand(file: string | undefined, opts: { format: Format }, io: CliIo): number {
  const r = runFrontEnd(file, opts.format, io);
  if ("exit" in r) return r.exit;
  const failed = hasErrors(r.diagnostics);
  if (opts.format === "json") {
    printJson(io, { file: r.entry, diagnostics: diagnosticsToJson(r.diagnostics) });
  } else {
    printDiagnostics(io, r.diagnostics, r.sources, r.entry);
    if (!failed) {
      const warnings = countSummary(r.diagnostics.filter((d) => d.severity === "warning"));
      io.stdout.write(`ok: ${r.entry} (${plural(r.summaries.length, "model")}, 0 errors${warnings ? `, ${warnings}` : ""})\n`);
    }
  }
  return failed ? Exit.errors : Exit.ok;
}

/** The summaries to show: --model's, else the trained model's, else all. */
function pickSummaries(r: CheckResult, model: string | undefined): ModelSummary[] | string {
  const names = r.summaries.map((s) => s.model);
  if (model !== undefined) {
    const s = r.summaries.find((x) => x.model === model);
    if (s) return [s];
    const known = names.length ? `the models in ${r.entry} are: ${names.join(", ")}` : `${r.entry} defines no models`;
    return `error: no model named '${model}'; ${known}\n`;
  }
  const trained = r.trainedModel !== undefined ? r.summaries.find((x) => x.model === r.trainedModel) : undefined;
  return trained ? [trained] : r.summaries;
}

export function summaryCommand(file: string | undefined, opts: { format: Format; model?: string }, io: CliIo): number {
  const r = runFrontEnd(file, opts.format, io);
  if ("exit" in r) return r.exit;
  if (hasErrors(r.diagnostics)) {
    if (opts.format === "json") printJson(io, { file: r.entry, diagnostics: diagnosticsToJson(r.diagnostics) });
    else printDiagnostics(io, r.diagnostics, r.sources, r.entry);
    return Exit.errors;
  }
  if (opts.format === "text") printDiagnostics(io, r.diagnostics, r.sources, r.entry);
  const picked = pickSummaries(r, opts.model);
  if (typeof picked === "string") {
    io.stderr.write(picked);
    return Exit.usage;
  }
  if (opts.format === "json") {
    printJson(io, picked);
  } else if (picked.length === 0) {
    io.stdout.write(`${r.entry} defines no models\n`);
  } else {
    io.stdout.write(picked.map(renderSummaryTable).join("\n\n") + "\n");
  }
  return Exit.ok;
}
