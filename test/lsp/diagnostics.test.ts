// Diagnostics from `nnc lsp` as a client sees them: exact ranges, codes, severities, messages with
// notes and help, related locations, fixes in `data`, recovery, imports between open files, close.
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DiagnosticSeverity } from "vscode-languageserver-protocol";
import { fileUri, LspClient, markers, range, ROOT, tempWorkspace } from "./harness.js";

let client: LspClient;
let dir: string;
const uriOf = (name: string) => fileUri(path.join(dir, name));

beforeAll(async () => {
  dir = tempWorkspace();
  client = await LspClient.start();
});
afterAll(async () => {
  await client.stop();
});

/** The range of the first occurrence of `needle` (after `from`) in a file's text. */
function rangeOf(text: string, needle: string, from = 0) {
  const at = text.indexOf(needle, from);
  const before = text.slice(0, at).split("\n");
  const line = before.length - 1, character = before[before.length - 1]!.length;
  return range(line, character, line, character + needle.length);
}

describe("diagnostics", () => {
  it("reports a syntax error at the token where the parser stopped", async () => {
    const m = markers("model M(x: f32[B, 4]) -> f32[B, 2] {\n  x |> dense(2\n«}»\n");
    const ds = await client.openAndWait(uriOf("syntax.nn"), m.text);
    expect(ds).toEqual([{
      range: m.ranges[0], severity: DiagnosticSeverity.Error, code: "E0002", source: "nnc",
      message: "syntax error: expected `)`, found `}`\nnote: while parsing call arguments",
    }]);
  });

  it("reports an unknown name with its suggestion as a fix in data", async () => {
    const m = markers("model M(x: f32[B, 4]) -> f32[B, 2] {\n  x |> «dnese»(2)\n}\n");
    const ds = await client.openAndWait(uriOf("name.nn"), m.text);
    expect(ds).toEqual([{
      range: m.ranges[0], severity: DiagnosticSeverity.Error, code: "E0201", source: "nnc",
      message: "unknown name `dnese`\nhelp: did you mean `dense`?",
      data: { fix: { message: "did you mean `dense`?", range: m.ranges[0], replacement: "dense" } },
    }]);
  });

  it("links a dimension mismatch to the argument that fixed the dimension", async () => {
    const m = markers("fn pair(a: f32[B, N], b: f32[B, N]) -> f32[B, N] { a + b }\nmodel M(x: f32[B, 4], y: f32[B, 5]) -> f32[B, 4] {\n  pair(«x», «y»)\n}\n");
    const uri = uriOf("dims.nn");
    const ds = await client.openAndWait(uri, m.text);
    expect(ds).toHaveLength(1);
    expect(ds[0]).toMatchObject({
      range: m.ranges[1], code: "E0301",
      message: "argument `b` of `pair`: expected f32[B, 4], found f32[B, 5]\nnote: `N` is 4 here",
      relatedInformation: [{ location: { uri, range: m.ranges[0] }, message: "`N` = 4 comes from argument `a`" }],
    });
  });

  it("reports a shape error with the declared type as a related location", async () => {
    const m = markers("model M(x: f32[B, 28, 28]) -> «f32[B, 10]» {\n  «x |> dense(128, relu) |> dense(10)»\n}\n");
    const uri = uriOf("shape.nn");
    const ds = await client.openAndWait(uri, m.text);
    expect(ds).toEqual([{
      range: m.ranges[1], severity: DiagnosticSeverity.Error, code: "E0311", source: "nnc",
      message: "model `M` returns f32[B, 28, 10], but its signature says f32[B, 10]\nhelp: insert `flatten` before the first `dense`, so dense layers see [B, features]",
      relatedInformation: [{ location: { uri, range: m.ranges[0] }, message: "the declared result type" }],
      data: { fix: { message: "insert `flatten` before the first `dense`, so dense layers see [B, features]" } },
    }]);
  });

  it("points related locations into the stdlib file that declares the expected shape", async () => {
    const m = markers("model M(x: f32[B, 4]) -> f32[B, 2] {\n  x |> «conv2d(8, (3, 3))» |> flatten |> dense(2)\n}\n");
    const ds = await client.openAndWait(uriOf("conv.nn"), m.text);
    const layers = fs.readFileSync(path.join(ROOT, "stdlib/layers.nn"), "utf8");
    const conv = layers.indexOf("layer conv2d");
    expect(ds).toHaveLength(1);
    expect(ds[0]!.range).toEqual(m.ranges[0]);
    expect(ds[0]!.code).toBe("E0302");
    expect(ds[0]!.message).toBe("argument `x` of `conv2d`: expected f32[B, H, W, C] (rank 4), found f32[B, 4] (rank 2)\n"
      + "help: reshape the input to [B, H, W, C] before `conv2d`, e.g. `reshape((28, 28, 1))`");
    expect(ds[0]!.relatedInformation).toEqual([{
      location: { uri: fileUri(path.join(ROOT, "stdlib/layers.nn")), range: rangeOf(layers, "f32[B, H, W, C]", conv) },
      message: "`conv2d` declares x: f32[B, H, W, C]",
    }]);
  });

  it("reports warnings with warning severity", async () => {
    const m = markers('dataset d {\n  source = «csv("nothere.csv", label = "y")»\n  features: f32[4]\n}\n');
    const ds = await client.openAndWait(uriOf("warn.nn"), m.text);
    expect(ds.map((d) => [d.code, d.severity, d.range])).toEqual([["W0501", DiagnosticSeverity.Warning, m.ranges[0]]]);
  });

  it("reports nothing for a valid file, and tags each publication with the document version", async () => {
    const uri = uriOf("valid.nn");
    const wait = client.waitForDiagnostics(uri, 7);
    await client.open(uri, fs.readFileSync(path.join(ROOT, "examples/mnist_mlp.nn"), "utf8"), 7);
    expect(await wait).toEqual([]);
    expect(client.published.filter((p) => p.uri === uri).at(-1)!.version).toBe(7);
  });

  it("follows incremental edits and recovers as soon as the text is valid again", async () => {
    const uri = uriOf("edit.nn");
    const good = "model M(x: f32[B, 4]) -> f32[B, 2] {\n  x |> dense(2)\n}\n";
    expect(await client.openAndWait(uri, good)).toEqual([]);
    // Delete the `)` of dense(2): a syntax error on the next line.
    const broken = await client.changeAndWait(uri, "", range(1, 14, 1, 15));
    expect(client.textOf(uri)).toBe("model M(x: f32[B, 4]) -> f32[B, 2] {\n  x |> dense(2\n}\n");
    expect(broken.map((d) => [d.code, d.range])).toEqual([["E0002", range(2, 0, 2, 1)]]);
    // Type a wrong size: still broken, now a different error once the `)` is back.
    await client.change(uri, ")", range(1, 14, 1, 14));
    const wrong = await client.changeAndWait(uri, "3", range(1, 13, 1, 14));
    expect(wrong.map((d) => [d.code, d.range])).toEqual([["E0311", range(1, 2, 1, 15)]]);
    expect(await client.changeAndWait(uri, "2", range(1, 13, 1, 14))).toEqual([]);
  });

  it("re-checks a file when an open file it imports changes, using the unsaved text", async () => {
    const blocks = "/// Two dense layers.\nlayer block(x: f32[B, 8]) -> f32[B, 8] {\n  x |> dense(8, relu) |> dense(8)\n}\n";
    fs.writeFileSync(path.join(dir, "blocks.nn"), blocks);
    const main = 'import "./blocks.nn"\n\nmodel M(x: f32[B, 8]) -> f32[B, 8] {\n  x |> block\n}\n';
    const mainUri = uriOf("main.nn"), blocksUri = uriOf("blocks.nn");
    expect(await client.openAndWait(mainUri, main)).toEqual([]);
    const mainAgain = client.waitForDiagnostics(mainUri);
    expect(await client.openAndWait(blocksUri, blocks)).toEqual([]);
    expect(await mainAgain).toEqual([]);
    // Edit the imported file (not saved): block now ends in dense(4), and main's model breaks. Nothing
    // in blocks.nn elaborates `block`, so the error shows where main.nn uses it.
    const after = client.waitForDiagnostics(mainUri);
    expect(await client.changeAndWait(blocksUri, "4", rangeOf(blocks, "8", blocks.indexOf("dense(8)\n") + 6))).toEqual([]);
    const inMain = await after;
    expect(inMain.map((d) => [d.code, d.range])).toEqual([
      ["E0311", rangeOf(main, "x |> block")],
      ["E0311", rangeOf(main, "block", main.indexOf("|>"))],
    ]);
    expect(inMain[1]!.message).toBe("layer `block` returns f32[B, 4], but its signature says f32[B, 8]: expected f32[B, 8], found f32[B, 4]");
    // The related location is in the imported file, at its unsaved text's positions.
    expect(inMain[1]!.relatedInformation).toEqual([
      { location: { uri: blocksUri, range: rangeOf(blocks, "f32[B, 8]", blocks.indexOf("->")) }, message: "the declared result type" },
    ]);
    // Closing the imported file: main reads the disk copy again, which is fine.
    const back = client.waitForDiagnostics(mainUri);
    await client.close(blocksUri);
    expect(await back).toEqual([]);
  });

  it("reports an import of a file that does not exist, and clears it when that file is opened", async () => {
    const main = 'import «"./later.nn"»\n\nmodel M(x: f32[B, 8]) -> f32[B, 8] {\n  x |> later_block\n}\n';
    const m = markers(main);
    const uri = uriOf("uses-later.nn");
    const ds = await client.openAndWait(uri, m.text);
    expect(ds.map((d) => [d.code, d.range])).toEqual([["E0203", m.ranges[0]], ["E0201", rangeOf(m.text, "later_block")]]);
    const fixed = client.waitForDiagnostics(uri);
    await client.open(uriOf("later.nn"), "layer later_block(x: f32[B, 8]) -> f32[B, 8] { x }\n");
    expect(await fixed).toEqual([]);
  });

  it("clears a document's diagnostics when it is closed", async () => {
    const uri = uriOf("closing.nn");
    expect((await client.openAndWait(uri, "model M(x: f32[B, 4]) { x |> nope }\n")).length).toBe(1);
    const cleared = client.waitForDiagnostics(uri);
    await client.close(uri);
    expect(await cleared).toEqual([]);
  });
});
