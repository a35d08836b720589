// Evaluation on the compiled CPU backend against the reference executor: the loss and every metric of
// several examples (dropout, batch norm, convolutions, recurrences, epoch-level metrics) with a smaller
// last batch, one compiled evaluator reused with new weights, and the trainer using the evaluator it is given.
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { planFor } from "../../src/cli/run.js";
import { evalRunner } from "../../src/runtime/cpu/backend.js";
import { evaluate, type GraphRunner, type Logs } from "../../src/runtime/evaluate.js";
import { Rng } from "../../src/runtime/rng.js";
import { createSession, type Session } from "../../src/runtime/session.js";
import type { Tensor } from "../../src/runtime/tensor.js";
import { train } from "../../src/runtime/trainer.js";
import { exampleWithData, tmp } from "../examples/helpers.js";

const env = { NNC_CACHE_DIR: tmp() };
afterAll(() => fs.rmSync(env.NNC_CACHE_DIR, { recursive: true, force: true }));
const quietIo = { stdout: { write: () => true, isTTY: false }, stderr: { write: (s: string) => { throw new Error(s); }, isTTY: false }, env };

/** Moons through dense → batchnorm → dropout: both mode-dependent ops, with a validation split. */
const BN_MOONS = `
model M(x: f32[B, 2]) -> f32[B, 2] {
  x |> dense(16) |> batchnorm(momentum = 0.9, epsilon = 0.01) |> relu |> dropout(0.4) |> dense(2)
}
train M on moons(n = 95, noise = 0.2, seed = 5) {
  loss      = sparse_categorical_crossentropy(from_logits = true)
  optimizer = adam(lr = 0.01)
  epochs    = 2
  batch     = 16
  metrics   = [accuracy]
  validation = 0.3
}
`;

function session(file: string, limit: number): Session {
  const p = planFor(file, quietIo, "run");
  if ("exit" in p) throw new Error(`cannot plan ${file}`);
  p.plan.data.limit = limit;
  return createSession(p.plan, p.entry);
}

/** Moves every weight off its initial value; moving variances stay positive. */
function perturb(s: Session, seed: number): Map<string, Tensor> {
  const rng = new Rng(seed), w = new Map<string, Tensor>();
  for (const [name, t] of s.weights) {
    const data = t.data.map((v) => (name.endsWith("moving_variance") ? 0.3 + rng.next() : v + rng.uniform(-0.3, 0.3)));
    w.set(name, { ...t, data });
  }
  return w;
}

function expectClose(got: Logs, want: Logs, what: string): void {
  expect(Object.keys(got).sort(), what).toEqual(Object.keys(want).sort());
  for (const [k, v] of Object.entries(want)) {
    expect(Number.isFinite(v), `${what} ${k}`).toBe(true);
    expect(Math.abs(got[k]! - v) / Math.max(Math.abs(v), 1e-3), `${what} ${k}: cpu ${got[k]} vs ref ${v}`).toBeLessThan(1e-4);
  }
}

const cases: [string, () => string, number][] = [
  ["functional_blocks.nn (dropout)", () => exampleWithData("functional_blocks.nn"), 120],
  ["batchnorm + dropout", () => { const d = tmp(); fs.writeFileSync(path.join(d, "bn.nn"), BN_MOONS); return path.join(d, "bn.nn"); }, 95],
  ["breast_cancer.nn (precision, recall, auc)", () => exampleWithData("breast_cancer.nn"), 150],
  ["house_prices.nn (regression: mse, mae; prices in 100,000s)", () => exampleWithData("house_prices.nn"), 150],
  ["sine_rnn.nn (scan)", () => exampleWithData("sine_rnn.nn"), 150],
  ["cifar10_cnn.nn (conv, pooling)", () => exampleWithData("cifar10_cnn.nn"), 40],
];

describe("compiled evaluation equals the reference executor's", () => {
  for (const [name, file, limit] of cases) {
    it(`${name}: loss and every metric, last batch smaller`, () => {
      const s = session(file(), limit);
      const ds = s.data.train, n = ds.features.shape[0]!;
      // Raw prices would swamp the model's output: its errors would not show in the loss.
      if (name.startsWith("house_prices")) ds.labels.data.forEach((v, i) => (ds.labels.data[i] = v / 1e5));
      const batch = 7;
      expect(n % batch, "the last batch is smaller").not.toBe(0);
      const choice = evalRunner(s.objective.graph, "cpu", env);
      expect(choice.message).toMatch(/^CPU backend \(\d+ kernels/);
      expect(choice.runner.backend).toBe("cpu");
      const w = perturb(s, 3);
      const want = evaluate(s.objective, w, ds, batch).logs;
      expectClose(evaluate(s.objective, w, ds, batch, choice.runner).logs, want, name);
      // The same compiled evaluator with other weights and another batch size (parameters reloaded per pass).
      const w2 = perturb(s, 4);
      expectClose(evaluate(s.objective, w2, ds, n, choice.runner).logs, evaluate(s.objective, w2, ds, n).logs, `${name} (second pass)`);
    }, 120_000);
  }
});

describe("the trainer evaluates with the evaluator it is given", () => {
  it("validation every epoch and the test set at the end go through RunOptions.evaluator", async () => {
    const s = session(exampleWithData("iris.nn"), 150);
    const cpu = evalRunner(s.objective.graph, "cpu", env).runner;
    let passes = 0, batches = 0;
    const counting: GraphRunner = {
      backend: cpu.backend,
      load: (w) => { passes++; cpu.load(w); },
      run: (x) => { batches++; return cpu.run(x); },
    };
    const r = await train(s, { outDir: tmp(), quiet: true, evaluator: counting });
    expect(passes).toBe(s.plan.epochs + 1);
    expect(batches).toBeGreaterThan(passes);
    const v = r.history.at(-1)!;
    expect(Number.isFinite(v["val_loss"])).toBe(true);
    expectClose(r.test!, evaluate(s.objective, s.weights, s.data.test!, s.plan.batch).logs, "iris test");
  }, 120_000);
});
