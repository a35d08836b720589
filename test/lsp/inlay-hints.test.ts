// Inlay hints from `nnc lsp`: shapes after pipeline stages and on `let` names, parameter counts on
// layer calls, exact labels and positions, the requested range, and both settings.
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { InlayHint } from "vscode-languageserver-protocol";
import { fileUri, LspClient, range, tempWorkspace } from "./harness.js";

const SOURCE = `layer twice(x: f32[B, N]) -> f32[B, N] {
  let y = x * 2.0
  y
}

model M(image: f32[B, 28, 28]) -> f32[B, 10] {
  let h: f32[B, 784] = image |> flatten
  let z = h |> dense(64, relu) |> dense(32)
  let a = concatenate([z |> twice, h |> dense(3) |> twice])
  a |> dense(10)
}
`;

const WHOLE = range(0, 0, 11, 0);
const at = (line: number, character: number) => ({ line, character });
const shape = (line: number, character: number, label: string) => ({ position: at(line, character), label, kind: 1, paddingLeft: true });
const letType = (line: number, character: number, label: string) => ({ position: at(line, character), label, kind: 1 });
const count = (line: number, character: number, label: string, tooltip: string) => ({ position: at(line, character), label, paddingLeft: true, tooltip });

const SHAPES = [
  letType(1, 7, ": f32[B, 32] | f32[B, 3]"),
  letType(7, 7, ": f32[B, 32]"),
  shape(7, 30, "⟶ f32[B, 64]"),
  letType(8, 7, ": f32[B, 35]"),
  shape(8, 33, "⟶ f32[B, 32]"),
  shape(8, 48, "⟶ f32[B, 3]"),
  shape(8, 57, "⟶ f32[B, 3]"),
  shape(9, 16, "⟶ f32[B, 10]"),
];
const COUNTS = [
  count(7, 30, "50,240 params", "dense: kernel: f32[784, 64], bias: f32[64]"),
  count(7, 43, "2,080 params", "dense: kernel: f32[64, 32], bias: f32[32]"),
  count(8, 48, "2,355 params", "dense: kernel: f32[784, 3], bias: f32[3]"),
  count(9, 16, "360 params", "dense: kernel: f32[35, 10], bias: f32[10]"),
];
const byPosition = (hs: object[]) => [...hs].sort((a, b) => {
  const pa = (a as InlayHint).position, pb = (b as InlayHint).position;
  // At one position the shape comes before the count.
  return pa.line - pb.line || pa.character - pb.character || Number("tooltip" in a) - Number("tooltip" in b);
});

async function openIn(client: LspClient): Promise<string> {
  const uri = fileUri(path.join(tempWorkspace(), "hints.nn"));
  expect(await client.openAndWait(uri, SOURCE)).toEqual([]);
  return uri;
}

describe("inlay hints", () => {
  let client: LspClient;
  let uri: string;
  beforeAll(async () => {
    client = await LspClient.start();
    uri = await openIn(client);
  });
  afterAll(async () => {
    await client.stop();
  });

  it("shows shapes after stages and on let names, and parameter counts of layer calls", async () => {
    expect(await client.inlayHints(uri, WHOLE)).toEqual(byPosition([...SHAPES, ...COUNTS]));
  });

  it("returns only the hints in the requested range", async () => {
    const line7 = byPosition([...SHAPES, ...COUNTS].filter((h) => h.position.line === 7));
    expect(await client.inlayHints(uri, range(7, 0, 7, 60))).toEqual(line7);
  });

  it("returns no hints for a layer nothing uses, and none for a closed document", async () => {
    const u = fileUri(path.join(tempWorkspace(), "unused.nn"));
    expect(await client.openAndWait(u, "layer l(x: f32[B, 4]) -> f32[B, 2] {\n  x |> dense(2)\n}\n")).toEqual([]);
    expect(await client.inlayHints(u, range(0, 0, 3, 0))).toEqual([]);
    await client.close(u);
    expect(await client.inlayHints(u, range(0, 0, 3, 0))).toEqual([]);
  });
});

describe("inlay hint settings", () => {
  it("reads initializationOptions when the client has no workspace/configuration", async () => {
    const client = await LspClient.start({ initializationOptions: { inlayHints: { shapes: false } } });
    try {
      const uri = await openIn(client);
      expect(await client.inlayHints(uri, WHOLE)).toEqual(COUNTS);
    } finally {
      await client.stop();
    }
  });

  it("pulls the nnc section with workspace/configuration, again on every change", async () => {
    const client = await LspClient.start({ settings: { inlayHints: { parameterCounts: false } } });
    try {
      const uri = await openIn(client);
      expect(await client.inlayHints(uri, WHOLE)).toEqual(SHAPES);
      await client.setSettings({ inlayHints: { shapes: false, parameterCounts: true } });
      expect(await client.inlayHints(uri, WHOLE)).toEqual(COUNTS);
      expect(client.refreshes).toBeGreaterThan(0);
      await client.setSettings({});
      expect(await client.inlayHints(uri, WHOLE)).toEqual(byPosition([...SHAPES, ...COUNTS]));
    } finally {
      await client.stop();
    }
  });
});
