// The kernels through the reference executor: a hand-built graph with symbolic dimensions in attributes.
import { describe, expect, it } from "vitest";
import type { Span } from "../../src/diag/diagnostic.js";
import { Dim } from "../../src/ir/dim.js";
import { type Attr, type Graph, newGraph, type Value } from "../../src/ir/graph.js";
import type { TensorType } from "../../src/ir/types.js";
import { execute } from "../../src/runtime/ref/executor.js";
import { f32, values } from "./kernels-helpers.js";

const span: Span = { file: "test.nn", start: 0, end: 0, line: 1, col: 1, endLine: 1, endCol: 1 };
const B = Dim.sym("B"), c = Dim.const;

function builder(): { g: Graph; val: (t: TensorType) => Value; op: (op: string, ins: Value[], attrs: Record<string, Attr>, t: TensorType) => Value } {
  const g = newGraph("t");
  let id = 0;
  const val = (type: TensorType): Value => ({ id: id++, type });
  const op = (name: string, ins: Value[], attrs: Record<string, Attr>, type: TensorType): Value => {
    const output = val(type);
    g.nodes.push({ id: id++, op: name, inputs: ins, attrs, output, span, scope: "" });
    return output;
  };
  return { g, val, op };
}

describe("kernels in the executor", () => {
  it("runs matmul → add const → reshape [B·2] → sum, with Dim attributes", () => {
    const { g, val, op } = builder();
    const x = val({ dtype: "f32", shape: [B, c(3)] });
    const w = val({ dtype: "f32", shape: [c(3), c(2)] });
    g.inputs.push(x);
    g.params.push({ name: "w", value: w, trainable: true, init: { name: "zeros", args: {} }, span });
    const h = op("matmul", [x, w], {}, { dtype: "f32", shape: [B, c(2)] });
    const one = op("const", [], { value: 1, dtype: "f32" }, { dtype: "f32", shape: [] });
    const h1 = op("add", [h, one], {}, { dtype: "f32", shape: [B, c(2)] });
    const flat = op("reshape", [h1], { shape: [B.scale(2)] }, { dtype: "f32", shape: [B.scale(2)] });
    const s = op("sum", [flat], { axes: [c(0)], keepdims: false }, { dtype: "f32", shape: [] });
    const hi = op("index", [h1], { axis: 0, i: B.sub(c(1)) }, { dtype: "f32", shape: [c(2)] });
    g.outputs.push(flat, s, hi);

    const feeds = new Map([[x.id, f32([2, 3], [1, 2, 3, 4, 5, 6])], [w.id, f32([3, 2], [1, 0, 0, 1, 1, 1])]]);
    const [o1, o2, o3] = execute(g, feeds);
    expect(values(o1!)).toEqual([5, 6, 11, 12]);
    expect(values(o2!)).toEqual([34]);
    expect(values(o3!)).toEqual([11, 12]);

    const [d1] = execute(g, feeds, { float64: true });
    expect(d1!.dtype).toBe("f64");
    expect(d1!.data).toBeInstanceOf(Float64Array);
  });
});
