// Robustness of completion and signature help: every offset of every example and stdlib file read
// in process, then random edits of the examples sent to one server process, asking for completion
// and signature help at random places after each; every request is answered and nothing fails.
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { CompletionList, Position, SignatureHelp } from "vscode-languageserver-protocol";
import { callSiteAt, completionContext } from "../../src/lsp/completion-context.js";
import { fileUri, LspClient, ROOT, tempWorkspace } from "./harness.js";

const EDITS_PER_FILE = 40;
const FRAGMENTS = ["(", ")", "{", "}", "[", "]", "|>", ",", "=", ":", ".", "\"", "\"./", "//", "/*", "prim.", "dense(", "f32[", "train M on ", "loss = ", "metrics = [", "import std.", "\n", " ", "é", "😀"];

const files = [
  ...fs.readdirSync(path.join(ROOT, "examples")).filter((f) => f.endsWith(".nn")).sort().map((f) => path.join(ROOT, "examples", f)),
  ...fs.readdirSync(path.join(ROOT, "stdlib")).filter((f) => f.endsWith(".nn")).sort().map((f) => path.join(ROOT, "stdlib", f)),
];

it("reads the position at every offset of every example and stdlib file", () => {
  let positions = 0;
  for (const f of files) {
    const text = fs.readFileSync(f, "utf8");
    for (let off = 0; off <= text.length; off++) {
      const ctx = completionContext(text, off);
      expect(ctx.prefixStart).toBeLessThanOrEqual(off);
      const call = callSiteAt(text, off);
      if (call) expect(call.open).toBeLessThan(off);
      positions++;
    }
  }
  expect(positions).toBeGreaterThan(10_000);
});

let client: LspClient;
beforeAll(async () => {
  client = await LspClient.start();
});
afterAll(async () => {
  await client.stop();
});

function rng(seed: number): (n: number) => number {
  let s = seed;
  return (n) => {
    s = (Math.imul(s, 1103515245) + 12345) & 0x7fffffff;
    return s % n;
  };
}

function positionAt(text: string, offset: number): Position {
  const before = text.slice(0, offset).split("\n");
  return { line: before.length - 1, character: before[before.length - 1]!.length };
}

it(`answers completion and signature help after each of ${EDITS_PER_FILE} random edits of each example`, async () => {
  const dir = tempWorkspace();
  const random = rng(7031);
  let answered = 0;
  for (const f of files.filter((x) => x.includes(`${path.sep}examples${path.sep}`))) {
    const uri = fileUri(path.join(dir, path.basename(f)));
    let text = fs.readFileSync(f, "utf8");
    await client.open(uri, text);
    for (let i = 0; i < EDITS_PER_FILE; i++) {
      const at = random(text.length + 1);
      if (random(3) === 0) {
        const end = Math.min(text.length, at + 1 + random(12));
        await client.change(uri, "", { start: positionAt(text, at), end: positionAt(text, end) });
        text = text.slice(0, at) + text.slice(end);
      } else {
        const frag = FRAGMENTS[random(FRAGMENTS.length)]!;
        await client.change(uri, frag, { start: positionAt(text, at), end: positionAt(text, at) });
        text = text.slice(0, at) + frag + text.slice(at);
      }
      const where = positionAt(text, random(text.length + 1));
      const [list, help] = await Promise.all([
        client.request<CompletionList | null>("textDocument/completion", { textDocument: { uri }, position: where }),
        client.request<SignatureHelp | null>("textDocument/signatureHelp", { textDocument: { uri }, position: where }),
      ]);
      expect(list === null || Array.isArray(list.items)).toBe(true);
      expect(help === null || Array.isArray(help.signatures)).toBe(true);
      answered += 2;
    }
    await client.close(uri);
  }
  expect(answered).toBe(2 * EDITS_PER_FILE * files.filter((x) => x.includes(`${path.sep}examples${path.sep}`)).length);
  expect(client.errors).toEqual([]);
  expect(client.exited).toBe(false);
}, 120_000);
