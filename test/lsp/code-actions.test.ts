// Code actions from `nnc lsp`: for each quick fix, the diagnostic it is for, its title and exact
// edit, and that applying the edit makes the diagnostic go away (the server re-checks the new text).
// Markers: `«…»` is the diagnostic's range, `‸` the places the edit changes (in the original text).
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CodeAction, Diagnostic, Range, TextEdit } from "vscode-languageserver-protocol";
import { applyEdit, fileUri, LspClient, markers, range, tempWorkspace } from "./harness.js";

let client: LspClient;
beforeAll(async () => {
  client = await LspClient.start();
});
afterAll(async () => {
  expect(client.errors).toEqual([]);
  await client.stop();
});

const TRAIN = `train Mlp on mnist() {
  loss      = sparse_categorical_crossentropy(from_logits = true)
  optimizer = adam()
}
`;

let counter = 0;

/** Opens a file (in `dir`, default a fresh folder) and returns its URI and published diagnostics. */
async function open(text: string, dir = tempWorkspace(), name = `t${counter++}.nn`): Promise<{ uri: string; diags: Diagnostic[] }> {
  const uri = fileUri(path.join(dir, name));
  return { uri, diags: await client.openAndWait(uri, text) };
}

function actions(uri: string, r: Range, only?: string[]): Promise<CodeAction[]> {
  return client.request<CodeAction[]>("textDocument/codeAction", { textDocument: { uri }, range: r, context: { diagnostics: [], ...(only ? { only } : {}) } });
}

const editsOf = (a: CodeAction, uri: string): TextEdit[] => a.edit?.changes?.[uri] ?? [];

/** Applies an action's edits (last first, so earlier positions stay valid), sends the text, returns the new diagnostics. */
async function apply(uri: string, a: CodeAction): Promise<{ text: string; diags: Diagnostic[] }> {
  let text = client.textOf(uri)!;
  const edits = [...editsOf(a, uri)].sort((x, y) => y.range.start.line - x.range.start.line || y.range.start.character - x.range.start.character);
  for (const e of edits) text = applyEdit(text, e.range, e.newText);
  return { text, diags: await client.changeAndWait(uri, text) };
}

const at = (p: { line: number; character: number }, text: string): TextEdit => ({ range: { start: p, end: p }, newText: text });

/**
 * The common case: one diagnostic with `code` at the marked range, exactly one action for it with
 * this title and these edits, preferred; applying it leaves no errors. Returns the fixed text.
 */
async function expectSingleFix(src: string, code: string, title: string, edits: (m: ReturnType<typeof markers>) => TextEdit[], opts: { dir?: string; name?: string } = {}): Promise<string> {
  const m = markers(src);
  const { uri, diags } = await open(m.text, opts.dir, opts.name);
  const diag = diags.find((d) => d.code === code);
  expect(diag, `no ${code} in ${JSON.stringify(diags)}`).toBeDefined();
  expect(diag!.range).toEqual(m.ranges[0]);
  const got = await actions(uri, diag!.range);
  expect(got).toEqual([{ title, kind: "quickfix", diagnostics: [diag], isPreferred: true, edit: { changes: { [uri]: edits(m) } } }]);
  const after = await apply(uri, got[0]!);
  expect(after.diags.filter((d) => d.severity === 1)).toEqual([]);
  await client.close(uri);
  return after.text;
}

describe("shape fixes", () => {
  it("inserts flatten before the first dense that sees an unflattened image", async () => {
    const text = await expectSingleFix(
      `model Mlp(image: f32[B, 28, 28]) -> f32[B, 10] {\n  «image |> ‸dense(128, relu) |> dense(10)»\n}\n`,
      "E0311", "Insert `flatten` before `dense`", (m) => [at(m.cursors[0]!, "flatten |> ")]);
    expect(text).toBe("model Mlp(image: f32[B, 28, 28]) -> f32[B, 10] {\n  image |> flatten |> dense(128, relu) |> dense(10)\n}\n");
  });

  it("finds the first dense in an earlier let binding", async () => {
    await expectSingleFix(
      `model Mlp(image: f32[B, 28, 28]) -> f32[B, 10] {\n  let h = image |> ‸dense(20)\n  «h |> dense(10)»\n}\n`,
      "E0311", "Insert `flatten` before `dense`", (m) => [at(m.cursors[0]!, "flatten |> ")]);
  });

  it("wraps the input of a directly applied layer", async () => {
    const text = await expectSingleFix(
      `model Mlp(image: f32[B, 28, 28]) -> f32[B, 10] {\n  «dense(10)(‸image‸)»\n}\n`,
      "E0311", "Insert `flatten` before `dense`", (m) => [at(m.cursors[0]!, "flatten("), at(m.cursors[1]!, ")")]);
    expect(text).toContain("dense(10)(flatten(image))");
  });

  it("inserts flatten before a user layer whose input is declared flat", async () => {
    await expectSingleFix(
      `layer proj(k: int)(x: f32[B, N]) -> f32[B, k] {\n  param w: f32[N, k] = glorot_uniform\n  x @ w\n}\n\n`
        + `model P(image: f32[B, 28, 28]) -> f32[B, 10] {\n  let h = image |> ‸«proj(10)»\n  h\n}\n`,
      "E0302", "Insert `flatten` before `proj`", (m) => [at(m.cursors[0]!, "flatten |> ")]);
  });

  it("changes the size of the dense that makes the result to the declared one", async () => {
    await expectSingleFix(
      `model R(x: f32[B, 4]) -> f32[B, 10] {\n  «x |> dense(16, relu) |> dense(‸3‸)»\n}\n`,
      "E0311", "Change the size of `dense` from 3 to 10", (m) => [{ range: { start: m.cursors[0]!, end: m.cursors[1]! }, newText: "10" }]);
  });

  it("follows a let name to the dense that made it, and a named units argument", async () => {
    await expectSingleFix(
      `model R(x: f32[B, 4]) -> f32[B, 10] {\n  let h = x |> dense(units = ‸3‸, activation = relu)\n  «h»\n}\n`,
      "E0311", "Change the size of `dense` from 3 to 10", (m) => [{ range: { start: m.cursors[0]!, end: m.cursors[1]! }, newText: "10" }]);
  });

  it("makes the trained model output as many class scores as the data has classes", async () => {
    await expectSingleFix(
      `model Mlp(image: f32[B, 28, 28]) -> f32[B, ‸3‸] {\n  image |> flatten |> dense(‸3‸)\n}\n\n`
        + `train Mlp on mnist() {\n  loss      = «sparse_categorical_crossentropy(from_logits = true)»\n  optimizer = adam()\n}\n`,
      "E0603", "Make model `Mlp` output 10 class scores",
      (m) => [{ range: { start: m.cursors[0]!, end: m.cursors[1]! }, newText: "10" }, { range: { start: m.cursors[2]!, end: m.cursors[3]! }, newText: "10" }]);
  });
});

describe("misspelled names", () => {
  const model = (body: string) => `model Mlp(image: f32[B, 28, 28]) -> f32[B, 10] {\n  ${body}\n}\n`;
  const replaced = (old: string, now: string) => `Replace \`${old}\` with \`${now}\``;
  const replace = (now: string) => (m: ReturnType<typeof markers>) => [{ range: m.ranges[0]!, newText: now }];

  it("fixes an activation", async () => {
    await expectSingleFix(model("image |> flatten |> dense(10, «rellu»)"), "E0201", replaced("rellu", "relu"), replace("relu"));
  });

  it("fixes a layer name", async () => {
    await expectSingleFix(model("image |> flatten |> «desne»(10)"), "E0201", replaced("desne", "dense"), replace("dense"));
  });

  it("fixes a named argument", async () => {
    await expectSingleFix(model("image |> flatten |> dense(10, «activaton» = relu)"), "E0211", replaced("activaton", "activation"), replace("activation"));
  });

  it("fixes a primitive", async () => {
    await expectSingleFix(model("image |> flatten |> dense(10) |> prim.«sigmod»"), "E0205", replaced("sigmod", "sigmoid"), replace("sigmoid"));
  });

  it("fixes a stdlib module and a name imported from it", async () => {
    await expectSingleFix(`import «std.dta».{mnist}\n\n${model("image |> flatten |> dense(10)")}`, "E0202", replaced("std.dta", "std.data"), replace("std.data"));
    await expectSingleFix(`import std.data.{«mnst»}\n\n${model("image |> flatten |> dense(10)")}`, "E0204", replaced("mnst", "mnist"), replace("mnist"));
  });

  it("fixes an optimizer given as a string, keeping the quotes", async () => {
    await expectSingleFix(`${model("image |> flatten |> dense(10)")}\n${TRAIN.replace("adam()", "«\"adm\"»")}`, "E0604", replaced("\"adm\"", "\"adam\""), replace("\"adam\""));
  });

  it("fixes a train setting, a trained model and a monitored quantity", async () => {
    await expectSingleFix(`${model("image |> flatten |> dense(10)")}\n${TRAIN.replace("}", "  «epoch» = 2\n}")}`, "E0503", replaced("epoch", "epochs"), replace("epochs"));
    await expectSingleFix(`${model("image |> flatten |> dense(10)")}\n${TRAIN.replace("Mlp", "«Mpl»")}`, "E0601", replaced("Mpl", "Mlp"), replace("Mlp"));
    const callback = TRAIN.replace("}", "  metrics = [accuracy]\n  validation = 0.1\n  early_stopping(monitor = «val_acc», patience = 3)\n}");
    await expectSingleFix(`${model("image |> flatten |> dense(10)")}\n${callback}`, "E0606", replaced("val_acc", "val_accuracy"), replace("val_accuracy"));
  });
});

describe("missing imports", () => {
  const BLOCKS = `/// A residual block.\nlayer block(x: f32[B, N]) -> f32[B, N] {\n  x |> dense(N)\n}\n\nlayer other(x: f32[B, N]) -> f32[B, N] {\n  x\n}\n\nmodel Net(x: f32[B, 4]) -> f32[B, 2] {\n  x |> dense(2)\n}\n`;

  it("imports a layer defined in another file of the folder", async () => {
    const dir = tempWorkspace({ "blocks.nn": BLOCKS });
    const text = await expectSingleFix(
      `// Uses a block.\n‸model M(x: f32[B, 4]) -> f32[B, 4] {\n  x |> «block»\n}\n`,
      "E0201", "Import `block` from \"./blocks.nn\"", (m) => [at(m.cursors[0]!, "import \"./blocks.nn\".{block}\n\n")], { dir });
    expect(text.startsWith("// Uses a block.\nimport \"./blocks.nn\".{block}\n\nmodel M")).toBe(true);
  });

  it("adds the name to an existing import of that file", async () => {
    const dir = tempWorkspace({ "blocks.nn": BLOCKS });
    await expectSingleFix(
      `import "./blocks.nn".{other‸}\n\nmodel M(x: f32[B, 4]) -> f32[B, 4] {\n  x |> other |> «block»\n}\n`,
      "E0201", "Import `block` from \"./blocks.nn\"", (m) => [at(m.cursors[0]!, ", block")], { dir });
  });

  it("imports after the last import, and a model named by a train block", async () => {
    const dir = tempWorkspace({ "blocks.nn": BLOCKS });
    await expectSingleFix(
      `import std.data.{mnist}\n‸\ntrain «Net» on moons(n = 100) {\n  loss      = sparse_categorical_crossentropy(from_logits = true)\n  optimizer = adam()\n}\n`,
      "E0601", "Import `Net` from \"./blocks.nn\"", (m) => [at(m.cursors[0]!, "import \"./blocks.nn\".{Net}\n")], { dir });
  });

  it("finds names in unsaved open files, and prefers the exact name to a suggestion", async () => {
    const dir = tempWorkspace();
    const lib = fileUri(path.join(dir, "lib.nn"));
    expect(await client.openAndWait(lib, "layer dens(x: f32[B, N]) -> f32[B, N] {\n  x\n}\n")).toEqual([]);
    const m = markers("model M(x: f32[B, 4]) -> f32[B, 4] {\n  x |> «dens»\n}\n");
    const { uri, diags } = await open(m.text, dir, "main.nn");
    const diag = diags.find((d) => d.code === "E0201")!;
    const got = await actions(uri, diag.range);
    expect(got.map((a) => [a.title, a.isPreferred, editsOf(a, uri)])).toEqual([
      ["Import `dens` from \"./lib.nn\"", true, [at({ line: 0, character: 0 }, "import \"./lib.nn\".{dens}\n\n")]],
      ["Replace `dens` with `dense`", false, [{ range: m.ranges[0], newText: "dense" }]],
    ]);
    expect((await apply(uri, got[0]!)).diags).toEqual([]);
    await client.close(uri);
    await client.close(lib);
  });

  it("does not offer a file that imports this one back", async () => {
    const dir = tempWorkspace({ "back.nn": `import "./main.nn"\n\nlayer block(x: f32[B, N]) -> f32[B, N] {\n  x\n}\n` });
    const { uri, diags } = await open("model M(x: f32[B, 4]) -> f32[B, 4] {\n  x |> block\n}\n", dir, "main.nn");
    expect(await actions(uri, diags.find((d) => d.code === "E0201")!.range)).toEqual([]);
    await client.close(uri);
  });

  it("imports a name from the stdlib module that defines it", async () => {
    await expectSingleFix(
      `import ‸std.data‸.{«dense»}\n\nmodel M(x: f32[B, 4]) -> f32[B, 2] {\n  x |> dense(2)\n}\n`,
      "E0204", "Import `dense` from `std.layers`", (m) => [{ range: { start: m.cursors[0]!, end: m.cursors[1]! }, newText: "std.layers" }]);
  });

  it("moves one name of a list to its own stdlib import", async () => {
    const text = await expectSingleFix(
      `import std.data.{mnist‸, «dense»‸}\n‸\nmodel M(x: f32[B, 4]) -> f32[B, 2] {\n  x |> dense(2)\n}\n`,
      "E0204", "Import `dense` from `std.layers`",
      (m) => [{ range: { start: m.cursors[0]!, end: m.cursors[1]! }, newText: "" }, at(m.cursors[2]!, "import std.layers.{dense}\n")]);
    expect(text.startsWith("import std.data.{mnist}\nimport std.layers.{dense}\n\nmodel M")).toBe(true);
  });
});

describe("requests", () => {
  it("answers only for the diagnostics in the range, and nothing for other kinds", async () => {
    const m = markers("model A(x: f32[B, 4]) -> f32[B, 2] {\n  x |> dense(2, «rellu»)\n}\n\nmodel C(x: f32[B, 4]) -> f32[B, 2] {\n  x |> dense(2, «sigmod»)\n}\n");
    const { uri, diags } = await open(m.text);
    expect(diags.map((d) => d.range)).toEqual(m.ranges);
    expect((await actions(uri, range(1, 0, 1, 0))).map((a) => a.title)).toEqual([]);
    expect((await actions(uri, m.ranges[1]!)).map((a) => a.title)).toEqual(["Replace `sigmod` with `sigmoid`"]);
    expect((await actions(uri, range(0, 0, 6, 0))).map((a) => a.title)).toEqual(["Replace `rellu` with `relu`", "Replace `sigmod` with `sigmoid`"]);
    expect(await actions(uri, m.ranges[0]!, ["refactor"])).toEqual([]);
    expect((await actions(uri, m.ranges[0]!, ["quickfix"])).length).toBe(1);
    await client.close(uri);
  });

  it("offers nothing for a clean file or an unknown document", async () => {
    const { uri, diags } = await open(`model Mlp(image: f32[B, 28, 28]) -> f32[B, 10] {\n  image |> flatten |> dense(10)\n}\n`);
    expect(diags).toEqual([]);
    expect(await actions(uri, range(0, 0, 3, 0))).toEqual([]);
    expect(await actions("file:///nowhere/x.nn", range(0, 0, 0, 0))).toEqual([]);
    await client.close(uri);
  });

  it("advertises quick fixes", () => {
    expect(client.initializeResult?.capabilities.codeActionProvider).toEqual({ codeActionKinds: ["quickfix"] });
  });
});
