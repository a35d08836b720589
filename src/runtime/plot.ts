// Training-history plots: a vega-lite spec compiled to vega and rendered to SVG without a browser.
import { parse, View } from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import { writeFileAtomic } from "./checkpoint.js";
import type { HistoryRow } from "./history.js";

/** Columns that are not plotted as metrics. */
const SKIP = new Set(["epoch", "step", "lr"]);

interface Point {
  epoch: number;
  metric: string;
  split: "train" | "validation";
  value: number;
}

/** Long-format points and the panel order (loss first, then metrics in first-seen order). */
function points(rows: readonly HistoryRow[]): { values: Point[]; metrics: string[] } {
  const values: Point[] = [];
  const metrics: string[] = [];
  rows.forEach((r, i) => {
    const epoch = r.epoch ?? i + 1;
    for (const [key, value] of Object.entries(r)) {
      if (SKIP.has(key) || !Number.isFinite(value)) continue;
      const val = key.startsWith("val_");
      const metric = val ? key.slice(4) : key;
      if (!metrics.includes(metric)) metrics.push(metric);
      values.push({ epoch, metric, split: val ? "validation" : "train", value });
    }
  });
  metrics.sort((a, b) => (b === "loss" ? 1 : 0) - (a === "loss" ? 1 : 0));
  return { values, metrics };
}

export function historySpec(rows: readonly HistoryRow[], title: string): TopLevelSpec {
  const { values, metrics } = points(rows);
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title,
    data: { values },
    facet: { column: { field: "metric", type: "nominal", sort: metrics, title: null, header: { labelFontSize: 13 } } },
    resolve: { scale: { y: "independent" } },
    spec: {
      width: 320,
      height: 220,
      mark: { type: "line", point: true },
      encoding: {
        x: { field: "epoch", type: "quantitative", title: "epoch", axis: { tickMinStep: 1 } },
        y: { field: "value", type: "quantitative", title: null, scale: { zero: false } },
        color: {
          field: "split",
          type: "nominal",
          title: null,
          scale: { domain: ["train", "validation"], range: ["#1f77b4", "#ff7f0e"] },
        },
        tooltip: [{ field: "epoch" }, { field: "split" }, { field: "value", format: ".4f" }],
      },
    },
    config: { background: "white" },
  };
}

export async function renderHistoryPlot(rows: HistoryRow[], title: string): Promise<string> {
  const vg = compile(historySpec(rows, title)).spec;
  const view = new View(parse(vg), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

export async function writeHistoryPlot(svgPath: string, rows: HistoryRow[], title: string): Promise<void> {
  writeFileAtomic(svgPath, await renderHistoryPlot(rows, title));
}
