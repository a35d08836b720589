// Autodiff of scan (→ scan_grad with a gradient body), checked by finite differences with respect to the
// captured weights, the initial carry and the sequence: a tanh RNN and an LSTM-like cell, short and long
// sequences (the differentiated graph does not grow with T), stacked scans and a symbolic batch.
import { describe, expect, it } from "vitest";
import type { Graph, Value } from "../../src/ir/graph.js";
import { Case, countNodes, type DimSpec, dims, gradCheck, opsOf, scanOver, values } from "./autodiff-helpers.js";

interface Rnn { c: Case; wx: Value; wh: Value; bias: Value; init: Value; xs: Value; ys: Value; body: Graph }

/** tanh(x_t @ Wx + carry @ Wh + bias) over xs [B, T, F]; Wx, Wh and bias are outer inputs captured by the body. */
function rnn(seed: number, t: DimSpec, o: { batch?: DimSpec; bind?: Record<string, number> } = {}): Rnn {
  const B = o.batch ?? 2, S = 3, F = 2;
  const c = new Case(seed, o.bind);
  const wx = c.input("Wx", [F, S], { lo: -0.8, hi: 0.8 }), wh = c.input("Wh", [S, S], { lo: -0.8, hi: 0.8 }), bias = c.input("bias", [S]);
  const init = c.input("init", [B, S]), xs = c.input("xs", [B, t, F]);
  const { ys, body } = scanOver(c, init, xs, [B, F], (carry, xt) =>
    c.emit("tanh", [c.b.add(c.b.add(c.emit("matmul", [xt, wx]), c.emit("matmul", [carry, wh])), bias)]));
  return { c, wx, wh, bias, init, xs, ys, body };
}

const lastStep = (c: Case, ys: Value) => c.emit("index", [ys], { axis: 1, i: -1 });

describe("scan: tanh RNN", () => {
  it.each([5, 60])("loss over all steps, T = %i", (T) => {
    const m = rnn(500, T);
    expect(m.ys.type.shape.map(Number)).toEqual([2, T, 3]);
    const r = gradCheck(m.c, m.c.weighted(m.ys), [m.wx, m.wh, m.bias, m.init, m.xs]);
    expect(r.grads[4]!.shape).toEqual([2, T, 2]);
    expect(opsOf(r.graph).filter((op) => op === "scan_grad")).toHaveLength(1);
  });

  it.each([5, 60])("loss from the last step only (index axis 1, i = -1), T = %i", (T) => {
    const m = rnn(501, T);
    const last = lastStep(m.c, m.ys);
    expect(last.type.shape.map(Number)).toEqual([2, 3]);
    gradCheck(m.c, m.c.weighted(last), [m.wx, m.wh, m.bias, m.init, m.xs]);
  });

  it("the differentiated graph has the same number of nodes (nested bodies included) for T = 5 and T = 60", () => {
    const size = (T: number) => {
      const m = rnn(502, T);
      const r = gradCheck(m.c, m.c.weighted(lastStep(m.c, m.ys)), [m.wx, m.wh, m.bias, m.init, m.xs]);
      return countNodes(r.graph);
    };
    const s5 = size(5), s60 = size(60);
    expect(s60).toBe(s5);
    expect(s5).toBeLessThan(100);
  });

  it("a captured weight also used outside the scan accumulates both gradients", () => {
    const m = rnn(503, 4);
    const c = m.c;
    const out = c.b.add(lastStep(c, m.ys), c.b.mul(m.bias, m.bias));
    gradCheck(c, c.b.add(c.weighted(out), c.weighted(c.emit("matmul", [lastStep(c, m.ys), m.wh]))), [m.wx, m.wh, m.bias, m.init, m.xs]);
  });

  it("the body captures a value computed outside the scan (Wh · 0.5 + 0.1), not just an input", () => {
    const c = new Case(508);
    const wh = c.input("Wh", [3, 3]), init = c.input("init", [2, 3]), xs = c.input("xs", [2, 5, 3]);
    const scaled = c.b.add(c.b.mul(wh, c.b.const(0.5)), c.b.const(0.1));
    const { ys } = scanOver(c, init, xs, [2, 3], (carry, xt) => c.emit("tanh", [c.b.add(xt, c.emit("matmul", [carry, scaled]))]));
    gradCheck(c, c.weighted(ys), [wh, init, xs]);
  });

  it("only some inputs requested: the weights, not the sequence or the initial carry", () => {
    const m = rnn(504, 6);
    const r = gradCheck(m.c, m.c.weighted(m.ys), [m.wh, m.bias]);
    expect(r.grads.map((g) => g.shape)).toEqual([[3, 3], [3]]);
  });

  it("a symbolic batch and a symbolic length: init f32[B, 3], xs f32[B, T, 2] with B = 3, T = 7", () => {
    const m = rnn(505, "T", { batch: "B", bind: { B: 3, T: 7 } });
    expect(m.ys.type.shape.map(String)).toEqual(["B", "T", "3"]);
    const r = gradCheck(m.c, m.c.b.add(m.c.weighted(m.ys), m.c.weighted(lastStep(m.c, m.ys))), [m.wx, m.wh, m.bias, m.init, m.xs]);
    expect(r.grads[4]!.shape).toEqual([3, 7, 2]);
  });

  it("a body that ignores its carry: no gradient reaches init, zeros of its shape", () => {
    const c = new Case(506);
    const wx = c.input("Wx", [2, 3]);
    const init = c.input("init", [2, 3]), xs = c.input("xs", [2, 4, 2]);
    const { ys } = scanOver(c, init, xs, [2, 2], (_carry, xt) => c.emit("sigmoid", [c.emit("matmul", [xt, wx])]));
    const r = gradCheck(c, c.weighted(ys), [wx, init, xs]);
    expect(Array.from(r.grads[1]!.data)).toEqual(new Array(6).fill(0));
  });

  it("two stacked scans: the second runs over the first one's carries", () => {
    const m = rnn(507, 5);
    const c = m.c;
    const u = c.input("U", [3, 2]), init2 = c.input("init2", [2, 2]);
    const { ys: ys2 } = scanOver(c, init2, m.ys, [2, 3], (carry, xt) =>
      c.emit("tanh", [c.b.add(c.emit("matmul", [xt, u]), c.b.mul(carry, c.b.const(0.5)))]));
    expect(ys2.type.shape.map(Number)).toEqual([2, 5, 2]);
    gradCheck(c, c.weighted(ys2), [m.wx, m.wh, m.bias, m.init, m.xs, u, init2]);
  });
});

describe("scan: degenerate bodies", () => {
  it("a body that returns x_t: ys = xs, so d xs = the weights and d init = 0", () => {
    const c = new Case(510);
    const init = c.input("init", [2, 3]), xs = c.input("xs", [2, 4, 3]);
    const { ys, body } = scanOver(c, init, xs, [2, 3], (_carry, xt) => xt);
    expect(body.nodes).toEqual([]);
    const r = gradCheck(c, c.weighted(ys), [init, xs], { tol: 1e-8 });
    expect(values(r.grads[0]!)).toEqual(new Array(6).fill(0));
  });

  it("a body that returns its carry: every step repeats init", () => {
    const c = new Case(511);
    const init = c.input("init", [2, 3]), xs = c.input("xs", [2, 4, 3]);
    const { ys } = scanOver(c, init, xs, [2, 3], (carry) => carry);
    const r = gradCheck(c, c.weighted(ys), [init, xs], { tol: 1e-8 });
    expect(values(r.grads[1]!)).toEqual(new Array(24).fill(0));
  });

  it("a body that returns a captured outer value: its gradient sums over all steps", () => {
    const c = new Case(512);
    const w = c.input("w", [2, 3]), init = c.input("init", [2, 3]), xs = c.input("xs", [2, 4, 3]);
    const { ys } = scanOver(c, init, xs, [2, 3], () => w);
    gradCheck(c, c.weighted(ys), [w, init, xs], { tol: 1e-8 });
  });

  it("a rank-3 carry [B, 2, 3] with x_t [B, 3]", () => {
    const c = new Case(513);
    const v = c.input("v", [2, 3]), init = c.input("init", [2, 2, 3]), xs = c.input("xs", [2, 5, 3]);
    const { ys } = scanOver(c, init, xs, [2, 3], (carry, xt) =>
      c.emit("tanh", [c.b.add(c.b.mul(carry, v), c.b.reshape(xt, dims([2, 1, 3])))]));
    expect(ys.type.shape.map(Number)).toEqual([2, 5, 2, 3]);
    gradCheck(c, c.weighted(ys), [v, init, xs]);
  });
});

describe("scan: LSTM-like cell", () => {
  /** carry = concat(h, c) [B, 2S]; gates = x_t @ Wx + h @ Wh + bias [B, 4S]; i, f, o sigmoid, g tanh. */
  function lstm(seed: number, T: number) {
    const B = 2, S = 2, F = 3;
    const c = new Case(seed);
    const wx = c.input("Wx", [F, 4 * S], { lo: -0.7, hi: 0.7 }), wh = c.input("Wh", [S, 4 * S], { lo: -0.7, hi: 0.7 }), bias = c.input("bias", [4 * S]);
    const init = c.input("init", [B, 2 * S]), xs = c.input("xs", [B, T, F]);
    const part = (v: Value, k: number) => c.emit("slice", [v], { axis: 1, start: k * S, end: (k + 1) * S });
    const { ys } = scanOver(c, init, xs, [B, F], (carry, xt) => {
      const h = part(carry, 0), cell = part(carry, 1);
      const gates = c.b.add(c.b.add(c.emit("matmul", [xt, wx]), c.emit("matmul", [h, wh])), bias);
      const [i, f, g, o] = [c.emit("sigmoid", [part(gates, 0)]), c.emit("sigmoid", [part(gates, 1)]), c.emit("tanh", [part(gates, 2)]), c.emit("sigmoid", [part(gates, 3)])];
      const cNew = c.b.add(c.b.mul(f, cell), c.b.mul(i, g));
      const hNew = c.b.mul(o, c.emit("tanh", [cNew]));
      return c.emit("concat", [hNew, cNew], { axis: -1 });
    });
    return { c, wx, wh, bias, init, xs, ys, part };
  }

  it.each([4, 30])("all steps, T = %i", (T) => {
    const m = lstm(520, T);
    expect(m.ys.type.shape.map(Number)).toEqual([2, T, 4]);
    gradCheck(m.c, m.c.weighted(m.ys), [m.wx, m.wh, m.bias, m.init, m.xs]);
  });

  it("the last step's h only", () => {
    const m = lstm(521, 6);
    const h = m.part(lastStep(m.c, m.ys), 0);
    expect(h.type.shape.map(Number)).toEqual([2, 2]);
    gradCheck(m.c, m.c.weighted(h), [m.wx, m.wh, m.bias, m.init, m.xs]);
  });

  it("graph size does not depend on T", () => {
    const size = (T: number) => {
      const m = lstm(522, T);
      return countNodes(gradCheck(m.c, m.c.weighted(m.part(lastStep(m.c, m.ys), 0)), [m.wx, m.wh, m.bias, m.init, m.xs]).graph);
    };
    expect(size(60)).toBe(size(5));
  });
});
