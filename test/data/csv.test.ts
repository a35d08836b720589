// csv(): the shipped example files, quoting, categorical columns, and exact locations in error messages.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { type DataSet, loadSource, parseCsv } from "../../src/data/index.js";
import { parseNumber } from "../../src/data/csv-parse.js";
import { Rng } from "../../src/runtime/rng.js";
import { dataError } from "./helpers.js";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const EXAMPLES = path.resolve(HERE, "../../examples");
const FIX = path.resolve(HERE, "../fixtures/data");
const f32 = (...shape: number[]) => ({ dtype: "f32", shape });
const i32 = (...shape: number[]) => ({ dtype: "i32", shape });

const csv = (file: string, label: string, dir = FIX, declared?: Parameters<typeof loadSource>[3]): DataSet =>
  loadSource("csv", { path: file, label, header: true }, dir, declared);

describe("example CSV files", () => {
  test("iris: 150 rows, 4 features, 3 named classes (sorted)", () => {
    const ds = csv("data/iris.csv", "species", EXAMPLES, { features: f32(4), labels: i32(), classes: 3 });
    expect(ds.features.dtype).toBe("f32");
    expect(ds.features.shape).toEqual([150, 4]);
    expect(ds.labels.dtype).toBe("i32");
    expect(ds.labels.shape).toEqual([150]);
    expect(ds.classNames).toEqual(["setosa", "versicolor", "virginica"]);
    expect(ds.featureNames).toEqual(["sepal_length", "sepal_width", "petal_length", "petal_width"]);
    expect([...ds.features.data.slice(0, 4)].map((v) => +v.toFixed(4))).toEqual([5.1, 3.5, 1.4, 0.2]);
    const counts = [0, 0, 0];
    for (const v of ds.labels.data) counts[v]!++;
    expect(counts).toEqual([50, 50, 50]);
  });

  test("digits: 64 columns reshaped to the declared f32[8, 8]", () => {
    const ds = csv("data/digits.csv", "digit", EXAMPLES, { features: f32(8, 8), labels: i32(), classes: 10 });
    expect(ds.features.shape).toEqual([1797, 8, 8]);
    expect(ds.labels.shape).toEqual([1797]);
    expect(ds.classNames).toBeUndefined();
    expect(new Set(ds.labels.data).size).toBe(10);
  });

  test("regression targets: f32 labels reshaped to the declared shape", () => {
    const ds = csv("data/house_prices.csv", "price", EXAMPLES, { features: f32(4), labels: f32(1) });
    expect(ds.labels.dtype).toBe("f32");
    expect(ds.labels.shape).toEqual([1000, 1]);
    expect([...ds.labels.data.slice(0, 3)]).toEqual([229000, 319000, 599000]);
    const lr = csv("data/linear_regression.csv", "y", EXAMPLES, { features: f32(1), labels: f32(1) });
    expect(lr.features.shape).toEqual([4, 1]);
    expect([...lr.features.data]).toEqual([1, 3, 6, 5]);
    expect([...lr.labels.data]).toEqual([4, 8, 14, 13]);
  });

  test("breast cancer: integer labels 0/1 as i32", () => {
    const ds = csv("data/breast_cancer.csv", "target", EXAMPLES, { features: f32(30), labels: i32(), classes: 2 });
    expect(ds.features.shape).toEqual([569, 30]);
    expect(ds.labels.data.reduce((a, b) => a + b, 0)).toBe(357);
  });
});

describe("parsing", () => {
  test("quoted cells, doubled quotes, BOM, CRLF, trailing blank lines, categorical features", () => {
    const ds = csv("quoted.csv", "label");
    expect(ds.featureNames).toEqual(["name", "size, cm", "color"]);
    expect(ds.features.shape).toEqual([3, 3]);
    // name: "Doe" < "O\"Brien" < "Smith, J"; color: blue < red.
    expect([...ds.features.data]).toEqual([2, 1.5, 1, 1, 2.5, 0, 0, 3.5, 1]);
    expect(ds.classNames).toEqual(["ant", "cat", "dog"]);
    expect([...ds.labels.data]).toEqual([1, 2, 0]);
  });

  test("parseCsv keeps record start lines across quoted line breaks", () => {
    const recs = parseCsv('a,b\n"x\ny",1\n\nz,2\n', "t.csv");
    expect(recs).toEqual([
      { line: 1, cells: ["a", "b"] },
      { line: 2, cells: ["x\ny", "1"] },
      { line: 5, cells: ["z", "2"] },
    ]);
  });

  test("numbers parse exactly as Number() does; other text is not a number", () => {
    const rng = new Rng(1);
    for (let k = 0; k < 20000; k++) {
      const digits = (m: number) => Array.from({ length: m }, () => rng.int(10)).join("");
      let s = (rng.next() < 0.3 ? "-" : "") + digits(1 + rng.int(9));
      if (rng.next() < 0.7) s += "." + digits(rng.int(12));
      if (rng.next() < 0.2) s += "e" + (rng.next() < 0.5 ? "-" : "") + digits(1 + rng.int(2));
      expect(Object.is(parseNumber(s), Number(s))).toBe(true);
    }
    expect(parseNumber("1.5E3")).toBe(1500);
    expect(parseNumber("12345678901234567890")).toBe(12345678901234567890);
    expect(parseNumber("-inf")).toBe(-Infinity);
    for (const s of ["", "abc", "0x10", "1e", ".", "-", "NaN", "1.2.3", "3 kg"]) expect(parseNumber(s)).toBeUndefined();
  });

  test("header = false: the label is the last column", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nnc-csv-"));
    fs.writeFileSync(path.join(dir, "nohead.csv"), "1,2,0\n3,4,1\n");
    const ds = loadSource("csv", { path: "nohead.csv", label: "label", header: false }, dir, { features: f32(2), labels: i32() });
    expect(ds.features.shape).toEqual([2, 2]);
    expect([...ds.labels.data]).toEqual([0, 1]);
  });
});

describe("errors name the file, line and column", () => {
  test("a non-numeric feature cell", () => {
    const e = dataError(() => csv("non_numeric.csv", "species", FIX, { features: f32(3) }));
    expect(e.message).toBe('non_numeric.csv:4:2: expected a number in column "sepal_width", found "abc"');
    expect([e.file, e.line, e.col]).toEqual(["non_numeric.csv", 4, 2]);
  });

  test("a row with too few cells", () => {
    const e = dataError(() => csv("ragged.csv", "label"));
    expect(e.message).toBe("ragged.csv:4: expected 4 cells (one per header column), found 3");
    expect(e.line).toBe(4);
  });

  test("a row with too many cells points at the extra cell", () => {
    const e = dataError(() => csv("ragged_long.csv", "label"));
    expect(e.message).toBe("ragged_long.csv:3:5: expected 4 cells (one per header column), found 5");
  });

  test("a missing label column lists the columns and suggests the closest", () => {
    const e = dataError(() => csv("header_species.csv", "specie"));
    expect(e.message).toBe('header_species.csv:1: no column named "specie" for the labels; did you mean "species"?');
    expect(e.notes.join("\n")).toContain('"sepal_length", "sepal_width", "petal_length", "petal_width", "species"');
    const far = dataError(() => csv("header_species.csv", "target"));
    expect(far.message).toBe('header_species.csv:1: no column named "target" for the labels');
  });

  test("an empty file and a header without rows", () => {
    expect(dataError(() => csv("empty.csv", "label")).message).toBe("empty.csv: the file is empty: expected a header row and one example per line");
    expect(dataError(() => csv("header_only.csv", "label")).message).toBe("header_only.csv:1: the file has a header row but no data rows");
  });

  test("a label outside the declared classes", () => {
    const e = dataError(() => csv("out_of_range.csv", "label", FIX, { features: f32(2), labels: i32(), classes: 3 }));
    expect(e.message).toBe("out_of_range.csv:5:3: label 3 is out of range: the dataset has 3 classes, so labels must be in 0..2");
    // Without a declared class count the same file loads.
    expect(csv("out_of_range.csv", "label").labels.shape).toEqual([4]);
  });

  test("more categories than declared classes", () => {
    const e = dataError(() => csv("quoted.csv", "label", FIX, { classes: 2 }));
    expect(e.message).toBe('quoted.csv:3:4: the label column "label" has 3 categories, but the dataset declares classes = 2');
  });

  test("a missing file names the path as written", () => {
    const e = dataError(() => csv("data/nope.csv", "label"));
    expect(e.message).toBe("data/nope.csv: the CSV file does not exist");
    expect(e.notes[0]).toBe(`looked for ${path.join(FIX, "data/nope.csv")}`);
  });

  test("the declared feature shape must match the number of feature columns", () => {
    const e = dataError(() => csv("data/iris.csv", "species", EXAMPLES, { features: f32(5) }));
    expect(e.message).toMatch(/^data\/iris\.csv: the dataset declares features of shape \[5\] \(5 values per sample\), but the data has \[4\]/);
  });

  test("fractional labels when class ids are expected", () => {
    const e = dataError(() => csv("out_of_range.csv", "x", FIX, { features: f32(2), labels: i32() }));
    expect(e.message).toBe('out_of_range.csv:2:1: expected an integer class id in the label column "x", found "0.5"');
  });

  test("an empty cell", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nnc-csv-"));
    fs.writeFileSync(path.join(dir, "gap.csv"), "a,b,label\n1,2,0\n3,,1\n");
    const e = dataError(() => loadSource("csv", { path: "gap.csv", label: "label", header: true }, dir));
    expect(e.message).toBe('gap.csv:3:2: expected a number in column "b", found an empty cell');
    expect(e.notes).toEqual(["missing values are not supported: fill them in or drop the row"]);
  });

  test("an unclosed quote", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nnc-csv-"));
    fs.writeFileSync(path.join(dir, "q.csv"), 'a,label\n1,0\n"2,1\n');
    expect(dataError(() => loadSource("csv", { path: "q.csv", label: "label", header: true }, dir)).message)
      .toBe('q.csv:3:1: a quoted cell that starts on this line is never closed (a " is missing)');
  });
});
