// Checkpoint directories: round trip, atomic replacement, recovery and error messages.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { checkpointExists, loadCheckpoint, saveCheckpoint, type Checkpoint } from "../../src/runtime/checkpoint.js";
import { readSafetensors } from "../../src/runtime/safetensors.js";
import { project } from "./run-helpers.js";
import { RuntimeError, scalar, tensor } from "../../src/runtime/tensor.js";

const tempDir = () => project({}, "nnc-io-ck-");

function sample(epoch: number): Checkpoint {
  return {
    weights: new Map([
      ["dense.kernel", tensor("f32", [2, 2], [epoch, 2, 3, 4])],
      ["dense.bias", tensor("f32", [2], [0.5, -0.5])],
    ]),
    optimizer: new Map([
      ["adam.m/dense.kernel", tensor("f32", [2, 2], [0.1, 0.2, 0.3, 0.4])],
      ["step", scalar(epoch * 10, "i64")],
    ]),
    meta: { model: "Mlp", epoch, step: epoch * 10, metrics: { loss: 0.25 }, seed: 7, classes: ["a", "b"], rng: [1, 2, 3, 4] },
  };
}

const siblings = (dir: string): string[] => fs.readdirSync(path.dirname(dir)).filter((n) => n !== path.basename(dir));

describe("checkpoints", () => {
  it("round-trips weights, optimizer state and meta", () => {
    const dir = path.join(tempDir(), "ckpt");
    expect(checkpointExists(dir)).toBe(false);
    saveCheckpoint(dir, sample(1));
    expect(checkpointExists(dir)).toBe(true);
    expect(fs.readdirSync(dir).sort()).toEqual(["meta.json", "optimizer.safetensors", "weights.safetensors"]);
    const ck = loadCheckpoint(dir);
    expect(ck.weights).toEqual(sample(1).weights);
    expect(ck.optimizer).toEqual(sample(1).optimizer);
    expect(ck.meta).toEqual(sample(1).meta);
    const w = readSafetensors(fs.readFileSync(path.join(dir, "weights.safetensors")));
    expect(w.metadata).toEqual({ format: "nnc", model: "Mlp" });
    expect(siblings(dir)).toEqual([]);
  });

  it("replaces an existing checkpoint and leaves no temp directories", () => {
    const dir = path.join(tempDir(), "nested", "ckpt");
    saveCheckpoint(dir, sample(1));
    saveCheckpoint(dir, sample(2));
    expect(loadCheckpoint(dir).meta.epoch).toBe(2);
    expect(siblings(dir)).toEqual([]);
  });

  it("recovers the old checkpoint after an interrupted swap", () => {
    const dir = path.join(tempDir(), "ckpt");
    saveCheckpoint(dir, sample(1));
    // Simulate a crash after "dir → old" and before "tmp → dir": a complete old copy and a stray temp.
    const old = path.join(path.dirname(dir), ".ckpt.old-999-0");
    fs.renameSync(dir, old);
    fs.mkdirSync(path.join(path.dirname(dir), ".ckpt.tmp-999-1"));
    expect(checkpointExists(dir)).toBe(true);
    expect(loadCheckpoint(dir).meta.epoch).toBe(1);
    expect(fs.existsSync(old)).toBe(false);
    expect(fs.existsSync(dir)).toBe(true);
  });

  it("a save after an interrupted one supersedes the stale old copy", () => {
    const dir = path.join(tempDir(), "ckpt");
    saveCheckpoint(dir, sample(1));
    fs.renameSync(dir, path.join(path.dirname(dir), ".ckpt.old-999-0"));
    saveCheckpoint(dir, sample(3));
    expect(loadCheckpoint(dir).meta.epoch).toBe(3);
    expect(siblings(dir)).toEqual([]);
  });

  it("reports a missing checkpoint", () => {
    const dir = path.join(tempDir(), "nothing");
    expect(() => loadCheckpoint(dir)).toThrow(RuntimeError);
    expect(() => loadCheckpoint(dir)).toThrow(`no checkpoint at ${dir}`);
  });

  it("names the corrupt file", () => {
    const dir = path.join(tempDir(), "ckpt");
    saveCheckpoint(dir, sample(1));
    const opt = path.join(dir, "optimizer.safetensors");
    fs.writeFileSync(opt, fs.readFileSync(opt).subarray(0, 30));
    expect(() => loadCheckpoint(dir)).toThrow(/optimizer\.safetensors: not a valid safetensors file/);

    saveCheckpoint(dir, sample(1));
    fs.writeFileSync(path.join(dir, "meta.json"), "{ broken");
    expect(() => loadCheckpoint(dir)).toThrow(/meta\.json: corrupt checkpoint metadata/);

    fs.rmSync(path.join(dir, "weights.safetensors"));
    expect(() => loadCheckpoint(dir)).toThrow(/missing weights\.safetensors/);
  });

  it("a failed save leaves the previous checkpoint intact", () => {
    const dir = path.join(tempDir(), "ckpt");
    saveCheckpoint(dir, sample(1));
    const bad = sample(2);
    bad.weights.set("broken", { dtype: "f32", shape: [3], data: new Float32Array(2) });
    expect(() => saveCheckpoint(dir, bad)).toThrow(RuntimeError);
    expect(loadCheckpoint(dir).meta.epoch).toBe(1);
    expect(siblings(dir)).toEqual([]);
  });
});
