// Runs the vscode-tmgrammar-test syntax tests in test/grammar/syntax/ (`// SYNTAX TEST "source.nn"`
// files: each `^` line asserts the scopes of the source line above it) against grammar/.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./tm-helpers.js";

const BIN = path.join(ROOT, "node_modules", ".bin", "vscode-tmgrammar-test");
const SYNTAX_DIR = path.join(ROOT, "test", "grammar", "syntax");

function runSyntaxTests(pattern: string): { status: number | null; output: string } {
  const result = spawnSync(BIN, ["-g", "grammar/nn.tmLanguage.json", pattern], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, FORCE_COLOR: "0", NO_COLOR: "1" },
    timeout: 60_000,
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe("vscode-tmgrammar-test syntax tests", () => {
  const files = readdirSync(SYNTAX_DIR).filter((n) => n.endsWith(".nn"));

  it("cover comments, definitions, types, expressions and blocks", () => {
    expect(files.sort()).toEqual(["blocks.nn", "comments.nn", "definitions.nn", "expressions.nn", "types.nn"]);
  });

  it("all pass", () => {
    const { status, output } = runSyntaxTests("test/grammar/syntax/*.nn");
    expect(output).not.toMatch(/failed|ERROR/);
    expect(status, output).toBe(0);
    const passed = output.split("\n").filter((l) => /run successfuly\.$/.test(l));
    expect(passed.map((l) => path.basename(l.replace(/ run successfuly\.$/, "")))).toEqual(expect.arrayContaining(files));
    expect(passed).toHaveLength(files.length);
  });

  it("a wrong assertion fails the run (the runner is not vacuous)", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "nn-syntax-"));
    try {
      const file = path.join(dir, "wrong.nn");
      writeFileSync(file, ['// SYNTAX TEST "source.nn"', "model M(x: f32[B, 2]) -> f32[B, 2] { x }", "//    ^ constant.numeric.integer.nn", ""].join("\n"));
      const { status, output } = runSyntaxTests(file);
      expect(status).not.toBe(0);
      expect(output).toContain("wrong.nn failed");
      expect(output).toContain("missing required scopes: constant.numeric.integer.nn");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
