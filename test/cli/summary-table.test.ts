import { describe, expect, it } from "vitest";
import { formatCount, renderSummaryTable } from "../../src/cli/summary-table.js";
import type { ModelSummary } from "../../src/driver.js";

const row = (name: string, type: string, outputShape: string, params: number) => ({ name, type, outputShape, params, trainable: params, nonTrainable: 0 });

describe("formatCount", () => {
  it("groups thousands with commas", () => {
    expect([0, 7, 999, 1000, 1290, 100480, 101770, 1234567, -4500].map(formatCount)).toEqual([
      "0", "7", "999", "1,000", "1,290", "100,480", "101,770", "1,234,567", "-4,500",
    ]);
  });
});

describe("renderSummaryTable", () => {
  it("sizes columns to their content and right-aligns parameter counts", () => {
    const s: ModelSummary = {
      model: "Mlp",
      inputs: [{ name: "image", type: "f32[B, 28, 28]" }],
      rows: [row("flatten", "flatten", "[B, 784]", 0), row("dense", "dense", "[B, 128]", 100480), row("dense_1", "dense", "[B, 10]", 1290)],
      total: 101770,
      trainable: 101770,
      nonTrainable: 0,
    };
    expect(renderSummaryTable(s)).toBe(
      [
        'Model: "Mlp"',
        "┏━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━┳━━━━━━━━━┓",
        "┃ Layer (type)      ┃ Output Shape ┃ Param # ┃",
        "┡━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━╇━━━━━━━━━┩",
        "│ flatten (flatten) │ [B, 784]     │       0 │",
        "│ dense (dense)     │ [B, 128]     │ 100,480 │",
        "│ dense_1 (dense)   │ [B, 10]      │   1,290 │",
        "└───────────────────┴──────────────┴─────────┘",
        " Total params: 101,770",
        " Trainable params: 101,770",
        " Non-trainable params: 0",
      ].join("\n"),
    );
  });

  it("widens a column for a long cell and draws an empty table for no rows", () => {
    const s: ModelSummary = { model: "E", inputs: [], rows: [], total: 0, trainable: 0, nonTrainable: 0 };
    expect(renderSummaryTable(s).split("\n")[2]).toBe("┃ Layer (type) ┃ Output Shape ┃ Param # ┃");
    const wide = renderSummaryTable({ ...s, rows: [row("batch_norm", "batch_norm", "[B, 1024, 1024, 3]", 12345678)] });
    expect(wide.split("\n")[4]).toBe("│ batch_norm (batch_norm) │ [B, 1024, 1024, 3] │ 12,345,678 │");
  });
});
