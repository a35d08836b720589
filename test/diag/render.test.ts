import { describe, expect, it } from "vitest";
import type { Diagnostic, Span } from "../../src/diag/diagnostic.js";
import { noSpan } from "../../src/diag/diagnostic.js";
import { diagnosticsToJson, renderDiagnostic, renderDiagnostics } from "../../src/diag/render.js";

/** The span of the `nth` occurrence of `needle` in `text` (1-based lines and columns). */
function spanOf(file: string, text: string, needle: string, nth = 0): Span {
  let start = -1;
  for (let i = 0; i <= nth; i++) start = text.indexOf(needle, start + 1);
  if (start < 0) throw new Error(`${needle} not in text`);
  const end = start + needle.length;
  const pos = (o: number) => {
    const before = text.slice(0, o).split("\n");
    return { line: before.length, col: before[before.length - 1]!.length + 1 };
  };
  const s = pos(start);
  const e = pos(end);
  return { file, start, end, line: s.line, col: s.col, endLine: e.line, endCol: e.col };
}

const FILE = "examples/foo.nn";
const SRC = [
  "/// A model.",
  "model Mlp(image: f32[B, 28, 28]) -> f32[B, 10] {",
  "  image |> dense(10)",
  "}",
  "",
].join("\n");
const sources = new Map([[FILE, SRC]]);

const matmul: Diagnostic = {
  code: "E0301",
  severity: "error",
  message: "matmul: inner dimensions differ: f32[B, 28, 28] @ f32[784, 10]",
  span: spanOf(FILE, SRC, "dense(10)"),
  notes: ["`dense` multiplies by its kernel on the last axis", "the input has 3 axes"],
  fix: { message: "insert `flatten` before `dense`" },
  related: [{ span: spanOf(FILE, SRC, "image"), message: "the input's type is declared here" }],
};

describe("renderDiagnostic", () => {
  it("renders header, location, snippet, carets, notes, help and related locations", () => {
    expect(renderDiagnostic(matmul, sources)).toBe(
      [
        "error[E0301]: matmul: inner dimensions differ: f32[B, 28, 28] @ f32[784, 10]",
        "  --> examples/foo.nn:3:12",
        "   |",
        " 3 |   image |> dense(10)",
        "   |            ^^^^^^^^^",
        "   |",
        "   = note: `dense` multiplies by its kernel on the last axis",
        "   = note: the input has 3 axes",
        "   = help: insert `flatten` before `dense`",
        "  ::: examples/foo.nn:2:11",
        "   |",
        " 2 | model Mlp(image: f32[B, 28, 28]) -> f32[B, 10] {",
        "   |           ^^^^^ the input's type is declared here",
      ].join("\n"),
    );
  });

  it("puts carets to the end of the first line of a multi-line span", () => {
    const span = { ...spanOf(FILE, SRC, "-> f32[B, 10] {\n  image"), file: FILE };
    const d: Diagnostic = { code: "E0305", severity: "warning", message: "body spans lines", span };
    expect(renderDiagnostic(d, sources)).toBe(
      [
        "warning[E0305]: body spans lines",
        "  --> examples/foo.nn:2:34",
        "   |",
        " 2 | model Mlp(image: f32[B, 28, 28]) -> f32[B, 10] {",
        "   |                                  ^^^^^^^^^^^^^^^",
      ].join("\n"),
    );
  });

  it("draws at least one caret for an empty span, even past the end of the line", () => {
    const at = SRC.indexOf("\n}"); // end of line 3
    const span: Span = { file: FILE, start: at, end: at, line: 3, col: 21, endLine: 3, endCol: 21 };
    const d: Diagnostic = { code: "E0002", severity: "error", message: "syntax error: expected `}`, found end of file", span };
    expect(renderDiagnostic(d, sources).split("\n").slice(3)).toEqual([
      " 3 |   image |> dense(10)",
      "   |                     ^",
    ]);
  });

  it("leaves out the snippet when the source text is not available", () => {
    const d: Diagnostic = { ...matmul, span: { ...matmul.span, file: "elsewhere.nn" }, related: [{ span: { ...matmul.span, file: "other.nn" }, message: "see here" }] };
    expect(renderDiagnostic(d, sources)).toBe(
      [
        "error[E0301]: matmul: inner dimensions differ: f32[B, 28, 28] @ f32[784, 10]",
        "  --> elsewhere.nn:3:12",
        "   = note: `dense` multiplies by its kernel on the last axis",
        "   = note: the input has 3 axes",
        "   = help: insert `flatten` before `dense`",
        "  ::: other.nn:3:12: see here",
      ].join("\n"),
    );
  });

  it("names only the file for a place-less span", () => {
    const d: Diagnostic = { code: "E0901", severity: "error", message: "cannot read x.nn: no such file", span: noSpan("x.nn") };
    expect(renderDiagnostic(d, new Map())).toBe("error[E0901]: cannot read x.nn: no such file\n  --> x.nn");
  });

  it("widens the gutter for two-digit line numbers", () => {
    const text = "\n".repeat(11) + "model M() {}\n";
    const d: Diagnostic = { code: "E0100", severity: "error", message: "m", span: spanOf("t.nn", text, "M") };
    expect(renderDiagnostic(d, new Map([["t.nn", text]]))).toBe(
      ["error[E0100]: m", "   --> t.nn:12:7", "    |", " 12 | model M() {}", "    |       ^"].join("\n"),
    );
  });

  it("expands tabs so carets stay under the span", () => {
    const text = "\tx |> dense(2)\n";
    const d: Diagnostic = { code: "E0100", severity: "error", message: "m", span: spanOf("t.nn", text, "dense") };
    expect(renderDiagnostic(d, new Map([["t.nn", text]])).split("\n").slice(3)).toEqual([
      " 1 |     x |> dense(2)",
      "   |          ^^^^^",
    ]);
  });

  it("colours only when asked", () => {
    expect(renderDiagnostic(matmul, sources)).not.toContain("\x1b[");
    const coloured = renderDiagnostic(matmul, sources, { color: true });
    expect(coloured).toContain("\x1b[1;31merror[E0301]\x1b[0m");
    expect(coloured.replace(/\x1b\[[0-9;]*m/g, "")).toBe(renderDiagnostic(matmul, sources));
  });
});

describe("renderDiagnostics", () => {
  const warning: Diagnostic = { code: "W0001", severity: "warning", message: "unused", span: spanOf(FILE, SRC, "Mlp") };

  it("is empty for no diagnostics", () => {
    expect(renderDiagnostics([], sources, { file: FILE })).toBe("");
  });

  it("separates diagnostics by blank lines and ends with a count line", () => {
    const text = renderDiagnostics([matmul, matmul, warning], sources, { file: FILE });
    expect(text.endsWith("\n\nerror: could not check examples/foo.nn: 2 errors, 1 warning\n")).toBe(true);
    expect(text.split("\n\n")).toHaveLength(4);
  });

  it("reports warnings only as emitted", () => {
    expect(renderDiagnostics([warning], sources, { file: FILE }).split("\n").slice(-2)).toEqual(["warning: examples/foo.nn: 1 warning emitted", ""]);
    expect(renderDiagnostics([matmul], sources).split("\n").slice(-2)).toEqual(["error: aborting: 1 error", ""]);
  });
});

describe("diagnosticsToJson", () => {
  it("flattens spans and fills in empty notes, related and fix", () => {
    const json = diagnosticsToJson([matmul, { code: "W1", severity: "warning", message: "w", span: noSpan("a.nn") }]);
    expect(JSON.parse(JSON.stringify(json))).toEqual([
      {
        code: "E0301",
        severity: "error",
        message: matmul.message,
        file: FILE,
        line: 3,
        col: 12,
        endLine: 3,
        endCol: 21,
        notes: matmul.notes,
        related: [{ file: FILE, line: 2, col: 11, endLine: 2, endCol: 16, message: "the input's type is declared here" }],
        fix: { message: "insert `flatten` before `dense`" },
      },
      { code: "W1", severity: "warning", message: "w", file: "a.nn", line: 1, col: 1, endLine: 1, endCol: 1, notes: [], related: [], fix: null },
    ]);
  });

  it("keeps a fix's span and replacement", () => {
    const fixSpan = spanOf(FILE, SRC, "dense");
    const [j] = diagnosticsToJson([{ ...matmul, fix: { message: "insert flatten", span: fixSpan, replacement: "flatten |> dense" } }]);
    expect(j!.fix).toEqual({ message: "insert flatten", file: FILE, line: 3, col: 12, endLine: 3, endCol: 17, replacement: "flatten |> dense" });
  });
});
