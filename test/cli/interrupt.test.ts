// Ctrl-C during `nnc run` (a real SIGINT to a real process) saves a final checkpoint and exits 130.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { expect, it } from "vitest";
import { loadCheckpoint } from "../../src/runtime/checkpoint.js";

const ROOT = path.resolve(__dirname, "../..");

it("SIGINT mid-epoch writes checkpoints/last and exits 130", async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "nnc-sigint-"));
  const child = spawn(process.execPath, [path.join(ROOT, "bin/nnc.js"), "run", path.join(ROOT, "examples/mnist_mlp.nn"), "--out", out], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let sent = false;
  child.stdout.on("data", (d: Buffer) => {
    stdout += d.toString();
    if (!sent && stdout.includes("Epoch 1/5")) {
      sent = true;
      setTimeout(() => child.kill("SIGINT"), 500);
    }
  });
  const code = await new Promise<number | null>((res) => child.on("close", (c) => res(c)));
  expect(sent, stdout).toBe(true);
  expect(code, stdout).toBe(130);
  expect(stdout).toMatch(/Interrupted: saved the weights after \d+ steps/);
  const ck = loadCheckpoint(path.join(out, "checkpoints", "last"));
  expect(ck.weights.get("dense.kernel")!.shape).toEqual([784, 128]);
  expect(Number(ck.optimizer.get("step")!.data[0])).toBeGreaterThan(0);
}, 60_000);
