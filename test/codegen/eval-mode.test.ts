// The evaluation-mode pass (lower-eval.ts): dropout becomes the identity and batch_norm uses its moving
// statistics, in primitives the compiled backends lower; the rewritten graph matches the reference
// executor's evaluation mode on the original graph, on both backends, inside scan bodies too; and
// `evalRunner` picks the backend, falling back to the reference executor for what cannot be lowered.
import { describe, expect, it } from "vitest";
import { LOWERABLE } from "../../src/codegen/lower/lower.js";
import { lowerForEval } from "../../src/ir/passes/lower-eval.js";
import { verifyGraph } from "../../src/ir/verify.js";
import { evalRunner } from "../../src/runtime/cpu/backend.js";
import { execute } from "../../src/runtime/ref/executor.js";
import { dims, opsOf, scanOver } from "../ir/autodiff-helpers.js";
import { Case, compareTensors, compile, tempCache } from "./helpers.js";

const cache = tempCache();

/** Dense → batch_norm → dropout, a 4-D (NHWC) batch_norm, and a scan whose step uses dropout. */
function network(): { c: Case; names: string[] } {
  const c = new Case(91, { B: 6, T: 4 });
  const x = c.input("x", ["B", 5]), w = c.input("W", [5, 3], { lo: -0.7, hi: 0.7 });
  const gamma = c.input("gamma", [3], { lo: 0.5, hi: 1.5 }), beta = c.input("beta", [3]);
  const mean = c.input("moving_mean", [3]), variance = c.input("moving_variance", [3], { lo: 0.2, hi: 2 });
  const bn = c.emit("batch_norm", [c.emit("matmul", [x, w]), gamma, beta, mean, variance], { momentum: 0.9, epsilon: 0.01 });
  const dense = c.emit("dropout", [c.emit("tanh", [bn])], { rate: 0.5 });
  const img = c.input("img", ["B", 3, 3, 2]);
  const g2 = c.input("g2", [2]), b2 = c.input("b2", [2]), m2 = c.input("m2", [2]), v2 = c.input("v2", [2], { lo: 0.5, hi: 1 });
  const image = c.emit("batch_norm", [img, g2, b2, m2, v2], {});
  const xs = c.input("xs", ["B", "T", 3]);
  const { ys: rnn } = scanOver(c, c.emit("zeros", [], { shape: dims(["B", 3]) }), xs, ["B", 3], (h, xt) =>
    c.emit("tanh", [c.b.add(c.emit("dropout", [xt], { rate: 0.3 }), c.b.mul(h, c.b.const(0.5)))]));
  c.g.outputs = [dense, image, rnn];
  return { c, names: ["dense", "image", "rnn"] };
}

describe("lowerForEval", () => {
  it("removes every dropout and batch_norm, top level and scan bodies, leaving a verified, lowerable graph", () => {
    const { c } = network();
    const before = opsOf(c.g);
    const e = lowerForEval(c.g);
    expect(verifyGraph(e)).toEqual([]);
    expect(opsOf(e).filter((op) => op === "dropout" || op === "batch_norm")).toEqual([]);
    expect(opsOf(e).filter((op) => !LOWERABLE.has(op))).toEqual([]);
    // The input graph is left as it was (the reference executor and the training step use it).
    expect(opsOf(c.g)).toEqual(before);
    expect(e.outputs.map((v) => v.id)).toEqual(c.g.outputs.map((v) => v.id));
  });

  it("matches the reference executor's evaluation mode on the original graph (reference executor)", () => {
    const { c, names } = network();
    const want = execute(c.g, c.feeds, { training: false });
    const got = execute(lowerForEval(c.g), c.feeds, { training: false });
    names.forEach((n, i) => compareTensors(got[i]!, want[i]!, n, 1e-6));
  });

  it("compiles and matches the reference executor's evaluation mode (CPU backend)", () => {
    const { c, names } = network();
    const want = execute(c.g, c.feeds, { training: false });
    const got = compile(lowerForEval(c.g), cache).run(c.feeds);
    names.forEach((n, i) => compareTensors(got[i]!, want[i]!, n));
  });

  it("returns a graph without mode-dependent ops unchanged", () => {
    const c = new Case(92);
    c.g.outputs = [c.emit("exp", [c.input("x", [2, 2])])];
    expect(lowerForEval(c.g)).toBe(c.g);
  });
});

describe("evalRunner", () => {
  it("compiles the evaluation-mode graph on the CPU backend; ref runs the reference executor", () => {
    const { c } = network();
    const cpu = evalRunner(c.g, "cpu", { NNC_CACHE_DIR: cache }), ref = evalRunner(c.g, "ref");
    expect(cpu.runner.backend).toBe("cpu");
    expect(cpu.message).toMatch(/^CPU backend \(\d+ kernels, (cached|compiled in \d+\.\d s)\)$/);
    expect(ref).toMatchObject({ message: "reference backend", runner: { backend: "reference" } });
    for (const r of [cpu.runner, ref.runner]) r.load(new Map());
    const want = execute(c.g, c.feeds, { training: false });
    [cpu.runner.run(c.feeds), ref.runner.run(c.feeds)].forEach((got, k) => want.forEach((w, i) => compareTensors(got[i]!, w, `${k} ${i}`)));
  });

  it("falls back to the reference executor, and says why, for a graph the backend cannot lower (E1001)", () => {
    const c = new Case(93);
    const preds = c.input("preds", [4, 6]), labels = c.input("labels", [4], { dtype: "i32", values: [0, 1, 2, 3] });
    c.g.outputs = [c.emit("in_top_k", [c.emit("dropout", [preds], { rate: 0.5 }), labels], { k: 2 })];
    const r = evalRunner(c.g, "cpu", { NNC_CACHE_DIR: cache });
    expect(r.runner.backend).toBe("reference");
    expect(r.message).toMatch(/^reference backend \(the compiled backends cannot lower `in_top_k` yet\)$/);
    r.runner.load(new Map());
    expect(r.runner.run(c.feeds)[0]!.shape).toEqual([4]);
  });
});
