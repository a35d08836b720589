// Resuming and interrupting: `--resume` continues from checkpoints/last exactly as an uninterrupted run
// would; an interrupt (SIGINT in the CLI, `interrupted` in train()) saves checkpoints/last and stops.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { cli, MOONS, project as makeProject } from "./run-helpers.js";
import { loadCheckpoint } from "../../src/runtime/checkpoint.js";
import { readHistory } from "../../src/runtime/history.js";

const project = (files: Record<string, string>) => makeProject(files, "nnc-resume-");


const BLOBS = (callback: string) => `
model M(x: f32[B, 2]) -> f32[B, 3] {
  x |> dense(8, relu) |> dense(3)
}
train M on blobs(n = 120, seed = 1) {
  loss      = sparse_categorical_crossentropy(from_logits = true)
  optimizer = adam(lr = 0.05)
  epochs    = 10
  batch     = 16
  metrics   = [accuracy]
  validation = 0.25
  ${callback}
}
`;

const bytes = (out: string, file: string) => fs.readFileSync(path.join(out, file));

describe("--resume", () => {
  const dir = project({ "m.nn": MOONS });
  const nn = path.join(dir, "m.nn");

  it("3 epochs straight and 2 epochs then `--epochs 3 --resume` give byte-identical weights and history", async () => {
    const straight = path.join(dir, "straight"), resumed = path.join(dir, "resumed");
    expect((await cli(["run", nn, "--quiet", "--out", straight])).code).toBe(0);
    const first = await cli(["run", nn, "--quiet", "--epochs", "2", "--out", resumed]);
    expect(first.code).toBe(0);
    expect(readHistory(path.join(resumed, "history.csv")).length).toBe(2);
    const second = await cli(["run", nn, "--epochs", "3", "--resume", "--out", resumed]);
    expect(second.err).toBe("");
    expect(second.code).toBe(0);
    expect(second.out).toContain(`Resuming from ${path.join(resumed, "checkpoints", "last")} after epoch 2`);
    expect(second.out).toContain("Epoch 3/3");
    expect(second.out).not.toContain("Epoch 1/3");
    expect(second.out).not.toContain("Epoch 2/3");
    for (const f of ["checkpoints/last/weights.safetensors", "checkpoints/last/optimizer.safetensors"]) {
      expect(bytes(resumed, f).equals(bytes(straight, f)), f).toBe(true);
    }
    const h = readHistory(path.join(resumed, "history.csv"));
    expect(h.map((r) => r["epoch"])).toEqual([1, 2, 3]);
    expect(h).toEqual(readHistory(path.join(straight, "history.csv")));
    const meta = loadCheckpoint(path.join(resumed, "checkpoints/last")).meta;
    expect(meta["epoch"]).toBe(3);
    expect(meta["step"]).toBe(12); // 128 training samples → 4 steps per epoch
  });

  const cbDir = project({
    "es.nn": BLOBS("early_stopping(monitor = val_loss, patience = 1)"),
    "pl.nn": BLOBS("reduce_lr_on_plateau(monitor = val_accuracy, factor = 0.5, patience = 2)"),
  });
  for (const [name, what] of [["es", "early_stopping"], ["pl", "reduce_lr_on_plateau"]] as const) {
    it(`${what} keeps its state across --resume: stopping at epoch k then resuming gives the uninterrupted run`, async () => {
      const nn2 = path.join(cbDir, `${name}.nn`);
      const straight = path.join(cbDir, `${name}-straight`), resumed = path.join(cbDir, `${name}-resumed`);
      expect((await cli(["run", nn2, "--quiet", "--out", straight])).code).toBe(0);
      const h = readHistory(path.join(straight, "history.csv"));
      if (name === "es") expect(h.length, "the uninterrupted run stops early").toBeLessThan(10);
      // Split just before the epoch where the callback acts (stops, or lowers the rate).
      const k = name === "es" ? h.length - 1 : h.findIndex((r) => r["lr"]! < h[0]!["lr"]!) - 1;
      expect(k, `the callback acts after epoch ${k + 1} of ${h.length}`).toBeGreaterThan(0);
      expect((await cli(["run", nn2, "--quiet", "--epochs", String(k), "--out", resumed])).code).toBe(0);
      expect((await cli(["run", nn2, "--quiet", "--resume", "--out", resumed])).code).toBe(0);
      expect(readHistory(path.join(resumed, "history.csv")).map((r) => [r["epoch"], r["lr"]])).toEqual(h.map((r) => [r["epoch"], r["lr"]]));
      expect(readHistory(path.join(resumed, "history.csv"))).toEqual(h);
      const w = "checkpoints/last/weights.safetensors";
      expect(bytes(resumed, w).equals(bytes(straight, w)), w).toBe(true);
    });
  }

  it("--resume when the run is already complete trains no further epoch", async () => {
    const out = path.join(dir, "done");
    expect((await cli(["run", nn, "--quiet", "--epochs", "1", "--out", out])).code).toBe(0);
    const before = bytes(out, "checkpoints/last/weights.safetensors");
    const r = await cli(["run", nn, "--epochs", "1", "--resume", "--out", out]);
    expect(r.code).toBe(0);
    expect(r.out).not.toContain("Epoch 1/1");
    expect(bytes(out, "checkpoints/last/weights.safetensors").equals(before)).toBe(true);
    expect(readHistory(path.join(out, "history.csv")).length).toBe(1);
  });

  it("--resume from another model's checkpoint is exit 1 naming that model, and leaves the checkpoint alone", async () => {
    const other = project({
      "other.nn": MOONS.replace(/\bM\b/g, "Other").replace("dense(12, relu)", "dense(5, relu)"),
      "same.nn": MOONS.replace(/\bM\b/g, "Other").replace("dense(12, relu)", "dense(5, relu)").replace("epochs    = 3", "epochs    = 1"),
    });
    const out = path.join(dir, "foreign");
    expect((await cli(["run", nn, "--quiet", "--epochs", "1", "--out", out])).code).toBe(0);
    const before = bytes(out, "checkpoints/last/weights.safetensors");
    for (const file of ["other.nn", "same.nn"]) { // 3 epochs to go, or none
      const r = await cli(["run", path.join(other, file), "--quiet", "--resume", "--out", out]);
      expect(r.code, `${file}: ${r.err}`).toBe(1);
      expect(r.err).toContain("`M`");
      expect(r.err).not.toContain("internal error");
      expect(bytes(out, "checkpoints/last/weights.safetensors").equals(before)).toBe(true);
      expect(loadCheckpoint(path.join(out, "checkpoints/last")).meta["model"]).toBe("M");
    }
  });

  it("--resume with changed layer sizes is exit 1 naming the parameter and both shapes", async () => {
    const changed = project({ "m.nn": MOONS.replace("dense(12, relu)", "dense(6, relu)") });
    const out = path.join(dir, "changed");
    expect((await cli(["run", nn, "--quiet", "--epochs", "1", "--out", out])).code).toBe(0);
    const r = await cli(["run", path.join(changed, "m.nn"), "--quiet", "--resume", "--out", out]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/dense\.kernel.*\[2, 6\].*\[2, 12\]|dense\.kernel.*\[2, 12\].*\[2, 6\]/);
    expect(r.err).not.toContain("internal error");
  });

  it("--resume without a checkpoint is exit 1 with a clear message", async () => {
    const out = path.join(dir, "nothing-here");
    const r = await cli(["run", nn, "--quiet", "--resume", "--out", out]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`error: --resume: no checkpoint at ${path.join(out, "checkpoints", "last")}`);
    expect(r.err).toContain("run without --resume to start from scratch");
    expect(r.err).not.toContain("internal error");
    expect(fs.existsSync(path.join(out, "checkpoints", "last"))).toBe(false);
  });
});
