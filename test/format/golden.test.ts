// Golden tests for the formatter: small sources and the exact text `nnc fmt` makes of them. Every case
// also checks that the output parses to the same AST and is a fixed point (formatChecked).
import { describe, expect, it } from "vitest";
import { formatSource } from "../../src/format/format.js";
import { formatChecked, lines } from "./helpers.js";

describe("spaces inside a line", () => {
  it("puts one space around binary operators, |>, =, -> and after , and :", () => {
    expect(formatChecked("model M(x:f32[B,4])->f32[B,3]{x|>dense(8,activation=relu)|>dense(3)}\n")).toBe(
      "model M(x: f32[B, 4]) -> f32[B, 3] { x |> dense(8, activation = relu) |> dense(3) }\n",
    );
  });

  it("writes unary minus, member access, calls and indexing tight", () => {
    expect(formatChecked("fn f(a: f32[...], k: [int]) -> f32[...] { - a*2+( a-1 )/ -2@a + prim . abs (a) [ k [0] ] }\n")).toBe(
      "fn f(a: f32[...], k: [int]) -> f32[...] { -a * 2 + (a - 1) / -2 @ a + prim.abs(a)[k[0]] }\n",
    );
  });

  it("spaces comparisons, and/or/not, lambdas, tuples, lists and empty brackets", () => {
    const src = "fn g(a: f32[B, N]) { if not(N==3)and N!=4 or N<=2 {prim.scan(a,a,fn(h,x){h}) } else {concatenate( [a,a,] ,axis=-1) } }\n";
    expect(formatChecked(src)).toBe(
      "fn g(a: f32[B, N]) { if not (N == 3) and N != 4 or N <= 2 { prim.scan(a, a, fn (h, x) { h }) } else { concatenate([a, a,], axis = -1) } }\n",
    );
    expect(formatChecked("layer l(p: [int] = ( 3,3 ))( x: f32[ B , ... ] ) {x}\nfn e() {}\n")).toBe(
      "layer l(p: [int] = (3, 3))(x: f32[B, ...]) { x }\nfn e() {}\n",
    );
  });

  it("writes dimension arithmetic with spaces and type brackets tight", () => {
    expect(formatChecked("layer c(k: int)(x: f32 [B,(W-k)/2+1, 4*k]) -> f32[B,...] { prim.reshape(x,[B]+[-1]) }\n")).toBe(
      "layer c(k: int)(x: f32[B, (W - k) / 2 + 1, 4 * k]) -> f32[B, ...] { prim.reshape(x, [B] + [-1]) }\n",
    );
  });

  it("writes imports, aliases, metric alternatives and semicolons", () => {
    const src = lines(
      "import   std.data . { mnist ,csv }",
      "import \"./blocks.nn\".{res}",
      "loss mean_squared_error=mse ;",
      "metric acc=binary_accuracy|sparse_categorical_accuracy",
      "fn two(a: f32[]) { let b = a ; b+b }",
    );
    expect(formatChecked(src)).toBe(lines(
      "import std.data.{mnist, csv}",
      "import \"./blocks.nn\".{res}",
      "loss mean_squared_error = mse;",
      "metric acc = binary_accuracy | sparse_categorical_accuracy",
      "fn two(a: f32[]) { let b = a; b + b }",
    ));
  });
});

describe("indentation", () => {
  it("indents blocks by two spaces, including lambda bodies and if/else chains", () => {
    const src = lines(
      "layer l(units: int)(x: f32[B, T, F]) {",
      "        param k: f32[F, units] = zeros",
      "\tlet hs = prim.scan(prim.zeros([B, units]), x, fn (h, xt) {",
      "let z = xt @ k",
      "          z + h",
      "   })",
      "if units > 2 {",
      "hs",
      "}",
      "      else if units == 1 { hs }",
      "  else {",
      "      hs * 2.0",
      "        }",
      "}",
    );
    expect(formatChecked(src)).toBe(lines(
      "layer l(units: int)(x: f32[B, T, F]) {",
      "  param k: f32[F, units] = zeros",
      "  let hs = prim.scan(prim.zeros([B, units]), x, fn (h, xt) {",
      "    let z = xt @ k",
      "    z + h",
      "  })",
      "  if units > 2 {",
      "    hs",
      "  }",
      "  else if units == 1 { hs }",
      "  else {",
      "    hs * 2.0",
      "  }",
      "}",
    ));
  });

  it("keeps a pipeline's line breaks and indents its stages one step", () => {
    const src = lines(
      "model Cifar(image: f32[B, 32, 32, 3]) -> f32[B, 10] {",
      "image",
      "|> conv2d(32, (3, 3), relu)",
      "          |> flatten |> dense(64, relu)",
      "  |> dense(10)",
      "}",
    );
    expect(formatChecked(src)).toBe(lines(
      "model Cifar(image: f32[B, 32, 32, 3]) -> f32[B, 10] {",
      "  image",
      "    |> conv2d(32, (3, 3), relu)",
      "    |> flatten |> dense(64, relu)",
      "    |> dense(10)",
      "}",
    ));
  });

  it("lines up parameter lists after their `(`, and a second list under the first, as the stdlib does", () => {
    const src = lines(
      "layer dense(units: int, activation: fn = linear,",
      "  use_bias: bool = true,",
      "                    kernel_initializer: initializer = glorot_uniform)",
      "  (x: f32[..., N]) -> f32[..., units] {",
      "    x",
      "}",
    );
    expect(formatChecked(src)).toBe(lines(
      "layer dense(units: int, activation: fn = linear,",
      "            use_bias: bool = true,",
      "            kernel_initializer: initializer = glorot_uniform)",
      "           (x: f32[..., N]) -> f32[..., units] {",
      "  x",
      "}",
    ));
  });

  it("indents a list that opens at the end of a line by two spaces and closes it at the opening line's level", () => {
    const src = lines(
      "model M(x: f32[B, 4]) -> f32[B, 2] {",
      "  x |> dense(",
      "8,",
      "            relu,",
      "      ) |> dense(2)",
      "}",
      "train M on moons(n = 10) {",
      "  metrics = [",
      "  accuracy,",
      "]",
      "}",
    );
    expect(formatChecked(src)).toBe(lines(
      "model M(x: f32[B, 4]) -> f32[B, 2] {",
      "  x |> dense(",
      "    8,",
      "    relu,",
      "  ) |> dense(2)",
      "}",
      "train M on moons(n = 10) {",
      "  metrics = [",
      "    accuracy,",
      "  ]",
      "}",
    ));
  });

  it("indents continuation lines of headers, settings and arguments", () => {
    const src = lines(
      "model M(x: f32[B, 4])",
      "-> f32[B, 2] {",
      "  dense(2)(x",
      "|> relu)",
      "}",
      "train M on moons(n = 10,",
      "noise = 0.2) {",
      "  loss = sparse_categorical_crossentropy(",
      "      from_logits = true)",
      "  early_stopping(monitor = val_loss,",
      "  patience = 3)",
      "}",
    );
    expect(formatChecked(src)).toBe(lines(
      "model M(x: f32[B, 4])",
      "  -> f32[B, 2] {",
      "  dense(2)(x",
      "             |> relu)",
      "}",
      "train M on moons(n = 10,",
      "                 noise = 0.2) {",
      "  loss = sparse_categorical_crossentropy(",
      "    from_logits = true)",
      "  early_stopping(monitor = val_loss,",
      "                 patience = 3)",
      "}",
    ));
  });

  it("indents a block by its statement when the line that opens it is a continuation", () => {
    const src = lines(
      "fn f(x: f32[B], n: int) -> f32[B] {",
      "  if n > 2 and",
      "n < 8 {",
      "x",
      "  } else {",
      "  -x",
      "  }",
      "}",
    );
    expect(formatChecked(src)).toBe(lines(
      "fn f(x: f32[B], n: int) -> f32[B] {",
      "  if n > 2 and",
      "    n < 8 {",
      "    x",
      "  } else {",
      "    -x",
      "  }",
      "}",
    ));
  });

  it("keeps a line that starts with `-` or `(` a statement of its own (the parser reads it so)", () => {
    const src = lines(
      "loss l(y_pred: f32[B], y_true: f32[B]) -> f32[] {",
      "    let p = y_pred",
      "      - prim.mean(p, none)",
      "}",
      "model Pair(x: f32[B, 2]) -> f32[B, 2] {",
      "  let y = x",
      "      (x + y) |> dense(2)",
      "}",
    );
    expect(formatChecked(src)).toBe(lines(
      "loss l(y_pred: f32[B], y_true: f32[B]) -> f32[] {",
      "  let p = y_pred",
      "  -prim.mean(p, none)",
      "}",
      "model Pair(x: f32[B, 2]) -> f32[B, 2] {",
      "  let y = x",
      "  (x + y) |> dense(2)",
      "}",
    ));
  });
});

describe("blank lines and line ends", () => {
  it("drops leading blank lines, collapses runs, drops blanks after `{` and before `}`, trims line ends", () => {
    const src = "\n\n\nfn a(x: f32[]) {   \n\n\n  x  \n\n}\n\n\n\nfn b(x: f32[]) { x }\nfn c(x: f32[]) { x }";
    expect(formatChecked(src)).toBe(lines(
      "fn a(x: f32[]) {",
      "  x",
      "}",
      "",
      "fn b(x: f32[]) { x }",
      "fn c(x: f32[]) { x }",
    ));
  });

  it("keeps CRLF line ends, replaces tabs, keeps a byte-order mark", () => {
    expect(formatChecked("fn a(x: f32[]) {\r\n\tx+1\r\n}\r\n")).toBe("fn a(x: f32[]) {\r\n  x + 1\r\n}\r\n");
    expect(formatChecked("\ufefffn a(x: f32[]) {x}")).toBe("\ufefffn a(x: f32[]) { x }\n");
  });

  it("formats an empty or blank source to nothing", () => {
    expect(formatChecked("")).toBe("");
    expect(formatChecked(" \n\n\t\n")).toBe("");
  });
});

describe("settings blocks", () => {
  it("keeps `=` aligned where the settings line up, and resets padding that lines up with nothing", () => {
    const src = lines(
      "dataset flowers {",
      "  source   = csv(\"data/iris.csv\", label = \"species\")",
      "  features : f32[4]",
      "  classes  = 3",
      "  preprocess = [standardize]",
      "  seed    = 0",
      "}",
      "train Iris on flowers {",
      "  loss      = mse",
      "  optimizer = adam(lr=0.01)",
      "  epochs=100",
      "  early_stopping(patience = 3)",
      "}",
    );
    expect(formatChecked(src)).toBe(lines(
      "dataset flowers {",
      "  source   = csv(\"data/iris.csv\", label = \"species\")",
      "  features : f32[4]",
      "  classes  = 3",
      "  preprocess = [standardize]",
      "  seed = 0",
      "}",
      "train Iris on flowers {",
      "  loss      = mse",
      "  optimizer = adam(lr = 0.01)",
      "  epochs = 100",
      "  early_stopping(patience = 3)",
      "}",
    ));
  });

  it("writes a lone `:` setting without a space before the colon", () => {
    expect(formatChecked("dataset d {\n  source = moons()\n  features  :  f32[2]\n}\n")).toBe("dataset d {\n  source = moons()\n  features: f32[2]\n}\n");
  });
});

describe("results", () => {
  it("reports changed only when the text changes", () => {
    const formatted = "fn a(x: f32[]) { x }\n";
    expect(formatSource(formatted)).toEqual({ text: formatted, diagnostics: [], changed: false });
    expect(formatSource("fn a(x: f32[]) {x}\n").changed).toBe(true);
  });
});
