// Attaches the train block's loss and metrics to a model graph: labels become a second input, and the
// loss and each metric become outputs. The loss and metric bodies are stdlib .nn, inlined like layers.
import { DiagnosticBag, type Span } from "../diag/diagnostic.js";
import { GraphBuilder, maxValueId } from "../ir/builder.js";
import type { ObjectiveGraph } from "../ir/passes/train-step.js";
import type { Graph, Value } from "../ir/graph.js";
import { type TensorType, typesEqual } from "../ir/types.js";
import type { ArgIn } from "./args.js";
import { Elaborator } from "./elaborate.js";
import type { ElaboratedModel } from "./model.js";
import { adaptLabels, type DefV, metricCandidates, metricFits } from "./train-block.js";
import { specOf, type Spec } from "./train-plan.js";

/** Model + loss + metrics. Graph outputs: prediction, loss, then each graph metric. */
export interface Objective extends ObjectiveGraph {
  /** Builtin metrics (precision, recall, auc) computed by the host from predictions. */
  hostMetrics: { name: string; spec: Spec }[];
}

/** `labels`: the data's label type per batch ([B, ...]); adapted to the loss (int → float, [B] → [B, 1]). */
export function buildObjective(model: ElaboratedModel, loss: DefV, metrics: DefV[], labels: TensorType): Objective {
  const src = model.graph;
  const g: Graph = { ...src, inputs: [...src.inputs], params: [...src.params], nodes: [...src.nodes], outputs: [], assertions: [...src.assertions] };
  const prediction = src.outputs[0]!;
  const bag = new DiagnosticBag();
  const el = new Elaborator(bag, g, true);
  el.startIdsAt(maxValueId(g) + 1);
  const span: Span = src.nodes[src.nodes.length - 1]?.span ?? loss.ref.def.span;
  const lossLabels = adaptLabels(loss.ref.def.inputs?.[1], prediction.type, labels);
  const labelsV = el.newValue(lossLabels, "labels");
  g.inputs.push(labelsV);
  const call = (d: DefV, lab: Value): Value | undefined => {
    const arg = (v: Value): ArgIn => ({ value: { k: "tensor", val: v }, span });
    const r = el.callValue(d, [arg(prediction), arg(lab)], span, d.ref.def.name.name);
    return r.k === "tensor" && !bag.hasErrors ? r.val : undefined;
  };
  const lossV = call(loss, labelsV);
  if (!lossV) throw new Error(`internal: the loss did not elaborate: ${bag.items.map((d) => d.message).join("; ")}`);
  const out: Objective = { graph: g, features: src.inputs[0]!, labels: labelsV, prediction, loss: lossV, metrics: [], hostMetrics: [] };
  for (const m of metrics) {
    const name = m.ref.def.name.name;
    // The first candidate that fits, tried on fresh values so a failed one leaves no nodes behind.
    const c = metricCandidates(m, span).find((d) => !d.ref.def.body || metricFits(d, prediction.type, labels, span));
    if (!c) throw new Error(`internal: metric ${name} did not elaborate`);
    if (!c.ref.def.body) {
      out.hostMetrics.push({ name, spec: specOf(c) });
      continue;
    }
    const lab = convertLabels(new GraphBuilder(g, { span, scope: "" }), labelsV, adaptLabels(c.ref.def.inputs?.[1], prediction.type, labels));
    el.startIdsAt(maxValueId(g) + 1);
    const v = call(c, lab);
    if (!v) throw new Error(`internal: metric ${name} did not elaborate`);
    out.metrics.push({ name, value: v });
  }
  g.outputs = [prediction, lossV, ...out.metrics.map((m) => m.value)];
  return out;
}

/** The loss's label tensor converted for a metric that wants another dtype or rank. */
function convertLabels(b: GraphBuilder, labels: Value, want: TensorType): Value {
  if (typesEqual(labels.type, want)) return labels;
  let v = labels;
  if (v.type.dtype !== want.dtype) v = b.emit("cast", [v], { dtype: want.dtype });
  if (v.type.shape.length !== want.shape.length) v = b.reshape(v, want.shape);
  return v;
}
