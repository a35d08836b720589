// The train block's callbacks under `nnc run`: early stopping (Keras's rule), best vs last checkpoints,
// reduce_lr_on_plateau (the history's lr column), csv_logger, and a schedule's rates in the history.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { loadCheckpoint } from "../../src/runtime/checkpoint.js";
import { type HistoryRow, readHistory } from "../../src/runtime/history.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nnc-cb-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "", err = "";
  const io = { stdout: { write: (s: string) => (out += s), isTTY: false }, stderr: { write: (s: string) => (err += s), isTTY: false }, env: {} };
  const code = await main(argv, io);
  return { code, out, err };
}

/** Trains a blobs classifier with `settings` in the train block; returns the run and its history. */
async function train(name: string, settings: string, epochs = 8, data = "blobs(n = 120, seed = 1)") {
  fs.writeFileSync(path.join(dir, `${name}.nn`), `
dataset d {
  source = ${data}
  test_split = 0.2
}
model M(x: f32[B, 2]) -> f32[B, 3] {
  x |> dense(8, relu) |> dense(3)
}
train M on d {
  loss      = sparse_categorical_crossentropy(from_logits = true)
  epochs    = ${epochs}
  batch     = 16
  metrics   = [accuracy]
  validation = 0.25
  ${settings}
}
`);
  const out = path.join(dir, `${name}-out`);
  const r = await cli(["run", path.join(dir, `${name}.nn`), "--out", out]);
  expect(r.err).toBe("");
  expect(r.code).toBe(0);
  return { ...r, outDir: out, history: readHistory(path.join(out, "history.csv")) };
}

/** Keras's improvement rule: strictly better than the best by more than min_delta. */
function replay(h: HistoryRow[], key: string, mode: "min" | "max", minDelta = 0): { improved: boolean; wait: number }[] {
  let best = mode === "min" ? Infinity : -Infinity, wait = 0;
  return h.map((row) => {
    const v = row[key]!;
    const improved = mode === "min" ? v < best - minDelta : v > best + minDelta;
    if (improved) { best = v; wait = 0; } else wait++;
    return { improved, wait };
  });
}

const ckMeta = (out: string, which: "best" | "last") => loadCheckpoint(path.join(out, "checkpoints", which)).meta;

describe("early_stopping", () => {
  it("patience = 0: stops at the first epoch whose val_loss does not improve, before the epoch limit", async () => {
    const r = await train("es0", "optimizer = adam(lr = 0.05)\n  early_stopping(monitor = val_loss, patience = 0)", 10);
    const steps = replay(r.history, "val_loss", "min");
    const stop = steps.findIndex((s) => !s.improved);
    expect(stop).toBeGreaterThan(0);
    expect(r.history.length).toBe(stop + 1);
    expect(r.history.length).toBeLessThan(10);
    expect(r.out).toContain(`Epoch ${stop + 1}: early stopping (val_loss did not improve for 1 epochs)`);
    expect(r.out).not.toContain(`Epoch ${stop + 2}/10`);
    expect(ckMeta(r.outDir, "last")["epoch"]).toBe(stop + 1);
    // The test split is still scored after an early stop.
    expect(r.out).toMatch(/^Test: loss: /m);
  });

  it("patience and min_delta: waits `patience` epochs without an improvement larger than min_delta", async () => {
    const r = await train("es2", "optimizer = adam(lr = 0.05)\n  early_stopping(monitor = val_loss, patience = 2, min_delta = 0.05)", 12);
    const steps = replay(r.history, "val_loss", "min", 0.05);
    const stop = steps.findIndex((s) => s.wait >= 2);
    expect(stop).toBeGreaterThan(0);
    expect(r.history.length).toBe(stop + 1);
    expect(r.history.length).toBeLessThan(12);
    expect(r.out).toContain(`Epoch ${stop + 1}: early stopping (val_loss did not improve for 2 epochs)`);
  });

  it("a monitor that cannot improve by min_delta stops after epoch 1 + patience", async () => {
    const r = await train("es-never", "optimizer = sgd(lr = 0.01)\n  early_stopping(monitor = val_accuracy, patience = 3, min_delta = 5)", 10);
    expect(r.history.length).toBe(4);
    expect(r.out).toContain("Epoch 4: early stopping (val_accuracy did not improve for 3 epochs)");
  });

  it("restore_best_weights: the final test score is the best checkpoint's", async () => {
    const r = await train("es-restore", "optimizer = adam(lr = 0.05)\n  early_stopping(monitor = val_loss, patience = 1, restore_best_weights = true)", 10);
    expect(r.out).toContain("early stopping");
    // Stopping means the last epoch did not improve val_loss, so the best checkpoint is an earlier one.
    expect(ckMeta(r.outDir, "best")["epoch"] as number).toBeLessThan(ckMeta(r.outDir, "last")["epoch"] as number);
    const best = await cli(["eval", path.join(dir, "es-restore.nn"), "--checkpoint", path.join(r.outDir, "checkpoints", "best")]);
    expect(best.code).toBe(0);
    expect(r.out).toContain(`Test: ${best.out.replace(/^test \(\d+ samples\): /, "").trim()}\n`);
  });
});

describe("checkpoints: best and last", () => {
  it("best is the epoch with the lowest val_loss, last the final epoch; both load", async () => {
    const r = await train("ck", "optimizer = adam(lr = 0.05)");
    const vals = r.history.map((h) => h["val_loss"]!);
    const bestEpoch = vals.indexOf(Math.min(...vals)) + 1;
    const best = ckMeta(r.outDir, "best"), last = ckMeta(r.outDir, "last");
    expect(best["epoch"]).toBe(bestEpoch);
    expect((best["history"] as unknown[]).length).toBe(bestEpoch);
    expect(last["epoch"]).toBe(8);
    expect(r.out).toContain(`Saved ${path.join(r.outDir, "checkpoints", "last")} and ${path.join(r.outDir, "checkpoints", "best")}`);
    const same = fs.readFileSync(path.join(r.outDir, "checkpoints/best/weights.safetensors")).equals(fs.readFileSync(path.join(r.outDir, "checkpoints/last/weights.safetensors")));
    expect(same).toBe(bestEpoch === 8);
  });

  it("checkpoint(monitor = val_accuracy) picks the first epoch with the highest val_accuracy", async () => {
    const r = await train("ck-acc", "optimizer = adam(lr = 0.05)\n  checkpoint(monitor = val_accuracy)");
    const accs = r.history.map((h) => h["val_accuracy"]!);
    expect(ckMeta(r.outDir, "best")["epoch"]).toBe(accs.indexOf(Math.max(...accs)) + 1);
  });

  it("checkpoint(monitor = loss, mode = min) ranks epochs by the training loss", async () => {
    const r = await train("ck-loss", "optimizer = sgd(lr = 0.5)\n  checkpoint(monitor = loss, mode = \"min\")");
    const losses = r.history.map((h) => h["loss"]!);
    expect(ckMeta(r.outDir, "best")["epoch"]).toBe(losses.indexOf(Math.min(...losses)) + 1);
  });
});

describe("reduce_lr_on_plateau", () => {
  it("multiplies the rate by `factor` after `patience` epochs without improvement; the history's lr column shows it", async () => {
    const r = await train("plateau", "optimizer = adam(lr = 0.05)\n  reduce_lr_on_plateau(monitor = val_accuracy, factor = 0.5, patience = 1)");
    const steps = replay(r.history, "val_accuracy", "max");
    let scale = 1, wait = 0, reductions = 0;
    r.history.forEach((row, i) => {
      expect(Math.abs(row["lr"]! - 0.05 * scale), `epoch ${i + 1}`).toBeLessThan(1e-15);
      wait = steps[i]!.improved ? 0 : wait + 1;
      if (wait >= 1) {
        scale *= 0.5;
        wait = 0;
        reductions++;
        expect(r.out).toContain(`Epoch ${i + 1}: reducing learning rate to ${(0.05 * scale).toPrecision(3)}.`);
      }
    });
    expect(reductions).toBeGreaterThan(0);
    expect(r.history[r.history.length - 1]!["lr"]).toBeLessThan(r.history[0]!["lr"]!);
  });

  it("min_lr is a floor", async () => {
    const r = await train("plateau-min", "optimizer = sgd(lr = 0.1)\n  reduce_lr_on_plateau(monitor = val_accuracy, factor = 0.1, patience = 1, min_lr = 0.004)", 10, "blobs(n = 120, seed = 1)");
    const lrs = r.history.map((h) => h["lr"]!);
    expect(Math.min(...lrs)).toBeGreaterThanOrEqual(0.004 - 1e-15);
    expect(lrs.every((x) => [0.1, 0.01, 0.004].some((y) => Math.abs(x - y) < 1e-15))).toBe(true);
    expect(Math.abs(lrs[lrs.length - 1]! - 0.004)).toBeLessThan(1e-15);
  });
});

describe("csv_logger and schedules", () => {
  it("csv_logger(path = \"log.csv\") writes the history beside the .nn file", async () => {
    const r = await train("logger", "optimizer = adam(lr = 0.05)\n  csv_logger(path = \"log.csv\")", 3);
    const log = path.join(dir, "log.csv");
    expect(fs.existsSync(log)).toBe(true);
    expect(fs.readFileSync(log, "utf8")).toBe(fs.readFileSync(path.join(r.outDir, "history.csv"), "utf8"));
    expect(readHistory(log).length).toBe(3);
  });

  it("step_decay: the lr column halves every 2 epochs", async () => {
    const r = await train("step", "optimizer = sgd(lr = 0.2)\n  schedule = step_decay(drop = 0.5, every = 2)", 5);
    expect(r.history.map((h) => h["lr"])).toEqual([0.2, 0.2, 0.1, 0.1, 0.05]);
  });

  it("exponential_decay: the lr column is the rate of each epoch's last step", async () => {
    // 120 samples: 96 after the test split, 72 for training → 5 steps of 16 per epoch.
    const r = await train("expo", "optimizer = sgd(lr = 0.2)\n  schedule = exponential_decay(rate = 0.5, steps = 10)", 3);
    r.history.forEach((h, e) => expect(Math.abs(h["lr"]! - 0.2 * 0.5 ** ((5 * (e + 1) - 1) / 10))).toBeLessThan(1e-15));
  });
});
