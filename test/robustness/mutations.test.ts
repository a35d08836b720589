// Robustness: thousands of mutated example programs must never crash the front end. Every mutant is parsed
// and checked; the result must be a list of well-formed diagnostics and never an internal error (E9999);
// when a mutant still checks without errors, the IR verifier must accept its model graphs.
// Mutations are derived from examples/*.nn with a seeded PRNG, so failures reproduce exactly.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { check } from "../../src/checker.js";
import type { Diagnostic, Span } from "../../src/diag/diagnostic.js";
import { verifyGraph } from "../../src/ir/verify.js";
import { parseSource } from "../../src/parser/parse.js";
import { ROOT } from "../ir/helpers.js";

const SEED = 0x6e6e63; // "nnc"
/** At least this many mutants in all, spread evenly over the examples and the mutation kinds. */
const TOTAL = 4000;

/** mulberry32: a small deterministic PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Tok { start: number; end: number }

/** A rough tokenizer (independent of the real lexer): comments, strings, numbers, names, operators, other. */
const TOKEN = /\/\/[^\n]*|"[^"\n]*"?|\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|[A-Za-z_]\w*|->|\|>|\.\.\.|[<>=!]=|\S/g;
function tokens(text: string): Tok[] {
  return [...text.matchAll(TOKEN)].map((m) => ({ start: m.index!, end: m.index! + m[0].length }));
}

const CHARS = [..."(){}[]<>,.:;=+-*/@|\"'\\#$%^&_~!?`0123456789aZ_ \t\n", "\r", "\u0000", "é", "∞", "…", "🙂", "\u200b", "\ufeff", "->", "|>", "..."];

type Kind = "delete-token" | "duplicate-token" | "swap-tokens" | "truncate" | "insert-char" | "delete-line";
const KINDS: Kind[] = ["delete-token", "duplicate-token", "swap-tokens", "truncate", "insert-char", "delete-line"];

interface Mutant { name: string; kind: Kind; what: string; text: string }

function mutate(text: string, toks: Tok[], kind: Kind, rnd: () => number): { what: string; text: string } {
  const int = (n: number) => Math.floor(rnd() * n);
  switch (kind) {
    case "delete-token": {
      const t = toks[int(toks.length)]!;
      return { what: `delete ${JSON.stringify(text.slice(t.start, t.end))} at ${t.start}`, text: text.slice(0, t.start) + text.slice(t.end) };
    }
    case "duplicate-token": {
      const t = toks[int(toks.length)]!;
      const s = text.slice(t.start, t.end);
      const sep = rnd() < 0.5 ? " " : "";
      return { what: `duplicate ${JSON.stringify(s)} at ${t.start}`, text: text.slice(0, t.end) + sep + s + text.slice(t.end) };
    }
    case "swap-tokens": {
      const i = int(toks.length - 1);
      const a = toks[i]!, b = toks[i + 1]!;
      const sa = text.slice(a.start, a.end), sb = text.slice(b.start, b.end);
      return { what: `swap ${JSON.stringify(sa)} and ${JSON.stringify(sb)} at ${a.start}`, text: text.slice(0, a.start) + sb + text.slice(a.end, b.start) + sa + text.slice(b.end) };
    }
    case "truncate": {
      const at = int(text.length + 1);
      return { what: `truncate at ${at}`, text: text.slice(0, at) };
    }
    case "insert-char": {
      const at = int(text.length + 1);
      const c = CHARS[int(CHARS.length)]!;
      return { what: `insert ${JSON.stringify(c)} at ${at}`, text: text.slice(0, at) + c + text.slice(at) };
    }
    case "delete-line": {
      const lines = text.split("\n");
      const i = int(lines.length);
      return { what: `delete line ${i + 1}`, text: [...lines.slice(0, i), ...lines.slice(i + 1)].join("\n") };
    }
  }
}

const EXAMPLES = fs.readdirSync(path.join(ROOT, "examples")).filter((n) => n.endsWith(".nn")).sort();
const PER_KIND = Math.ceil(TOTAL / (EXAMPLES.length * KINDS.length));

function mutantsOf(name: string): Mutant[] {
  const text = fs.readFileSync(path.join(ROOT, "examples", name), "utf8");
  const toks = tokens(text);
  // One stream per example, so adding an example does not change the mutants of the others.
  const rnd = prng(SEED ^ [...name].reduce((h, c) => Math.imul(h ^ c.charCodeAt(0), 16777619), 2166136261));
  const out: Mutant[] = [];
  for (const kind of KINDS) for (let i = 0; i < PER_KIND; i++) out.push({ name, kind, ...mutate(text, toks, kind, rnd) });
  return out;
}

const ok = (n: unknown): n is number => typeof n === "number" && Number.isFinite(n);

/** What is wrong with one span ("" when it is fine). */
function spanProblem(s: Span | undefined): string {
  if (!s || typeof s !== "object") return "no span";
  if (typeof s.file !== "string") return "span without a file";
  if (![s.line, s.col, s.endLine, s.endCol, s.start, s.end].every(ok)) return `non-finite span ${JSON.stringify(s)}`;
  if (s.line < 1 || s.col < 1 || s.endLine < 1 || s.endCol < 1) return `span before 1:1: ${s.line}:${s.col}-${s.endLine}:${s.endCol}`;
  if (s.start < 0 || s.start > s.end) return `span offsets ${s.start}..${s.end}`;
  if (s.line > s.endLine || (s.line === s.endLine && s.col > s.endCol)) return `span ends before it starts: ${s.line}:${s.col}-${s.endLine}:${s.endCol}`;
  return "";
}

/** What is wrong with a list of diagnostics (empty when every one is well formed). */
function diagnosticProblems(ds: unknown): string[] {
  if (!Array.isArray(ds)) return [`diagnostics is not an array: ${typeof ds}`];
  const out: string[] = [];
  for (const d of ds as Diagnostic[]) {
    const where = `${d?.code} ${d?.span?.line}:${d?.span?.col} ${d?.message}`;
    if (typeof d?.code !== "string" || !/^[EW]\d{4}$/.test(d.code)) out.push(`bad code: ${where}`);
    if (d?.code === "E9999") out.push(`internal error: ${d.message} ${(d.notes ?? []).join(" | ")}`);
    const sp = spanProblem(d?.span);
    if (sp) out.push(`${sp}: ${where}`);
    for (const r of d?.related ?? []) {
      const rp = spanProblem(r.span);
      if (rp) out.push(`related: ${rp}: ${where}`);
    }
    if (d?.fix?.span) {
      const fp = spanProblem(d.fix.span);
      if (fp) out.push(`fix: ${fp}: ${where}`);
    }
  }
  return out;
}

function runOne(m: Mutant, i: number): string[] {
  const file = path.join(ROOT, "examples", `${m.name.replace(/\.nn$/, "")}~mutant${i}.nn`);
  const problems: string[] = [];
  try {
    problems.push(...diagnosticProblems(parseSource(m.text, file).diagnostics).map((p) => `parseSource: ${p}`));
  } catch (e) {
    problems.push(`parseSource threw: ${(e as Error).stack?.split("\n").slice(0, 3).join(" / ")}`);
  }
  try {
    const r = check(file, m.text);
    problems.push(...diagnosticProblems(r.diagnostics).map((p) => `check: ${p}`));
    // A mutant that still checks without errors must still give well-formed IR.
    if (Array.isArray(r.diagnostics) && !r.diagnostics.some((d) => d.severity === "error")) {
      for (const [name, model] of r.models) problems.push(...verifyGraph(model.graph).map((p) => `IR of ${name}: ${p}`));
    }
  } catch (e) {
    problems.push(`check threw: ${(e as Error).stack?.split("\n").slice(0, 3).join(" / ")}`);
  }
  return problems;
}

/** Inputs that once crashed the checker or gave malformed diagnostics (found by this test and a longer fuzz run). */
const REGRESSIONS: [string, string][] = [
  ["name missing after `model` (NaN span)", "model {"],
  ["keyword as a model name (NaN span)", "model model"],
  ["keyword as a dataset name (NaN span in E0502)", "dataset dataset"],
  ["missing primitive name (NaN span in E0205)", "\nmodel M(x: f32[B]) -> f32[B] { prim.(x) }"],
  ["missing parameter option name (NaN span in E0211)", "\nmodel M(x: f32[B]) -> f32[B] {\n  param w: f32[4] = ones , = l1()\n  x\n}"],
  ["train block without a name before it", "\nM train on moons(n"],
  ["training a model without inputs (E9999)", "model M() -> f32[2] { prim.zeros([2]) }\ntrain M on moons() {\n  loss = mse\n  optimizer = sgd()\n}"],
  ["training a model whose input list did not parse (E9999)", "\nmodel M(x: f32[1() { x }\ntrain M on moons() {}"],
  ["a builtin metric called in a model", "model P(p: f32[B, 1], t: f32[B, 1]) -> f32[] { precision()(p, t) }"],
];

describe("known crashers stay fixed", () => {
  it.each(REGRESSIONS)("%s", (what, text) => {
    expect(runOne({ name: "regression.nn", kind: "insert-char", what, text }, 0)).toEqual([]);
  });
});

describe("mutated examples never crash the front end", () => {
  it("generates enough mutants", () => {
    expect(EXAMPLES.length * KINDS.length * PER_KIND).toBeGreaterThanOrEqual(2000);
  });

  for (const name of EXAMPLES) {
    it(`${name}: ${KINDS.length} × ${PER_KIND} mutants`, () => {
      const failures: string[] = [];
      let first: Mutant | undefined;
      mutantsOf(name).forEach((m, i) => {
        const problems = runOne(m, i);
        if (!problems.length) return;
        first ??= m;
        failures.push(`#${i} ${m.kind} (${m.what}): ${problems.join("; ")}`);
      });
      const repro = first ? `\nfirst failing mutant (${first.what}):\n----\n${first.text}\n----` : "";
      expect(failures, `${failures.length} failing mutants${repro}`).toEqual([]);
    });
  }
});
