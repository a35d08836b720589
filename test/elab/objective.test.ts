// The objective graph: loss and metrics attached to a model, with labels adapted as the checker says.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { check } from "../../src/checker.js";
import { buildObjective } from "../../src/elab/objective.js";
import { trainPlan } from "../../src/elab/train-plan.js";
import { Dim } from "../../src/ir/dim.js";
import { typeToString } from "../../src/ir/types.js";
import { verifyGraph } from "../../src/ir/verify.js";

function objectiveOf(src: string, labels: { dtype: "i32" | "f32"; shape: Dim[] }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nnc-obj-"));
  const file = path.join(dir, "m.nn");
  fs.writeFileSync(file, src);
  const r = check(file);
  expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  const plan = trainPlan(r.module!, r.models)!;
  const o = buildObjective(plan.model, plan.loss, plan.metrics, labels);
  expect(verifyGraph(o.graph)).toEqual([]);
  return o;
}

const B = Dim.sym("B");
const binary = (metrics: string) => `model M(x: f32[B, 2]) -> f32[B, 1] { x |> dense(1, sigmoid) }
train M on moons(n = 100) { loss = binary_crossentropy() optimizer = adam() metrics = [${metrics}] }`;

describe("objective", () => {
  it("feeds integer labels to binary cross-entropy as f32[B, 1] and resolves accuracy to binary_accuracy", () => {
    const o = objectiveOf(binary("accuracy"), { dtype: "i32", shape: [B] });
    expect(typeToString(o.labels.type)).toBe("f32[B, 1]");
    expect(o.metrics.map((m) => m.name)).toEqual(["accuracy"]);
    // binary_accuracy thresholds the prediction; sparse accuracy would take an argmax.
    const ops = o.graph.nodes.map((n) => n.op);
    expect(ops).toContain("greater");
    expect(ops).not.toContain("argmax");
    expect(o.graph.outputs).toEqual([o.prediction, o.loss, o.metrics[0]!.value]);
  });

  it("sends precision, recall and auc to the host", () => {
    const o = objectiveOf(binary("precision, recall, auc, mse"), { dtype: "i32", shape: [B] });
    expect(o.hostMetrics.map((m) => m.name)).toEqual(["precision", "recall", "auc"]);
    expect(o.metrics.map((m) => m.name)).toEqual(["mse"]);
  });

  it("uses sparse accuracy for class scores with integer labels", () => {
    const o = objectiveOf(`model M(x: f32[B, 2]) -> f32[B, 2] { x |> dense(2) }
train M on moons(n = 100) { loss = sparse_categorical_crossentropy(from_logits = true) optimizer = adam() metrics = [accuracy] }`, { dtype: "i32", shape: [B] });
    expect(typeToString(o.labels.type)).toBe("i32[B]");
    expect(o.graph.nodes.map((n) => n.op)).toContain("argmax");
  });
});
