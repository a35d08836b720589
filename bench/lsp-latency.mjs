// Latency of `nnc lsp` diagnostics: opens a ~500-line .nn file (the examples' models, copied under
// new names), makes edits, and times each didChange → publishDiagnostics of that version.
// Run after `npm run build`:  node bench/lsp-latency.mjs [--edits 60] [--lines 500]
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import jsonrpc from "vscode-jsonrpc/node";
import protocol from "vscode-languageserver-protocol";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const arg = (name, d) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : d;
};
const EDITS = arg("edits", 60);
const LINES = arg("lines", 500);

/** Models and layers of the examples, renamed per copy, until the file has `lines` lines. */
function generate(lines) {
  const names = fs.readdirSync(path.join(ROOT, "examples")).filter((n) => n.endsWith(".nn")).sort();
  const out = [];
  for (let copy = 0; out.length < lines; copy++) {
    const name = names[copy % names.length];
    let text = fs.readFileSync(path.join(ROOT, "examples", name), "utf8").replace(/^import .*$/gm, "");
    const cut = text.search(/^(train|dataset)\b/m);
    if (cut >= 0) text = text.slice(0, cut);
    for (const [, def] of text.matchAll(/^(?:model|layer|fn)\s+(\w+)/gm)) text = text.replace(new RegExp(`\\b${def}\\b`, "g"), `${def}_${copy}`);
    out.push(...text.split("\n"));
  }
  return out.join("\n");
}

const text = generate(LINES);
const lineCount = text.split("\n").length;
const file = path.join(fs.mkdtempSync(path.join(ROOT, ".lsp-bench-")), "big.nn");
const uri = pathToFileURL(file).href;

const child = spawn(process.execPath, [path.join(ROOT, "bin/nnc.js"), "lsp", "--stdio"], { cwd: ROOT, stdio: ["pipe", "pipe", "inherit"] });
const conn = protocol.createProtocolConnection(new jsonrpc.StreamMessageReader(child.stdout), new jsonrpc.StreamMessageWriter(child.stdin));
const waiting = new Map();
conn.onNotification(protocol.PublishDiagnosticsNotification.type, (p) => {
  const w = waiting.get(p.version);
  if (p.uri === uri && w) {
    waiting.delete(p.version);
    w(p);
  }
});
conn.listen();
await conn.sendRequest(protocol.InitializeRequest.type, { processId: process.pid, rootUri: null, capabilities: {} });
await conn.sendNotification(protocol.InitializedNotification.type, {});

const published = (version) => new Promise((resolve) => waiting.set(version, resolve));
let version = 1;
let t0 = performance.now();
let done = published(version);
await conn.sendNotification(protocol.DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: "nn", version, text } });
const first = await done;
const openMs = performance.now() - t0;

// Edits inside the first model's body: insert a space, then delete it (valid text both ways), and
// every fourth edit a typo that makes an error and its fix.
const at = text.indexOf("|>");
const pos = (() => {
  const before = text.slice(0, at).split("\n");
  return { line: before.length - 1, character: before[before.length - 1].length };
})();
const times = [];
let errors = 0;
for (let i = 0; i < EDITS; i++) {
  const insert = i % 2 === 0;
  const typo = i % 4 === 0 || i % 4 === 1;
  const change = insert
    ? { range: { start: pos, end: pos }, text: typo ? "@" : " " }
    : { range: { start: pos, end: { line: pos.line, character: pos.character + 1 } }, text: "" };
  version++;
  done = published(version);
  t0 = performance.now();
  await conn.sendNotification(protocol.DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges: [change] });
  const p = await done;
  times.push(performance.now() - t0);
  if (p.diagnostics.length) errors++;
  await new Promise((r) => setTimeout(r, 30));
}
await conn.sendRequest(protocol.ShutdownRequest.type);
await conn.sendNotification(protocol.ExitNotification.type);

const sorted = [...times].sort((a, b) => a - b);
const q = (f) => sorted[Math.min(sorted.length - 1, Math.floor(f * sorted.length))];
console.log(`file: ${lineCount} lines; first diagnostics after open: ${openMs.toFixed(0)} ms (${first.diagnostics.length} diagnostics)`);
console.log(`${EDITS} edits (${errors} with errors), didChange → publishDiagnostics:`);
console.log(`  median ${q(0.5).toFixed(1)} ms, p90 ${q(0.9).toFixed(1)} ms, min ${sorted[0].toFixed(1)} ms, max ${sorted[sorted.length - 1].toFixed(1)} ms`);

// The same file analysed in this process (no transport, no debounce): the work behind each publication.
await import(pathToFileURL(path.join(ROOT, "dist/src/checker.js")).href);
const { Analysis } = await import(pathToFileURL(path.join(ROOT, "dist/src/lsp/analysis.js")).href);
const wall = [], cpu = [];
for (let i = 0; i < 25; i++) {
  const t = performance.now(), c = process.cpuUsage();
  new Analysis(uri, file, text, i);
  const used = process.cpuUsage(c);
  // The first runs warm up the JIT.
  if (i < 5) continue;
  wall.push(performance.now() - t);
  cpu.push((used.user + used.system) / 1000);
}
const med = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
console.log(`in-process analysis of the same text (parse, elaborate, record facts), 20 runs after warm-up:`);
console.log(`  wall median ${med(wall).toFixed(1)} ms (min ${Math.min(...wall).toFixed(1)}), CPU median ${med(cpu).toFixed(1)} ms (min ${Math.min(...cpu).toFixed(1)})`);
console.log(`(server debounce: 15 ms; load average now: ${(await import("node:os")).loadavg().map((x) => x.toFixed(2)).join(", ")})`);
fs.rmSync(path.dirname(file), { recursive: true, force: true });
setTimeout(() => process.exit(0), 100);
