// Invalid programs (test/fixtures/invalid/NNN-name.nn) and the diagnostics they must produce.
//
// Each fixture states its expectations in header comments:
//   // expect: E0305 at 4:12                  an error (or the named warning) with this code at line:col
//   // expect: E0203 at lib/other.nn:2:8      … in another file, relative to the fixture folder
//   // expect-fix: E0201 `relu`               the diagnostic with this code has a fix whose message contains the text
//   // expect-message: E0002 an expression    the diagnostic with this code has a message containing the text
// The error diagnostics must be exactly the `expect:` list (no extra errors, no duplicates).
// Files in subfolders (lib/) are helpers for imports, not fixtures.
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import "../../src/checker.js";
import { checkFile } from "../../src/driver.js";
import type { Diagnostic } from "../../src/diag/diagnostic.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const FIXTURES = path.join(ROOT, "test/fixtures/invalid");
const EXAMPLES = path.join(ROOT, "examples");

interface Expectation { code: string; file: string; line: number; col: number }
interface TextExpectation { code: string; text: string }
interface Fixture {
  name: string;
  file: string;
  text: string;
  expects: Expectation[];
  fixes: TextExpectation[];
  messages: TextExpectation[];
}

function parseFixture(name: string): Fixture {
  const file = path.join(FIXTURES, name);
  const text = fs.readFileSync(file, "utf8");
  const fx: Fixture = { name, file, text, expects: [], fixes: [], messages: [] };
  for (const line of text.split("\n")) {
    let m = /^\s*\/\/\s*expect:\s*([EW]\d{4})\s+at\s+(?:(\S+):)?(\d+):(\d+)\s*$/.exec(line);
    if (m) {
      fx.expects.push({ code: m[1]!, file: m[2] ? path.join(FIXTURES, m[2]) : file, line: Number(m[3]), col: Number(m[4]) });
      continue;
    }
    m = /^\s*\/\/\s*expect-(fix|message):\s*([EW]\d{4})\s+(.+?)\s*$/.exec(line);
    if (m) {
      (m[1] === "fix" ? fx.fixes : fx.messages).push({ code: m[2]!, text: m[3]! });
      continue;
    }
    if (/^\s*\/\/\s*expect/.test(line)) throw new Error(`${name}: malformed expectation line: ${line}`);
  }
  return fx;
}

/** Checks a file the way the CLI does: the path relative to the working folder. */
function check(file: string, text?: string): Diagnostic[] {
  const rel = path.relative(process.cwd(), file) || file;
  return checkFile(rel, { text: text ?? fs.readFileSync(file, "utf8") }).diagnostics;
}

const key = (code: string, file: string, line: number, col: number) =>
  `${code} at ${path.relative(FIXTURES, path.resolve(file)) || path.basename(file)}:${line}:${col}`;

const show = (ds: Diagnostic[]) =>
  ds.map((d) => `${key(d.code, d.span.file, d.span.line, d.span.col)} [${d.severity}] ${d.message}${d.fix ? ` (fix: ${d.fix.message})` : ""}`).join("\n");

/** The shape every diagnostic must have, whatever the program. */
function expectWellFormed(ds: Diagnostic[]): void {
  for (const d of ds) {
    const where = `${d.code} ${d.message}`;
    expect(d.code, where).toMatch(/^[EW]\d{4}$/);
    expect(d.code, `internal compiler error: ${where}\n${(d.notes ?? []).join("\n")}`).not.toBe("E9999");
    expect(typeof d.message === "string" && d.message.trim().length > 0, where).toBe(true);
    expect(d.span, where).toBeDefined();
    expect(typeof d.span.file === "string" && d.span.file.length > 0, where).toBe(true);
    expect(d.span.line, where).toBeGreaterThanOrEqual(1);
    expect(d.span.col, where).toBeGreaterThanOrEqual(1);
  }
}

const fixtureNames = fs.readdirSync(FIXTURES).filter((n) => n.endsWith(".nn") && fs.statSync(path.join(FIXTURES, n)).isFile()).sort();

describe("invalid programs", () => {
  test("there are at least 45 fixtures, each with an expectation", () => {
    expect(fixtureNames.length).toBeGreaterThanOrEqual(45);
    for (const n of fixtureNames) {
      expect(n, "fixture names look like NNN-short-name.nn").toMatch(/^\d{3}-[a-z0-9-]+\.nn$/);
      expect(parseFixture(n).expects.length, `${n} has no \`// expect:\` line`).toBeGreaterThan(0);
    }
  });

  test.each(fixtureNames)("%s", (name) => {
    const fx = parseFixture(name);
    const ds = check(fx.file, fx.text);
    expectWellFormed(ds);

    // Exactly the expected errors (as a multiset: a duplicate report is an extra error), plus any
    // warning whose code is expected.
    const codes = new Set(fx.expects.map((e) => e.code));
    const relevant = ds.filter((d) => d.severity === "error" || codes.has(d.code));
    const actual = relevant.map((d) => key(d.code, d.span.file, d.span.line, d.span.col)).sort();
    const wanted = fx.expects.map((e) => key(e.code, e.file, e.line, e.col)).sort();
    expect(actual, `diagnostics reported:\n${show(ds) || "(none)"}`).toEqual(wanted);

    for (const f of fx.fixes) {
      const withCode = ds.filter((d) => d.code === f.code);
      expect(
        withCode.some((d) => d.fix?.message.includes(f.text)),
        `expected a ${f.code} whose fix mentions ${f.text}; got:\n${show(withCode) || "(none)"}`,
      ).toBe(true);
    }
    for (const m of fx.messages) {
      const withCode = ds.filter((d) => d.code === m.code);
      expect(
        withCode.some((d) => d.message.includes(m.text)),
        `expected a ${m.code} whose message mentions ${m.text}; got:\n${show(withCode) || "(none)"}`,
      ).toBe(true);
    }
  });
});

describe("docs/diagnostics.md", () => {
  test("lists every diagnostic code the compiler can emit", () => {
    const doc = fs.readFileSync(path.join(ROOT, "docs/diagnostics.md"), "utf8");
    const documented = new Set([...doc.matchAll(/^\| ([EW]\d{4}) \|/gm)].map((m) => m[1]!));
    const emitted = new Set<string>();
    const walk = (dir: string): void => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.name.endsWith(".ts")) for (const m of fs.readFileSync(p, "utf8").matchAll(/"([EW]\d{4})"/g)) emitted.add(m[1]!);
      }
    };
    walk(path.join(ROOT, "src"));
    expect([...emitted].filter((c) => !documented.has(c)).sort(), "codes emitted in src/ but missing from the table").toEqual([]);
  });
});

describe("examples", () => {
  const examples = fs.readdirSync(EXAMPLES).filter((n) => n.endsWith(".nn")).sort();

  test("there are examples", () => {
    expect(examples.length).toBeGreaterThan(0);
  });

  test.each(examples)("%s checks with zero errors", (name) => {
    const ds = check(path.join(EXAMPLES, name));
    expectWellFormed(ds);
    const errors = ds.filter((d) => d.severity === "error");
    expect(errors, show(errors)).toEqual([]);
  });
});
