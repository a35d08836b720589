// Folding ranges from `nnc lsp`: definitions, datasets and train blocks from their first line, blocks,
// multi-line calls and lists, runs of comments, block comments, import groups; closing brackets that
// start a line stay visible; broken text.
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FoldingRange, FoldingRangeRequest } from "vscode-languageserver-protocol";
import { fileUri, LspClient, tempWorkspace } from "./harness.js";

let client: LspClient;
let dir: string;

const folds = (uri: string) => client.connection.sendRequest(FoldingRangeRequest.type, { textDocument: { uri } }) as Promise<FoldingRange[]>;
const short = (rs: FoldingRange[]) => rs.map((r) => `${r.startLine}-${r.endLine}${r.kind ? ` ${r.kind}` : ""}`);

beforeAll(async () => {
  client = await LspClient.start();
  dir = tempWorkspace();
});
afterAll(async () => {
  expect(client.errors).toEqual([]);
  await client.stop();
});

const SOURCE = `// A header comment
// over two lines.
import std.data.{mnist}
import std.layers.{dense}

/// Doc line one.
/// Doc line two.
layer proj(k: int,
           scale: float = 1.0)(x: f32[B, N]) -> f32[B, k] {
  let y = prim.matmul(
    x,
    prim.zeros([N, k]))
  if k > 2 {
    y * scale
  } else {
    y
  }
}

/* a block
   comment */
dataset d {
  source = mnist()
  preprocess = [
    scale(1 / 255)
  ]
}
train M on d { epochs = 1 }
`;

describe("folding ranges", () => {
  it("folds definitions, blocks, multi-line calls and lists, comments and imports", async () => {
    const uri = fileUri(path.join(dir, "folds.nn"));
    await client.openAndWait(uri, SOURCE);
    expect(short(await folds(uri))).toEqual([
      "0-1 comment", "2-3 imports", "5-6 comment",
      // The definition from its first line (its parameter list starts there too); `}` stays visible.
      "7-16",
      // `prim.matmul(` … `)` ends a line that starts with code: that line folds too.
      "9-11",
      "12-13", "14-15",
      "19-20 comment",
      "21-25", "23-24",
    ]);
    await client.close(uri);
  });

  it("folds a multi-line train block and its callbacks, and not one-line blocks", async () => {
    const text = "model M(x: f32[B, 2]) -> f32[B, 2] { x }\ntrain M on moons(n = 10) {\n  loss = mse()\n  early_stopping(\n    patience = 2)\n}\n";
    const uri = fileUri(path.join(dir, "train.nn"));
    await client.openAndWait(uri, text);
    expect(short(await folds(uri))).toEqual(["1-4", "3-4"]);
    await client.close(uri);
  });

  it("folds what it can in broken text", async () => {
    const text = "model A(x: f32[B, 2]) -> f32[B, 2] {\n  x |> dense(2\n}\n\nlayer ok(x: f32[B, N]) -> f32[B, N] {\n  x\n}\n)\n";
    const uri = fileUri(path.join(dir, "broken.nn"));
    expect((await client.openAndWait(uri, text)).length).toBeGreaterThan(0);
    expect(short(await folds(uri))).toEqual(["0-1", "4-5"]);
    await client.close(uri);
  });
});
