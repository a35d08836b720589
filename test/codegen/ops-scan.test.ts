// Compiled CPU backend vs. the reference executor for scan (a tanh RNN and a gated cell that captures a
// computed value) and scan_grad (their gradients), with symbolic batch and sequence length: one graph,
// compiled once, run for two sequence lengths.
import { beforeAll, describe, expect, it } from "vitest";
import { differentiate } from "../../src/ir/autodiff/autodiff.js";
import { lowerGraph } from "../../src/codegen/lower/lower.js";
import type { CompiledGraph } from "../../src/runtime/cpu/compiled.js";
import { evalDim } from "../../src/runtime/dims.js";
import { Rng } from "../../src/runtime/rng.js";
import { type Tensor, tensor } from "../../src/runtime/tensor.js";
import { dims, opsOf, scanOver } from "../ir/autodiff-helpers.js";
import { Case, compareRun, compile, tempCache } from "./helpers.js";

const cache = tempCache();

describe("scan and scan_grad", () => {
  const c = new Case(81, { B: 2, T: 5 });
  const wx = c.input("Wx", [2, 3], { lo: -0.8, hi: 0.8 }), wh = c.input("Wh", [3, 3], { lo: -0.8, hi: 0.8 }), bias = c.input("bias", [3]);
  const init = c.input("init", ["B", 3]), xs = c.input("xs", ["B", "T", 2]);
  const { ys: rnn } = scanOver(c, init, xs, ["B", 2], (h, x) =>
    c.emit("tanh", [c.b.add(c.b.add(c.emit("matmul", [x, wx]), c.emit("matmul", [h, wh])), bias)]));
  // A gated cell over the first scan's outputs; its gate weights are computed outside the loop.
  const wg = c.b.add(c.b.mul(wh, c.b.const(0.5)), c.b.const(0.1));
  const { ys: gated } = scanOver(c, c.emit("zeros", [], { shape: dims(["B", 3]) }), rnn, ["B", 3], (h, x) => {
    const z = c.emit("sigmoid", [c.b.add(c.emit("matmul", [h, wg]), x)]);
    return c.b.add(c.b.mul(z, h), c.b.mul(c.b.sub(c.b.const(1), z), c.emit("tanh", [x])));
  });
  const last = c.emit("index", [gated], { axis: 1, i: -1 });
  const loss = c.b.add(c.weighted(rnn), c.weighted(last));
  const wrt = [wx, wh, bias, init, xs];
  const grads = differentiate(c.g, loss, wrt, c.b);
  c.g.outputs = [rnn, gated, last, loss, ...grads];
  const names = ["rnn ys", "gated ys", "last step", "loss", ...wrt.map((w) => `d loss / d ${w.name}`)];
  let compiled: CompiledGraph;
  beforeAll(() => (compiled = compile(c.g, cache)));

  it("the differentiated graph uses scan_grad, and the lowered program loops over the steps", () => {
    expect(opsOf(c.g).filter((op) => op === "scan_grad")).toHaveLength(2);
    const low = lowerGraph(c.g);
    expect(low.diagnostics).toEqual([]);
    expect(low.program!.steps.some((s) => s.k === "seq")).toBe(true);
  });

  it("T = 5, B = 2: outputs and gradients match the reference", () => {
    compareRun(compiled, c.g, c.feeds, names);
  });

  it("T = 9, B = 3 with the same compiled program", () => {
    const rng = new Rng(82), bind = new Map([["B", 3], ["T", 9]]), feeds = new Map<number, Tensor>();
    for (const v of c.g.inputs) {
      const shape = v.type.shape.map((d) => evalDim(d, bind));
      feeds.set(v.id, tensor("f64", shape, Array.from({ length: shape.reduce((p, d) => p * d, 1) }, () => rng.uniform(-0.8, 0.8))));
    }
    compareRun(compiled, c.g, feeds, names);
    expect(compiled.run(feeds)[0]!.shape).toEqual([3, 9, 3]);
  });
});
