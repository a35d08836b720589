// Document symbols (the outline) and workspace symbols from `nnc lsp`: kinds, details, exact ranges
// and selection ranges, children (parameters, lets, params, settings, callbacks), broken text; a
// workspace query over two open files with an import between them and the stdlib.
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type DocumentSymbol, DocumentSymbolRequest, type Range, SymbolKind, type WorkspaceSymbol, WorkspaceSymbolRequest,
} from "vscode-languageserver-protocol";
import { fileUri, LspClient, markers, range, ROOT, tempWorkspace } from "./harness.js";

const SOURCE = `import std.data.{mnist}

/// Projects.
layer proj(units: int,
           scale: float = 1.0)(x: f32[B, N]) -> f32[B, units] {
  param w: f32[N, units] = glorot_uniform
  state count: f32[] = zeros
  let y = x @ w
  if units > 2 { let z = y * scale
    z } else { y }
}

model Net(image: f32[B, 28, 28]) -> f32[B, 10] {
  image |> flatten |> proj(10)
}

dataset digits {
  source = mnist()
  features: f32[28, 28]
  seed = 1
}

train Net on digits {
  loss = sparse_categorical_crossentropy(from_logits = true)
  optimizer = adam()
  early_stopping(patience = 2)
  epochs = 3
}
`;

let client: LspClient;
let dir: string;

const KIND_NAMES: Record<number, string> = Object.fromEntries(Object.entries(SymbolKind).map(([k, v]) => [v, k]));

/** A symbol as `name kind [range] [selection] detail`, children indented below it. */
function outline(symbols: DocumentSymbol[], indent = ""): string[] {
  const r = (x: Range) => `${x.start.line}:${x.start.character}-${x.end.line}:${x.end.character}`;
  return symbols.flatMap((s) => [
    `${indent}${s.name} ${KIND_NAMES[s.kind]} [${r(s.range)}] [${r(s.selectionRange)}]${s.detail ? ` ${s.detail}` : ""}`,
    ...outline(s.children ?? [], indent + "  "),
  ]);
}

const documentSymbols = (uri: string) => client.connection.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri } }) as Promise<DocumentSymbol[]>;
const workspaceSymbols = (query: string) => client.connection.sendRequest(WorkspaceSymbolRequest.type, { query }) as Promise<WorkspaceSymbol[]>;

beforeAll(async () => {
  client = await LspClient.start();
  dir = tempWorkspace();
});
afterAll(async () => {
  expect(client.errors).toEqual([]);
  await client.stop();
});

describe("document symbols", () => {
  it("outlines definitions with their kind and signature, and their parameters, lets, params, settings and callbacks", async () => {
    const uri = fileUri(path.join(dir, "outline.nn"));
    expect(await client.openAndWait(uri, SOURCE)).toEqual([]);
    expect(outline(await documentSymbols(uri))).toEqual([
      "std.data Namespace [0:0-0:23] [0:7-0:15] import",
      "proj Class [3:0-10:1] [3:6-3:10] layer (units: int, scale: float = 1.0)(x: f32[B, N]) -> f32[B, units]",
      "  units Property [3:11-3:21] [3:11-3:16] int",
      "  scale Property [4:11-4:29] [4:11-4:16] float",
      "  x Variable [4:31-4:43] [4:31-4:32] f32[B, N]",
      "  w Field [5:2-5:41] [5:8-5:9] param: f32[N, units]",
      "  count Field [6:2-6:28] [6:8-6:13] state: f32[]",
      "  y Variable [7:2-7:15] [7:6-7:7] let",
      "  z Variable [8:17-8:34] [8:21-8:22] let",
      "Net Module [12:0-14:1] [12:6-12:9] model (image: f32[B, 28, 28]) -> f32[B, 10]",
      "  image Variable [12:10-12:31] [12:10-12:15] f32[B, 28, 28]",
      "digits Object [16:0-20:1] [16:8-16:14] dataset",
      "  source Property [17:2-17:18] [17:2-17:8] mnist()",
      "  features Property [18:2-18:23] [18:2-18:10] f32[28, 28]",
      "  seed Property [19:2-19:10] [19:2-19:6] 1",
      "train Net Event [22:0-27:1] [22:6-22:9] train on digits",
      "  loss Property [23:2-23:60] [23:2-23:6] sparse_categorical_crossentropy(from_logits = true)",
      "  optimizer Property [24:2-24:20] [24:2-24:11] adam()",
      "  early_stopping Event [25:2-25:30] [25:2-25:16] callback",
      "  epochs Property [26:2-26:12] [26:2-26:8] 3",
    ]);
    await client.close(uri);
  });

  it("gives every other kind of definition its own symbol kind", async () => {
    const uri = fileUri(path.join(dir, "kinds.nn"));
    const text = "fn twice(x: f32[..., N]) -> f32[..., N] { x * 2.0 }\n"
      + "loss half(y_pred: f32[B, N], y_true: f32[B, N]) -> f32[] { prim.mean(y_pred - y_true, axes = none) }\n"
      + "metric close = half\n";
    await client.openAndWait(uri, text);
    expect((await documentSymbols(uri)).map((s) => [s.name, KIND_NAMES[s.kind], s.detail])).toEqual([
      ["twice", "Function", "fn (x: f32[..., N]) -> f32[..., N]"],
      ["half", "Function", "loss (y_pred: f32[B, N], y_true: f32[B, N]) -> f32[]"],
      ["close", "Function", "metric = half"],
    ]);
    await client.close(uri);
  });

  it("keeps outlining the parts of a broken file that parse", async () => {
    const uri = fileUri(path.join(dir, "broken.nn"));
    const text = "model A(x: f32[B, 2]) -> f32[B, 2] {\n  x |> dense(2\n}\n\nlayer ok(x: f32[B, N]) -> f32[B, N] {\n  let h = x\n  h\n}\n";
    expect((await client.openAndWait(uri, text)).length).toBeGreaterThan(0);
    expect(outline(await documentSymbols(uri))).toEqual([
      "A Module [0:0-2:1] [0:6-0:7] model (x: f32[B, 2]) -> f32[B, 2]",
      "  x Variable [0:8-0:20] [0:8-0:9] f32[B, 2]",
      "ok Class [4:0-7:1] [4:6-4:8] layer (x: f32[B, N]) -> f32[B, N]",
      "  x Variable [4:9-4:21] [4:9-4:10] f32[B, N]",
      "  h Variable [5:2-5:11] [5:6-5:7] let",
    ]);
    await client.close(uri);
  });
});

describe("workspace symbols", () => {
  const blocks = markers("layer «proj»(k: int)(x: f32[B, N]) -> f32[B, k] {\n  x |> dense(k)\n}\n");
  const main = markers("import \"./blocks.nn\"\n\nmodel «Net»(x: f32[B, 4]) -> f32[B, 2] {\n  x |> proj(2)\n}\n\ndataset «points» = moons(n = 100)\n");
  let uris: { blocks: string; main: string };

  beforeAll(async () => {
    const ws = tempWorkspace({ "blocks.nn": blocks.text });
    uris = { blocks: fileUri(path.join(ws, "blocks.nn")), main: fileUri(path.join(ws, "main.nn")) };
    // blocks.nn is only on disk: it is found through main.nn's import.
    expect(await client.openAndWait(uris.main, main.text)).toEqual([]);
  });

  it("finds definitions of open files and the files they import, with exact locations", async () => {
    expect(await workspaceSymbols("proj")).toEqual([
      { name: "proj", kind: SymbolKind.Class, location: { uri: uris.blocks, range: blocks.ranges[0] }, containerName: "blocks.nn" },
    ]);
    expect(await workspaceSymbols("net")).toContainEqual(
      { name: "Net", kind: SymbolKind.Module, location: { uri: uris.main, range: main.ranges[0] }, containerName: "main.nn" });
    expect(await workspaceSymbols("points")).toEqual([
      { name: "points", kind: SymbolKind.Object, location: { uri: uris.main, range: main.ranges[1] }, containerName: "main.nn" },
    ]);
  });

  it("finds stdlib definitions, matching the query's letters in order", async () => {
    const layers = fs.readFileSync(path.join(ROOT, "stdlib/layers.nn"), "utf8");
    const at = layers.indexOf("layer dense(") + "layer ".length;
    const line = layers.slice(0, at).split("\n").length - 1, character = at - layers.lastIndexOf("\n", at) - 1;
    expect(await workspaceSymbols("dense")).toContainEqual({
      name: "dense", kind: SymbolKind.Class, containerName: "stdlib/layers.nn",
      location: { uri: fileUri(path.join(ROOT, "stdlib/layers.nn")), range: range(line, character, line, character + 5) },
    });
    const fuzzy = (await workspaceSymbols("spcatcross")).map((s) => s.name);
    expect(fuzzy).toContain("sparse_categorical_crossentropy");
    expect(fuzzy.every((n) => /s.*p.*c.*a.*t.*c.*r.*o.*s.*s/i.test(n))).toBe(true);
    expect(await workspaceSymbols("qqqzzz")).toEqual([]);
  });

  it("lists each symbol once however many open files import it", async () => {
    const again = fileUri(path.join(path.dirname(new URL(uris.main).pathname), "again.nn"));
    await client.openAndWait(again, "import \"./blocks.nn\"\n");
    expect((await workspaceSymbols("proj")).length).toBe(1);
    expect((await workspaceSymbols("")).filter((s) => s.name === "dense").length).toBe(1);
    await client.close(again);
  });
});
