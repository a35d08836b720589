// Shared test helpers: check a .nn file and verify the IR of every model it elaborates.
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import { check } from "../../src/checker.js";
import { verifyGraph } from "../../src/ir/verify.js";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export type Checked = ReturnType<typeof check>;

/** Problems the verifier finds in each model graph of a check result, by model name (only non-empty lists). */
export function verifyModels(r: Checked): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, m] of r.models) {
    const problems = verifyGraph(m.graph);
    if (problems.length) out[name] = problems;
  }
  return out;
}

/**
 * Checks `file` (or `text` under that name) and asserts that the IR verifier accepts every model graph.
 * Elaboration is the only pass today; run this after every pass that rewrites graphs, too.
 */
export function checkAndVerify(file: string, text?: string): Checked {
  const r = check(file, text);
  expect(verifyModels(r), `IR verifier on ${path.relative(ROOT, file)}`).toEqual({});
  return r;
}

/** The errors of a check result as "code line:col message" lines (for readable assertion failures). */
export function errorsOf(r: Checked): string[] {
  return r.diagnostics.filter((d) => d.severity === "error").map((d) => `${d.code} ${d.span.file}:${d.span.line}:${d.span.col} ${d.message}`);
}
