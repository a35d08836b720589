// History files (CSV, JSON) and the SVG plot made from them.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { readHistory, writeHistory } from "../../src/runtime/history.js";
import { renderHistoryPlot, writeHistoryPlot } from "../../src/runtime/plot.js";
import { project } from "./run-helpers.js";
import { RuntimeError } from "../../src/runtime/tensor.js";

const tempDir = () => project({}, "nnc-io-hist-");

const rows = [
  { loss: 0.9, epoch: 1, accuracy: 0.7, val_loss: 0.8, val_accuracy: 0.75, lr: 0.001 },
  { epoch: 2, loss: 0.5, accuracy: 0.85, val_loss: 0.55, val_accuracy: 0.84, lr: 0.001 },
  { epoch: 3, loss: 0.31, accuracy: 0.9, val_loss: 0.4, val_accuracy: 0.88, lr: 0.0005, extra: 1 / 3 },
];

describe("history files", () => {
  it("writes CSV with the union of keys, epoch first", () => {
    const file = path.join(tempDir(), "history.csv");
    writeHistory(file, rows);
    expect(fs.readFileSync(file, "utf8")).toBe(
      [
        "epoch,loss,accuracy,val_loss,val_accuracy,lr,extra",
        "1,0.9,0.7,0.8,0.75,0.001,",
        "2,0.5,0.85,0.55,0.84,0.001,",
        "3,0.31,0.9,0.4,0.88,0.0005,0.3333333333333333",
        "",
      ].join("\n"),
    );
    expect(readHistory(file)).toEqual(rows);
    expect(fs.readdirSync(path.dirname(file))).toEqual(["history.csv"]);
  });

  it("writes pretty JSON and reads it back", () => {
    const file = path.join(tempDir(), "history.json");
    writeHistory(file, rows);
    const text = fs.readFileSync(file, "utf8");
    expect(text).toContain('[\n  {\n    "epoch": 1,\n    "loss": 0.9,');
    expect(readHistory(file)).toEqual(rows);
  });

  it("keeps NaN through both formats", () => {
    const dir = tempDir();
    for (const name of ["h.csv", "h.json"]) {
      writeHistory(path.join(dir, name), [{ epoch: 1, loss: NaN }]);
      expect(readHistory(path.join(dir, name))).toEqual([{ epoch: 1, loss: NaN }]);
    }
  });

  it("rejects unknown extensions and malformed files", () => {
    const dir = tempDir();
    expect(() => writeHistory(path.join(dir, "h.txt"), rows)).toThrow(/unknown format/);
    fs.writeFileSync(path.join(dir, "bad.csv"), "epoch,loss\n1,abc\n");
    expect(() => readHistory(path.join(dir, "bad.csv"))).toThrow(RuntimeError);
    expect(() => readHistory(path.join(dir, "bad.csv"))).toThrow(/bad\.csv:2: "abc" is not a number/);
    fs.writeFileSync(path.join(dir, "bad.json"), "{}");
    expect(() => readHistory(path.join(dir, "bad.json"))).toThrow(/expected a JSON array/);
    expect(() => readHistory(path.join(dir, "missing.csv"))).toThrow(/cannot read history/);
  });
});

describe("history plot", () => {
  it("renders an SVG with a panel per metric", async () => {
    const svg = await renderHistoryPlot(rows, "Mlp training");
    expect(svg.startsWith("<svg")).toBe(true);
    for (const s of ["Mlp training", "loss", "accuracy", "extra", "train", "validation", "epoch"]) expect(svg).toContain(s);
    expect(svg).not.toContain(">lr<");
    expect((svg.match(/<path/g) ?? []).length).toBeGreaterThan(10);
    // The loss panel comes first even though "loss" is not the first key everywhere.
    expect(svg.indexOf(">loss<")).toBeLessThan(svg.indexOf(">accuracy<"));
  });

  it("writes the SVG file", async () => {
    const file = path.join(tempDir(), "history.svg");
    await writeHistoryPlot(file, rows.slice(0, 1), "one epoch");
    expect(fs.readFileSync(file, "utf8")).toMatch(/^<svg[\s\S]*<\/svg>$/);
  });
});
