// Random edits of the examples and the stdlib (seeded, so failures reproduce): the formatter never
// throws; a source that parses formats to the same AST and to a fixed point; one that does not parse
// comes back unchanged. Whitespace and comment edits keep most sources parsing; the others break them.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { formatSource } from "../../src/format/format.js";
import { ROOT } from "../run-cli.js";
import { astWithoutSpans, prng } from "./helpers.js";

const sources = ["examples", "stdlib"].flatMap((dir) =>
  fs.readdirSync(path.join(ROOT, dir)).filter((f) => f.endsWith(".nn")).map((f) => fs.readFileSync(path.join(ROOT, dir, f), "utf8")),
);

const LAYOUT = [" ", "  ", "\t", "\n", "\n\n\n", "\r\n", "\n      ", "// c\n", "/* b */", "/* two\n lines */", "///doc\n", "/**/"];
const CODE = ["(", ")", "{", "}", "[", "]", ",", "-", "\n-", "\n(", "|>", "\n  |> relu", ";", "=", ":", "x", "1", "'", "$"];

function mutant(rnd: () => number, pieces: string[]): string {
  let text = sources[Math.floor(rnd() * sources.length)]!;
  const edits = 1 + Math.floor(rnd() * 5);
  for (let k = 0; k < edits; k++) {
    const at = Math.floor(rnd() * (text.length + 1));
    if (rnd() < 0.2) text = text.slice(0, at) + text.slice(at + 1 + Math.floor(rnd() * 3));
    else text = text.slice(0, at) + pieces[Math.floor(rnd() * pieces.length)] + text.slice(at);
  }
  return text;
}

function checkOne(text: string): "formatted" | "unchanged" {
  const r = formatSource(text);
  if (r.diagnostics.length) {
    expect(r.text).toBe(text);
    return "unchanged";
  }
  expect(astWithoutSpans(r.text)).toEqual(astWithoutSpans(text));
  expect(formatSource(r.text).text).toBe(r.text);
  return "formatted";
}

describe("formatter fuzz", () => {
  it.each([
    ["whitespace and comment edits", LAYOUT, 0x666d74],
    ["edits that break the syntax", [...LAYOUT, ...CODE], 0x6e6e63],
  ] as const)("%s", (_name, pieces, seed) => {
    const rnd = prng(seed);
    const seen = { formatted: 0, unchanged: 0 };
    for (let i = 0; i < 600; i++) {
      const text = mutant(rnd, [...pieces]);
      try {
        seen[checkOne(text)]++;
      } catch (e) {
        throw new Error(`mutant ${i} (seed ${seed}) failed:\n${text}\n${(e as Error).message}`);
      }
    }
    // Both outcomes occur, so both paths are exercised.
    expect(seen.formatted).toBeGreaterThan(100);
    expect(seen.unchanged).toBeGreaterThan(50);
  });
});
