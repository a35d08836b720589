// Autodiff of softmax / log_softmax composed from primitives and of cross-entropy against one-hot labels,
// checked by finite differences and against the closed form (softmax − one_hot) / B; integer inputs
// (labels, indices) stay inactive and get no gradient nodes.
import { describe, expect, it } from "vitest";
import { activeValues, differentiate } from "../../src/ir/autodiff/autodiff.js";
import { isInt } from "../../src/ir/types.js";
import type { Value } from "../../src/ir/graph.js";
import { verifyGraph } from "../../src/ir/verify.js";
import { execute } from "../../src/runtime/ref/executor.js";
import { Case, gradCheck, values } from "./autodiff-helpers.js";

const lastAxis = { axes: [-1], keepdims: true };

/** log_softmax(x) = x − max(x) − log(sum(exp(x − max))) over the last axis. */
function logSoftmax(c: Case, x: Value): Value {
  const shifted = c.b.sub(x, c.emit("max", [x], lastAxis));
  return c.b.sub(shifted, c.emit("log", [c.emit("sum", [c.emit("exp", [shifted])], lastAxis)]));
}
/** softmax(x) = exp(x − max) / sum(exp(x − max)) over the last axis. */
function softmax(c: Case, x: Value): Value {
  const e = c.emit("exp", [c.b.sub(x, c.emit("max", [x], lastAxis))]);
  return c.b.div(e, c.emit("sum", [e], lastAxis));
}
/** Mean over the batch of −sum(one_hot(labels) · log_softmax(logits)). */
function crossEntropy(c: Case, logits: Value, labels: Value, classes: number): { loss: Value; oneHot: Value } {
  const oneHot = c.emit("one_hot", [labels], { depth: classes });
  const picked = c.emit("sum", [c.b.mul(oneHot, logSoftmax(c, logits))], { axes: [-1], keepdims: false });
  return { loss: c.emit("neg", [c.emit("mean", [picked], { axes: [0], keepdims: false })]), oneHot };
}

describe("softmax and log_softmax", () => {
  it("softmax over the last axis of [3, 4]", () => {
    const c = new Case(400);
    const x = c.input("x", [3, 4], { lo: -3, hi: 3 });
    gradCheck(c, c.weighted(softmax(c, x)), [x]);
  });

  it("log_softmax over the last axis of [2, 3, 5]", () => {
    const c = new Case(401);
    const x = c.input("x", [2, 3, 5], { lo: -3, hi: 3 });
    gradCheck(c, c.weighted(logSoftmax(c, x)), [x]);
  });

  it("softmax rows sum to 1, so the gradient of sum(softmax) is zero", () => {
    const c = new Case(402);
    const x = c.input("x", [2, 3]);
    const r = gradCheck(c, c.emit("sum", [softmax(c, x)], { axes: [0, 1], keepdims: false }), [x]);
    expect(r.loss).toBeCloseTo(2, 14);
    for (const v of values(r.grads[0]!)) expect(Math.abs(v)).toBeLessThan(1e-15);
  });
});

describe("cross-entropy against one-hot labels", () => {
  it("d CE / d logits = (softmax − one_hot) / B, and finite differences agree", () => {
    const c = new Case(410);
    const logits = c.input("logits", [4, 3], { lo: -2, hi: 2 });
    const labels = c.input("labels", [4], { dtype: "i32", values: [2, 0, 1, 2] });
    const { loss } = crossEntropy(c, logits, labels, 3);
    const r = gradCheck(c, loss, [logits]);
    const z = values(c.feeds.get(logits.id)!);
    const lab = [2, 0, 1, 2];
    let ce = 0;
    for (let i = 0; i < 4; i++) {
      const row = z.slice(3 * i, 3 * i + 3), m = Math.max(...row);
      const s = row.reduce((a, v) => a + Math.exp(v - m), 0);
      ce -= (row[lab[i]!]! - m - Math.log(s)) / 4;
      row.forEach((v, j) => expect(r.grads[0]!.data[3 * i + j]).toBeCloseTo((Math.exp(v - m) / s - (j === lab[i] ? 1 : 0)) / 4, 14));
    }
    expect(r.loss).toBeCloseTo(ce, 13);
  });

  it("a dense classifier with a symbolic batch: x f32[B, 5] @ W + b → CE, B = 4", () => {
    const c = new Case(411, { B: 4 });
    const x = c.input("x", ["B", 5]), w = c.input("W", [5, 3]), bias = c.input("bias", [3]);
    const labels = c.input("labels", ["B"], { dtype: "i32", values: [1, 0, 2, 1] });
    const logits = c.b.add(c.emit("matmul", [x, w]), bias);
    const { loss } = crossEntropy(c, logits, labels, 3);
    gradCheck(c, loss, [x, w, bias]);
  });

  it("an embedding classifier (gather → mean over tokens → dense → CE)", () => {
    const c = new Case(412);
    const table = c.input("table", [6, 4]), w = c.input("W", [4, 3]);
    const ids = c.input("ids", [2, 3], { dtype: "i32", values: [5, 1, 5, 0, 0, 3] });
    const labels = c.input("labels", [2], { dtype: "i32", values: [2, 0] });
    const pooled = c.emit("mean", [c.emit("gather", [table, ids])], { axes: [1], keepdims: false });
    const { loss } = crossEntropy(c, c.emit("matmul", [pooled, w]), labels, 3);
    gradCheck(c, loss, [table, w]);
  });
});

describe("inactive integer inputs", () => {
  /** The classifier graph; returns the values and the index of the first backward node. */
  function classifier() {
    const c = new Case(420);
    const table = c.input("table", [6, 4]), w = c.input("W", [4, 3]);
    const ids = c.input("ids", [2, 3], { dtype: "i32", values: [5, 1, 5, 0, 0, 3] });
    const labels = c.input("labels", [2], { dtype: "i32", values: [2, 0] });
    const pooled = c.emit("mean", [c.emit("gather", [table, ids])], { axes: [1], keepdims: false });
    const { loss, oneHot } = crossEntropy(c, c.emit("matmul", [pooled, w]), labels, 3);
    return { c, table, w, ids, labels, oneHot, loss, before: c.g.nodes.length };
  }

  it("labels, one_hot and indices are not active, and no backward node produces an integer value", () => {
    const { c, table, w, ids, labels, oneHot, loss, before } = classifier();
    const active = activeValues(c.g, [table, w, ids, labels]);
    for (const v of [ids, labels, oneHot]) expect(active.has(v.id), v.name ?? "one_hot").toBe(false);
    const grads = differentiate(c.g, loss, [table, w], c.b);
    c.g.outputs = [loss, ...grads];
    expect(verifyGraph(c.g)).toEqual([]);
    const backward = c.g.nodes.slice(before);
    expect(backward.filter((n) => isInt(n.output.type.dtype))).toEqual([]);
    // The only backward node touching the indices is scatter_add (the table's gradient), reading them.
    expect(backward.filter((n) => n.inputs.some((v) => v.id === ids.id)).map((n) => n.op)).toEqual(["scatter_add"]);
    // The labels are reached only through the one_hot forward value (read by the logits' gradient).
    expect(backward.filter((n) => n.inputs.some((v) => v.id === labels.id))).toEqual([]);
  });

  it("differentiating with respect to integer inputs builds only zeros", () => {
    const { c, ids, labels, loss, before } = classifier();
    const [dIds, dLabels] = differentiate(c.g, loss, [ids, labels], c.b);
    expect(c.g.nodes.slice(before).map((n) => n.op)).toEqual(["const", "zeros", "zeros"]);
    expect(dIds!.type.dtype).toBe("i32");
    c.g.outputs = [loss, dIds!, dLabels!];
    expect(verifyGraph(c.g)).toEqual([]);
    const out = execute(c.g, c.feeds, { float64: true });
    expect(values(out[1]!)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(values(out[2]!)).toEqual([0, 0]);
  });
});
