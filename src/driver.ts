// The front end's one entry point for tools (CLI, tests, later the LSP): load → parse → elaborate → check.
import * as fs from "node:fs";
import * as path from "node:path";
import type { Diagnostic } from "./diag/diagnostic.js";
import { noSpan } from "./diag/diagnostic.js";

export interface SummaryRow {
  /** Keras-style auto name: dense, dense_1, conv2d_2 … */
  name: string;
  /** The layer (or op) that produced the row, e.g. `dense`, `conv2d`, `+`. */
  type: string;
  /** Output shape with the symbolic batch, e.g. `[B, 128]`. */
  outputShape: string;
  params: number;
  trainable: number;
  nonTrainable: number;
}

export interface ModelSummary {
  model: string;
  inputs: { name: string; type: string }[];
  rows: SummaryRow[];
  total: number;
  trainable: number;
  nonTrainable: number;
}

export interface CheckResult {
  /** The file that was checked. */
  entry: string;
  diagnostics: Diagnostic[];
  /** Source text of every file that was read (for rendering diagnostics). */
  sources: Map<string, string>;
  /** One summary per model that elaborated. */
  summaries: ModelSummary[];
  /** The model named by the file's `train` block, if any. */
  trainedModel?: string;
  /** Text dump of the graph IR of every model. */
  irText: string;
}

export interface CheckOptions {
  /** Source text to use instead of reading `entry` from disk (editors, tests). */
  text?: string;
  /** Absolute path → unsaved text of other files (imports), read instead of the disk copy. */
  overlay?: ReadonlyMap<string, string>;
}

let impl: ((entry: string, opts: CheckOptions) => CheckResult) | undefined;
/** The elaborator registers itself here (keeps this file free of import cycles). */
export function registerChecker(f: (entry: string, opts: CheckOptions) => CheckResult): void {
  impl = f;
}

export function checkFile(entry: string, opts: CheckOptions = {}): CheckResult {
  if (!impl) throw new Error("internal: checker not registered");
  return impl(entry, opts);
}

export const MANIFEST = "nnc.json";

/**
 * Finds the project's entry file in `dir`: `nnc.json`'s "entry", else the single `.nn` file with a
 * `train` block. Returns a diagnostic (code E0900–E0903) when there is none or more than one.
 */
export function findEntry(dir: string): { file?: string; diagnostics: Diagnostic[] } {
  const manifest = path.join(dir, MANIFEST);
  const err = (code: string, message: string, notes?: string[]) => ({
    diagnostics: [{ code, severity: "error" as const, message, span: noSpan(path.relative(process.cwd(), dir) || "."), notes }],
  });
  if (fs.existsSync(manifest)) {
    let entry: unknown;
    try {
      entry = (JSON.parse(fs.readFileSync(manifest, "utf8")) as { entry?: unknown }).entry;
    } catch (e) {
      return err("E0901", `${MANIFEST} is not valid JSON: ${(e as Error).message}`);
    }
    if (typeof entry !== "string") return err("E0901", `${MANIFEST} has no "entry" string`, ['example: { "entry": "main.nn" }']);
    const file = path.join(dir, entry);
    if (!fs.existsSync(file)) return err("E0902", `${MANIFEST} names entry "${entry}", which does not exist`);
    return { file, diagnostics: [] };
  }
  let names: string[] = [];
  try {
    names = fs.readdirSync(dir).filter((n) => n.endsWith(".nn")).sort();
  } catch {
    return err("E0900", `cannot read folder ${dir}`);
  }
  const withTrain = names.filter((n) => /^\s*train\s+\w+/m.test(fs.readFileSync(path.join(dir, n), "utf8")));
  if (withTrain.length === 1) return { file: path.join(dir, withTrain[0]!), diagnostics: [] };
  if (withTrain.length === 0) {
    return err("E0900", "no entry point: no nnc.json and no .nn file with a `train` block in this folder", [
      "pass a file (`nnc check model.nn`), or run `nnc init` to create a project",
    ]);
  }
  return err("E0903", `several .nn files have a \`train\` block: ${withTrain.join(", ")}`, [
    `name one in ${MANIFEST} ({ "entry": "${withTrain[0]}" }) or pass the file`,
  ]);
}
