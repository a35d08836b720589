// csv(path, label, header): a comma-separated file with a header row and a label column.
//
// - Cells are trimmed; "quoted" cells may hold commas, doubled quotes ("") and line breaks.
// - Blank lines are skipped; line numbers in errors are 1-based and count the header.
// - A feature column is numeric unless EVERY cell in it is non-numeric: then it is categorical and each
//   cell becomes the index of its value among the column's distinct values sorted by name. A non-numeric
//   cell in an otherwise numeric column is an error naming its line and column.
// - The label column: category names → class indices (names sorted, see `classNames`); integers → i32;
//   a declared f32 label type (regression) → f32 targets reshaped to the declared label shape.
// - With `header = false` the label is the last column, or the column whose 1-based number `label` gives.
import type { DType } from "../ir/types.js";
import { zeros } from "../runtime/tensor.js";
import {
  ArgReader, checkClassRange, conformShape, type DataSet, DataError, type Declared, didYouMean,
  isFloatDType, isIntDType, listNames, readDataFile, storageDType,
} from "./types.js";

export interface CsvRecord { line: number; cells: string[] }

/** Splits CSV text into records (1-based line of each record's start); blank lines are dropped. */
export function parseCsv(text: string, file: string): CsvRecord[] {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const out: CsvRecord[] = [];
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
    if (!blank) out.push({ line: start, cells });
  }
  return out;
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

const show = (s: string): string => JSON.stringify(s);

export function loadCsv(args: Record<string, number | string | boolean>, baseDir: string, declared?: Declared): DataSet {
  const a = new ArgReader("csv", args);
  const file = a.str("path");
  const hasHeader = a.bool("header", true);
  const labelArg = a.str("label", "label");
  const text = readDataFile(file, baseDir, "CSV").toString("utf8");
  const records = parseCsv(text, file);
  if (records.length === 0) throw new DataError("the file is empty: expected a header row and one example per line", file);

  // Header and label column.
  let names: string[];
  let rows: CsvRecord[];
  let labelCol: number;
  if (hasHeader) {
    const head = records[0]!;
    names = head.cells;
    rows = records.slice(1);
    names.forEach((nm, j) => { if (nm === "") throw new DataError("a header cell is empty: every column needs a name", file, head.line, j + 1); });
    labelCol = names.indexOf(labelArg);
    if (labelCol < 0) {
      const sug = didYouMean(labelArg, names);
      const notes = [`the columns are ${listNames(names, 40)}`];
      if (names.length === 1 && /[;\t|]/.test(names[0]!)) notes.push(`the header has one column: is the file separated by "${names[0]!.match(/[;\t|]/)![0] === "\t" ? "\\t" : names[0]!.match(/[;\t|]/)![0]}" instead of commas? Only commas are supported`);
      throw new DataError(`no column named ${show(labelArg)} for the labels${sug ? `; did you mean ${show(sug)}?` : ""}`, file, head.line, undefined, notes);
    }
    if (names.indexOf(labelArg, labelCol + 1) >= 0) throw new DataError(`the label column ${show(labelArg)} appears twice in the header`, file, head.line, names.indexOf(labelArg, labelCol + 1) + 1);
  } else {
    rows = records;
    const width = records[0]!.cells.length;
    names = Array.from({ length: width }, (_, j) => `column ${j + 1}`);
    const k = /^\d+$/.test(labelArg) ? Number(labelArg) : labelArg === "label" ? width : NaN;
    if (!(k >= 1 && k <= width)) throw new DataError(`csv(header = false): \`label\` must be a column number from 1 to ${width}, found ${show(labelArg)}`, file);
    labelCol = k - 1;
  }
  if (rows.length === 0) throw new DataError("the file has a header row but no data rows", file, records[0]!.line);
  const width = names.length;
  if (width < 2) throw new DataError(`the file has only the label column ${show(names[labelCol]!)}: there are no feature columns`, file, records[0]!.line);
  for (const r of rows) {
    if (r.cells.length !== width) {
      throw new DataError(`expected ${width} cells (one per ${hasHeader ? "header column" : "column of the first row"}), found ${r.cells.length}`,
        file, r.line, r.cells.length > width ? width + 1 : undefined, r.cells.length > width ? [`the extra cell is ${show(r.cells[width]!)}`] : [`the header has ${listNames(names, 40)}`]);
    }
  }
  const N = rows.length;

  // Every cell parsed once, row by row (NaN: not a number).
  const vals = new Float64Array(N * width);
  const numCount = new Int32Array(width);
  for (let i = 0; i < N; i++) {
    const r = rows[i]!;
    for (let j = 0; j < width; j++) {
      const cell = r.cells[j]!;
      if (cell === "") {
        throw new DataError(`expected ${j === labelCol ? "a label" : "a number"} in column ${show(names[j]!)}, found an empty cell`, file, r.line, j + 1,
          ["missing values are not supported: fill them in or drop the row"]);
      }
      const v = parseNumber(cell);
      if (v === undefined) vals[i * width + j] = NaN;
      else { vals[i * width + j] = v; numCount[j]++; }
    }
  }

  // Features: numeric, or categorical when every cell of the column is non-numeric.
  const featCols = names.map((_, j) => j).filter((j) => j !== labelCol);
  const featureNames = featCols.map((j) => names[j]!);
  if (featCols.some((j) => numCount[j]! > 0 && numCount[j]! < N)) {
    for (let i = 0; i < N; i++) {
      for (const j of featCols) {
        if (numCount[j]! === 0 || !Number.isNaN(vals[i * width + j]!)) continue;
        throw new DataError(`expected a number in column ${show(names[j]!)}, found ${show(rows[i]!.cells[j]!)}`, file, rows[i]!.line, j + 1,
          [`${numCount[j]} of the column's ${N} cells are numbers; a column is categorical only when none of its cells is a number`]);
      }
    }
  }
  for (const j of featCols) {
    if (numCount[j]! > 0) continue;
    const cats = [...new Set(rows.map((r) => r.cells[j]!))].sort();
    const index = new Map(cats.map((c, k) => [c, k]));
    for (let i = 0; i < N; i++) vals[i * width + j] = index.get(rows[i]!.cells[j]!)!;
  }
  const fDecl = declared?.features;
  const fType: DType = storageDType(fDecl?.dtype, "f32");
  const F = featCols.length;
  const feats = zeros(fType, [N, F]);
  for (let i = 0; i < N; i++) {
    for (let fj = 0; fj < F; fj++) {
      const j = featCols[fj]!;
      const v = vals[i * width + j]!;
      if (isIntDType(fType) && !Number.isInteger(v)) {
        throw new DataError(`expected an integer in column ${show(names[j]!)} (the dataset declares ${fDecl!.dtype} features), found ${show(rows[i]!.cells[j]!)}`, file, rows[i]!.line, j + 1);
      }
      feats.data[i * F + fj] = v;
    }
  }
  const features = conformShape(feats, fDecl?.shape, "features", file, `(the file has ${F} feature columns: every column except ${show(names[labelCol]!)})`);

  // Labels.
  const lDecl = declared?.labels;
  const regression = lDecl !== undefined && isFloatDType(lDecl.dtype);
  const cells = rows.map((r) => r.cells[labelCol]!);
  const nums = Array.from({ length: N }, (_, i) => { const v = vals[i * width + labelCol]!; return Number.isNaN(v) ? undefined : v; });
  const at = (i: number) => ({ line: rows[i]!.line, col: labelCol + 1, text: "" });
  const numericCount = nums.filter((v) => v !== undefined).length;
  let labels;
  let classNames: string[] | undefined;
  if (numericCount === 0 && !regression) {
    classNames = [...new Set(cells)].sort();
    const index = new Map(classNames.map((c, k) => [c, k]));
    labels = zeros("i32", [N]);
    for (let i = 0; i < N; i++) labels.data[i] = index.get(cells[i]!)!;
    const classes = declared?.classes;
    if (classes !== undefined && classNames.length > classes) {
      const i = cells.findIndex((c) => index.get(c)! >= classes);
      throw new DataError(`the label column ${show(names[labelCol]!)} has ${classNames.length} categories, but the dataset declares classes = ${classes}`,
        file, rows[i]!.line, labelCol + 1, [`the categories (sorted) are ${listNames(classNames, 40)}`]);
    }
  } else {
    const bad = nums.findIndex((v) => v === undefined);
    if (bad >= 0) {
      throw new DataError(`expected a number${regression ? " (the dataset declares f32 labels: a regression target)" : ""} in the label column ${show(names[labelCol]!)}, found ${show(cells[bad]!)}`,
        file, rows[bad]!.line, labelCol + 1, regression || numericCount === 0 ? [] : [`${numericCount} of the ${N} labels are numbers; category names must not be mixed with numbers`]);
    }
    const allInt = nums.every((v) => Number.isInteger(v));
    if (regression || (!allInt && lDecl === undefined)) {
      labels = zeros(storageDType(lDecl?.dtype, "f32"), [N]);
      for (let i = 0; i < N; i++) labels.data[i] = nums[i]!;
    } else {
      if (!allInt) {
        const i = nums.findIndex((v) => !Number.isInteger(v));
        throw new DataError(`expected an integer class id in the label column ${show(names[labelCol]!)}, found ${show(cells[i]!)}`, file, rows[i]!.line, labelCol + 1,
          ["for a regression target declare the label type, e.g. `labels: f32[1]`"]);
      }
      labels = zeros("i32", [N]);
      for (let i = 0; i < N; i++) labels.data[i] = nums[i]!;
      checkClassRange(labels, declared?.classes, file, at);
    }
  }
  if (lDecl) labels = conformShape(labels, lDecl.shape, "labels", file, "(one label column)");
  const ds: DataSet = { features, labels, featureNames };
  if (classNames) ds.classNames = classNames;
  return ds;
}
