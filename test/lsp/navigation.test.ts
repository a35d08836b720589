// Go to definition and find references in `nnc lsp`: across two open files with an import between
// them, into the stdlib (a file URI of stdlib/x.nn), locals, dimension names, named arguments,
// import paths; unsaved text of an imported file; exact ranges from cursor markers.
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DefinitionRequest, type Location, type Position, ReferencesRequest } from "vscode-languageserver-protocol";
import { fileUri, LspClient, markers, range, ROOT, tempWorkspace } from "./harness.js";

const BLOCKS = markers(`/// Projects features to \`k\` outputs.
layer «proj»(«k»: int)(x: f32[«B», «N»]) -> f32[B, «k»] {
  param «w»: f32[‸«N», «k»] = glorot_uniform
  x @ ‸«w»
}
`);

// Ranges: 0 proj (import), 1 B, 2 B (use), 3 h, 4 relu, 5 h (use), 6 proj (use), 7 k (named argument).
// Cursors: 0 the import path, 1 B, 2 dense, 3 relu, 4 h, 5 proj, 6 k.
const MAIN = markers(`import "‸./blocks.nn".{«proj»}

model Net(x: f32[«B», 8]) -> f32[‸«B», 4] {
  let «h» = x |> ‸dense(16, ‸«relu»)
  ‸«h» |> «‸proj»(‸«k» = 4)
}
`);

const OTHER = markers(`import "./blocks.nn"

model Other(x: f32[B, 2]) -> f32[B, 3] {
  x |> «proj»(3)
}
`);

let client: LspClient;
let dir: string;
const uris = { blocks: "", main: "", other: "" };

function stdlibLocation(file: string, needle: string, name: string): Location {
  const text = fs.readFileSync(path.join(ROOT, "stdlib", file), "utf8");
  const at = text.indexOf(needle) + needle.indexOf(name);
  const lines = text.slice(0, at).split("\n");
  const line = lines.length - 1, character = lines[line]!.length;
  return { uri: fileUri(path.join(ROOT, "stdlib", file)), range: range(line, character, line, character + name.length) };
}

const definition = (uri: string, position: Position) => client.connection.sendRequest(DefinitionRequest.type, { textDocument: { uri }, position });
const references = (uri: string, position: Position, includeDeclaration: boolean) =>
  client.connection.sendRequest(ReferencesRequest.type, { textDocument: { uri }, position, context: { includeDeclaration } });

beforeAll(async () => {
  dir = tempWorkspace({ "blocks.nn": BLOCKS.text, "main.nn": MAIN.text, "other.nn": OTHER.text });
  uris.blocks = fileUri(path.join(dir, "blocks.nn"));
  uris.main = fileUri(path.join(dir, "main.nn"));
  uris.other = fileUri(path.join(dir, "other.nn"));
  client = await LspClient.start();
  expect(await client.openAndWait(uris.blocks, BLOCKS.text)).toEqual([]);
  expect(await client.openAndWait(uris.main, MAIN.text)).toEqual([]);
  expect(await client.openAndWait(uris.other, OTHER.text)).toEqual([]);
});
afterAll(async () => {
  expect(client.errors).toEqual([]);
  await client.stop();
});

describe("go to definition", () => {
  it("goes from a use to a definition in an imported open file", async () => {
    expect(await definition(uris.main, MAIN.cursors[5]!)).toEqual({ uri: uris.blocks, range: BLOCKS.ranges[0] });
  });

  it("goes into the stdlib: a file URI of stdlib/layers.nn at the layer's name", async () => {
    expect(await definition(uris.main, MAIN.cursors[2]!)).toEqual(stdlibLocation("layers.nn", "layer dense(", "dense"));
    expect(await definition(uris.main, MAIN.cursors[3]!)).toEqual(stdlibLocation("activations.nn", "fn relu(", "relu"));
  });

  it("goes from a named argument to the parameter of the layer called", async () => {
    expect(await definition(uris.main, MAIN.cursors[6]!)).toEqual({ uri: uris.blocks, range: BLOCKS.ranges[1] });
  });

  it("goes to lets, params and dimension names where they are declared", async () => {
    expect(await definition(uris.main, MAIN.cursors[4]!)).toEqual({ uri: uris.main, range: MAIN.ranges[3] });
    expect(await definition(uris.main, MAIN.cursors[1]!)).toEqual({ uri: uris.main, range: MAIN.ranges[1] });
    expect(await definition(uris.blocks, BLOCKS.cursors[0]!)).toEqual({ uri: uris.blocks, range: BLOCKS.ranges[3] });
    expect(await definition(uris.blocks, BLOCKS.cursors[1]!)).toEqual({ uri: uris.blocks, range: BLOCKS.ranges[5] });
  });

  it("goes from an import path to the start of the file", async () => {
    expect(await definition(uris.main, MAIN.cursors[0]!)).toEqual({ uri: uris.blocks, range: range(0, 0, 0, 0) });
  });

  it("answers null away from names", async () => {
    expect(await definition(uris.main, { line: 2, character: 24 })).toBeNull();
    expect(await definition(uris.main, { line: 99, character: 0 })).toBeNull();
  });

  it("follows the unsaved text of an imported file, and the disk once it is closed", async () => {
    await client.changeAndWait(uris.blocks, `// a new first line\n${BLOCKS.text}`);
    const r = BLOCKS.ranges[0]!;
    const shifted = range(r.start.line + 1, r.start.character, r.end.line + 1, r.end.character);
    expect(await definition(uris.main, MAIN.cursors[5]!)).toEqual({ uri: uris.blocks, range: shifted });
    await client.close(uris.blocks);
    expect(await definition(uris.main, MAIN.cursors[5]!)).toEqual({ uri: uris.blocks, range: r });
    expect(await client.openAndWait(uris.blocks, BLOCKS.text)).toEqual([]);
  });
});

describe("find references", () => {
  const at = (uri: string, ...rs: (typeof BLOCKS.ranges)) => rs.map((r) => ({ uri, range: r }));
  const proj = () => [...at(uris.blocks, BLOCKS.ranges[0]!), ...at(uris.main, MAIN.ranges[0]!, MAIN.ranges[6]!), ...at(uris.other, OTHER.ranges[0]!)];

  it("finds every use of a definition across the open files, declaration included or not", async () => {
    expect(await references(uris.main, MAIN.cursors[5]!, true)).toEqual(proj());
    expect(await references(uris.blocks, BLOCKS.ranges[0]!.start, false)).toEqual(proj().slice(1));
  });

  it("finds a parameter's uses and its named arguments in other files", async () => {
    expect(await references(uris.blocks, BLOCKS.ranges[1]!.start, true)).toEqual([
      ...at(uris.blocks, BLOCKS.ranges[1]!, BLOCKS.ranges[4]!, BLOCKS.ranges[7]!), ...at(uris.main, MAIN.ranges[7]!),
    ]);
  });

  it("finds a stdlib definition's uses in the open files and the stdlib", async () => {
    const all = (await references(uris.main, MAIN.cursors[3]!, true))!;
    const decl = stdlibLocation("activations.nn", "fn relu(", "relu");
    expect(all.filter((l) => l.uri === uris.main)).toEqual(at(uris.main, MAIN.ranges[4]!));
    expect(all).toContainEqual(decl);
    expect(all.every((l) => l.uri === uris.main || l.uri.startsWith(fileUri(path.join(ROOT, "stdlib"))))).toBe(true);
    const uses = (await references(uris.main, MAIN.cursors[3]!, false))!;
    expect(uses).not.toContainEqual(decl);
    expect(uses.length).toBe(all.length - 1);
  });

  it("keeps locals and dimension names in their definition", async () => {
    expect(await references(uris.main, MAIN.cursors[4]!, true)).toEqual(at(uris.main, MAIN.ranges[3]!, MAIN.ranges[5]!));
    expect(await references(uris.main, MAIN.cursors[1]!, false)).toEqual(at(uris.main, MAIN.ranges[2]!));
    expect(await references(uris.blocks, BLOCKS.cursors[0]!, true)).toEqual(at(uris.blocks, BLOCKS.ranges[3]!, BLOCKS.ranges[6]!));
    expect(await references(uris.blocks, BLOCKS.cursors[1]!, true)).toEqual(at(uris.blocks, BLOCKS.ranges[5]!, BLOCKS.ranges[8]!));
  });

  it("answers null where no name is", async () => {
    expect(await references(uris.main, { line: 2, character: 24 }, true)).toBeNull();
  });
});
