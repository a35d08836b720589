// Every op the compiled backends can lower has a forward test against the reference in this folder:
// when LOWERABLE grows, this fails until the new op gets one.
import { describe, expect, it } from "vitest";
import { LOWERABLE } from "../../src/codegen/lower/lower.js";

const TESTED: Record<string, string[]> = {
  "ops-elementwise": ["neg", "exp", "log", "sqrt", "abs", "sign", "tanh", "sigmoid", "add", "sub", "mul", "div", "pow", "maximum", "minimum",
    "greater", "greater_equal", "less", "less_equal", "equal", "select", "cast", "zeros", "const"],
  "ops-reduce-matmul": ["sum", "mean", "max", "min", "sum_to", "unreduce", "argmax", "matmul"],
  "ops-conv": ["conv2d", "conv2d_grad_input", "conv2d_grad_filter", "max_pool2d", "max_pool2d_grad", "avg_pool2d", "avg_pool2d_grad"],
  "ops-shape": ["reshape", "transpose", "concat", "slice", "index", "reverse", "gather", "one_hot", "scatter_add", "slice_grad", "index_grad"],
  "ops-scan": ["scan", "scan_grad"],
  runtime: ["dropout_mask"],
};

describe("coverage", () => {
  it("every lowerable op is tested", () => {
    const tested = new Set(Object.values(TESTED).flat());
    expect([...LOWERABLE].filter((op) => !tested.has(op)).sort()).toEqual([]);
    expect([...tested].filter((op) => !LOWERABLE.has(op)).sort()).toEqual([]);
  });
});
