// `nnc run` failures: a loss that becomes NaN/inf (exit 1, where and what to do; earlier checkpoints stay
// good), bad or missing data (exit 1 with file:line:col), and bad flags (exit 2).
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { cli, project as makeProject } from "./run-helpers.js";
import { checkpointExists, loadCheckpoint } from "../../src/runtime/checkpoint.js";
import { readHistory } from "../../src/runtime/history.js";

const project = (files: Record<string, string>) => makeProject(files, "nnc-fail-");

const moons = (settings: string) => `
model M(x: f32[B, 2]) -> f32[B, 2] {
  x |> dense(8, relu) |> dense(2)
}
train M on moons(n = 100, noise = 0.1, seed = 3) {
  loss      = sparse_categorical_crossentropy(from_logits = true)
  ${settings}
  epochs    = 3
  batch     = 20
  metrics   = [accuracy]
}
`;

const csvModel = (file: string, extra = "") => `
model R(x: f32[B, 2]) -> f32[B, 2] { x |> dense(2) }
dataset d {
  source = csv("${file}")
  features : f32[2]
  classes = 2
  ${extra}
}
train R on d { loss = sparse_categorical_crossentropy(from_logits = true) optimizer = sgd() epochs = 2 batch = 2 }
`;

const NAN = /loss became (NaN|Infinity|-Infinity) at epoch (\d+), step (\d+) \(step (\d+) overall\); the update was not applied/;

describe("a loss that becomes NaN or infinite", () => {
  const dir = project({
    "huge.nn": moons("optimizer = sgd(lr = 1e30)"),
    "later.nn": moons("optimizer = sgd(lr = 0.1)\n  schedule = step_decay(drop = 1e30, every = 1)"),
    "reg.csv": "a,b,label\n1,2,1e20\n3,4,-1e20\n5,6,3e20\n7,8,1e20\n",
    "big.csv": "a,b,label\n1,2,1e9\n3,4,-2e9\n5,6,3e9\n7,8,1e9\n",
    "overflow.nn": `
model R(x: f32[B, 2]) -> f32[B, 1] { x |> dense(1) }
dataset d { source = csv("big.csv") features : f32[2] labels : f32[1] }
train R on d { loss = mse optimizer = sgd(lr = 1e30) epochs = 3 batch = 4 }
`,
    "reg.nn": `
model R(x: f32[B, 2]) -> f32[B, 1] { x |> dense(1) }
dataset d { source = csv("reg.csv") features : f32[2] labels : f32[1] }
train R on d { loss = mse optimizer = sgd(lr = 0.01) epochs = 2 batch = 2 }
`,
  });

  it("sgd(lr = 1e30): exit 1; stderr names the epoch and step and suggests a lower learning rate", async () => {
    const out = path.join(dir, "huge");
    const r = await cli(["run", path.join(dir, "huge.nn"), "--out", out]);
    expect(r.code).toBe(1);
    const m = NAN.exec(r.err);
    expect(m, r.err).not.toBeNull();
    expect(r.err.startsWith("error: loss became")).toBe(true);
    expect(m![2]).toBe("1");
    expect(Number(m![3])).toBeGreaterThan(1); // the first step's loss (initial weights) is finite
    expect(m![4]).toBe(m![3]);
    expect(r.err).toContain("try a lower learning rate (now 1.00e+30), e.g. lr = 1.0e+29");
    expect(r.err).toContain("the last good checkpoint is not written yet (no epoch finished)");
    expect(r.err).not.toContain("internal error");
    expect(checkpointExists(path.join(out, "checkpoints", "last"))).toBe(false);
  });

  it("a blow-up in epoch 2 leaves epoch 1's checkpoint loadable, with finite weights", async () => {
    const out = path.join(dir, "later");
    const r = await cli(["run", path.join(dir, "later.nn"), "--quiet", "--out", out]);
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
    const m = NAN.exec(r.err);
    expect(m, r.err).not.toBeNull();
    expect(m![2]).toBe("2");
    expect(Number(m![4])).toBe(5 + Number(m![3])); // 100 samples / batch 20 = 5 steps in epoch 1
    const last = path.join(out, "checkpoints", "last");
    expect(r.err).toContain(`the last good checkpoint is ${last}`);
    expect(r.err).toMatch(/try a lower learning rate \(now 1\.00e\+29\)/);
    const ck = loadCheckpoint(last);
    expect(ck.meta["epoch"]).toBe(1);
    expect(ck.meta["step"]).toBe(5);
    expect(ck.weights.size).toBe(4);
    for (const [k, t] of ck.weights) expect(t.data.every((v) => Number.isFinite(v)), k).toBe(true);
    for (const [k, t] of ck.optimizer) expect(t.data.every((v) => Number.isFinite(v)), k).toBe(true);
    expect(readHistory(path.join(out, "history.csv")).map((h) => h["epoch"])).toEqual([1]);
  });

  it("regression targets of 1e20: the squared error overflows at the first step", async () => {
    const r = await cli(["run", path.join(dir, "reg.nn"), "--quiet", "--out", path.join(dir, "reg")]);
    expect(r.code).toBe(1);
    const m = NAN.exec(r.err);
    expect(m, r.err).not.toBeNull();
    expect([m![2], m![3], m![4]]).toEqual(["1", "1", "1"]);
    expect(r.err).toContain("try a lower learning rate (now 0.0100), e.g. lr = 0.0010");
  });

  it("an update that overflows the weights on an epoch's last step: no checkpoint with non-finite weights is kept as good", async () => {
    // One step per epoch: epoch 1's loss (1e18) is finite, but lr · gradient overflows f32, so the weights become ±inf.
    const out = path.join(dir, "overflow");
    const r = await cli(["run", path.join(dir, "overflow.nn"), "--quiet", "--out", out]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/at epoch \d+, step \d+/);
    expect(r.err).toContain("try a lower learning rate");
    const finite = (dir: string, what: string) => {
      for (const [k, t] of loadCheckpoint(dir).weights) {
        expect(Array.from(t.data).every((v) => Number.isFinite(v)), `${what}: ${k} = [${Array.from(t.data).join(", ")}]`).toBe(true);
      }
    };
    const named = /the last good checkpoint is (\/.*)$/m.exec(r.err)?.[1];
    if (named) finite(named, "the checkpoint stderr calls good");
    const last = path.join(out, "checkpoints", "last");
    if (checkpointExists(last)) finite(last, "checkpoints/last");
  });
});

describe("bad data", () => {
  const dir = project({
    "bad.csv": "a,b,label\n1,2,0\n3,4,1\n5,oops,0\n7,8,1\n",
    "bad.nn": csvModel("bad.csv"),
    "missing.nn": csvModel("nowhere.csv"),
    "empty.csv": "a,b,label\n1,2,0\n3,,1\n",
    "empty.nn": csvModel("empty.csv"),
    "ok.csv": "a,b,label\n1,2,0\n3,4,1\n5,6,0\n7,8,1\n",
    "ok.nn": csvModel("ok.csv"),
  });

  it("a non-numeric cell: exit 1, file:line:col and the cell", async () => {
    const r = await cli(["run", path.join(dir, "bad.nn"), "--quiet", "--out", path.join(dir, "o1")]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('bad.csv:4:2: expected a number in column "b", found "oops"');
    expect(r.err).not.toContain("internal error");
  });

  it("an empty cell: exit 1 with its location", async () => {
    const r = await cli(["run", path.join(dir, "empty.nn"), "--quiet", "--out", path.join(dir, "o2")]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/empty\.csv:3:2: expected a number in column "b", found an empty cell/);
  });

  it("a missing CSV file: a warning from the checker, then exit 1 naming the file", async () => {
    const r = await cli(["run", path.join(dir, "missing.nn"), "--quiet", "--out", path.join(dir, "o3")]);
    expect(r.code).toBe(1);
    expect(r.err).toContain("warning[W0501]: data file nowhere.csv does not exist");
    expect(r.err).toContain("error: nowhere.csv: the CSV file does not exist");
    expect(r.err).toContain(`note: looked for ${path.join(dir, "nowhere.csv")}`);
    expect(r.err).not.toContain("internal error");
    expect(fs.existsSync(path.join(dir, "o3"))).toBe(false);
  });

  it("the same project with good data trains", async () => {
    const r = await cli(["run", path.join(dir, "ok.nn"), "--quiet", "--out", path.join(dir, "o4")]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
  });
});

describe("usage errors are exit 2", () => {
  const dir = project({ "m.nn": moons("optimizer = sgd()") });
  const nn = path.join(dir, "m.nn");
  const cases: [string[], string][] = [
    [["--epochs", "0"], 'error: --epochs takes a positive integer, found "0"'],
    [["--epochs", "-3"], 'error: --epochs takes a positive integer, found "-3"'],
    [["--epochs", "1.5"], 'error: --epochs takes a positive integer, found "1.5"'],
    [["--batch", "x"], 'error: --batch takes a positive integer, found "x"'],
    [["--batch", "0"], 'error: --batch takes a positive integer, found "0"'],
    [["--limit", "0"], 'error: --limit takes a positive integer, found "0"'],
    [["--seed", "-1"], 'error: --seed takes a non-negative integer, found "-1"'],
    [["--history", "xml"], 'error: --history is csv or json, found "xml"'],
    [["--epoch", "3"], "error: unknown option '--epoch'"],
  ];
  for (const [flags, message] of cases) {
    it(`run ${flags.join(" ")}`, async () => {
      const out = path.join(dir, "never");
      const r = await cli(["run", nn, "--out", out, ...flags]);
      expect(r.code).toBe(2);
      expect(r.err).toContain(message);
      expect(r.out).toBe("");
      expect(fs.existsSync(out)).toBe(false);
    });
  }

  it("--seed 0 is allowed", async () => {
    const r = await cli(["run", nn, "--quiet", "--epochs", "1", "--seed", "0", "--out", path.join(dir, "seed0")]);
    expect(r.code).toBe(0);
  });
});
