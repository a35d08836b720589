// Robustness: thousands of random edits of every example (insertions of tokens, random characters and
// pasted pieces of the file; deletions at random offsets) sent to ONE server process, each followed by
// a hover and requests for the next few features the server advertises (in turn, so every feature is
// asked hundreds of times, on every kind of broken text), at random positions. Every request must be
// answered (no error response, no timeout), nothing is logged as a failed handler, the process stays
// up, and each file's diagnostics return to the clean state when its original text is restored.
// The requests come from the server's own capabilities: a new feature without a request here fails.
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type Diagnostic, LSPErrorCodes, type Position, type Range, ResponseError, type ServerCapabilities } from "vscode-languageserver-protocol";
import { fileUri, LspClient, ROOT, tempWorkspace } from "./harness.js";

const EDITS_PER_FILE = 140;
/** Features asked after each edit besides hover (all of them after every edit would take minutes). */
const FEATURES_PER_EDIT = 5;
const SEED = 20240611;
/** No single answer may take longer than this (a hung handler fails here, not at the test timeout). */
const ANSWER_MS = 10_000;
const TOKENS = [
  "(", ")", "{", "}", "[", "]", "|>", ",", "x", "dense(", "let ", "\n", " ", "@", "...", "f32[", "B", "=", "1", "\"", "///", "->", ":",
  "model ", "layer l(", "train ", "dataset d {", "import ", "import \"./", "std.", "prim.", "fn (h, x) {", "if ", "else", "param ", "é", "😀",
  "//", "/*", "*/", "-", "1e-3", "none", "true", ".{", "relu", "flatten", "0", "\t",
];
const CHARS = " \n\t()[]{}<>|.,:;=+-*/@!?\"'`\\#$%^&~_abcxyzBNT0123456789λ→\u00a0\u200b";

let client: LspClient;
beforeAll(async () => {
  client = await LspClient.start();
});
afterAll(async () => {
  await client.stop();
});

/** A small deterministic generator (the same edits every run): mulberry32, scaled from its high bits. */
function rng(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

function positionAt(text: string, offset: number): Position {
  const before = text.slice(0, offset).split("\n");
  return { line: before.length - 1, character: before[before.length - 1]!.length };
}

/** What one request needs: the document, where the cursor is, a range, and what the server said before. */
interface Probe {
  uri: string;
  text: string;
  at: Position;
  range: Range;
  whole: Range;
  diagnostics: Diagnostic[];
  word: string;
}

type Request = { method: string; params: unknown };
type Builder = (p: Probe, caps: ServerCapabilities) => Request[];

const doc = (p: Probe) => ({ textDocument: { uri: p.uri } });
const pos = (p: Probe) => ({ ...doc(p), position: p.at });
const FORMAT = { tabSize: 2, insertSpaces: true };

/** The requests for each capability a server may advertise. */
const BUILDERS: Record<string, Builder> = {
  hoverProvider: (p) => [{ method: "textDocument/hover", params: pos(p) }],
  inlayHintProvider: (p) => [{ method: "textDocument/inlayHint", params: { ...doc(p), range: p.whole } }],
  completionProvider: (p) => [{ method: "textDocument/completion", params: { ...pos(p), context: { triggerKind: 1 } } }],
  signatureHelpProvider: (p) => [{ method: "textDocument/signatureHelp", params: { ...pos(p), context: { triggerKind: 1, isRetrigger: false } } }],
  definitionProvider: (p) => [{ method: "textDocument/definition", params: pos(p) }],
  declarationProvider: (p) => [{ method: "textDocument/declaration", params: pos(p) }],
  typeDefinitionProvider: (p) => [{ method: "textDocument/typeDefinition", params: pos(p) }],
  implementationProvider: (p) => [{ method: "textDocument/implementation", params: pos(p) }],
  referencesProvider: (p) => [{ method: "textDocument/references", params: { ...pos(p), context: { includeDeclaration: true } } }],
  documentHighlightProvider: (p) => [{ method: "textDocument/documentHighlight", params: pos(p) }],
  documentSymbolProvider: (p) => [{ method: "textDocument/documentSymbol", params: doc(p) }],
  workspaceSymbolProvider: (p) => [{ method: "workspace/symbol", params: { query: p.word } }],
  semanticTokensProvider: (p, caps) => {
    const st = caps.semanticTokensProvider;
    const out: Request[] = [];
    if (st && "full" in st && st.full) out.push({ method: "textDocument/semanticTokens/full", params: doc(p) });
    if (st && "range" in st && st.range) out.push({ method: "textDocument/semanticTokens/range", params: { ...doc(p), range: p.range } });
    return out;
  },
  foldingRangeProvider: (p) => [{ method: "textDocument/foldingRange", params: doc(p) }],
  selectionRangeProvider: (p) => [{ method: "textDocument/selectionRange", params: { ...doc(p), positions: [p.at] } }],
  documentFormattingProvider: (p) => [{ method: "textDocument/formatting", params: { ...doc(p), options: FORMAT } }],
  documentRangeFormattingProvider: (p) => [{ method: "textDocument/rangeFormatting", params: { ...doc(p), range: p.range, options: FORMAT } }],
  documentOnTypeFormattingProvider: (p, caps) => [{
    method: "textDocument/onTypeFormatting",
    params: { ...pos(p), ch: caps.documentOnTypeFormattingProvider?.firstTriggerCharacter ?? "\n", options: FORMAT },
  }],
  codeActionProvider: (p) => [{ method: "textDocument/codeAction", params: { ...doc(p), range: p.range, context: { diagnostics: p.diagnostics } } }],
  codeLensProvider: (p) => [{ method: "textDocument/codeLens", params: doc(p) }],
  documentLinkProvider: (p) => [{ method: "textDocument/documentLink", params: doc(p) }],
  linkedEditingRangeProvider: (p) => [{ method: "textDocument/linkedEditingRange", params: pos(p) }],
  diagnosticProvider: (p) => [{ method: "textDocument/diagnostic", params: doc(p) }],
  renameProvider: (p, caps) => {
    const rename = { method: "textDocument/rename", params: { ...pos(p), newName: "renamed_x" } };
    const rp = caps.renameProvider;
    return typeof rp === "object" && rp.prepareProvider ? [{ method: "textDocument/prepareRename", params: pos(p) }, rename] : [rename];
  },
};

/** Capabilities that are not requests about a document's text. */
const NOT_REQUESTS = new Set(["textDocumentSync", "positionEncoding", "workspace", "executeCommandProvider", "experimental"]);

/** A deliberate refusal (rename where nothing can be renamed): an answer, unlike an internal error from a crash. */
const REFUSED = Symbol("refused");

function answerWithin<T>(what: string, p: Promise<T>): Promise<T | typeof REFUSED> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} was not answered within ${ANSWER_MS} ms`)), ANSWER_MS);
  });
  const refused = p.catch((e: unknown) => {
    if (e instanceof ResponseError && e.code === LSPErrorCodes.RequestFailed) return REFUSED;
    throw new Error(`${what} failed: ${e instanceof Error ? e.message : String(e)}`);
  });
  return Promise.race([refused, late]).finally(() => clearTimeout(timer));
}

it(`survives ${EDITS_PER_FILE} random edits of each example, answering requests for every feature in between`, async () => {
  const caps = client.initializeResult!.capabilities;
  const advertised = Object.keys(caps).filter((c) => !NOT_REQUESTS.has(c));
  expect(advertised.filter((c) => !BUILDERS[c]), "capabilities the fuzz test sends no request for").toEqual([]);
  // The server offers at least the features this test was written against.
  expect(advertised).toEqual(expect.arrayContaining(["hoverProvider", "inlayHintProvider", "codeActionProvider"]));

  const dir = tempWorkspace();
  const random = rng(SEED);
  const examples = fs.readdirSync(path.join(ROOT, "examples")).filter((f) => f.endsWith(".nn")).sort();
  const answered = new Map<string, number>();
  const others = advertised.filter((c) => c !== "hoverProvider");
  let edits = 0;
  for (const name of examples) {
    const original = fs.readFileSync(path.join(ROOT, "examples", name), "utf8");
    const uri = fileUri(path.join(dir, name));
    const initial = await client.openAndWait(uri, original);
    let text = original;
    for (let i = 0; i < EDITS_PER_FILE; i++) {
      // Never split a surrogate pair: editors do not either.
      const whole = (o: number) => (/[\uDC00-\uDFFF]/.test(text[o] ?? "") ? o + 1 : o);
      const start = whole(random(text.length + 1));
      let end = start;
      let fragment = "";
      const kind = random(8);
      if (kind < 3) fragment = TOKENS[random(TOKENS.length)]!;
      else if (kind < 4) fragment = CHARS[random(CHARS.length)]!;
      else if (kind < 5) {
        // A paste: a piece of the file elsewhere.
        const from = whole(random(text.length + 1));
        fragment = text.slice(from, whole(Math.min(text.length, from + 1 + random(40))));
      } else end = whole(Math.min(text.length, start + 1 + (kind === 7 ? random(80) : random(12))));
      const r = { start: positionAt(text, start), end: positionAt(text, end) };
      text = text.slice(0, start) + fragment + text.slice(end);
      await client.change(uri, fragment, r);
      edits++;

      const a = random(text.length + 1), b = random(text.length + 1);
      const probe: Probe = {
        uri, text,
        // Now and then a position past the end of the text.
        at: random(20) === 0 ? { line: 10_000, character: 3 } : positionAt(text, a),
        range: { start: positionAt(text, Math.min(a, b)), end: positionAt(text, Math.max(a, b)) },
        whole: { start: { line: 0, character: 0 }, end: positionAt(text, text.length) },
        diagnostics: client.lastDiagnostics(uri) ?? [],
        word: ["", "M", "dense", "x", "zz"][random(5)]!,
      };
      const turn = Array.from({ length: FEATURES_PER_EDIT }, (_, k) => others[(edits * FEATURES_PER_EDIT + k) % others.length]!);
      const requests = ["hoverProvider", ...new Set(turn)].flatMap((c) => BUILDERS[c]!(probe, caps));
      // Sent together, as an editor does after a keystroke; answered in any order.
      const results = await Promise.all(requests.map((q) => answerWithin(`${q.method} after edit ${edits} of ${name}`, client.request<unknown>(q.method, q.params))));
      results.forEach((res, k) => {
        expect(res === null || res === REFUSED || typeof res === "object", `${requests[k]!.method} answered ${String(res)}`).toBe(true);
        answered.set(requests[k]!.method, (answered.get(requests[k]!.method) ?? 0) + 1);
      });
    }
    expect(client.textOf(uri)).toBe(text);
    // Restoring the original text brings back the original diagnostics (none, or data-file warnings).
    expect(initial.filter((d) => d.severity === 1)).toEqual([]);
    expect(await client.changeAndWait(uri, original)).toEqual(initial);
    await client.close(uri);
  }
  expect(edits).toBe(examples.length * EDITS_PER_FILE);
  expect(edits).toBeGreaterThanOrEqual(2000);
  // Every advertised feature was asked (and answered) many times.
  expect(answered.get("textDocument/hover")).toBe(edits);
  expect(answered.size).toBeGreaterThanOrEqual(advertised.length);
  const each = Math.floor((edits * Math.min(FEATURES_PER_EDIT, others.length)) / others.length);
  for (const [method, n] of answered) expect(n, method).toBeGreaterThanOrEqual(each);
  expect(client.errors).toEqual([]);
  expect(client.exited).toBe(false);
}, 120_000);
