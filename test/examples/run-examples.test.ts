// Every example trains end to end for one epoch on a little of its data (the CLI, in process), on the
// default, compiled CPU backend.
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../run-cli.js";
import { readHistory } from "../../src/runtime/history.js";
import { loadCheckpoint } from "../../src/runtime/checkpoint.js";
import { exampleFiles, exampleWithData, tmp } from "./helpers.js";

describe("every example trains for an epoch", () => {
  const files = exampleFiles();

  it("covers the examples folder", () => {
    expect(files.length).toBeGreaterThanOrEqual(15);
  });

  for (const f of files) {
    it(f, async () => {
      const file = exampleWithData(f);
      const out = tmp();
      const r = await runCli(["run", file, "--epochs", "1", "--limit", "64", "--batch", "16", "--out", out]);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      // The default backend compiles every example: none falls back to the reference executor.
      expect(r.stdout).toContain("; CPU backend (");
      const h = readHistory(path.join(out, "history.csv"));
      expect(h).toHaveLength(1);
      expect(Number.isFinite(h[0]!["loss"])).toBe(true);
      const ck = loadCheckpoint(path.join(out, "checkpoints", "last"));
      expect(ck.meta["epoch"]).toBe(1);
      for (const t of ck.weights.values()) expect(Array.from(t.data).every(Number.isFinite)).toBe(true);
    }, 120_000);
  }
});
