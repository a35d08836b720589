// Sources that do not parse are returned exactly as they are, with the front end's syntax diagnostics:
// the formatter never guesses at a half-typed program.
import { describe, expect, it } from "vitest";
import { formatSource } from "../../src/format/format.js";
import { parseSource } from "../../src/parser/parse.js";

const cases: [string, string, string, number, number][] = [
  // [what, source, code, line, col] of the first diagnostic
  ["an unclosed block", "model M(x: f32[B, 4]) -> f32[B, 4] {\n  x  |>   relu\n", "E0002", 2, 15],
  ["a missing `)`", "fn f(x: f32[]) {  prim.abs(x  }\n", "E0002", 1, 31],
  ["a single-quoted string", "dataset d {\n  source = csv('a.csv')\n}\n", "E0001", 2, 16],
  ["a character that is not .nn", "fn f(x: f32[]) { x $ x }\n", "E0001", 1, 20],
  ["a setting without a value", "train M on d {\n  loss =\n}\n", "E0002", 3, 1],
  ["an unknown definition kind", "modle M(x: f32[B, 4]) {x}\n", "E0102", 1, 1],
  ["a keyword as a name", "model model(x: f32[B]) { x }\n", "E0002", 1, 7],
  ["half a pipeline", "model M(x: f32[B, 4]) -> f32[B, 4] {\n  x |>\n}\n", "E0002", 3, 1],
];

describe("broken input", () => {
  it.each(cases)("leaves %s unchanged and reports it", (_what, src, code, line, col) => {
    const r = formatSource(src, "typing.nn");
    expect(r.text).toBe(src);
    expect(r.changed).toBe(false);
    expect(r.diagnostics[0]).toMatchObject({ code, severity: "error", span: { file: "typing.nn", line, col } });
    // The same errors `nnc check` reports for the file.
    expect(r.diagnostics).toEqual(parseSource(src, "typing.nn").diagnostics.filter((d) => d.severity === "error"));
  });

  it("formats again as soon as the text is valid", () => {
    const broken = "model M(x: f32[B, 4]) -> f32[B, 4] {\n  x  |>   relu\n";
    expect(formatSource(broken).changed).toBe(false);
    const r = formatSource(broken + "}\n");
    expect(r).toEqual({ text: "model M(x: f32[B, 4]) -> f32[B, 4] {\n  x |> relu\n}\n", diagnostics: [], changed: true });
  });
});
