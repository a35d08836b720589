// Robustness: thousands of random edits (insertions of code fragments, deletions at random offsets)
// of every example, sent to one server process; every request is answered, nothing is logged as a
// failed handler, the process stays up, and each file recovers when its original text is restored.
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Position } from "vscode-languageserver-protocol";
import { fileUri, LspClient, ROOT, tempWorkspace } from "./harness.js";

const EDITS_PER_FILE = 140;
const FRAGMENTS = ["(", ")", "{", "}", "[", "]", "|>", ",", "x", "dense(", "let ", "\n", " ", "@", "...", "f32[", "B", "=", "1", "\"", "///", "->", ":", "model ", "layer l(", "train ", "é", "😀"];

let client: LspClient;
beforeAll(async () => {
  client = await LspClient.start();
});
afterAll(async () => {
  await client.stop();
});

/** A small deterministic generator (the same edits every run). */
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

it(`survives ${EDITS_PER_FILE} random edits of each example, answering every request`, async () => {
  const dir = tempWorkspace();
  const random = rng(20240611);
  const examples = fs.readdirSync(path.join(ROOT, "examples")).filter((f) => f.endsWith(".nn")).sort();
  let answered = 0;
  for (const name of examples) {
    const original = fs.readFileSync(path.join(ROOT, "examples", name), "utf8");
    const uri = fileUri(path.join(dir, name));
    const initial = await client.openAndWait(uri, original);
    let text = original;
    for (let i = 0; i < EDITS_PER_FILE; i++) {
      const start = random(text.length + 1);
      // Never split a surrogate pair: editors do not either.
      if (start > 0 && /[\uDC00-\uDFFF]/.test(text[start] ?? "")) continue;
      const insert = random(2) === 0;
      const end = insert ? start : Math.min(text.length, start + 1 + random(12));
      if (!insert && /[\uDC00-\uDFFF]/.test(text[end] ?? "")) continue;
      const fragment = insert ? FRAGMENTS[random(FRAGMENTS.length)]! : "";
      const r = { start: positionAt(text, start), end: positionAt(text, end) };
      text = text.slice(0, start) + fragment + text.slice(end);
      await client.change(uri, fragment, r);
      const at = positionAt(text, random(text.length + 1));
      const [hover, hints] = await Promise.all([
        client.hover(uri, at),
        client.inlayHints(uri, { start: { line: 0, character: 0 }, end: positionAt(text, text.length) }),
      ]);
      expect(hover === null || typeof hover === "object").toBe(true);
      expect(Array.isArray(hints)).toBe(true);
      answered += 2;
    }
    expect(client.textOf(uri)).toBe(text);
    // Restoring the original text brings back the original diagnostics (none, or data-file warnings).
    expect(initial.filter((d) => d.severity === 1)).toEqual([]);
    expect(await client.changeAndWait(uri, original)).toEqual(initial);
    await client.close(uri);
  }
  expect(answered).toBeGreaterThan(examples.length * EDITS_PER_FILE * 1.5);
  expect(client.errors).toEqual([]);
  expect(client.exited).toBe(false);
}, 600_000);
