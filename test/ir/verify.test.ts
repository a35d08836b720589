// The IR verifier: accepts every graph the elaborator produces for the examples, and catches broken graphs.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { check } from "../../src/checker.js";
import { Dim } from "../../src/ir/dim.js";
import type { Graph, IRNode, Value } from "../../src/ir/graph.js";
import { verifyGraph } from "../../src/ir/verify.js";
import { checkAndVerify, errorsOf, ROOT } from "./helpers.js";

const EXAMPLES = fs.readdirSync(path.join(ROOT, "examples")).filter((n) => n.endsWith(".nn")).sort();

describe("verifyGraph accepts elaborated graphs", () => {
  it.each(EXAMPLES)("examples/%s", (name) => {
    const r = checkAndVerify(path.join(ROOT, "examples", name));
    expect(errorsOf(r)).toEqual([]);
    expect(r.models.size).toBeGreaterThan(0);
  });
});

/**
 * A small file whose model has params, a scan (with a body using outer params) and plain nodes. The GRU
 * scans its projected input (f32[B, 5, 12]), so a step input differs from the carry (f32[B, 4]).
 */
const SRC = `
model M(x: f32[B, 5, 3]) -> f32[B, 2] {
  x |> gru(4) |> dense(2, relu)
}
`;

/** A fresh graph for each test (the tests mutate it). */
function fresh(): Graph {
  const r = check(path.join(ROOT, "test/ir/verify-fixture.nn"), SRC);
  expect(errorsOf(r)).toEqual([]);
  const g = r.models.get("M")!.graph;
  expect(verifyGraph(g)).toEqual([]);
  return g;
}
const nodeOf = (g: Graph, op: string): IRNode => {
  const n = g.nodes.find((x) => x.op === op);
  if (!n) throw new Error(`no ${op} node`);
  return n;
};
const scanOf = (g: Graph) => nodeOf(g, "scan");
const expectProblem = (g: Graph, re: RegExp) => {
  const problems = verifyGraph(g);
  expect(problems.some((p) => re.test(p)), `expected a problem matching ${re}, got:\n${problems.join("\n")}`).toBe(true);
};
const f32 = (...dims: (number | string)[]) => ({ dtype: "f32" as const, shape: dims.map((d) => (typeof d === "number" ? Dim.const(d) : Dim.sym(d))) });

describe("verifyGraph catches broken graphs", () => {
  it("use before definition (nodes out of order)", () => {
    const g = fresh();
    const i = g.nodes.findIndex((n) => n.op === "matmul");
    const [mm] = g.nodes.splice(i, 1);
    g.nodes.push(mm!);
    expectProblem(g, /before it is defined/);
  });

  it("an input that is defined nowhere", () => {
    const g = fresh();
    nodeOf(g, "matmul").inputs[0] = { id: 9999, type: f32("B", 4) };
    expectProblem(g, /uses %9999 before it is defined/);
  });

  it("a value defined inside a scan body used outside it", () => {
    const g = fresh();
    const inner = scanOf(g).body!.nodes[0]!.output;
    nodeOf(g, "index").inputs[0] = inner;
    expectProblem(g, new RegExp(`uses %${inner.id} before it is defined`));
  });

  it("a scan body using the scan's own result", () => {
    const g = fresh();
    const scan = scanOf(g);
    scan.body!.nodes[0]!.inputs[0] = scan.output;
    expectProblem(g, new RegExp(`uses %${scan.output.id} before it is defined`));
  });

  it("a wrong output type", () => {
    const g = fresh();
    // The dense layer's product (the first matmul is the GRU's input projection).
    const mm = g.nodes.filter((x) => x.op === "matmul").at(-1)!;
    mm.output.type = f32("B", 3);
    expectProblem(g, /output is f32\[B, 3\], but the shape rule gives f32\[B, 2\]/);
  });

  it("a wrong output dtype", () => {
    const g = fresh();
    const n = nodeOf(g, "maximum");
    n.output.type = { ...n.output.type, dtype: "f64" };
    expectProblem(g, /output is f64\[B, 2\], but the shape rule gives f32\[B, 2\]/);
  });

  it("an unknown op", () => {
    const g = fresh();
    nodeOf(g, "maximum").op = "frobnicate";
    expectProblem(g, /unknown op `frobnicate`/);
  });

  it("a node the shape rule rejects", () => {
    const g = fresh();
    const mm = nodeOf(g, "matmul");
    mm.inputs = [mm.inputs[1]!, mm.inputs[0]!];
    expectProblem(g, /shape rule rejects the node: E0305/);
  });

  it("duplicate value ids", () => {
    const g = fresh();
    const n = nodeOf(g, "maximum");
    n.output = { ...n.output, id: g.inputs[0]!.id };
    expectProblem(g, /defined more than once/);
  });

  it("an undefined graph output", () => {
    const g = fresh();
    g.outputs = [{ id: 4242, type: f32("B", 2) }];
    expectProblem(g, /output 0 uses %4242 before it is defined/);
  });

  it("a graph without outputs", () => {
    const g = fresh();
    g.outputs = [];
    expectProblem(g, /has no outputs/);
  });

  it("a param with a symbolic shape", () => {
    const g = fresh();
    g.params[0]!.value.type = f32("B", 4);
    expectProblem(g, /non-constant shape/);
  });

  it("a scan without a body", () => {
    const g = fresh();
    delete scanOf(g).body;
    expectProblem(g, /scan has no body/);
  });

  it("a scan body with the wrong number of inputs", () => {
    const g = fresh();
    scanOf(g).body!.inputs.pop();
    expectProblem(g, /scan body takes 1 inputs, expected 2/);
  });

  it("a scan body whose output is not the carry's type", () => {
    const g = fresh();
    const body = scanOf(g).body!;
    body.outputs = [body.inputs[1]!];
    expectProblem(g, /scan body output is f32\[B, 12\], expected f32\[B, 4\]/);
  });

  it("a scan body with several outputs", () => {
    const g = fresh();
    const body = scanOf(g).body!;
    body.outputs = [body.outputs[0]!, body.outputs[0]!];
    expectProblem(g, /scan body has 2 outputs, expected 1/);
  });

  it("a scan body whose carry input does not match init", () => {
    const g = fresh();
    const body = scanOf(g).body!;
    (body.inputs[0] as Value).type = f32("B", 5);
    expectProblem(g, /scan body carry is f32\[B, 5\], expected f32\[B, 4\]/);
  });

  it("a broken node inside a scan body", () => {
    const g = fresh();
    scanOf(g).body!.nodes[0]!.op = "nope";
    expectProblem(g, /= scan: node %\d+ = nope: unknown op `nope`/);
  });

  it("a body on a node that is not a scan", () => {
    const g = fresh();
    nodeOf(g, "maximum").body = scanOf(g).body;
    expectProblem(g, /only scan nodes have a body/);
  });
});

describe("IR from builtin definitions", () => {
  // A bodiless metric (precision, recall, auc: computed by the runtime) used inside a model. The elaborator
  // must either reject it or represent it in the graph; today the model returns a value no node defines.
  it("a builtin metric called in a model gives an error or a verifiable graph", () => {
    const r = check(path.join(ROOT, "test/ir/builtin-metric.nn"), "model P(p: f32[B, 1], t: f32[B, 1]) -> f32[] { precision()(p, t) }\n");
    const problems = [...r.models.values()].flatMap((m) => verifyGraph(m.graph));
    expect(errorsOf(r).length > 0 || problems.length === 0, `no error, and the verifier says:\n${problems.join("\n")}`).toBe(true);
  });
});
