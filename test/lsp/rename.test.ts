// Rename in `nnc lsp`: prepareRename's range and its refusals (keywords, primitives, built-in types,
// stdlib definitions, settings, undefined names), and the WorkspaceEdit over every open file (a
// definition used through an import, a parameter with named arguments, a dimension name, a let, a
// dataset); the renamed files check clean.
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  LSPErrorCodes, type Position, PrepareRenameRequest, RenameRequest, type TextEdit, type WorkspaceEdit,
} from "vscode-languageserver-protocol";
import { applyEdit, fileUri, LspClient, markers, ROOT, tempWorkspace } from "./harness.js";

// Ranges: 0 proj, 1 units, 2 N, 3 N (use), 4 units (use), 5 units (use). Cursors: 0 prim.exp, 1 prim.zeros.
const BLOCKS = markers(`/// Projects features to \`units\` outputs.
layer «proj»(«units»: int)(x: f32[B, «N»]) -> f32[B, units] {
  param w: f32[«N», «units»] = glorot_uniform
  prim.‸exp(x @ w) + prim.‸zeros([«units»])
}
`);

// Ranges: 0 proj (import), 1 h, 2 h (use), 3 proj (use), 4 units (named argument), 5 digits, 6 digits (use).
// Cursors: 0 model, 1 f32, 2 dense, 3 h, 4 proj, 5 units, 6 digits, 7 epochs, 8 nothing defined, 9 a comment.
const MAIN = markers(`import "./blocks.nn".{«proj»}

‸model Net(x: ‸f32[B, 28, 28]) -> f32[B, 10] {
  let «h» = x |> flatten |> ‸dense(16, relu)
  ‸«h» |> «‸proj»(‸«units» = 10)
}

dataset «‸digits» {
  source = mnist()
}

train Net on «digits» {
  loss = sparse_categorical_crossentropy(from_logits = true)
  optimizer = adam()
  ‸epochs = 1
  metrics = [‸nothing_here]
} // ‸done
`);

const OTHER = markers(`import "./blocks.nn"

model Other(x: f32[B, 2]) -> f32[B, 3] {
  x |> «proj»(3)
}
`);

let client: LspClient;
const uris = { blocks: "", main: "", other: "" };

const prepare = (uri: string, position: Position) => client.connection.sendRequest(PrepareRenameRequest.type, { textDocument: { uri }, position });
const rename = (uri: string, position: Position, newName: string) =>
  client.connection.sendRequest(RenameRequest.type, { textDocument: { uri }, position, newName });

/** The error a request was answered with. */
async function refusal(p: Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as { code: number; message: string };
    return { code: err.code, message: err.message };
  }
  throw new Error("the request was not refused");
}

const edits = (newText: string, ...rs: typeof BLOCKS.ranges): TextEdit[] => rs.map((range) => ({ range, newText }));

beforeAll(async () => {
  const dir = tempWorkspace({ "blocks.nn": BLOCKS.text, "main.nn": MAIN.text, "other.nn": OTHER.text });
  uris.blocks = fileUri(path.join(dir, "blocks.nn"));
  uris.main = fileUri(path.join(dir, "main.nn"));
  uris.other = fileUri(path.join(dir, "other.nn"));
  client = await LspClient.start();
  expect(await client.openAndWait(uris.blocks, BLOCKS.text)).toEqual([]);
  expect((await client.openAndWait(uris.main, MAIN.text)).map((d) => d.message.split("\n")[0])).toEqual(["unknown metric `nothing_here`"]);
  expect(await client.openAndWait(uris.other, OTHER.text)).toEqual([]);
});
afterAll(async () => {
  expect(client.errors).toEqual([]);
  await client.stop();
});

describe("prepareRename", () => {
  it("answers the name's range and text", async () => {
    expect(await prepare(uris.main, MAIN.cursors[4]!)).toEqual({ range: MAIN.ranges[3], placeholder: "proj" });
    expect(await prepare(uris.main, MAIN.cursors[3]!)).toEqual({ range: MAIN.ranges[2], placeholder: "h" });
    expect(await prepare(uris.blocks, BLOCKS.ranges[2]!.end)).toEqual({ range: BLOCKS.ranges[2], placeholder: "N" });
  });

  it("refuses keywords, primitives, built-in types and the stdlib with a clear message", async () => {
    const failed = (message: string) => ({ code: LSPErrorCodes.RequestFailed, message });
    expect(await refusal(prepare(uris.main, MAIN.cursors[0]!))).toEqual(failed("`model` is a keyword and cannot be renamed"));
    expect(await refusal(prepare(uris.main, MAIN.cursors[1]!))).toEqual(failed("`f32` is a built-in type and cannot be renamed"));
    expect(await refusal(prepare(uris.main, MAIN.cursors[2]!))).toEqual(
      failed("`dense` is defined in the standard library (stdlib/layers.nn) and cannot be renamed"));
    expect(await refusal(prepare(uris.blocks, BLOCKS.cursors[0]!))).toEqual(failed("`prim.exp` is a primitive of the compiler and cannot be renamed"));
    expect(await refusal(prepare(uris.blocks, BLOCKS.cursors[1]!))).toEqual(failed("`prim.zeros` is a primitive of the compiler and cannot be renamed"));
    expect(await refusal(prepare(uris.main, MAIN.cursors[7]!))).toEqual(failed("`epochs` is a setting the compiler knows and cannot be renamed"));
    expect(await refusal(prepare(uris.main, MAIN.cursors[8]!))).toEqual(failed("`nothing_here` is not defined here, so there is nothing to rename"));
    expect(await refusal(prepare(uris.main, MAIN.cursors[9]!))).toEqual(failed("There is no name here to rename"));
    expect(await refusal(prepare(uris.main, { line: 0, character: 9 }))).toEqual(failed("`./blocks.nn` is an import path: rename the file instead"));
  });

  it("refuses names in a stdlib file opened in the editor", async () => {
    const file = path.join(ROOT, "stdlib/layers.nn");
    const text = fs.readFileSync(file, "utf8");
    const u = fileUri(file);
    await client.openAndWait(u, text);
    const at = text.indexOf("param kernel", text.indexOf("layer dense(")) + "param ".length;
    const line = text.slice(0, at).split("\n").length - 1, character = at - text.lastIndexOf("\n", at - 1) - 1;
    expect(await refusal(prepare(u, { line, character }))).toEqual({
      code: LSPErrorCodes.RequestFailed, message: "`kernel` is defined in the standard library (stdlib/layers.nn) and cannot be renamed",
    });
    await client.close(u);
  });

  it("refuses a definition kind written as a plain word (`loss`)", async () => {
    const text = "loss half(y_pred: f32[B, N], y_true: f32[B, N]) -> f32[] {\n  prim.mean(y_pred - y_true, axes = none)\n}\n";
    const u = fileUri(path.join(tempWorkspace(), "loss.nn"));
    await client.openAndWait(u, text);
    expect(await refusal(prepare(u, { line: 0, character: 2 }))).toEqual({ code: LSPErrorCodes.RequestFailed, message: "`loss` is a keyword and cannot be renamed" });
    await client.close(u);
  });
});

describe("rename", () => {
  it("renames a definition in its file, where it is imported and where it is used, in every open file", async () => {
    const e = await rename(uris.main, MAIN.cursors[4]!, "project");
    expect(e).toEqual({
      changes: {
        [uris.blocks]: edits("project", BLOCKS.ranges[0]!),
        [uris.main]: edits("project", MAIN.ranges[0]!, MAIN.ranges[3]!),
        [uris.other]: edits("project", OTHER.ranges[0]!),
      },
    });
    await expectCleanAfter(e!);
  });

  it("renames a layer parameter with its named arguments in other files", async () => {
    const e = await rename(uris.main, MAIN.cursors[5]!, "width");
    const units = BLOCKS.text.split("\n").slice(0, 4).join("\n");
    expect(units.match(/units/g)!.length).toBe(5);
    expect(e!.changes![uris.main]).toEqual(edits("width", MAIN.ranges[4]!));
    const blockEdits = e!.changes![uris.blocks]!;
    expect(blockEdits.map((x) => x.range)).toContainEqual(BLOCKS.ranges[1]);
    expect(blockEdits).toContainEqual({ range: BLOCKS.ranges[4], newText: "width" });
    expect(blockEdits).toContainEqual({ range: BLOCKS.ranges[5], newText: "width" });
    // The declaration, the return type, the param's type, the body; the doc comment is prose.
    expect(blockEdits.length).toBe(4);
    expect(Object.keys(e!.changes!).sort()).toEqual([uris.blocks, uris.main].sort());
    await expectCleanAfter(e!);
  });

  it("renames a dimension name everywhere in its definition", async () => {
    const e = await rename(uris.blocks, BLOCKS.ranges[3]!.start, "features");
    expect(e).toEqual({ changes: { [uris.blocks]: edits("features", BLOCKS.ranges[2]!, BLOCKS.ranges[3]!) } });
    await expectCleanAfter(e!);
  });

  it("renames a let and a dataset", async () => {
    expect(await rename(uris.main, MAIN.cursors[3]!, "hidden")).toEqual({ changes: { [uris.main]: edits("hidden", MAIN.ranges[1]!, MAIN.ranges[2]!) } });
    const e = await rename(uris.main, MAIN.cursors[6]!, "mnist_digits");
    expect(e).toEqual({ changes: { [uris.main]: edits("mnist_digits", MAIN.ranges[5]!, MAIN.ranges[6]!) } });
    await expectCleanAfter(e!);
  });

  it("refuses a new name that is not a name, or is a keyword", async () => {
    const failed = (message: string) => ({ code: LSPErrorCodes.RequestFailed, message });
    expect(await refusal(rename(uris.main, MAIN.cursors[3]!, "2x"))).toEqual(failed("`2x` is not a name: use letters, digits and _, not starting with a digit"));
    expect(await refusal(rename(uris.main, MAIN.cursors[3]!, "a b"))).toEqual(failed("`a b` is not a name: use letters, digits and _, not starting with a digit"));
    expect(await refusal(rename(uris.main, MAIN.cursors[3]!, "model"))).toEqual(failed("`model` is a keyword"));
    expect(await refusal(rename(uris.main, MAIN.cursors[2]!, "thick"))).toEqual(
      failed("`dense` is defined in the standard library (stdlib/layers.nn) and cannot be renamed"));
  });
});

/** Applies a rename to the open documents, checks every one re-checks as before, then restores them. */
async function expectCleanAfter(e: WorkspaceEdit): Promise<void> {
  const originals = { [uris.blocks]: BLOCKS.text, [uris.main]: MAIN.text, [uris.other]: OTHER.text };
  const before = new Map<string, string[]>();
  for (const u of Object.keys(originals)) before.set(u, (client.lastDiagnostics(u) ?? []).map((d) => d.message));
  for (const [u, list] of Object.entries(e.changes ?? {})) {
    // Applied last edit first, so earlier ranges stay valid.
    let text = originals[u]!;
    for (const ed of [...list].reverse()) text = applyEdit(text, ed.range, ed.newText);
    await client.change(u, text);
  }
  for (const u of Object.keys(originals)) {
    await client.changeAndWait(u, client.textOf(u)!);
    expect((client.lastDiagnostics(u) ?? []).map((d) => d.message)).toEqual(before.get(u));
  }
  for (const [u, text] of Object.entries(originals)) await client.changeAndWait(u, text);
}
