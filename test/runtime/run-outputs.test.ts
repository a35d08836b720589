// What `nnc run` writes: history (CSV or JSON) with one row per epoch, the SVG plot, checkpoints, and
// Keras-style progress on stdout (one line per epoch when stdout is not a terminal; nothing with --quiet).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { loadCheckpoint } from "../../src/runtime/checkpoint.js";
import { readHistory } from "../../src/runtime/history.js";
import { formatMetric } from "../../src/runtime/progress.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** A copy of examples/iris.nn with its CSV, in a fresh temporary folder. */
function irisProject(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "nnc-out-"));
  dirs.push(d);
  fs.mkdirSync(path.join(d, "data"));
  fs.copyFileSync(path.join(ROOT, "examples/iris.nn"), path.join(d, "iris.nn"));
  fs.copyFileSync(path.join(ROOT, "examples/data/iris.csv"), path.join(d, "data/iris.csv"));
  return d;
}

async function cli(argv: string[], isTTY = false): Promise<{ code: number; out: string; err: string }> {
  let out = "", err = "";
  const io = { stdout: { write: (s: string) => (out += s), isTTY }, stderr: { write: (s: string) => (err += s), isTTY: false }, env: {} };
  const code = await main(argv, io);
  return { code, out, err };
}

const EPOCH_LINE = /^\d+\/\d+ \[=+\] - .* - loss: \d\.\d{4} - accuracy: .* - val_loss: .*$/gm;

describe("nnc run on iris (validation and test splits), 2 epochs", () => {
  const dir = irisProject();
  const out = path.join(dir, "out");
  let r: { code: number; out: string; err: string };
  beforeAll(async () => {
    r = await cli(["run", path.join(dir, "iris.nn"), "--epochs", "2", "--out", out]);
  });

  it("exits 0 with nothing on stderr", () => {
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
  });

  it("history.csv: the Keras columns plus lr, one row per epoch", () => {
    const lines = fs.readFileSync(path.join(out, "history.csv"), "utf8").trimEnd().split("\n");
    expect(lines[0]).toBe("epoch,loss,accuracy,val_loss,val_accuracy,lr");
    expect(lines.length).toBe(3);
    expect(lines.slice(1).map((l) => l.split(",")[0])).toEqual(["1", "2"]);
    const h = readHistory(path.join(out, "history.csv"));
    for (const row of h) {
      expect(row["lr"]).toBe(0.01);
      for (const k of ["loss", "val_loss"]) expect(row[k]).toBeGreaterThan(0);
      for (const k of ["accuracy", "val_accuracy"]) expect(row[k]! >= 0 && row[k]! <= 1).toBe(true);
    }
  });

  it("stdout (not a terminal): a header line, `Epoch i/n`, one summary line per epoch, the test score, where files went", () => {
    const lines = r.out.split("\n");
    expect(lines[0]).toMatch(/^Training Iris \(67 parameters\) on flowers: 90 train, 30 validation, 30 test samples; CPU backend \(\d+ kernels, (cached|compiled in \d+\.\d s)\)$/);
    expect(lines.filter((l) => /^Epoch \d+\/\d+$/.test(l))).toEqual(["Epoch 1/2", "Epoch 2/2"]);
    const summaries = r.out.match(EPOCH_LINE) ?? [];
    expect(summaries.length).toBe(2);
    // 90 training samples in batches of 16: 6 steps; the printed numbers are the history's.
    const h = readHistory(path.join(out, "history.csv"));
    summaries.forEach((line, i) => {
      expect(line.startsWith("6/6 [==============================] - ")).toBe(true);
      const row = h[i]!;
      expect(line.endsWith(`- loss: ${formatMetric(row["loss"]!)} - accuracy: ${formatMetric(row["accuracy"]!)} - val_loss: ${formatMetric(row["val_loss"]!)} - val_accuracy: ${formatMetric(row["val_accuracy"]!)}`)).toBe(true);
    });
    expect(r.out).toMatch(/^Test: loss: \d+\.\d{4} - accuracy: \d\.\d{4}$/m);
    expect(r.out).toContain(`Saved ${path.join(out, "checkpoints", "last")} and ${path.join(out, "checkpoints", "best")}; history in ${path.join(out, "history.csv")}, plot in ${path.join(out, "history.svg")}`);
    expect(r.out).not.toContain("\r");
    expect(r.out).not.toContain("\x1b[");
  });

  it("history.svg is an SVG document", () => {
    const svg = fs.readFileSync(path.join(out, "history.svg"), "utf8");
    expect(svg).toContain("<svg");
    expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
  });

  it("checkpoints/last holds every parameter, the epoch, the class names and the history", () => {
    const ck = loadCheckpoint(path.join(out, "checkpoints", "last"));
    expect([...ck.weights.keys()].sort()).toEqual(["dense.bias", "dense.kernel", "dense_1.bias", "dense_1.kernel"]);
    expect(ck.weights.get("dense.kernel")!.shape).toEqual([4, 8]);
    expect(ck.meta["epoch"]).toBe(2);
    expect(ck.meta["step"]).toBe(12);
    expect(ck.meta["model"]).toBe("Iris");
    expect(ck.meta["class_names"]).toEqual(["setosa", "versicolor", "virginica"]);
    expect(ck.meta["history"]).toEqual(readHistory(path.join(out, "history.csv")));
  });
});

describe("output options", () => {
  const dir = irisProject();

  it("--history json writes history.json (rows with epoch first) instead of history.csv", async () => {
    const out = path.join(dir, "json");
    const r = await cli(["run", path.join(dir, "iris.nn"), "--epochs", "2", "--quiet", "--history", "json", "--out", out]);
    expect(r.code).toBe(0);
    expect(fs.existsSync(path.join(out, "history.csv"))).toBe(false);
    const rows = JSON.parse(fs.readFileSync(path.join(out, "history.json"), "utf8")) as Record<string, number>[];
    expect(rows.length).toBe(2);
    expect(rows.map((x) => Object.keys(x))).toEqual([0, 1].map(() => ["epoch", "loss", "accuracy", "val_loss", "val_accuracy", "lr"]));
    expect(rows.map((x) => x["epoch"])).toEqual([1, 2]);
    expect(fs.readFileSync(path.join(out, "history.svg"), "utf8")).toContain("<svg");
  });

  it("--quiet prints nothing on stdout and nothing on stderr, and still writes every file", async () => {
    const out = path.join(dir, "quiet");
    const r = await cli(["run", path.join(dir, "iris.nn"), "--epochs", "2", "--quiet", "--out", out]);
    expect(r.code).toBe(0);
    expect(r.out).toBe("");
    expect(r.err).toBe("");
    for (const f of ["history.csv", "history.svg", "checkpoints/last/weights.safetensors", "checkpoints/best/meta.json"]) expect(fs.existsSync(path.join(out, f)), f).toBe(true);
  });

  it("on a terminal the bar is redrawn in place with \\r and every epoch still ends with a newline", async () => {
    const r = await cli(["run", path.join(dir, "iris.nn"), "--epochs", "2", "--out", path.join(dir, "tty")], true);
    expect(r.code).toBe(0);
    expect(r.out).toContain("\r6/6 [==============================] - ");
    expect(r.out.match(/^Epoch \d\/2$/gm)).toEqual(["Epoch 1/2", "Epoch 2/2"]);
    expect(r.out.split("\n").filter((l) => l.includes("val_loss: ")).length).toBe(2);
  });

  it("a train block without validation: history has no val_ columns", async () => {
    fs.writeFileSync(path.join(dir, "noval.nn"), fs.readFileSync(path.join(dir, "iris.nn"), "utf8").replace(/\n\s*validation = 0\.25/, ""));
    const out = path.join(dir, "noval");
    const r = await cli(["run", path.join(dir, "noval.nn"), "--epochs", "3", "--quiet", "--out", out]);
    expect(r.code).toBe(0);
    const lines = fs.readFileSync(path.join(out, "history.csv"), "utf8").trimEnd().split("\n");
    expect(lines[0]).toBe("epoch,loss,accuracy,lr");
    expect(lines.length).toBe(4);
  });
});
