// The nnc side of the benchmark, through the JS API in dist/ (run `npm run build` first).
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("..", import.meta.url));
const dist = (p) => import(new URL(`../dist/src/${p}`, import.meta.url).href);

const { planFor } = await dist("cli/run.js");
const { processIo } = await dist("cli/io.js");
const { createSession } = await dist("runtime/session.js");
const { evalRunner, stepRunner } = await dist("runtime/cpu/backend.js");
const { Rng } = await dist("runtime/rng.js");

/**
 * The batch fed every step: the data set only fixes shapes and dtypes. Like the peers' batches: f32
 * features N(0, 1) ("normal") or U(0, 1) ("uniform"), integer features (tokens) as the data set drew
 * them; labels drawn uniformly from the data set's classes (or {0, 1} for float labels), so the loss
 * stays near chance instead of collapsing to 0 on an easy synthetic set.
 */
function randomBatch(data, batch, features, rng) {
  const rows = (t) => {
    const n = t.shape[0], per = t.data.length / n;
    const out = new t.data.constructor(batch * per);
    for (let i = 0; i < batch; i++) out.set(t.data.subarray((i % n) * per, (i % n) * per + per), i * per);
    return { dtype: t.dtype, shape: [batch, ...t.shape.slice(1)], data: out };
  };
  const x = rows(data.features), y = rows(data.labels);
  if (x.dtype === "f32") x.data.forEach((_, i) => (x.data[i] = features === "uniform" ? rng.next() : rng.normal()));
  const classes = y.dtype === "f32" ? 2 : Math.max(...data.labels.data) + 1;
  y.data.forEach((_, i) => (y.data[i] = Math.floor(rng.next() * classes)));
  return { x, y };
}

function session(file, batch) {
  const p = planFor(path.resolve(ROOT, file), processIo(), "run");
  if ("exit" in p) throw new Error(`nnc could not plan ${file} (exit ${p.exit}; diagnostics above)`);
  p.plan.batch = batch;
  return { s: createSession(p.plan, p.entry), plan: p.plan };
}

/**
 * One compiled training step of `file` at `batch`, ready to be timed: `step()` runs and commits one
 * step on the same batch (the weights and Adam slots move on, as in training). `features`: how the
 * batch's float features are drawn (see randomBatch). `env` reaches the
 * compiler (NNC_CACHE_DIR); the default cache keeps repeated runs from recompiling.
 */
export function nncTrainer(file, batch, features = "normal", env = process.env) {
  const { s } = session(file, batch);
  const { runner, message } = stepRunner(s, "cpu", env);
  if (runner.backend !== "cpu") throw new Error(`nnc fell back: ${message}`);
  const rng = new Rng(1);
  const { x, y } = randomBatch(s.data.train, batch, features, rng);
  const state = { weights: s.weights, slots: s.slots, step: 0 };
  const step = () => {
    const r = runner.run(state, x, y, 1e-3, rng);
    if (r.bad) throw new Error(`nnc step ${state.step + 1}: ${r.bad}`);
    r.commit();
    return r.loss;
  };
  return { step, message };
}

/** W4's models: W1's MLP and W2's CNN, with their inputs drawn as the peers draw them. */
const W4_MODELS = { mlp: ["bench/models/w1_mlp.nn", "normal"], cnn: ["examples/cifar10_cnn.nn", "uniform"] };

/**
 * Inference of a W4 model ("mlp" or "cnn") at `batch`: the model graph alone (no loss) in evaluation
 * mode, compiled, with its initial weights loaded once. `step()` runs one forward pass on a fixed batch
 * and returns the predictions [batch, 10] (a view of native memory), as the peers' `model(x)`.
 */
export function nncInference(model, batch, env = process.env) {
  const spec = W4_MODELS[model];
  if (!spec) throw new Error(`no W4 model ${model}; choose from ${Object.keys(W4_MODELS).join(", ")}`);
  const { s } = session(spec[0], batch);
  const g = s.plan.model.graph;
  const { runner, message } = evalRunner(g, "cpu", env);
  if (runner.backend !== "cpu") throw new Error(`nnc fell back: ${message}`);
  runner.load(s.weights);
  const { x } = randomBatch(s.data.train, batch, spec[1], new Rng(1));
  const feeds = new Map([[g.inputs[0].id, x]]);
  const step = () => runner.run(feeds)[0];
  for (let i = 0; i < 3; i++) step();
  return { step, message };
}

/**
 * W0: the GEMM x[n, n] @ W[n, n] that nnc generates for bench/models/w0_gemm_<n>.nn's forward graph
 * (one dense layer without bias, compiled alone, as for inference): packing and the matmul kernel.
 * `train: true` times the model's training step instead: the forward product and the weight gradient
 * xᵀ·dy (2 × 2n³ flops; no dx, as x is data), plus O(n²) softmax cross-entropy and SGD work that the
 * flop count ignores.
 */
export function nncGemm(n, { train = false } = {}) {
  const file = `bench/models/w0_gemm_${n}.nn`;
  if (train) {
    const t = nncTrainer(file, n);
    return { step: t.step, flopsPerStep: 4 * n ** 3, message: t.message };
  }
  const { s } = session(file, n);
  const g = s.plan.model.graph;
  const { runner, message } = evalRunner(g, "cpu", process.env);
  if (runner.backend !== "cpu") throw new Error(`nnc fell back: ${message}`);
  runner.load(s.weights);
  const { x } = randomBatch(s.data.train, n, "normal", new Rng(1));
  const feeds = new Map([[g.inputs[0].id, x]]);
  return { step: () => runner.run(feeds)[0], flopsPerStep: 2 * n ** 3, message };
}

/** Cold compile: the CNN's training step with an empty cache (a fresh NNC_CACHE_DIR). */
export function coldCompile(file) {
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), "nnc-bench-cache-"));
  try {
    const t0 = performance.now();
    const { s } = session(file, 64);
    const t1 = performance.now();
    const { runner, message } = stepRunner(s, "cpu", { ...process.env, NNC_CACHE_DIR: cache });
    const t2 = performance.now();
    return { sessionMs: t1 - t0, compileMs: t2 - t1, message, backend: runner.backend };
  } finally {
    fs.rmSync(cache, { recursive: true, force: true });
  }
}

/**
 * Process start → first training step of a cached `nnc run`: spawns the CLI and notes when each line
 * arrives. "Epoch 1/1" is printed just before the first step; the first progress line after that step
 * and the validation pass (stdout is a pipe, so the trainer prints one line per epoch).
 */
export function timeNncRun(file, args) {
  return new Promise((resolve, reject) => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "nnc-bench-run-"));
    const t0 = performance.now();
    const child = spawn(process.execPath, [path.join(ROOT, "bin/nnc.js"), "run", file, ...args, "--out", out], { cwd: ROOT });
    const marks = {};
    let buf = "", err = "";
    child.stdout.on("data", (d) => {
      buf += d;
      const now = performance.now() - t0;
      if (marks.header === undefined && buf.includes("Training ")) marks.header = now;
      if (marks.epoch === undefined && /Epoch 1\//.test(buf)) marks.epoch = now;
      if (marks.progress === undefined && /\d+\/\d+ \[/.test(buf)) marks.progress = now;
    });
    child.stderr.on("data", (d) => (err += d));
    child.on("exit", (code) => {
      fs.rmSync(out, { recursive: true, force: true });
      if (code !== 0) reject(new Error(`nnc run exited ${code}: ${err.trim()}`));
      else resolve({ ...marks, exit: performance.now() - t0, firstLine: buf.split("\n")[0] });
    });
  });
}
