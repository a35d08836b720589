// The whole training step as one graph: forward (training mode), loss + regularizers, autodiff,
// gradient clipping and the optimizer update. The host feeds data, parameters and slots, and reads back
// the loss, metrics, new parameters, new slots and new batch-norm statistics.
import { differentiate } from "../autodiff/autodiff.js";
import { GraphBuilder } from "../builder.js";
import type { Graph, ParamInfo, Value } from "../graph.js";
import { emitUpdate, slotsFor } from "./optimizer.js";
import { lowerForTraining } from "./lower-training.js";

/** A model graph extended with labels, loss and metrics (built by src/elab/objective.ts). */
export interface ObjectiveGraph {
  graph: Graph;
  features: Value;
  labels: Value;
  prediction: Value;
  loss: Value;
  metrics: { name: string; value: Value }[];
}

export interface TrainStepGraph {
  graph: Graph;
  lr: Value;
  step: Value;
  /** Slot inputs: name like "adam.m/dense.kernel", the parameter it belongs to, its initial fill value. */
  slots: { name: string; param: ParamInfo; value: Value; init: number }[];
  /** Output positions. */
  out: { loss: number; prediction: number; labels: number; metrics: number[]; params: { param: ParamInfo; index: number }[]; slots: { name: string; index: number }[]; states: { param: ParamInfo; index: number }[] };
}

export interface StepOptions {
  optimizer: { name: string; args: Record<string, number | string | boolean> };
  clipNorm?: number;
  clipValue?: number;
}

export function buildTrainStep(obj: ObjectiveGraph, opts: StepOptions): TrainStepGraph {
  const src = obj.graph;
  const g: Graph = { ...src, name: `${src.name}_train_step`, inputs: [...src.inputs], params: [...src.params], nodes: [...src.nodes], outputs: [], assertions: [...src.assertions] };
  const last = src.nodes[src.nodes.length - 1];
  const b = new GraphBuilder(g, { span: last?.span ?? { file: "", start: 0, end: 0, line: 1, col: 1 }, scope: "" });
  const states = lowerForTraining(g, b);
  // Regularization penalties join the loss (and the reported loss, as in Keras).
  let loss = obj.loss;
  b.from({ span: b.origin.span, scope: "regularizers" }, () => {
    for (const p of g.params) {
      if (!p.regularizer || !p.trainable) continue;
      const r = p.regularizer;
      // l1 and l2 weigh 0.01 unless given (as in stdlib/initializers.nn); l1_l2 lists both.
      const l1 = Number(r.args["l1"] ?? (r.name === "l1" ? 0.01 : 0)), l2 = Number(r.args["l2"] ?? (r.name === "l2" ? 0.01 : 0));
      const all = p.value.type.shape.map((_, i) => i);
      if (l1) loss = b.add(loss, b.mul(b.const(l1), b.emit("sum", [b.emit("abs", [p.value])], { axes: all, keepdims: false })));
      if (l2) loss = b.add(loss, b.mul(b.const(l2), b.emit("sum", [b.mul(p.value, p.value)], { axes: all, keepdims: false })));
    }
  });
  const trainable = g.params.filter((p) => p.trainable);
  const grads = differentiate(g, loss, trainable.map((p) => p.value), b);
  const lr = b.newValue({ dtype: "f32", shape: [] }, "lr");
  const step = b.newValue({ dtype: "f32", shape: [] }, "step");
  g.inputs.push(lr, step);
  const slots: TrainStepGraph["slots"] = [];
  const newParams: Value[] = [], newSlots: Value[] = [];
  const { name, args } = opts.optimizer;
  b.from({ span: b.origin.span, scope: `optimizer.${name}` }, () => {
    trainable.forEach((p, i) => {
      let gr = grads[i]!;
      if (opts.clipValue !== undefined) gr = b.emit("minimum", [b.emit("maximum", [gr, b.const(-opts.clipValue)]), b.const(opts.clipValue)]);
      if (opts.clipNorm !== undefined) {
        // Keras clipnorm: per tensor, g · c / max(‖g‖, c).
        const all = p.value.type.shape.map((_, k) => k);
        const norm = b.emit("sqrt", [b.emit("sum", [b.mul(gr, gr)], { axes: all, keepdims: false })]);
        gr = b.div(b.mul(gr, b.const(opts.clipNorm)), b.emit("maximum", [norm, b.const(opts.clipNorm)]));
      }
      const ss = slotsFor(name, args).map((s) => {
        const v = b.newValue(p.value.type, `${name}.${s.name}/${p.name}`);
        slots.push({ name: v.name!, param: p, value: v, init: s.init(args) });
        g.inputs.push(v);
        return v;
      });
      const u = emitUpdate(b, name, args, p.value, gr, ss, lr, step);
      newParams.push(u.param);
      newSlots.push(...u.slots);
    });
  });
  g.outputs = [loss, ...obj.metrics.map((m) => m.value), ...newParams, ...newSlots, ...states.map((s) => s.value), obj.prediction];
  let k = 1 + obj.metrics.length;
  return {
    graph: g, lr, step, slots,
    out: {
      loss: 0,
      metrics: obj.metrics.map((_, i) => 1 + i),
      params: trainable.map((param) => ({ param, index: k++ })),
      slots: slots.map((s) => ({ name: s.name, index: k++ })),
      states: states.map((s) => ({ param: s.param, index: k++ })),
      prediction: k++,
      labels: -1,
    },
  };
}
