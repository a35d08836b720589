// Everything a run needs before its first step: data loaded, split and preprocessed; the objective,
// training-step and evaluation graphs; parameters initialised (or restored).
import * as path from "node:path";
import { buildObjective, type Objective } from "../elab/objective.js";
import type { DataPlan, TrainPlan } from "../elab/train-plan.js";
import { buildTrainStep, type TrainStepGraph } from "../ir/passes/train-step.js";
import { Dim } from "../ir/dim.js";
import { applyTransforms, type DataSet, fitTransforms, loadSource, restoreTransforms, splitDataSet, subset, type FittedTransform, type TransformState } from "../data/index.js";
import { adaptLabelTensor } from "./batches.js";
import { initParam } from "./init.js";
import { Rng } from "./rng.js";
import { RuntimeError, type Tensor, zeros } from "./tensor.js";

export interface PreparedData {
  train: DataSet;
  val?: DataSet;
  test?: DataSet;
  transforms: FittedTransform[];
  classNames?: string[];
}

export interface Session {
  plan: TrainPlan;
  data: PreparedData;
  objective: Objective;
  step: TrainStepGraph;
  /** Parameter and state tensors by name. */
  weights: Map<string, Tensor>;
  /** Optimizer slots by name. */
  slots: Map<string, Tensor>;
}

export function loadData(d: DataPlan, baseDir: string): DataSet {
  let ds = loadSource(d.source.name, d.source.args, baseDir, d.declared);
  if (d.limit !== undefined && d.limit < ds.features.shape[0]!) ds = subset(ds, [...Array(d.limit).keys()]);
  return ds;
}

/** Loads and splits the data; transforms are fitted on the training split, or restored from a checkpoint. */
export function prepareData(plan: TrainPlan, baseDir: string, saved?: { name: string; state: TransformState }[]): PreparedData {
  const all = loadData(plan.data, baseDir);
  let rest = all, test: DataSet | undefined, val: DataSet | undefined;
  if (plan.data.testSplit > 0) {
    const s = splitDataSet(all, plan.data.testSplit, plan.data.seed, plan.data.shuffle);
    rest = s.first;
    test = s.second;
  }
  let train = rest;
  if (typeof plan.validation === "number" && plan.validation > 0) {
    const s = splitDataSet(rest, plan.validation, plan.data.seed + 1, plan.data.shuffle);
    train = s.first;
    val = s.second;
  } else if (plan.validation && typeof plan.validation === "object") {
    val = loadData(plan.validation, baseDir);
  }
  // Statistics come from the training split only.
  const transforms = saved ? restoreTransforms(saved) : fitTransforms(plan.data.preprocess, train, plan.data.classes);
  const tf = (d?: DataSet) => (d ? applyTransforms(transforms, d) : undefined);
  return { train: tf(train)!, val: tf(val), test: tf(test), transforms, classNames: all.classNames };
}

export function createSession(plan: TrainPlan, nnFile: string, saved?: { name: string; state: TransformState }[]): Session {
  const data = prepareData(plan, path.dirname(nnFile), saved);
  const objective = objectiveFor(plan, data);
  const step = buildTrainStep(objective, { optimizer: plan.optimizer, clipNorm: plan.clipNorm, clipValue: plan.clipValue });
  const weights = new Map<string, Tensor>();
  const rng = new Rng(plan.seed);
  for (const p of plan.model.graph.params) weights.set(p.name, initParam(p, p.value.type.shape.map((d) => d.value!), rng));
  const slots = new Map<string, Tensor>();
  for (const s of step.slots) {
    const t = zeros(s.value.type.dtype, s.value.type.shape.map((d) => d.value!));
    if (s.init) t.data.fill(s.init);
    slots.set(s.name, t);
  }
  return { plan, data, objective, step, weights, slots };
}

/** The model with its loss and metrics; converts the data's labels to the loss's type (int → float, [N] → [N, 1]). */
export function objectiveFor(plan: TrainPlan, data: PreparedData): Objective {
  const labelT = data.train.labels;
  const labelType = { dtype: labelT.dtype, shape: [Dim.sym("B"), ...labelT.shape.slice(1).map((n) => Dim.const(n))] };
  const objective = buildObjective(plan.model, plan.loss, plan.metrics, labelType);
  const adapt = (d?: DataSet) => (d ? { ...d, labels: adaptLabelTensor(d.labels, objective.labels.type) } : undefined);
  data.train = adapt(data.train)!;
  data.val = adapt(data.val);
  data.test = adapt(data.test);
  return objective;
}

/** A checkpoint must hold this model's parameters with this model's shapes. */
export function checkCheckpointFits(ck: { weights: Map<string, Tensor>; meta: Record<string, unknown> }, plan: TrainPlan, where: string, file: string): void {
  if (ck.meta["model"] !== plan.modelName) throw new RuntimeError(`the checkpoint holds model \`${String(ck.meta["model"])}\`, but ${file} trains \`${plan.modelName}\``);
  for (const p of plan.model.graph.params) {
    const t = ck.weights.get(p.name);
    const want = p.value.type.shape.map((d) => d.value!);
    if (!t) throw new RuntimeError(`the checkpoint at ${where} has no weights for ${p.name}`, ["was the model changed after training? train it again"]);
    if (t.shape.join() !== want.join()) throw new RuntimeError(`the checkpoint's ${p.name} is [${t.shape.join(", ")}], the model's is [${want.join(", ")}]`, ["was the model changed after training? train it again"]);
  }
}
