// csv(path, label, header): a comma-separated file with a header row and a label column.
//
// - Cells are trimmed; "quoted" cells may hold commas, doubled quotes ("") and line breaks.
// - Blank lines are skipped; line numbers in errors are 1-based and count the header; columns are
//   1-based cell positions.
// - A feature column is numeric unless EVERY cell in it is non-numeric: then it is categorical and each
//   cell becomes the index of its value among the column's distinct values sorted by name. A non-numeric
//   cell in an otherwise numeric column is an error naming its line and column. Empty cells are errors.
// - The label column: category names → class indices (names sorted, see `classNames`); integers → i32;
//   a declared f32 label type (regression) → f32 targets reshaped to the declared label shape;
//   without a declared label type, fractional labels → f32.
// - With `header = false` the label is the last column, or the column whose 1-based number `label` gives.
import type { DType } from "../ir/types.js";
import { type Tensor, zeros } from "../runtime/tensor.js";
import { forEachRecord, parseNumber } from "./csv-parse.js";
import {
  ArgReader, checkClassRange, conformShape, type DataSet, DataError, type Declared, didYouMean,
  isFloatDType, isIntDType, listNames, readDataFile, storageDType,
} from "./types.js";

export { parseCsv, parseNumber, type CsvRecord } from "./csv-parse.js";

const show = (s: string): string => JSON.stringify(s);

/** The data rows as numbers, row-major (NaN marks a non-numeric cell, whose text is kept in `texts`). */
class Table {
  n = 0;
  vals: Float64Array;
  lines: Int32Array;
  /** Per column: the non-numeric cells (row index, text), in row order. */
  readonly texts: { row: number; text: string }[][];
  readonly numeric: Int32Array;

  constructor(readonly width: number) {
    this.vals = new Float64Array(1024 * width);
    this.lines = new Int32Array(1024);
    this.texts = Array.from({ length: width }, () => []);
    this.numeric = new Int32Array(width);
  }

  add(cells: string[], line: number): void {
    if (this.n === this.lines.length) {
      const v = new Float64Array(this.vals.length * 2); v.set(this.vals); this.vals = v;
      const l = new Int32Array(this.lines.length * 2); l.set(this.lines); this.lines = l;
    }
    const base = this.n * this.width;
    for (let j = 0; j < this.width; j++) {
      const v = parseNumber(cells[j]!);
      if (v === undefined) { this.vals[base + j] = NaN; this.texts[j]!.push({ row: this.n, text: cells[j]! }); }
      else { this.vals[base + j] = v; this.numeric[j]++; }
    }
    this.lines[this.n++] = line;
  }

  at(i: number, j: number): number { return this.vals[i * this.width + j]!; }
}

export function loadCsv(args: Record<string, number | string | boolean>, baseDir: string, declared?: Declared): DataSet {
  const a = new ArgReader("csv", args);
  const file = a.str("path");
  const hasHeader = a.bool("header", true);
  const labelArg = a.str("label", "label");
  const text = readDataFile(file, baseDir, "CSV").toString("utf8");

  let names: string[] | undefined;
  let headLine = 1;
  let labelCol = -1;
  let table: Table | undefined;
  forEachRecord(text, file, (cells, line) => {
    if (!names) {
      headLine = line;
      if (hasHeader) {
        names = cells;
        labelCol = findLabel(names, labelArg, file, line);
        return;
      }
      names = cells.map((_, j) => `column ${j + 1}`);
      const k = /^\d+$/.test(labelArg) ? Number(labelArg) : labelArg === "label" ? cells.length : NaN;
      if (!(k >= 1 && k <= cells.length)) throw new DataError(`csv(header = false): \`label\` must be a column number from 1 to ${cells.length}, found ${show(labelArg)}`, file);
      labelCol = k - 1;
    }
    const width = names.length;
    if (width < 2) throw new DataError(`the file has only the label column ${show(names[labelCol]!)}: there are no feature columns`, file, headLine);
    if (cells.length !== width) {
      throw new DataError(`expected ${width} cells (one per ${hasHeader ? "header column" : "column of the first row"}), found ${cells.length}`,
        file, line, cells.length > width ? width + 1 : undefined, cells.length > width ? [`the extra cell is ${show(cells[width]!)}`] : [`the columns are ${listNames(names, 40)}`]);
    }
    const empty = cells.indexOf("");
    if (empty >= 0) {
      throw new DataError(`expected ${empty === labelCol ? "a label" : "a number"} in column ${show(names[empty]!)}, found an empty cell`, file, line, empty + 1,
        ["missing values are not supported: fill them in or drop the row"]);
    }
    (table ??= new Table(width)).add(cells, line);
  });
  if (!names) throw new DataError("the file is empty: expected a header row and one example per line", file);
  if (!table) throw new DataError("the file has a header row but no data rows", file, headLine);
  const cols = names;
  const t = table;
  const N = t.n;

  // Features: numeric, or categorical when every cell of the column is non-numeric.
  const featCols = cols.map((_, j) => j).filter((j) => j !== labelCol);
  let firstBad: { row: number; col: number } | undefined;
  for (const j of featCols) {
    const bad = t.texts[j]![0];
    if (t.numeric[j]! > 0 && bad && (!firstBad || bad.row < firstBad.row || (bad.row === firstBad.row && j < firstBad.col))) firstBad = { row: bad.row, col: j };
  }
  if (firstBad) {
    const j = firstBad.col;
    throw new DataError(`expected a number in column ${show(cols[j]!)}, found ${show(t.texts[j]![0]!.text)}`, file, t.lines[firstBad.row], j + 1,
      [`${t.numeric[j]} of the column's ${N} cells are numbers; a column is categorical only when none of its cells is a number`]);
  }
  for (const j of featCols) {
    if (t.numeric[j]! > 0) continue;
    const cats = [...new Set(t.texts[j]!.map((c) => c.text))].sort();
    const index = new Map(cats.map((c, k) => [c, k]));
    for (const c of t.texts[j]!) t.vals[c.row * t.width + j] = index.get(c.text)!;
  }
  const fDecl = declared?.features;
  const fType: DType = storageDType(fDecl?.dtype, "f32");
  const F = featCols.length;
  const feats = zeros(fType, [N, F]);
  for (let i = 0; i < N; i++) {
    for (let fj = 0; fj < F; fj++) {
      const j = featCols[fj]!;
      const v = t.at(i, j);
      if (isIntDType(fType) && !Number.isInteger(v)) {
        throw new DataError(`expected an integer in column ${show(cols[j]!)} (the dataset declares ${fDecl!.dtype} features), found ${show(String(v))}`, file, t.lines[i], j + 1);
      }
      feats.data[i * F + fj] = v;
    }
  }
  const features = conformShape(feats, fDecl?.shape, "features", file, `(the file has ${F} feature columns: every column except ${show(cols[labelCol]!)})`);

  const { labels, classNames } = csvLabels(t, labelCol, cols[labelCol]!, file, declared);
  const ds: DataSet = { features, labels, featureNames: featCols.map((j) => cols[j]!) };
  if (classNames) ds.classNames = classNames;
  return ds;
}

function findLabel(names: string[], labelArg: string, file: string, line: number): number {
  names.forEach((nm, j) => { if (nm === "") throw new DataError("a header cell is empty: every column needs a name", file, line, j + 1); });
  const col = names.indexOf(labelArg);
  if (col < 0) {
    const sug = didYouMean(labelArg, names);
    const notes = [`the columns are ${listNames(names, 40)}`];
    const sep = names.length === 1 ? /[;\t|]/.exec(names[0]!)?.[0] : undefined;
    if (sep) notes.push(`the header has one column: is the file separated by "${sep === "\t" ? "\\t" : sep}" instead of commas? Only commas are supported`);
    throw new DataError(`no column named ${show(labelArg)} for the labels${sug ? `; did you mean ${show(sug)}?` : ""}`, file, line, undefined, notes);
  }
  const again = names.indexOf(labelArg, col + 1);
  if (again >= 0) throw new DataError(`the label column ${show(labelArg)} appears twice in the header`, file, line, again + 1);
  return col;
}

function csvLabels(t: Table, col: number, name: string, file: string, declared?: Declared): { labels: Tensor; classNames?: string[] } {
  const N = t.n;
  const lDecl = declared?.labels;
  const regression = lDecl !== undefined && isFloatDType(lDecl.dtype);
  const texts = t.texts[col]!;
  const numericCount = t.numeric[col]!;
  const line = (i: number): number => t.lines[i]!;
  let labels: Tensor;
  let classNames: string[] | undefined;
  if (numericCount === 0 && !regression) {
    classNames = [...new Set(texts.map((c) => c.text))].sort();
    const index = new Map(classNames.map((c, k) => [c, k]));
    labels = zeros("i32", [N]);
    for (const c of texts) labels.data[c.row] = index.get(c.text)!;
    const classes = declared?.classes;
    if (classes !== undefined && classNames.length > classes) {
      const i = labels.data.findIndex((k) => k >= classes);
      throw new DataError(`the label column ${show(name)} has ${classNames.length} categories, but the dataset declares classes = ${classes}`,
        file, line(i), col + 1, [`the categories (sorted) are ${listNames(classNames, 40)}`]);
    }
  } else {
    const bad = texts[0];
    if (bad) {
      throw new DataError(`expected a number${regression ? " (the dataset declares f32 labels: a regression target)" : ""} in the label column ${show(name)}, found ${show(bad.text)}`,
        file, line(bad.row), col + 1, regression || numericCount === 0 ? [] : [`${numericCount} of the ${N} labels are numbers; category names must not be mixed with numbers`]);
    }
    let fractional = -1;
    for (let i = 0; i < N && fractional < 0; i++) if (!Number.isInteger(t.at(i, col))) fractional = i;
    const asFloat = regression || (fractional >= 0 && lDecl === undefined);
    if (!asFloat && fractional >= 0) {
      throw new DataError(`expected an integer class id in the label column ${show(name)}, found ${show(String(t.at(fractional, col)))}`, file, line(fractional), col + 1,
        ["for a regression target declare the label type, e.g. `labels: f32[1]`"]);
    }
    labels = zeros(asFloat ? storageDType(lDecl?.dtype, "f32") : "i32", [N]);
    for (let i = 0; i < N; i++) labels.data[i] = t.at(i, col);
    if (!asFloat) checkClassRange(labels, declared?.classes, file, (i) => ({ line: line(i), col: col + 1, text: "" }));
  }
  if (lDecl) labels = conformShape(labels, lDecl.shape, "labels", file, "(one label column)");
  return classNames ? { labels, classNames } : { labels };
}
