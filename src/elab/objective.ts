// Attaches the train block's loss and metrics to a model graph: labels become a second input, and the
// loss and each metric become outputs. The loss and metric bodies are stdlib .nn, inlined like layers.
import { DiagnosticBag, type Span } from "../diag/diagnostic.js";
import { GraphBuilder, maxValueId } from "../ir/builder.js";
import { Dim } from "../ir/dim.js";
import type { Graph, Value } from "../ir/graph.js";
import { type TensorType, typesEqual } from "../ir/types.js";
import type { ArgIn } from "./args.js";
import { Elaborator } from "./elaborate.js";
import type { ElaboratedModel } from "./model.js";
import { adaptLabels, type DefV } from "./train-block.js";
import { specOf, type Spec } from "./train-plan.js";

export interface Objective {
  /** Model + loss + metrics. Outputs: prediction, loss, then each graph metric. */
  graph: Graph;
  features: Value;
  labels: Value;
  prediction: Value;
  loss: Value;
  metrics: { name: string; value: Value }[];
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
  const call = (d: DefV, lab: Value, b: DiagnosticBag = bag): Value | undefined => {
    const arg = (v: Value): ArgIn => ({ value: { k: "tensor", val: v }, span });
    const r = (b === bag ? el : scratchOn(g, b)).callValue(d, [arg(prediction), arg(lab)], span, d.ref.def.name.name);
    return r.k === "tensor" && !b.hasErrors ? r.val : undefined;
  };
  const lossV = call(loss, labelsV);
  if (!lossV || bag.hasErrors) throw new Error(`internal: the loss did not elaborate: ${bag.items.map((d) => d.message).join("; ")}`);
  const out: Objective = { graph: g, features: src.inputs[0]!, labels: labelsV, prediction, loss: lossV, metrics: [], hostMetrics: [] };
  for (const m of metrics) {
    const name = m.ref.def.name.name;
    const candidates = (m.ref.def.alternatives ?? [m.ref.def.name]).map((a) => (a === m.ref.def.name ? m : resolve(m, a.name, el, span))).filter((x): x is DefV => !!x);
    let done = false;
    for (const c of candidates) {
      if (!c.ref.def.body) {
        out.hostMetrics.push({ name, spec: specOf(c) });
        done = true;
        break;
      }
      const want = adaptLabels(c.ref.def.inputs?.[1], prediction.type, labels);
      // Try on a scratch copy first: a failed alternative must leave no nodes behind.
      if (call(c, { id: 1e9, type: want }, new DiagnosticBag()) === undefined) continue;
      const lab = convertLabels(new GraphBuilder(g, { span, scope: "" }), labelsV, want);
      el.startIdsAt(maxValueId(g) + 1);
      const v = call(c, lab);
      if (!v) continue;
      out.metrics.push({ name, value: v });
      done = true;
      break;
    }
    if (!done) throw new Error(`internal: metric ${name} did not elaborate`);
  }
  g.outputs = [prediction, lossV, ...out.metrics.map((m) => m.value)];
  return out;
}

/** An alternative of `accuracy = a | b | c`, configured with its defaults. */
function resolve(m: DefV, name: string, el: Elaborator, span: Span): DefV | undefined {
  const v = m.ref.module.scope.get(name);
  if (v?.k !== "def") return undefined;
  if (v.config || !v.ref.def.config) return v;
  const config = el.configure(v, [], span);
  return config ? { ...v, config } : undefined;
}

function scratchOn(g: Graph, bag: DiagnosticBag): Elaborator {
  const el = new Elaborator(bag, { ...g, nodes: [...g.nodes], inputs: [...g.inputs], params: [...g.params], assertions: [] }, true);
  el.startIdsAt(maxValueId(g) + 1000);
  return el;
}

/** The loss's label tensor converted for a metric that wants another dtype or rank. */
function convertLabels(b: GraphBuilder, labels: Value, want: TensorType): Value {
  if (typesEqual(labels.type, want)) return labels;
  let v = labels;
  if (v.type.dtype !== want.dtype) v = b.emit("cast", [v], { dtype: want.dtype });
  if (v.type.shape.length !== want.shape.length) v = b.reshape(v, want.shape.map((d) => d ?? Dim.const(1)));
  return v;
}
