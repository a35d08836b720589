// Document and range formatting from `nnc lsp`: one whole-document edit with the formatter's output
// (comments kept), none for formatted text (idempotent) and none for text that does not parse; range
// formatting rewrites only the lines the range touches.
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DocumentFormattingRequest, DocumentRangeFormattingRequest, type Range, type TextEdit } from "vscode-languageserver-protocol";
import { applyEdit, fileUri, LspClient, range, tempWorkspace } from "./harness.js";

let client: LspClient;
let dir: string;
const options = { tabSize: 2, insertSpaces: true };

const format = (uri: string) => client.connection.sendRequest(DocumentFormattingRequest.type, { textDocument: { uri }, options }) as Promise<TextEdit[]>;
const formatRange = (uri: string, r: Range) =>
  client.connection.sendRequest(DocumentRangeFormattingRequest.type, { textDocument: { uri }, range: r, options }) as Promise<TextEdit[]>;
const apply = (text: string, edits: TextEdit[]) => [...edits].reverse().reduce((t, e) => applyEdit(t, e.range, e.newText), text);

const MESSY = `// keep me
model   Net(x:f32[B,2])->f32[B,2]{
      let h=x|>dense(8,relu)   // and me
  h |>dense( 2 )
}
train Net on moons(n=10){
loss=sparse_categorical_crossentropy()
    optimizer = adam()
}`;

const TIDY = `// keep me
model Net(x: f32[B, 2]) -> f32[B, 2] {
  let h = x |> dense(8, relu) // and me
  h |> dense(2)
}
train Net on moons(n = 10) {
  loss = sparse_categorical_crossentropy()
  optimizer = adam()
}
`;

beforeAll(async () => {
  client = await LspClient.start();
  dir = tempWorkspace();
});
afterAll(async () => {
  expect(client.errors).toEqual([]);
  await client.stop();
});

describe("formatting", () => {
  it("answers one edit replacing the whole document with the formatted text, comments kept", async () => {
    const uri = fileUri(path.join(dir, "messy.nn"));
    expect(await client.openAndWait(uri, MESSY)).toEqual([]);
    const edits = await format(uri);
    expect(edits).toEqual([{ range: range(0, 0, 8, 1), newText: TIDY }]);
    // Formatting the result again changes nothing.
    await client.changeAndWait(uri, apply(MESSY, edits));
    expect(client.textOf(uri)).toBe(TIDY);
    expect(await format(uri)).toEqual([]);
    await client.close(uri);
  });

  it("never edits text that does not parse", async () => {
    const uri = fileUri(path.join(dir, "broken.nn"));
    const text = "model   A(x:f32[B,2])->f32[B,2]{\n  x |> dense(2\n}\n";
    expect((await client.openAndWait(uri, text)).length).toBeGreaterThan(0);
    expect(await format(uri)).toEqual([]);
    expect(await formatRange(uri, range(0, 0, 1, 0))).toEqual([]);
    await client.close(uri);
  });

  it("formats only the lines a range touches", async () => {
    const uri = fileUri(path.join(dir, "range.nn"));
    await client.openAndWait(uri, `${MESSY}\n`);
    // Lines 2 and 3: the model's body; the header above and the train block below stay as they are.
    const edits = await formatRange(uri, range(2, 3, 3, 5));
    expect(edits).toEqual([{ range: range(2, 0, 4, 0), newText: "  let h = x |> dense(8, relu) // and me\n  h |> dense(2)\n" }]);
    const lines = apply(`${MESSY}\n`, edits).split("\n");
    expect(lines.slice(0, 2)).toEqual(MESSY.split("\n").slice(0, 2));
    expect(lines.slice(4)).toEqual(`${MESSY}\n`.split("\n").slice(4));
    // A range ending at the start of a line leaves that line alone.
    expect(await formatRange(uri, range(6, 0, 7, 0))).toEqual([{ range: range(6, 0, 7, 0), newText: "  loss = sparse_categorical_crossentropy()\n" }]);
    // Lines already formatted: nothing to do.
    expect(await formatRange(uri, range(0, 0, 0, 5))).toEqual([]);
    await client.close(uri);
  });
});
