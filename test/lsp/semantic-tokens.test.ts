// Semantic tokens from `nnc lsp`: the legend, every token of a source decoded back to its text, type
// and modifiers (layers as classes, dimension names as type parameters, stdlib names as the default
// library, settings as properties, comments split per line), names imported from another file, the
// range request, and broken text.
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type SemanticTokens, type SemanticTokensLegend, SemanticTokensRangeRequest, SemanticTokensRequest,
} from "vscode-languageserver-protocol";
import { fileUri, LspClient, range, tempWorkspace } from "./harness.js";

let client: LspClient;
let dir: string;
let legend: SemanticTokensLegend;

/** Each token as `text type modifiers`, read back from the relative encoding. */
function decode(text: string, tokens: SemanticTokens): string[] {
  const lines = text.split("\n");
  const out: string[] = [];
  let line = 0, char = 0;
  for (let i = 0; i < tokens.data.length; i += 5) {
    const [dl, dc, len, type, mods] = tokens.data.slice(i, i + 5) as [number, number, number, number, number];
    line += dl;
    char = dl ? dc : char + dc;
    const modifiers = legend.tokenModifiers.filter((_, b) => mods & (1 << b));
    out.push(`${lines[line]!.slice(char, char + len)} ${legend.tokenTypes[type]}${modifiers.length ? ` ${modifiers.join(",")}` : ""}`);
  }
  return out;
}

const full = (uri: string) => client.connection.sendRequest(SemanticTokensRequest.type, { textDocument: { uri } }) as Promise<SemanticTokens>;

beforeAll(async () => {
  client = await LspClient.start();
  dir = tempWorkspace({ "blocks.nn": "layer proj(k: int)(x: f32[B, N]) -> f32[B, k] {\n  x |> dense(k)\n}\n" });
  legend = client.initializeResult!.capabilities.semanticTokensProvider!.legend;
});
afterAll(async () => {
  expect(client.errors).toEqual([]);
  await client.stop();
});

const SOURCE = `/* a block
   comment */
/// Doubles.
layer twice(k: int = 2)(x: f32[B, N]) -> f32[B, N] {
  let y = prim.exp(x) * 2.0 // line comment
  state s: f32[N] = zeros
  fn (h, t) { h + t }
  y |> dense(N, activation = relu)
}
train M on moons(n = 10) { epochs = 3 }
`;

describe("semantic tokens", () => {
  it("announces a legend with the token types and modifiers", () => {
    expect(legend).toEqual({
      tokenTypes: ["namespace", "type", "class", "function", "parameter", "variable", "property", "keyword", "number", "string", "comment", "operator", "typeParameter"],
      tokenModifiers: ["declaration", "defaultLibrary", "documentation"],
    });
    expect(client.initializeResult!.capabilities.semanticTokensProvider).toMatchObject({ full: true, range: true });
  });

  it("classifies every token by what it is", async () => {
    const uri = fileUri(path.join(dir, "tokens.nn"));
    await client.openAndWait(uri, SOURCE);
    expect(decode(SOURCE, await full(uri))).toEqual([
      "/* a block comment", "   comment */ comment", "/// Doubles. comment documentation",
      "layer keyword", "twice class declaration", "k parameter declaration", "int type defaultLibrary", "= operator", "2 number",
      "x parameter declaration", "f32 type defaultLibrary", "B typeParameter declaration", "N typeParameter declaration", "-> operator",
      "f32 type defaultLibrary", "B typeParameter", "N typeParameter",
      "let keyword", "y variable declaration", "= operator", "prim namespace defaultLibrary", "exp function defaultLibrary", "x parameter",
      "* operator", "2.0 number", "// line comment comment",
      "state keyword", "s variable declaration", "f32 type defaultLibrary", "N typeParameter", "= operator", "zeros function defaultLibrary",
      "fn keyword", "h parameter declaration", "t parameter declaration", "h parameter", "+ operator", "t parameter",
      "y variable", "|> operator", "dense class defaultLibrary", "N typeParameter", "activation parameter defaultLibrary", "= operator",
      "relu function defaultLibrary",
      "train keyword", "M class", "on keyword", "moons function defaultLibrary", "n parameter defaultLibrary", "= operator", "10 number",
      "epochs property", "= operator", "3 number",
    ]);
    await client.close(uri);
  });

  it("colours names imported from another file by their definition, and datasets and module paths", async () => {
    const text = `import "./blocks.nn".{proj}\nimport std.data.{mnist}\n\ndataset d = mnist()\nmodel Net(x: f32[B, 4]) -> f32[B, 2] { x |> proj(k = 2) }\ntrain Net on d { loss = mse() }\n`;
    const uri = fileUri(path.join(dir, "uses.nn"));
    await client.openAndWait(uri, text);
    expect(decode(text, await full(uri))).toEqual([
      "import keyword", "\"./blocks.nn\" string", "proj class",
      "import keyword", "std namespace defaultLibrary", "data namespace defaultLibrary", "mnist function defaultLibrary",
      "dataset keyword", "d variable declaration", "= operator", "mnist function defaultLibrary",
      "model keyword", "Net class declaration", "x parameter declaration", "f32 type defaultLibrary", "B typeParameter declaration", "4 number",
      "-> operator", "f32 type defaultLibrary", "B typeParameter", "2 number", "x parameter", "|> operator", "proj class", "k parameter",
      "= operator", "2 number",
      "train keyword", "Net class", "on keyword", "d variable", "loss property", "= operator", "mse function defaultLibrary",
    ]);
    await client.close(uri);
  });

  it("answers a range with the tokens inside it", async () => {
    const uri = fileUri(path.join(dir, "range.nn"));
    await client.openAndWait(uri, SOURCE);
    const r = await client.connection.sendRequest(SemanticTokensRangeRequest.type, { textDocument: { uri }, range: range(9, 0, 9, 12) });
    const line9 = SOURCE.split("\n").slice(9).join("\n");
    // Relative to the start of the document: the first token's line is absolute.
    expect(r!.data.slice(0, 2)).toEqual([9, 0]);
    expect(decode(line9, { data: [0, ...r!.data.slice(1)] })).toEqual(["train keyword", "M class", "on keyword", "moons function defaultLibrary"]);
    await client.close(uri);
  });

  it("still colours broken text token by token", async () => {
    const text = "model A(x: f32[B, 2]) -> f32[B, 2] {\n  x |> dense(2,\n}\n";
    const uri = fileUri(path.join(dir, "broken.nn"));
    expect((await client.openAndWait(uri, text)).length).toBeGreaterThan(0);
    const tokens = decode(text, await full(uri));
    expect(tokens.slice(0, 4)).toEqual(["model keyword", "A class declaration", "x parameter declaration", "f32 type defaultLibrary"]);
    expect(tokens).toContain("|> operator");
    expect(tokens).toContain("2 number");
    await client.close(uri);
  });
});
