// The formatter keeps every comment: line, block and doc comments, on their own lines, at line ends,
// between items, inside blocks, lists and pipelines. Each case checks the exact output.
import { describe, expect, it } from "vitest";
import { formatChecked, lines } from "./helpers.js";

describe("comments on their own lines", () => {
  it("keeps file, between-item and end-of-file comments at the top level", () => {
    const src = lines(
      "   // file header",
      "/* a block comment",
      "   over two lines */",
      "",
      "",
      "    // between items",
      "fn a(x: f32[]) { x }",
      "  // end of file",
    );
    expect(formatChecked(src)).toBe(lines(
      "// file header",
      "/* a block comment",
      "   over two lines */",
      "",
      "// between items",
      "fn a(x: f32[]) { x }",
      "// end of file",
    ));
  });

  it("indents a comment like the code after it: statements, pipeline stages, the end of a block", () => {
    const src = lines(
      "model M(x: f32[B, 4]) -> f32[B, 2] {",
      "// before a statement",
      "  let h = x",
      "        // before a stage",
      "    |> dense(4)",
      "      /* before the result */",
      "  h |> dense(2)",
      "// after the result",
      "}",
    );
    expect(formatChecked(src)).toBe(lines(
      "model M(x: f32[B, 4]) -> f32[B, 2] {",
      "  // before a statement",
      "  let h = x",
      "    // before a stage",
      "    |> dense(4)",
      "  /* before the result */",
      "  h |> dense(2)",
      "  // after the result",
      "}",
    ));
  });

  it("keeps comments between list elements lined up with the elements", () => {
    const src = lines(
      "layer l(units: int,",
      "  // the activation",
      "       act: fn = relu,",
      "   /* last */",
      "      )(x: f32[B, N]) { x }",
      "train M on moons() {",
      "  metrics = [",
      "// first",
      "      accuracy,",
      "  // trailing element comment",
      "  ]",
      "}",
    );
    expect(formatChecked(src)).toBe(lines(
      "layer l(units: int,",
      "        // the activation",
      "        act: fn = relu,",
      "        /* last */",
      ")(x: f32[B, N]) { x }",
      "train M on moons() {",
      "  metrics = [",
      "    // first",
      "    accuracy,",
      "    // trailing element comment",
      "  ]",
      "}",
    ));
  });

  it("keeps comments in settings blocks without disturbing the `=` alignment", () => {
    const src = lines(
      "train M on d {",
      "  // what to minimise",
      "  loss      = mse",
      "    /* how */",
      "  optimizer = adam()",
      "}",
    );
    expect(formatChecked(src)).toBe(lines(
      "train M on d {",
      "  // what to minimise",
      "  loss      = mse",
      "  /* how */",
      "  optimizer = adam()",
      "}",
    ));
  });
});

describe("comments at line ends and inside lines", () => {
  it("keeps a trailing comment's column, moved with its line's indentation", () => {
    const src = lines(
      "model Residual(x: f32[B, 64]) -> f32[B, 64] {",
      "      let h = x |> dense(64, relu) |> dense(64)   // a branch",
      "      add(x, h) |> relu                           // residual add",
      "}",
    );
    expect(formatChecked(src)).toBe(lines(
      "model Residual(x: f32[B, 64]) -> f32[B, 64] {",
      "  let h = x |> dense(64, relu) |> dense(64)   // a branch",
      "  add(x, h) |> relu                           // residual add",
      "}",
    ));
  });

  it("puts at least one space before a trailing comment, and trims its end", () => {
    expect(formatChecked("fn a(x: f32[]) { // opens   \n  x+x// no space\n}//after\n")).toBe(
      "fn a(x: f32[]) { // opens\n  x + x // no space\n} //after\n",
    );
  });

  it("keeps trailing comments after a `{`, a `,`, a setting and an import", () => {
    const src = lines(
      "import std.data.{mnist} // the digits",
      "layer l(units: int, // how many",
      "        act: fn = relu)(x: f32[B, N]) { // the body",
      "  x",
      "}",
      "dataset d {",
      "  source = mnist() // bundled",
      "}",
    );
    expect(formatChecked(src)).toBe(src);
  });

  it("writes block comments inside a line with one space around them, none inside brackets", () => {
    expect(formatChecked("fn a(/* in */x: f32[] /* type */)  {  x /* op */+ /* rhs */ x/* end */}\n")).toBe(
      "fn a(/* in */ x: f32[] /* type */) { x /* op */ + /* rhs */ x /* end */ }\n",
    );
  });

  it("keeps a multi-line block comment's inner lines as they are", () => {
    const src = lines(
      "model M(x: f32[B, 4]) -> f32[B, 4] {",
      "      /* first",
      "         second   ",
      "   third */ x",
      "}",
    );
    expect(formatChecked(src)).toBe(lines(
      "model M(x: f32[B, 4]) -> f32[B, 4] {",
      "  /* first",
      "         second   ",
      "   third */ x",
      "}",
    ));
  });
});

describe("doc comments", () => {
  it("keeps `///` lines above their items and params, trimming their ends", () => {
    const src = lines(
      "///   A layer.   ",
      "/// Second line.",
      "layer l(x: f32[B, N]) {",
      "    /// The weights.",
      "  param w: f32[N, N] = zeros",
      "  x @ w",
      "}",
    );
    expect(formatChecked(src)).toBe(lines(
      "///   A layer.",
      "/// Second line.",
      "layer l(x: f32[B, N]) {",
      "  /// The weights.",
      "  param w: f32[N, N] = zeros",
      "  x @ w",
      "}",
    ));
  });

  it("keeps a blank line after a `///` line, which decides what the comment documents", () => {
    const src = lines(
      "model M(x: f32[B, 4]) -> f32[B, 4] { /// not a doc of anything",
      "",
      "  x /// nor this",
      "",
      "}",
      "/// detached",
      "",
      "",
      "fn f(x: f32[]) { x }",
    );
    expect(formatChecked(src)).toBe(lines(
      "model M(x: f32[B, 4]) -> f32[B, 4] { /// not a doc of anything",
      "",
      "  x /// nor this",
      "",
      "}",
      "/// detached",
      "",
      "fn f(x: f32[]) { x }",
    ));
  });
});
