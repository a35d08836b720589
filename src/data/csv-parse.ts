// CSV text: records and cells (RFC 4180 quoting), and numbers as CSV files write them.
import { DataError } from "./types.js";

export interface CsvRecord { line: number; cells: string[] }

/** Splits CSV text into records (1-based line of each record's start); blank lines are dropped. */
export function parseCsv(text: string, file: string): CsvRecord[] {
  const out: CsvRecord[] = [];
  forEachRecord(text, file, (cells, line) => { out.push({ line, cells }); });
  return out;
}

/**
 * Calls `onRecord` for each non-blank record in turn (cells trimmed unless quoted), so that a large file
 * never holds all its cells as strings at once. `onRecord` may return false to stop.
 */
export function forEachRecord(text: string, file: string, onRecord: (cells: string[], line: number) => boolean | void): void {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const n = text.length;
  let line = 1;
  let i = 0;
  while (i < n) {
    const start = line;
    const cells: string[] = [];
    let blank = true;
    for (;;) {
      let j = i;
      while (j < n && (text[j] === " " || text[j] === "\t")) j++;
      if (j < n && text[j] === '"') {
        // A quoted cell: commas, line breaks and doubled quotes ("") inside.
        const qLine = line;
        let cell = "";
        let p = j + 1;
        for (;;) {
          const q = text.indexOf('"', p);
          if (q < 0) throw new DataError(`a quoted cell that starts on this line is never closed (a " is missing)`, file, qLine, cells.length + 1);
          cell += text.slice(p, q);
          if (text[q + 1] === '"') { cell += '"'; p = q + 2; continue; }
          p = q + 1;
          break;
        }
        for (let k = cell.indexOf("\n"); k >= 0; k = cell.indexOf("\n", k + 1)) line++;
        while (p < n && (text[p] === " " || text[p] === "\t")) p++;
        if (p < n && text[p] !== "," && text[p] !== "\n" && text[p] !== "\r") {
          throw new DataError(`unexpected text after a quoted cell: ${JSON.stringify(text.slice(p, p + 10))} (a stray " inside the cell?)`, file, line, cells.length + 1);
        }
        cells.push(cell);
        blank = false;
        i = p;
      } else {
        let k = j;
        for (; k < n; k++) {
          const c = text.charCodeAt(k);
          if (c === 44 || c === 10 || c === 13) break; // , \n \r
        }
        const cell = text.slice(j, k).trim();
        if (cell !== "") blank = false;
        cells.push(cell);
        i = k;
      }
      if (i >= n) break;
      const c = text[i];
      i++;
      if (c === ",") { blank = false; continue; }
      if (c === "\r" && text[i] === "\n") i++;
      line++;
      break;
    }
    if (!blank && onRecord(cells, start) === false) return;
  }
}

/** A number as CSV writes it ("3", "-1.5e3", "Infinity"); undefined for anything else. */
export function parseNumber(s: string): number | undefined {
  const fast = parseDecimal(s);
  if (fast !== undefined) return fast;
  if (s === "" || /^[+-]?0[xob]/i.test(s)) return undefined;
  const v = Number(s);
  if (!Number.isNaN(v)) return v;
  const low = s.toLowerCase();
  if (low === "inf" || low === "+inf") return Infinity;
  if (low === "-inf") return -Infinity;
  return undefined;
}

const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);

/**
 * The common case fast: [-+]digits[.digits][e[-+]digits] with at most 15 significant digits and a small
 * exponent is exactly m·10^e or m/10^-e, both correctly rounded (Clinger's fast path). Otherwise undefined.
 */
function parseDecimal(s: string): number | undefined {
  const n = s.length;
  let i = 0, neg = false;
  if (i < n && (s.charCodeAt(i) === 45 || s.charCodeAt(i) === 43)) { neg = s.charCodeAt(i) === 45; i++; }
  let m = 0, digits = 0, exp = 0, any = false;
  for (; i < n; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) break;
    any = true;
    if (m !== 0 || c !== 0) digits++;
    m = m * 10 + c;
  }
  if (i < n && s.charCodeAt(i) === 46) {
    for (i++; i < n; i++) {
      const c = s.charCodeAt(i) - 48;
      if (c < 0 || c > 9) break;
      any = true;
      if (m !== 0 || c !== 0) digits++;
      m = m * 10 + c;
      exp--;
    }
  }
  if (!any) return undefined;
  if (i < n && (s.charCodeAt(i) | 32) === 101) {
    i++;
    let eneg = false, e = 0, edigits = 0;
    if (i < n && (s.charCodeAt(i) === 45 || s.charCodeAt(i) === 43)) { eneg = s.charCodeAt(i) === 45; i++; }
    for (; i < n; i++) {
      const c = s.charCodeAt(i) - 48;
      if (c < 0 || c > 9) break;
      e = e * 10 + c;
      edigits++;
    }
    if (edigits === 0 || e > 1000) return undefined;
    exp += eneg ? -e : e;
  }
  if (i !== n || digits > 15 || exp < -22 || exp > 22) return undefined;
  const v = exp < 0 ? m / POW10[-exp]! : m * POW10[exp]!;
  return neg ? -v : v;
}
