// Training history: one row of metrics per epoch, saved as CSV or JSON.
import * as fs from "node:fs";
import { writeFileAtomic } from "./checkpoint.js";
import { RuntimeError } from "./tensor.js";

export type HistoryRow = Record<string, number>;

/** Union of the rows' keys in first-seen order, with epoch first. */
export function historyColumns(rows: readonly HistoryRow[]): string[] {
  const keys = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r)) keys.add(k);
  const cols = [...keys];
  return keys.has("epoch") ? ["epoch", ...cols.filter((k) => k !== "epoch")] : cols;
}

const isCsv = (path: string): boolean => path.toLowerCase().endsWith(".csv");
const isJson = (path: string): boolean => path.toLowerCase().endsWith(".json");

export function formatHistory(path: string, rows: readonly HistoryRow[]): string {
  if (isCsv(path)) {
    const cols = historyColumns(rows);
    const lines = [cols.map(csvField).join(",")];
    for (const r of rows) lines.push(cols.map((c) => (r[c] === undefined ? "" : String(r[c]))).join(","));
    return lines.join("\n") + "\n";
  }
  if (isJson(path)) return JSON.stringify(rows.map(orderRow), null, 2) + "\n"; // NaN/Infinity become null
  throw new RuntimeError(`history file ${path}: unknown format (use .csv or .json)`);
}

export function writeHistory(path: string, rows: HistoryRow[]): void {
  writeFileAtomic(path, formatHistory(path, rows));
}

export function readHistory(path: string): HistoryRow[] {
  let text: string;
  try {
    text = fs.readFileSync(path, "utf8");
  } catch (e) {
    throw new RuntimeError(`cannot read history ${path}: ${(e as Error).message}`);
  }
  if (isCsv(path)) return parseCsv(path, text);
  if (isJson(path)) return parseJson(path, text);
  throw new RuntimeError(`history file ${path}: unknown format (use .csv or .json)`);
}

function orderRow(r: HistoryRow): HistoryRow {
  return "epoch" in r ? { epoch: r.epoch!, ...r } : r;
}

function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Splits one CSV line, honouring double-quoted fields. */
function splitCsv(line: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') { cur += '"'; i++; }
      else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") { out.push(cur); cur = ""; }
    else cur += c;
  }
  out.push(cur);
  return out;
}

function parseCsv(path: string, text: string): HistoryRow[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "");
  if (lines.length === 0) return [];
  const cols = splitCsv(lines[0]!);
  return lines.slice(1).map((line, i) => {
    const cells = splitCsv(line);
    if (cells.length !== cols.length) throw new RuntimeError(`${path}:${i + 2}: expected ${cols.length} fields, found ${cells.length}`);
    const row: HistoryRow = {};
    cells.forEach((cell, j) => {
      if (cell.trim() === "") return;
      const v = Number(cell);
      if (Number.isNaN(v) && cell.trim() !== "NaN") throw new RuntimeError(`${path}:${i + 2}: "${cell}" is not a number (column ${cols[j]})`);
      row[cols[j]!] = v;
    });
    return row;
  });
}

function parseJson(path: string, text: string): HistoryRow[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new RuntimeError(`${path}: invalid JSON (${(e as Error).message})`);
  }
  if (!Array.isArray(data)) throw new RuntimeError(`${path}: expected a JSON array of rows`);
  return data.map((r, i) => {
    if (typeof r !== "object" || r === null || Array.isArray(r)) throw new RuntimeError(`${path}: row ${i} is not an object`);
    const row: HistoryRow = {};
    for (const [k, v] of Object.entries(r as Record<string, unknown>)) {
      if (v === null) row[k] = NaN;
      else if (typeof v === "number") row[k] = v;
      else throw new RuntimeError(`${path}: row ${i}: "${k}" is not a number`);
    }
    return row;
  });
}
