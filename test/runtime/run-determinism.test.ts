// `nnc run` is reproducible: the same seed gives byte-identical checkpoints (dropout masks and
// shuffling included); another seed gives other weights; the train block's `seed` is what --seed sets.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { cli, project as makeProject } from "./run-helpers.js";

const project = (files: Record<string, string>) => makeProject(files, "nnc-det-");

const moons = (extra = "") => `
model M(x: f32[B, 2]) -> f32[B, 2] {
  x |> dense(16, relu) |> dropout(0.5) |> dense(2)
}
train M on moons(n = 200, noise = 0.1, seed = 3) {
  loss      = sparse_categorical_crossentropy(from_logits = true)
  optimizer = adam(lr = 0.01)
  epochs    = 2
  batch     = 32
  metrics   = [accuracy]
  validation = 0.25
  ${extra}
}
`;

const read = (out: string, file: string) => fs.readFileSync(path.join(out, file));
const WEIGHTS = "checkpoints/last/weights.safetensors";

describe("determinism", () => {
  const dir = project({ "m.nn": moons(), "seeded.nn": moons("seed = 5"), "nodrop.nn": moons().replace(" |> dropout(0.5)", "") });
  const run = async (file: string, out: string, ...flags: string[]) => {
    const r = await cli(["run", path.join(dir, file), "--quiet", "--out", path.join(dir, out), ...flags]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    return path.join(dir, out);
  };

  it("the same seed twice gives byte-identical weights, optimizer state and history", async () => {
    const a = await run("m.nn", "a", "--seed", "7"), b = await run("m.nn", "b", "--seed", "7");
    expect(read(a, WEIGHTS).equals(read(b, WEIGHTS))).toBe(true);
    expect(read(a, "checkpoints/last/optimizer.safetensors").equals(read(b, "checkpoints/last/optimizer.safetensors"))).toBe(true);
    expect(read(a, "history.csv").toString()).toBe(read(b, "history.csv").toString());
    expect(read(a, WEIGHTS).length).toBeGreaterThan(0);
  });

  it("--seed 1 and --seed 2 give different weights", async () => {
    const a = await run("m.nn", "s1", "--seed", "1"), b = await run("m.nn", "s2", "--seed", "2");
    expect(read(a, WEIGHTS).equals(read(b, WEIGHTS))).toBe(false);
    expect(read(a, WEIGHTS).length).toBe(read(b, WEIGHTS).length);
  });

  it("`seed = 5` in the train block and --seed 5 are the same run; the default seed is another", async () => {
    const a = await run("seeded.nn", "block"), b = await run("m.nn", "flag", "--seed", "5"), c = await run("m.nn", "default");
    expect(read(a, WEIGHTS).equals(read(b, WEIGHTS))).toBe(true);
    expect(read(a, WEIGHTS).equals(read(c, WEIGHTS))).toBe(false);
    // --seed overrides the block's seed.
    const d = await run("seeded.nn", "override", "--seed", "6");
    expect(read(a, WEIGHTS).equals(read(d, WEIGHTS))).toBe(false);
  });

  it("dropout draws from the seeded generator: the same seed reproduces it, and it changes training", async () => {
    const a = await run("m.nn", "d1", "--seed", "9"), b = await run("m.nn", "d2", "--seed", "9"), c = await run("nodrop.nn", "d3", "--seed", "9");
    expect(read(a, WEIGHTS).equals(read(b, WEIGHTS))).toBe(true);
    // Same initial weights (same parameter shapes and seed), but no dropout: the losses differ.
    expect(read(a, "history.csv").toString()).not.toBe(read(c, "history.csv").toString());
  });

  it("--limit uses the first n samples and is itself reproducible", async () => {
    const a = await run("m.nn", "l1", "--limit", "80"), b = await run("m.nn", "l2", "--limit", "80"), c = await run("m.nn", "l3");
    expect(read(a, WEIGHTS).equals(read(b, WEIGHTS))).toBe(true);
    expect(read(a, WEIGHTS).equals(read(c, WEIGHTS))).toBe(false);
    const meta = JSON.parse(read(a, "checkpoints/last/meta.json").toString()) as { step: number };
    // 80 samples, 25 % validation → 60 training samples → 2 batches of 32 per epoch, 2 epochs.
    expect(meta.step).toBe(4);
  });
});
