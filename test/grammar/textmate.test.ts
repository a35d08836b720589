// Tests for the TextMate grammar (grammar/nn.tmLanguage.json) and the VS Code language
// configuration (grammar/language-configuration.json). The grammar is run through the same engine
// VS Code uses (vscode-textmate on top of the oniguruma wasm build).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import vsctm from "vscode-textmate";
import onig from "vscode-oniguruma";

const root = fileURLToPath(new URL("../../", import.meta.url));
const grammarPath = `${root}grammar/nn.tmLanguage.json`;
const configPath = `${root}grammar/language-configuration.json`;
const wasmPath = `${root}node_modules/vscode-oniguruma/release/onig.wasm`;

const grammarText = readFileSync(grammarPath, "utf8");
const grammarJson = JSON.parse(grammarText) as Record<string, unknown>;

const SAMPLE = String.raw`import std.data.{mnist}
import "./blocks.nn"
/// A dense layer (doc comment, shown on hover).
layer dense(units: int, activation: fn = linear)(x: f32[..., N]) -> f32[..., units] {
  param kernel: f32[N, units] = glorot_uniform, regularizer = none
  state moving_mean: f32[units] = zeros
  activation(x @ kernel + bias)   // line comment
}
model Mlp(image: f32[B, 28, 28]) -> f32[B, 10] {
  let h = image |> flatten |> dense(512, relu)
  h |> dropout(0.2) |> dense(10) |> prim.softmax
}
metric accuracy = binary_accuracy | sparse_categorical_accuracy
optimizer adam(lr: float = 0.001, amsgrad: bool = false)
dataset iris { source = csv("data/iris.csv", label = "species")  features: f32[4]  labels: i32[] }
train Mlp on mnist(split = 0.9) {
  loss = sparse_categorical_crossentropy(from_logits = true)
  epochs = 5
  early_stopping(monitor = val_accuracy, patience = 3)
}
let f = fn (h, x) { if n > 0 and not done { h } else { x } }
/* block comment */`;

// Extra constructs that the sample does not show.
const EXTRA = String.raw`layer conv(
  filters: int,   // how many
  sizes: [int] = [3, 3],
  init: init = glorot(seed = 1, scale = .5),
)(x: f32[B, H * 2, (W - 1) / 2, C])
  -> f32[B, H, W, filters] {
  x
}
fn relu(x: f32[...]) -> f32[...] { prim.max(x, 0.0) }
let y = g(1e-3, 2E+5, 1.) |> fn (a: f32[N], b) { a * b - a / b }
let s = "a \"q\" \\ p\n" != "b" and x <= 3 or y >= 4 or x == y or x < y or x > y => z
let u = "unterminated
schedule warmup // no parameter lists
model Tail -> f32[1] { x.shape }`;

type Tok = { text: string; start: number; end: number; scopes: string[] };

let grammar: vsctm.IGrammar;

function tokenize(source: string): { lines: string[]; tokens: Tok[][] } {
  const lines = source.split("\n");
  const tokens: Tok[][] = [];
  let stack = vsctm.INITIAL;
  for (const line of lines) {
    const r = grammar.tokenizeLine(line, stack);
    tokens.push(
      r.tokens.map((t) => ({ text: line.slice(t.startIndex, t.endIndex), start: t.startIndex, end: t.endIndex, scopes: t.scopes })),
    );
    stack = r.ruleStack;
  }
  return { lines, tokens };
}

/**
 * The tokens that make up the `nth` occurrence of `needle` on line `lineNo`. The needle must be
 * covered exactly: a token boundary at its start and at its end, except that the tokens may run
 * on over whitespace (unscoped text merges with the spaces around it).
 */
function tokensOf(doc: { lines: string[]; tokens: Tok[][] }, lineNo: number, needle: string, nth = 0): Tok[] {
  const line = doc.lines[lineNo]!;
  let at = -1;
  for (let i = 0; i <= nth; i++) {
    at = line.indexOf(needle, at + 1);
    if (at < 0) throw new Error(`occurrence ${nth} of ${JSON.stringify(needle)} not found on line ${lineNo}: ${line}`);
  }
  const end = at + needle.length;
  const covering = doc.tokens[lineNo]!.filter((t) => t.start < end && t.end > at);
  const describeToks = () => JSON.stringify(doc.tokens[lineNo]!.map((t) => [t.text, t.scopes.slice(1).join(" ")]), null, 1);
  const first = covering[0]!;
  const last = covering[covering.length - 1]!;
  const before = line.slice(first.start, at);
  const after = line.slice(end, Math.min(last.end, line.length)); // a token may end past the line (its "\n")
  if (before.trim() !== "" || after.trim() !== "") {
    throw new Error(`${JSON.stringify(needle)} on line ${lineNo} is not a whole token run:\n${describeToks()}`);
  }
  return covering;
}

function expectScope(doc: { lines: string[]; tokens: Tok[][] }, lineNo: number, needle: string, scope: string, nth = 0): void {
  for (const t of tokensOf(doc, lineNo, needle, nth)) {
    expect(t.scopes, `${JSON.stringify(t.text)} (in ${JSON.stringify(needle)}) on line ${lineNo}`).toContain(scope);
  }
}

function expectNoScope(doc: { lines: string[]; tokens: Tok[][] }, lineNo: number, needle: string, prefix: string, nth = 0): void {
  for (const t of tokensOf(doc, lineNo, needle, nth)) {
    expect(
      t.scopes.filter((s) => s.startsWith(prefix)),
      `${JSON.stringify(t.text)} on line ${lineNo} should have no ${prefix} scope`,
    ).toEqual([]);
  }
}

function expectExactScopes(doc: { lines: string[]; tokens: Tok[][] }, lineNo: number, needle: string, scopes: string[], nth = 0): void {
  const toks = tokensOf(doc, lineNo, needle, nth);
  expect(toks).toHaveLength(1);
  expect(toks[0]!.scopes).toEqual(["source.nn", ...scopes]);
}

beforeAll(async () => {
  const wasm = readFileSync(wasmPath);
  await onig.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns: string[]) => new onig.OnigScanner(patterns),
      createOnigString: (s: string) => new onig.OnigString(s),
    }),
    loadGrammar: async (scopeName: string) => (scopeName === "source.nn" ? vsctm.parseRawGrammar(grammarText, grammarPath) : null),
  });
  const g = await registry.loadGrammar("source.nn");
  if (!g) throw new Error("grammar source.nn did not load");
  grammar = g;
});

describe("nn.tmLanguage.json: structure", () => {
  it("declares the scope name and file type", () => {
    expect(grammarJson.scopeName).toBe("source.nn");
    expect(grammarJson.fileTypes).toEqual(["nn"]);
  });

  /** Every [path, regex] under a match / begin / end / while key. */
  function regexes(node: unknown, path: string, out: Array<[string, string]>): Array<[string, string]> {
    if (Array.isArray(node)) node.forEach((n, i) => regexes(n, `${path}[${i}]`, out));
    else if (node && typeof node === "object") {
      for (const [k, v] of Object.entries(node)) {
        if (["match", "begin", "end", "while"].includes(k) && typeof v === "string") out.push([`${path}.${k}`, v]);
        else regexes(v, `${path}.${k}`, out);
      }
    }
    return out;
  }

  it("the regex check itself rejects a broken pattern", () => {
    expect(() => new onig.OnigScanner(["(unclosed"])).toThrow();
  });

  it("every regex compiles with oniguruma", () => {
    const all = regexes(grammarJson, "$", []);
    expect(all.length).toBeGreaterThan(40);
    const failures: string[] = [];
    for (const [path, re] of all) {
      try {
        new onig.OnigScanner([re]);
      } catch (e) {
        failures.push(`${path}: ${re} (${(e as Error).message})`);
      }
    }
    expect(failures).toEqual([]);
  });

  it("every #include names a repository entry", () => {
    const repo = grammarJson.repository as Record<string, unknown>;
    const missing: string[] = [];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === "object") {
        for (const [k, v] of Object.entries(node)) {
          if (k === "include" && typeof v === "string" && v.startsWith("#") && !(v.slice(1) in repo)) missing.push(v);
          else walk(v);
        }
      }
    };
    walk(grammarJson);
    expect(missing).toEqual([]);
  });

  it("every scope name ends in .nn", () => {
    const bad: string[] = [];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === "object") {
        for (const [k, v] of Object.entries(node)) {
          if (k === "name" && typeof v === "string" && !v.endsWith(".nn")) bad.push(v);
          else walk(v);
        }
      }
    };
    walk(grammarJson.repository);
    walk(grammarJson.patterns);
    expect(bad).toEqual([]);
  });
});

describe("nn.tmLanguage.json: the sample program", () => {
  let doc: { lines: string[]; tokens: Tok[][] };
  beforeAll(() => {
    doc = tokenize(SAMPLE);
  });

  it("imports", () => {
    expectScope(doc, 0, "import", "keyword.control.import.nn");
    expectScope(doc, 0, "std", "entity.name.namespace.nn");
    expectScope(doc, 0, "data", "entity.name.namespace.nn");
    expectScope(doc, 0, "mnist", "variable.other.readwrite.alias.nn");
    expectScope(doc, 1, "import", "keyword.control.import.nn");
    expectScope(doc, 1, '"./blocks.nn"', "string.quoted.double.nn");
    expectScope(doc, 1, '"', "punctuation.definition.string.begin.nn", 0);
    expectScope(doc, 1, '"', "punctuation.definition.string.end.nn", 1);
  });

  it("comments", () => {
    expectScope(doc, 2, doc.lines[2]!, "comment.line.documentation.nn");
    expectNoScope(doc, 2, doc.lines[2]!, "comment.line.double-slash");
    expectScope(doc, 2, "///", "punctuation.definition.comment.nn");
    expectScope(doc, 6, "// line comment", "comment.line.double-slash.nn");
    expectNoScope(doc, 6, "// line comment", "comment.line.documentation");
    expectScope(doc, 21, "/* block comment */", "comment.block.nn");
  });

  it("layer header: kind, name, parameters, types, dimensions", () => {
    expectExactScopes(doc, 3, "layer", ["meta.definition.layer.nn", "storage.type.layer.nn"]);
    expectExactScopes(doc, 3, "dense", ["meta.definition.layer.nn", "entity.name.function.nn"]);
    expectScope(doc, 3, "units", "variable.parameter.nn", 0);
    expectScope(doc, 3, "int", "support.type.primitive.nn");
    expectScope(doc, 3, "activation", "variable.parameter.nn");
    expectScope(doc, 3, "fn", "support.type.primitive.nn");
    expectScope(doc, 3, "=", "keyword.operator.assignment.nn");
    expectNoScope(doc, 3, "linear", "variable.parameter");
    expectScope(doc, 3, "x", "variable.parameter.nn");
    expectScope(doc, 3, "f32", "support.type.dtype.nn", 0);
    expectScope(doc, 3, "f32", "meta.type.tensor.nn", 0);
    expectScope(doc, 3, "...", "keyword.operator.ellipsis.nn", 0);
    expectScope(doc, 3, "N", "variable.other.dimension.nn");
    expectScope(doc, 3, "->", "keyword.operator.arrow.nn");
    expectScope(doc, 3, "f32", "support.type.dtype.nn", 1);
    expectScope(doc, 3, "units", "variable.other.dimension.nn", 1);
    expectExactScopes(doc, 3, "{", ["meta.block.nn", "punctuation.section.block.begin.nn"]);
  });

  it("layer body: param / state, calls, operators", () => {
    expectScope(doc, 4, "param", "storage.type.param.nn");
    expectScope(doc, 4, "kernel", "variable.other.member.nn");
    expectScope(doc, 4, "f32", "support.type.dtype.nn");
    expectScope(doc, 4, "N", "variable.other.dimension.nn");
    expectScope(doc, 4, "regularizer", "variable.other.property.nn");
    expectNoScope(doc, 4, "regularizer", "storage.type");
    expectScope(doc, 4, "none", "constant.language.none.nn");
    expectScope(doc, 5, "state", "storage.type.state.nn");
    expectScope(doc, 5, "moving_mean", "variable.other.member.nn");
    expectScope(doc, 6, "activation", "meta.function-call.nn");
    expectScope(doc, 6, "activation", "entity.name.function.call.nn");
    expectScope(doc, 6, "@", "keyword.operator.matmul.nn");
    expectScope(doc, 6, "+", "keyword.operator.arithmetic.nn");
    expectExactScopes(doc, 7, "}", ["meta.block.nn", "punctuation.section.block.end.nn"]);
  });

  it("model header and body", () => {
    expectExactScopes(doc, 8, "model", ["meta.definition.model.nn", "storage.type.model.nn"]);
    expectExactScopes(doc, 8, "Mlp", ["meta.definition.model.nn", "entity.name.type.model.nn"]);
    expectScope(doc, 8, "image", "variable.parameter.nn");
    expectScope(doc, 8, "B", "variable.other.dimension.nn");
    expectScope(doc, 8, "28", "constant.numeric.integer.nn", 0);
    expectScope(doc, 8, "28", "meta.type.tensor.nn", 1);
    expectScope(doc, 8, "10", "constant.numeric.integer.nn");
    expectScope(doc, 9, "let", "storage.type.let.nn");
    expectScope(doc, 9, "h", "variable.other.readwrite.nn");
    expectScope(doc, 9, "|>", "keyword.operator.pipe.nn", 0);
    expectScope(doc, 9, "|>", "keyword.operator.pipe.nn", 1);
    expectScope(doc, 9, "dense", "entity.name.function.call.nn");
    expectScope(doc, 9, "512", "constant.numeric.integer.nn");
    expectScope(doc, 10, "0.2", "constant.numeric.float.nn");
    expectScope(doc, 10, "dropout", "entity.name.function.call.nn");
    expectScope(doc, 10, "prim.softmax", "support.function.prim.nn");
    expectScope(doc, 10, "softmax", "support.function.prim.nn");
  });

  it("metric / optimizer definitions", () => {
    expectExactScopes(doc, 12, "metric", ["meta.definition.metric.nn", "storage.type.metric.nn"]);
    expectExactScopes(doc, 12, "accuracy", ["meta.definition.metric.nn", "entity.name.function.nn"]);
    expectExactScopes(doc, 12, "=", ["keyword.operator.assignment.nn"]);
    expectExactScopes(doc, 12, "|", ["keyword.operator.union.nn"]);
    expectScope(doc, 13, "optimizer", "storage.type.optimizer.nn");
    expectScope(doc, 13, "adam", "entity.name.function.nn");
    expectScope(doc, 13, "lr", "variable.parameter.nn");
    expectScope(doc, 13, "float", "support.type.primitive.nn");
    expectScope(doc, 13, "0.001", "constant.numeric.float.nn");
    expectScope(doc, 13, "amsgrad", "variable.parameter.nn");
    expectScope(doc, 13, "bool", "support.type.dtype.nn");
    expectScope(doc, 13, "false", "constant.language.boolean.nn");
  });

  it("dataset and train", () => {
    expectExactScopes(doc, 14, "dataset", ["storage.type.dataset.nn"]);
    expectExactScopes(doc, 14, "iris", ["entity.name.type.dataset.nn"]);
    expectScope(doc, 14, "source", "variable.other.property.nn");
    expectNoScope(doc, 14, "source", "storage.type");
    expectScope(doc, 14, "csv", "entity.name.function.call.nn");
    expectScope(doc, 14, '"data/iris.csv"', "string.quoted.double.nn");
    expectScope(doc, 14, "label", "variable.parameter.function-call.nn");
    expectScope(doc, 14, "features", "variable.other.property.nn");
    expectScope(doc, 14, "f32", "support.type.dtype.nn");
    expectScope(doc, 14, "4", "constant.numeric.integer.nn");
    expectScope(doc, 14, "labels", "variable.other.property.nn");
    expectScope(doc, 14, "i32", "support.type.dtype.nn");
    expectExactScopes(doc, 15, "train", ["keyword.other.train.nn"]);
    expectExactScopes(doc, 15, "Mlp", ["entity.name.type.model.nn"]);
    expectExactScopes(doc, 15, "on", ["keyword.control.on.nn"]);
    expectScope(doc, 15, "mnist", "entity.name.function.call.nn");
    expectScope(doc, 15, "split", "variable.parameter.function-call.nn");
    expectScope(doc, 15, "0.9", "constant.numeric.float.nn");
    expectScope(doc, 16, "loss", "variable.other.property.nn");
    expectNoScope(doc, 16, "loss", "storage.type");
    expectScope(doc, 16, "from_logits", "variable.parameter.function-call.nn");
    expectScope(doc, 16, "true", "constant.language.boolean.nn");
    expectScope(doc, 17, "epochs", "variable.other.property.nn");
    expectScope(doc, 17, "5", "constant.numeric.integer.nn");
    expectScope(doc, 18, "early_stopping", "entity.name.function.call.nn");
    expectScope(doc, 18, "3", "constant.numeric.integer.nn");
  });

  it("lambdas and control flow", () => {
    expectScope(doc, 20, "fn", "storage.type.fn.nn");
    expectScope(doc, 20, "h", "variable.parameter.nn", 0);
    expectScope(doc, 20, "x", "variable.parameter.nn", 0);
    expectExactScopes(doc, 20, "if", ["meta.block.nn", "keyword.control.conditional.nn"]);
    expectScope(doc, 20, "else", "keyword.control.conditional.nn");
    expectScope(doc, 20, ">", "keyword.operator.comparison.nn");
    expectScope(doc, 20, "0", "constant.numeric.integer.nn");
    expectScope(doc, 20, "and", "keyword.operator.logical.nn");
    expectScope(doc, 20, "not", "keyword.operator.logical.nn");
  });

  it("leaves no state open and marks nothing invalid", () => {
    // The last line is tokenized at top level: nothing leaked from the lines before it.
    expectExactScopes(doc, 21, "/*", ["comment.block.nn", "punctuation.definition.comment.begin.nn"]);
    const invalid = doc.tokens.flat().filter((t) => t.scopes.some((s) => s.startsWith("invalid")));
    expect(invalid).toEqual([]);
  });
});

describe("nn.tmLanguage.json: further constructs", () => {
  let doc: { lines: string[]; tokens: Tok[][] };
  beforeAll(() => {
    doc = tokenize(EXTRA);
  });

  it("multi-line parameter lists, comments and defaults inside them", () => {
    expectScope(doc, 0, "conv", "entity.name.function.nn");
    expectScope(doc, 1, "filters", "variable.parameter.nn");
    expectScope(doc, 1, "// how many", "comment.line.double-slash.nn");
    expectScope(doc, 2, "sizes", "variable.parameter.nn");
    expectScope(doc, 2, "[", "meta.type.list.nn", 0);
    expectScope(doc, 2, "int", "support.type.primitive.nn");
    expectScope(doc, 2, "3", "constant.numeric.integer.nn", 0);
    expectScope(doc, 3, "init", "variable.parameter.nn", 0);
    expectScope(doc, 3, "init", "support.type.primitive.nn", 1);
    expectScope(doc, 3, "glorot", "entity.name.function.call.nn");
    expectScope(doc, 3, "seed", "variable.parameter.function-call.nn");
    expectScope(doc, 3, ".5", "constant.numeric.float.nn");
    expectNoScope(doc, 3, "scale", "variable.parameter.nn");
    expectScope(doc, 4, "x", "variable.parameter.nn");
  });

  it("dimension expressions and a return type on its own line", () => {
    expectScope(doc, 4, "H", "variable.other.dimension.nn");
    expectScope(doc, 4, "*", "keyword.operator.arithmetic.nn");
    expectScope(doc, 4, "2", "constant.numeric.integer.nn", 1); // 0 is the 2 of f32
    expectScope(doc, 4, "W", "variable.other.dimension.nn");
    expectScope(doc, 4, "/", "keyword.operator.arithmetic.nn");
    expectScope(doc, 5, "->", "keyword.operator.arrow.nn");
    expectScope(doc, 5, "f32", "support.type.dtype.nn");
    expectScope(doc, 5, "filters", "variable.other.dimension.nn");
    expectExactScopes(doc, 5, "{", ["meta.block.nn", "punctuation.section.block.begin.nn"]);
  });

  it("fn definitions, lambdas with typed parameters, numbers", () => {
    expectExactScopes(doc, 8, "fn", ["meta.definition.fn.nn", "storage.type.fn.nn"]);
    expectScope(doc, 8, "relu", "entity.name.function.nn");
    expectScope(doc, 8, "...", "keyword.operator.ellipsis.nn", 0);
    expectScope(doc, 8, "prim.max", "support.function.prim.nn");
    expectScope(doc, 8, "0.0", "constant.numeric.float.nn");
    expectScope(doc, 9, "1e-3", "constant.numeric.float.nn");
    expectScope(doc, 9, "2E+5", "constant.numeric.float.nn");
    expectScope(doc, 9, "1.", "constant.numeric.float.nn");
    expectScope(doc, 9, "fn", "storage.type.fn.nn");
    expectScope(doc, 9, "a", "variable.parameter.nn", 0);
    expectScope(doc, 9, "b", "variable.parameter.nn", 0);
    expectScope(doc, 9, "N", "variable.other.dimension.nn");
    expectScope(doc, 9, "-", "keyword.operator.arithmetic.nn", 1); // 0 is in 1e-3
  });

  it("string escapes and comparison operators", () => {
    expectScope(doc, 10, String.raw`"a \"q\" \\ p\n"`, "string.quoted.double.nn");
    expectScope(doc, 10, String.raw`\"`, "constant.character.escape.nn", 0);
    expectScope(doc, 10, String.raw`\\`, "constant.character.escape.nn");
    expectScope(doc, 10, String.raw`\n`, "constant.character.escape.nn");
    for (const op of ["!=", "<=", ">=", "=="]) expectScope(doc, 10, op, "keyword.operator.comparison.nn");
    expectScope(doc, 10, "<", "keyword.operator.comparison.nn", 1); // 0 is in <=
    expectScope(doc, 10, ">", "keyword.operator.comparison.nn", 1); // 0 is in >=
    expectScope(doc, 10, "=>", "keyword.operator.arrow.nn");
    expectScope(doc, 10, "or", "keyword.operator.logical.nn");
  });

  it("an unterminated string ends at the end of its line", () => {
    expectScope(doc, 11, '"unterminated', "string.quoted.double.nn");
    expectExactScopes(doc, 12, "schedule", ["meta.definition.schedule.nn", "storage.type.schedule.nn"]);
    expectScope(doc, 12, "warmup", "entity.name.function.nn");
    expectScope(doc, 12, "// no parameter lists", "comment.line.double-slash.nn");
    expectNoScope(doc, 12, "// no parameter lists", "meta.definition");
  });

  it("a header without parameters and member access", () => {
    expectExactScopes(doc, 13, "model", ["meta.definition.model.nn", "storage.type.model.nn"]);
    expectScope(doc, 13, "Tail", "entity.name.type.model.nn");
    expectScope(doc, 13, "->", "keyword.operator.arrow.nn");
    expectScope(doc, 13, "1", "constant.numeric.integer.nn");
    expectScope(doc, 13, ".", "punctuation.accessor.nn");
    expectScope(doc, 13, "shape", "variable.other.property.nn");
  });
});

describe("language-configuration.json", () => {
  const config = JSON.parse(readFileSync(configPath, "utf8")) as {
    comments: { lineComment: string; blockComment: [string, string] };
    brackets: Array<[string, string]>;
    autoClosingPairs: Array<{ open: string; close: string }>;
    surroundingPairs: Array<[string, string]>;
    wordPattern: string;
    indentationRules: { increaseIndentPattern: string; decreaseIndentPattern: string };
    onEnterRules: Array<{ beforeText: string }>;
  };

  it("comments and brackets", () => {
    expect(config.comments).toEqual({ lineComment: "//", blockComment: ["/*", "*/"] });
    expect(config.brackets).toEqual([
      ["{", "}"],
      ["[", "]"],
      ["(", ")"],
    ]);
    const pairs = config.autoClosingPairs.map((p) => p.open + p.close);
    for (const p of ["{}", "[]", "()", '""']) expect(pairs).toContain(p);
    const surrounding = config.surroundingPairs.map((p) => p.join(""));
    for (const p of ["{}", "[]", "()", '""']) expect(surrounding).toContain(p);
  });

  it("indentation rules", () => {
    const inc = new RegExp(config.indentationRules.increaseIndentPattern);
    const dec = new RegExp(config.indentationRules.decreaseIndentPattern);
    for (const line of ["layer dense(x) {", "  let y = f(", "  let v = [", "model M { // body", "train Mlp on mnist {  "]) {
      expect(inc.test(line), line).toBe(true);
    }
    for (const line of ["// a comment {", "  x }", "  f(x)", "let v = [1, 2]"]) expect(inc.test(line), line).toBe(false);
    for (const line of ["}", "  }", "\t)", "  ] |> f"]) expect(dec.test(line), line).toBe(true);
    for (const line of ["  x }", "{", "  let y = 1"]) expect(dec.test(line), line).toBe(false);
  });

  it("word pattern selects identifiers and numbers", () => {
    const word = new RegExp(config.wordPattern, "g");
    expect("h |> dense_2(512, 1e-3, .5)".match(word)).toEqual(["h", "dense_2", "512", "1e-3", ".5"]);
  });

  it("/// continues on Enter", () => {
    expect(new RegExp(config.onEnterRules[0]!.beforeText).test("  /// docs")).toBe(true);
  });
});
