// Shared checks for the formatter tests: the AST without spans, and the three properties every formatted
// source must have (parses to the same AST, formatting again changes nothing).
import { expect } from "vitest";
import { formatSource } from "../../src/format/format.js";
import { parseSource } from "../../src/parser/parse.js";

/**
 * The AST of `text` with every span removed. Doc comments are compared with trailing spaces trimmed per
 * line: the formatter removes trailing whitespace, also at the end of a `///` line.
 */
export function astWithoutSpans(text: string): unknown {
  const strip = (x: unknown, key?: string): unknown => {
    if (Array.isArray(x)) return x.map((v) => strip(v));
    if (key === "doc" && typeof x === "string") return x.split("\n").map((l) => l.trimEnd()).join("\n");
    if (!x || typeof x !== "object") return x;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x)) if (k !== "span" && k !== "pathSpan") out[k] = strip(v, k);
    return out;
  };
  return strip(parseSource(text, "same.nn").program);
}

/** Formats `text` and asserts the result means the same and is a fixed point; returns it. */
export function formatChecked(text: string): string {
  const r = formatSource(text);
  expect(r.diagnostics).toEqual([]);
  expect(r.changed).toBe(r.text !== text);
  expect(astWithoutSpans(r.text)).toEqual(astWithoutSpans(text));
  expect(formatSource(r.text).text).toBe(r.text);
  return r.text;
}

/** Source text from lines (keeps test inputs readable: one array element per line). */
export const lines = (...ls: string[]): string => ls.join("\n") + "\n";

/** mulberry32: a small deterministic PRNG, so random tests reproduce. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
