// The acceptance numbers, measured by training the examples on the compiled CPU backend (the default)
// and on the reference backend (the oracle). Slow (minutes in all) but they are the claims the README
// makes, so they run with every test run.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { readHistory } from "../../src/runtime/history.js";
import { runCli as run } from "../run-cli.js";

const ex = (f: string) => path.resolve(__dirname, "../../examples", f);
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "nnc-accept-"));

/** "Test: loss: 0.1614 - accuracy: 0.9600" → { loss: 0.1614, accuracy: 0.96 } */
function testLine(stdout: string, prefix = "Test:"): Record<string, number> {
  const line = stdout.split("\n").find((l) => l.startsWith(prefix));
  expect(line, stdout).toBeDefined();
  return Object.fromEntries(line!.slice(prefix.length).split(" - ").map((kv) => kv.trim().split(": ")).map(([k, v]) => [k!, Number(v)]));
}

describe.each(["cpu", "ref"])("acceptance (--backend %s)", (backend) => {
  // Every run says which backend trained it: a silent fallback to the reference backend fails here.
  const runCli = async (args: string[]) => {
    const r = await run([...args, "--backend", backend]);
    expect(r.stdout).toContain(backend === "cpu" ? "; CPU backend (" : "; reference backend");
    return r;
  };
  it("mnist_mlp: 9,000 training digits, 5 epochs → test accuracy ≥ 0.95 on the held-out 1,000", async () => {
    const r = await runCli(["run", ex("mnist_mlp.nn"), "--out", tmp()]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("9000 train, 0 validation, 1000 test samples");
    expect(testLine(r.stdout)["accuracy"]).toBeGreaterThanOrEqual(0.95);
  }, 600_000);

  it("iris: test accuracy ≥ 0.90", async () => {
    const r = await runCli(["run", ex("iris.nn"), "--out", tmp()]);
    expect(r.code, r.stderr).toBe(0);
    expect(testLine(r.stdout)["accuracy"]).toBeGreaterThanOrEqual(0.9);
  }, 120_000);

  it("moons_mlp: held-out (validation) accuracy ≥ 0.95", async () => {
    const out = tmp();
    const r = await runCli(["run", ex("moons_mlp.nn"), "--out", out]);
    expect(r.code, r.stderr).toBe(0);
    const h = readHistory(path.join(out, "history.csv"));
    expect(h[h.length - 1]!["val_accuracy"]).toBeGreaterThanOrEqual(0.95);
  }, 120_000);

  it("sine_rnn: test MSE well below always predicting the mean", async () => {
    const r = await runCli(["run", ex("sine_rnn.nn"), "--out", tmp()]);
    expect(r.code, r.stderr).toBe(0);
    const mse = testLine(r.stdout)["mse"]!;
    const base = testLine(r.stdout, "Baseline (always predicting the training mean):")["mse"]!;
    expect(mse).toBeLessThan(0.6 * base);
  }, 300_000);

  it("memory_lstm: remembers the first of 60 steps (test accuracy ≥ 0.9: backpropagation through time)", async () => {
    const r = await runCli(["run", ex("memory_lstm.nn"), "--epochs", "15", "--out", tmp()]);
    expect(r.code, r.stderr).toBe(0);
    expect(testLine(r.stdout)["accuracy"]).toBeGreaterThanOrEqual(0.9);
  }, 600_000);

  it("cifar10_cnn: on small synthetic CIFAR-shaped images the loss falls", async () => {
    const out = tmp();
    const r = await runCli(["run", ex("cifar10_cnn.nn"), "--limit", "160", "--epochs", "3", "--out", out]);
    expect(r.code, r.stderr).toBe(0);
    const h = readHistory(path.join(out, "history.csv"));
    expect(h).toHaveLength(3);
    expect(h[2]!["loss"]).toBeLessThan(h[0]!["loss"]!);
  }, 600_000);
});
