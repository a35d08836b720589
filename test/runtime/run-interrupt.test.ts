// Interrupting a run: `interrupted` in train() and SIGINT in `nnc run` stop after the current step and
// save checkpoints/last (exit 130); --resume then finishes the run.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { check } from "../../src/checker.js";
import { main } from "../../src/cli/main.js";
import { cli, MOONS, project as makeProject } from "./run-helpers.js";
import { trainPlan } from "../../src/elab/train-plan.js";
import { checkpointExists, loadCheckpoint } from "../../src/runtime/checkpoint.js";
import { readHistory } from "../../src/runtime/history.js";
import { createSession } from "../../src/runtime/session.js";
import { train } from "../../src/runtime/trainer.js";

const project = (files: Record<string, string>) => makeProject(files, "nnc-int-");


const bytes = (out: string, file: string) => fs.readFileSync(path.join(out, file));

describe("interrupt", () => {
  const dir = project({ "m.nn": MOONS });
  const nn = path.join(dir, "m.nn");
  const session = () => {
    const r = check(nn);
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const plan = trainPlan(r.module!, r.models)!;
    expect(plan).toBeDefined();
    return createSession(plan, nn);
  };

  it("train() stops after the step on which `interrupted` says yes, and saves checkpoints/last", async () => {
    const s = session();
    const out = path.join(dir, "int");
    let stepsSeen = 0, text = "";
    const r = await train(s, { outDir: out, write: (x) => (text += x), interrupted: () => stepsSeen++ >= 3 });
    expect(r.stopped).toBe("interrupted");
    expect(stepsSeen).toBe(4); // asked after every step: no, no, no, yes
    expect(r.lastCheckpoint).toBe(path.join(out, "checkpoints", "last"));
    expect(checkpointExists(r.lastCheckpoint)).toBe(true);
    expect(r.history).toEqual([]);
    const ck = loadCheckpoint(r.lastCheckpoint);
    expect(ck.meta["step"]).toBe(4);
    expect(ck.meta["epoch"]).toBe(0); // no epoch finished
    expect(ck.meta["model"]).toBe("M");
    expect([...ck.weights.keys()].sort()).toEqual([...s.weights.keys()].sort());
    for (const [k, t] of ck.weights) {
      expect(Array.from(t.data), k).toEqual(Array.from(s.weights.get(k)!.data));
      expect(t.data.every((v) => Number.isFinite(v))).toBe(true);
    }
    expect(ck.optimizer.get("step")?.data[0]).toBe(4);
    expect(text).toContain(`Interrupted: saved the weights after 4 steps to ${r.lastCheckpoint}`);
  });

  it("an interrupt in the second epoch keeps the first epoch's history", async () => {
    const s = session();
    const out = path.join(dir, "int2");
    let calls = 0;
    const r = await train(s, { outDir: out, quiet: true, interrupted: () => ++calls === 6 });
    expect(r.stopped).toBe("interrupted");
    expect(r.history.map((h) => h["epoch"])).toEqual([1]);
    expect(readHistory(path.join(out, "history.csv")).length).toBe(1);
    const ck = loadCheckpoint(path.join(out, "checkpoints", "last"));
    expect(ck.meta["step"]).toBe(6);
    expect(ck.meta["epoch"]).toBe(1);
  });

  /** `nnc run` in-process with a SIGINT delivered (to nnc's own handler only) when "Epoch 2/" is printed. */
  async function runWithCtrlC(out: string) {
    const before = new Set(process.listeners("SIGINT"));
    let text = "", err = "", fired = false;
    const write = (s: string) => {
      text += s;
      if (!fired && s.startsWith("Epoch 2/")) {
        fired = true;
        for (const l of process.listeners("SIGINT")) if (!before.has(l)) (l as (sig: string) => void)("SIGINT");
      }
    };
    const code = await main(["run", nn, "--out", out], { stdout: { write, isTTY: false }, stderr: { write: (s: string) => (err += s), isTTY: false }, env: {} });
    expect(fired).toBe(true);
    expect(process.listeners("SIGINT").length).toBe(before.size); // nnc removed its handler again
    return { code, text, err };
  }

  it("Ctrl-C during `nnc run`: exit 130 after the current step, with checkpoints/last saved", async () => {
    const out = path.join(dir, "sigint");
    const r = await runWithCtrlC(out);
    expect(r.err).toBe("");
    expect(r.code).toBe(130);
    const last = path.join(out, "checkpoints", "last");
    expect(r.text).toContain(`Interrupted: saved the weights after 5 steps to ${last}`); // 4 steps in epoch 1, 1 in epoch 2
    expect(r.text).not.toContain("Epoch 3/3");
    const ck = loadCheckpoint(last);
    expect(ck.meta["epoch"]).toBe(1);
    expect(ck.meta["step"]).toBe(5);
    const res = await cli(["run", nn, "--quiet", "--resume", "--out", out]);
    expect(res.code).toBe(0);
    expect(readHistory(path.join(out, "history.csv")).map((h) => h["epoch"])).toEqual([1, 2, 3]);
    expect(loadCheckpoint(last).meta["epoch"]).toBe(3);
  });

  it("Ctrl-C then --resume finishes as the uninterrupted run would: 12 steps, the same weights", async () => {
    // Whether the interrupted epoch is continued from its next batch or redone from its start with the
    // weights it started with (Keras's BackupAndRestore), the result is the uninterrupted run's.
    const out = path.join(dir, "sigint-resumed"), straight = path.join(dir, "sigint-straight");
    expect((await runWithCtrlC(out)).code).toBe(130);
    expect((await cli(["run", nn, "--quiet", "--resume", "--out", out])).code).toBe(0);
    expect((await cli(["run", nn, "--quiet", "--out", straight])).code).toBe(0);
    expect(loadCheckpoint(path.join(out, "checkpoints", "last")).meta["step"]).toBe(12);
    for (const f of ["checkpoints/last/weights.safetensors", "checkpoints/last/optimizer.safetensors"]) {
      expect(bytes(out, f).equals(bytes(straight, f)), f).toBe(true);
    }
  });

  it("a train() call that is never interrupted runs every epoch", async () => {
    let calls = 0;
    const r = await train(session(), { outDir: path.join(dir, "full"), quiet: true, interrupted: () => (calls++, false) });
    expect(r.stopped).toBeUndefined();
    expect(calls).toBe(12);
    expect(r.history.length).toBe(3);
  });
});
