// The formatter on every .nn file of the repository: examples, the stdlib and the test fixtures. Files that
// parse format to the same AST and to a fixed point; the examples and the stdlib are already in the
// formatter's style (it was chosen to leave them alone); files with syntax errors come back unchanged.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import * as T from "../../grammar/tokens.js";
import { formatSource } from "../../src/format/format.js";
import { lexWithComments } from "../../src/format/lexer.js";
import { ROOT } from "../run-cli.js";
import { astWithoutSpans, prng } from "./helpers.js";

function nnFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...nnFiles(rel));
    else if (e.name.endsWith(".nn")) out.push(rel);
  }
  return out.sort();
}

const styleSources = [...nnFiles("examples"), ...nnFiles("stdlib")];
const fixtures = nnFiles("test/fixtures");
const read = (rel: string) => fs.readFileSync(path.join(ROOT, rel), "utf8");

describe("examples and stdlib", () => {
  it("finds the files", () => {
    expect(styleSources.length).toBeGreaterThanOrEqual(24);
  });

  it.each(styleSources)("%s is already formatted", (rel) => {
    const r = formatSource(read(rel), rel);
    expect(r.diagnostics).toEqual([]);
    expect(r.text).toBe(read(rel));
    expect(r.changed).toBe(false);
  });
});

/**
 * `text` with its layout disturbed and nothing else: random indentation (spaces and tabs), random spaces
 * between tokens (never removing the only space between two tokens), extra blank lines and trailing
 * spaces. Left alone: the spaces before a setting's `=` or `:` and on lines with a trailing comment (the
 * formatter keeps those columns on purpose).
 */
function scramble(text: string, rnd: () => number): string {
  const { tokens } = lexWithComments(text);
  const pick = (choices: string[], n: number) => Array.from({ length: n }, () => choices[Math.floor(rnd() * choices.length)]!).join("");
  const frozenLines = new Set<number>();
  let line = 0;
  tokens.forEach((t, i) => {
    if (t.breaksBefore) line++;
    const trailing = (t.comment === "line" || t.comment === "doc") && i > 0 && !t.breaksBefore;
    if (trailing) frozenLines.add(line);
  });
  let out = "\n".repeat(Math.floor(rnd() * 3));
  let prevEnd = 0;
  line = 0;
  tokens.forEach((t, i) => {
    const gap = text.slice(prevEnd, t.start);
    const prev = tokens[i - 1];
    if (t.breaksBefore) {
      line++;
      const blank = t.breaksBefore > 1 ? "\n".repeat(1 + Math.floor(rnd() * 3)) : "";
      out += pick([" ", "\t"], Math.floor(rnd() * 3)) + "\n" + blank + pick([" ", " ", "\t"], Math.floor(rnd() * 9));
    } else if (i === 0 || frozenLines.has(line) || (prev?.type === T.Identifier && (t.type === T.Equals || t.type === T.Colon))) {
      out += gap;
    } else {
      out += gap === "" ? pick([" "], Math.floor(rnd() * 3)) : pick([" ", "\t"], 1 + Math.floor(rnd() * 3));
    }
    out += t.image;
    prevEnd = t.end;
  });
  return out + "\n".repeat(1 + Math.floor(rnd() * 3)) + pick([" "], Math.floor(rnd() * 3));
}

describe("scrambled layout", () => {
  it.each(styleSources)("%s comes back exactly from three scrambles of its whitespace", (rel) => {
    const rnd = prng(rel.length * 7919);
    for (let k = 0; k < 3; k++) {
      const messy = scramble(read(rel), rnd);
      expect(messy).not.toBe(read(rel));
      expect(formatSource(messy, rel).text).toBe(read(rel));
    }
  });
});

describe("test fixtures", () => {
  const parsing = fixtures.filter((rel) => formatSource(read(rel), rel).diagnostics.length === 0);
  const broken = fixtures.filter((rel) => !parsing.includes(rel));

  it("has fixtures of both kinds", () => {
    expect(parsing.length).toBeGreaterThan(80);
    expect(broken.length).toBeGreaterThanOrEqual(9);
  });

  it.each(parsing)("%s formats to the same AST and to a fixed point", (rel) => {
    const text = read(rel);
    const once = formatSource(text, rel).text;
    expect(astWithoutSpans(once)).toEqual(astWithoutSpans(text));
    expect(formatSource(once, rel).text).toBe(once);
  });

  it.each(broken)("%s does not parse and comes back unchanged, with its syntax errors", (rel) => {
    const text = read(rel);
    const r = formatSource(text, rel);
    expect(r.text).toBe(text);
    expect(r.changed).toBe(false);
    expect(r.diagnostics.length).toBeGreaterThan(0);
    expect(r.diagnostics.every((d) => d.severity === "error" && ["E0001", "E0002", "E0102"].includes(d.code))).toBe(true);
    expect(r.diagnostics.every((d) => d.span.file === rel)).toBe(true);
  });
});
