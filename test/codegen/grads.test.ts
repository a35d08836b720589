// Gradients on the compiled CPU backend: representative losses are differentiated (graph-IR autodiff) and
// the compiled loss and gradients are compared with the reference executor's float32 run of the same graph.
import { describe, expect, it } from "vitest";
import { differentiate } from "../../src/ir/autodiff/autodiff.js";
import type { Value } from "../../src/ir/graph.js";
import { dims, opsOf } from "../ir/autodiff-helpers.js";
import { Case, compareRun, compile, tempCache } from "./helpers.js";

const cache = tempCache();
const keep = (axes: number[]) => ({ axes, keepdims: true });

/** Differentiates `loss` w.r.t. `wrt`, compiles [loss, ...grads] and compares both backends; returns the ops used. */
function checkGrads(c: Case, loss: Value, wrt: Value[]): string[] {
  const grads = differentiate(c.g, loss, wrt, c.b);
  c.g.outputs = [loss, ...grads];
  compareRun(compile(c.g, cache), c.g, c.feeds, ["loss", ...wrt.map((w) => `d loss / d ${w.name}`)]);
  return opsOf(c.g);
}

function logSoftmax(c: Case, x: Value): Value {
  const shifted = c.b.sub(x, c.emit("max", [x], keep([-1])));
  return c.b.sub(shifted, c.emit("log", [c.emit("sum", [c.emit("exp", [shifted])], keep([-1]))]));
}

describe("compiled gradients match the reference", () => {
  it("elementwise chain with broadcasting", () => {
    const c = new Case(51);
    const x = c.input("x", [3, 5]), y = c.input("y", [5], { lo: 0.5, hi: 1.5 });
    const h = c.emit("tanh", [c.b.mul(x, y)]);
    const g = c.b.div(c.emit("sigmoid", [x]), c.b.add(c.b.mul(x, x), c.b.const(1)));
    const p = c.emit("pow", [c.b.add(c.emit("abs", [x]), c.b.const(0.5)), y]);
    const out = c.b.sub(c.b.mul(h, c.emit("exp", [c.emit("neg", [x])])), c.b.add(g, c.emit("sqrt", [p])));
    checkGrads(c, c.weighted(c.emit("maximum", [out, c.emit("minimum", [x, y])])), [x, y]);
  });

  it("softmax cross-entropy against integer labels", () => {
    const c = new Case(52);
    const logits = c.input("logits", [4, 6], { lo: -3, hi: 3 }), labels = c.input("labels", [4], { dtype: "i32", values: [5, 0, 2, 2] });
    const picked = c.emit("sum", [c.b.mul(c.emit("one_hot", [labels], { depth: 6 }), logSoftmax(c, logits))], { axes: [-1] });
    const ops = checkGrads(c, c.emit("neg", [c.emit("mean", [picked], { axes: [0] })]), [logits]);
    expect(ops).toContain("unreduce");
  });

  it("matmul + bias + relu", () => {
    const c = new Case(53);
    const x = c.input("x", [5, 4]), w = c.input("w", [4, 3]), b = c.input("b", [3]);
    const h = c.emit("maximum", [c.b.add(c.emit("matmul", [x, w]), b), c.b.const(0)]);
    const ops = checkGrads(c, c.weighted(h), [x, w, b]);
    expect(ops).toContain("sum_to");
  });

  it("conv2d + max_pool2d + dense", () => {
    const c = new Case(54);
    const x = c.input("x", [2, 6, 6, 2]), k = c.input("k", [3, 3, 2, 3]);
    const w = c.input("w", [27, 4]), b = c.input("b", [4]);
    const conv = c.emit("tanh", [c.emit("conv2d", [x, k], { padding: "same" })]);
    const pooled = c.emit("max_pool2d", [conv], { window: [2, 2], strides: [2, 2] });
    const dense = c.b.add(c.emit("matmul", [c.b.reshape(pooled, dims([2, 27])), w]), b);
    const ops = checkGrads(c, c.weighted(dense), [x, k, w, b]);
    for (const op of ["conv2d_grad_input", "conv2d_grad_filter", "max_pool2d_grad"]) expect(ops).toContain(op);
  });

  it("reductions with keepdims (normalisation, max, min)", () => {
    const c = new Case(55);
    const x = c.input("x", [3, 4, 5]);
    const m = c.emit("mean", [x], keep([1]));
    const d = c.b.sub(x, m);
    const v = c.emit("mean", [c.b.mul(d, d)], keep([1]));
    const y = c.b.div(d, c.emit("sqrt", [c.b.add(v, c.b.const(1e-3))]));
    const z = c.b.add(c.emit("max", [x], keep([2])), c.emit("min", [x], keep([0, 2])));
    const loss = c.b.add(c.weighted(y), c.weighted(c.b.mul(z, c.emit("sum", [x], keep([0, 1])))));
    checkGrads(c, loss, [x]);
  });

  it("gather / scatter_add", () => {
    const c = new Case(56);
    const table = c.input("table", [6, 4]), rows = c.input("rows", [2, 3], { dtype: "i32", values: [5, 0, 3, 3, 1, 5] });
    const ops = checkGrads(c, c.weighted(c.emit("tanh", [c.emit("gather", [table, rows])])), [table]);
    expect(ops).toContain("scatter_add");
  });

  it("concat / slice / reverse / index / transpose", () => {
    const c = new Case(57);
    const a = c.input("a", [3, 4]), b = c.input("b", [3, 2]);
    const cat = c.emit("concat", [a, c.emit("exp", [b])], { axis: 1 });
    const s = c.emit("reverse", [c.emit("slice", [cat], { axis: 1, start: 1, end: 5 })], { axis: 0 });
    const i = c.emit("index", [s], { axis: 1, i: -1 });
    const t = c.emit("transpose", [c.b.mul(s, s)], { perm: [1, 0] });
    const ops = checkGrads(c, c.b.add(c.b.add(c.weighted(s), c.weighted(i)), c.weighted(t)), [a, b]);
    for (const op of ["slice_grad", "index_grad"]) expect(ops).toContain(op);
  });
});
