// Compiled CPU backend vs. the reference executor: conv2d and its two gradients, max/avg pooling and their
// gradients, over valid/same padding, unequal strides and windows, H ≠ W, C ≠ F and a symbolic batch.
import { describe, expect, it } from "vitest";
import { kernelsOf, walkStmts } from "../../src/codegen/kir/walk.js";
import { lowerGraph } from "../../src/codegen/lower/lower.js";
import type { Value } from "../../src/ir/graph.js";
import { Case, outputSuite, tempCache } from "./helpers.js";

const cache = tempCache();

const CONV = [["valid", [1, 1]], ["valid", [1, 2]], ["same", [2, 2]], ["same", [2, 1]]] as const;
const POOL = [["valid", [2, 2], [2, 2]], ["valid", [3, 2], [2, 1]], ["same", [3, 3], [1, 1]], ["same", [2, 3], [2, 2]], ["same", [3, 2], [2, 1]]] as const;

describe("convolution and pooling (one graph, many outputs)", () => {
  // The batch stays symbolic in the graph (B = 2 at run time): only H, W and C must be static.
  const c = new Case(31, { B: 2 });
  outputSuite(c, cache, (c) => {
    const e = (op: string, ins: Value[], attrs = {}) => c.emit(op, ins, attrs);
    const x = c.input("x", ["B", 7, 6, 3]), w = c.input("w", [3, 2, 3, 4]);
    // Pairwise distinct values: no window has two maxima, so max pooling's gradient is well defined.
    const xd = c.input("xd", ["B", 7, 6, 3], { distinct: true, lo: -6, hi: 6 });
    // Small integers as floats: windows with tied maxima (the first one gets the gradient).
    const xt = c.input("xt", ["B", 7, 6, 3], { values: Array.from({ length: 2 * 7 * 6 * 3 }, () => Math.floor(c.rng.uniform(0, 3))) });
    const outs: Record<string, Value> = {};
    for (const [padding, strides] of CONV) {
      const tag = `${padding}_s${strides.join("")}`;
      const attrs = { padding, strides: [...strides] };
      const y = e("conv2d", [x, w], attrs);
      outs[`conv2d_${tag}`] = y;
      const dy = c.input(`dy_${tag}`, y.type.shape);
      outs[`conv2d_grad_input_${tag}`] = e("conv2d_grad_input", [dy, w, x], attrs);
      outs[`conv2d_grad_filter_${tag}`] = e("conv2d_grad_filter", [x, dy, w], attrs);
    }
    // A computed input is materialised before the convolution reads it.
    outs["conv2d_of_tanh"] = e("conv2d", [e("tanh", [x]), w], { padding: "same" });
    for (const [padding, window, strides] of POOL) {
      const tag = `${padding}_w${window.join("")}_s${strides.join("")}`;
      const attrs = { padding, window: [...window], strides: [...strides] };
      const mp = e("max_pool2d", [xd], attrs), ap = e("avg_pool2d", [x], attrs);
      outs[`max_pool2d_${tag}`] = mp;
      outs[`avg_pool2d_${tag}`] = ap;
      const dy = c.input(`dp_${tag}`, mp.type.shape);
      outs[`max_pool2d_grad_${tag}`] = e("max_pool2d_grad", [xd, dy], attrs);
      outs[`avg_pool2d_grad_${tag}`] = e("avg_pool2d_grad", [dy, x], attrs);
    }
    const tied = { padding: "same", window: [3, 3], strides: [2, 2] };
    const mt = e("max_pool2d", [xt], tied);
    outs["max_pool2d_ties"] = mt;
    outs["max_pool2d_grad_ties"] = e("max_pool2d_grad", [xt, c.input("dt", mt.type.shape)], tied);
    return outs;
  });
});

describe("channel counts with a divisor from 6 to 14 (filter-gradient tiles of whole channel runs)", () => {
  const c = new Case(32, { B: 2 });
  outputSuite(c, cache, (c) => {
    const e = (op: string, ins: Value[], attrs = {}) => c.emit(op, ins, attrs);
    const outs: Record<string, Value> = {};
    for (const [C, F] of [[16, 5], [12, 9], [14, 20]] as const) {
      const x = c.input(`x${C}`, ["B", 6, 5, C]), w = c.input(`w${C}`, [3, 2, C, F]);
      for (const [padding, strides] of CONV) {
        const tag = `c${C}_${padding}_s${strides.join("")}`;
        const attrs = { padding, strides: [...strides] };
        const y = e("conv2d", [x, w], attrs);
        outs[`conv2d_${tag}`] = y;
        const dy = c.input(`dy_${tag}`, y.type.shape);
        outs[`conv2d_grad_input_${tag}`] = e("conv2d_grad_input", [dy, w, x], attrs);
        outs[`conv2d_grad_filter_${tag}`] = e("conv2d_grad_filter", [x, dy, w], attrs);
      }
    }
    // Max pooling's gradient over 20 channels: a whole vector and a ragged one, ties and overlapping windows.
    const xt = c.input("xt20", ["B", 7, 6, 20], { values: Array.from({ length: 2 * 7 * 6 * 20 }, () => Math.floor(c.rng.uniform(0, 3))) });
    const xd = c.input("xd20", ["B", 7, 6, 20], { distinct: true, lo: -6, hi: 6 });
    for (const [padding, window, strides] of POOL) {
      const tag = `c20_${padding}_w${window.join("")}_s${strides.join("")}`;
      const attrs = { padding, window: [...window], strides: [...strides] };
      for (const [name, x] of [["distinct", xd], ["ties", xt]] as const) {
        const dy = c.input(`dp_${name}_${tag}`, e("max_pool2d", [x], attrs).type.shape);
        outs[`max_pool2d_grad_${name}_${tag}`] = e("max_pool2d_grad", [x, dy], attrs);
      }
    }
    // Windows that tile the image exactly (6 × 8 by 2 × 2): every element is stored once, nothing zeroed first.
    for (const [name, x] of [["distinct", c.input("xe20", ["B", 6, 8, 20], { distinct: true, lo: -6, hi: 6 })], ["ties", c.input("xte20", ["B", 6, 8, 20], { values: Array.from({ length: 2 * 6 * 8 * 20 }, () => Math.floor(c.rng.uniform(0, 3))) })]] as const) {
      const attrs = { padding: "valid", window: [2, 2], strides: [2, 2] };
      const dy = c.input(`dp_tiling_${name}`, e("max_pool2d", [x], attrs).type.shape);
      outs[`max_pool2d_grad_tiling_${name}`] = e("max_pool2d_grad", [x, dy], attrs);
    }
    // Disjoint windows that leave a row and a column over (7 × 9 by 2 × 2): those get zeros.
    const xl = c.input("xl20", ["B", 7, 9, 20], { distinct: true, lo: -6, hi: 6 });
    const lattrs = { padding: "valid", window: [2, 2], strides: [2, 2] };
    outs["max_pool2d_grad_leftover"] = e("max_pool2d_grad", [xl, c.input("dp_left", e("max_pool2d", [xl], lattrs).type.shape)], lattrs);
    // The relu gradient after it (its only reader, same shape) is computed as each element is stored,
    // over tiling windows and over windows with pixels left over (the epilogue of zero there).
    for (const [tag, H, W] of [["tiling", 6, 8], ["leftover", 7, 9]] as const) {
      const xr = c.input(`xr20_${tag}`, ["B", H, W, 20], { distinct: true, lo: -6, hi: 6 });
      const gr = e("max_pool2d_grad", [xr, c.input(`dp_relu_${tag}`, e("max_pool2d", [xr], lattrs).type.shape)], lattrs);
      outs[`max_pool2d_grad_then_relu_grad_${tag}`] = e("select", [e("greater", [c.input(`pre_relu_${tag}`, ["B", H, W, 20]), c.b.const(0)]), gr, c.b.const(0)]);
    }
    // An epilogue that is not zero at zero: the uncovered pixels must hold 1.5.
    const xo = c.input("xo20", ["B", 7, 9, 20], { distinct: true, lo: -6, hi: 6 });
    outs["max_pool2d_grad_leftover_plus"] = c.b.add(e("max_pool2d_grad", [xo, c.input("dp_plus", e("max_pool2d", [xo], lattrs).type.shape)], lattrs), c.b.const(1.5));
    return outs;
  });
});

describe("max pooling's gradient when the windows are disjoint", () => {
  const lowered = (H: number, stride = 2) => {
    const c = new Case(33, { B: 2 });
    const x = c.input("x", ["B", H, 8, 20]);
    const attrs = { padding: "valid", window: [2, 2], strides: [stride, stride] };
    c.g.outputs = [c.emit("max_pool2d_grad", [x, c.input("dy", c.emit("max_pool2d", [x], attrs).type.shape)], attrs)];
    const k = kernelsOf(lowerGraph(c.g, { vectorWidth: 16 }).program!.steps).find((x) => x.name.endsWith("max_pool2d_grad"));
    let zeroed = false, added = false;
    walkStmts(k!.body, (s) => {
      if (s.k === "for" && s.v.startsWith("z")) zeroed = true;
      if (s.k === "store" && s.accumulate) added = true;
    });
    return { zeroed, added };
  };

  it("stores what its one elementwise reader (a relu gradient) makes of it when they do, in one kernel", () => {
    const kernels = (H: number, stride = 2) => {
      const c = new Case(34, { B: 2 });
      const x = c.input("x", ["B", H, 8, 20]);
      const attrs = { padding: "valid", window: [2, 2], strides: [stride, stride] };
      const g = c.emit("max_pool2d_grad", [x, c.input("dy", ["B", Math.floor((H - 2) / stride) + 1, Math.floor(6 / stride) + 1, 20])], attrs);
      c.g.outputs = [c.emit("select", [c.emit("greater", [c.input("pre", ["B", H, 8, 20]), c.b.const(0)]), g, c.b.const(0)])];
      return kernelsOf(lowerGraph(c.g, { vectorWidth: 16 }).program!.steps).map((k) => k.name);
    };
    expect(kernels(6)).toEqual(["k0_max_pool2d_grad"]);
    expect(kernels(7)).toEqual(["k0_max_pool2d_grad"]);
    // Overlapping windows (stride 1) add into a zeroed image, so the select runs on its own.
    expect(kernels(6, 1)).toEqual(["k0_max_pool2d_grad", "k1_select"]);
  });

  it("stores every element once (nothing zeroed, nothing added) when the windows are disjoint; otherwise zeroes and adds", () => {
    expect(lowered(6)).toEqual({ zeroed: false, added: false });
    // 7 rows: the last is in no window; it alone gets zeros.
    expect(lowered(7)).toEqual({ zeroed: false, added: false });
    expect(lowered(6, 1)).toEqual({ zeroed: true, added: true });
  });
});
