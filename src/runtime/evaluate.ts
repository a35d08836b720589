// Loss and metrics of a model over a whole data set, in evaluation mode (dropout off, moving statistics).
import type { Objective } from "../elab/objective.js";
import type { DataSet } from "../data/index.js";
import type { Graph } from "../ir/graph.js";
import { Executor } from "./ref/executor.js";
import { takeRows } from "./batches.js";
import { EpochMetric } from "./host-metrics.js";
import type { Tensor } from "./tensor.js";

export type Logs = Record<string, number>;

/** Feeds for the parameters of `obj.graph` from named weights. */
export function paramFeeds(obj: { graph: Objective["graph"] }, weights: Map<string, Tensor>): Map<number, Tensor> {
  const feeds = new Map<number, Tensor>();
  for (const p of obj.graph.params) feeds.set(p.value.id, weights.get(p.name)!);
  return feeds;
}

/**
 * Runs one graph in evaluation mode, batch after batch: the reference executor or a compiled library.
 * Parameters are loaded once per pass over a data set, then only the batch's inputs are fed.
 */
export interface GraphRunner {
  readonly backend: string;
  /** Takes the parameters (by name) that the batches until the next `load` run with. */
  load(weights: Map<string, Tensor>): void;
  /** The graph's outputs for `inputs` (by value id); compiled outputs are valid until the next run. */
  run(inputs: Map<number, Tensor>): Tensor[];
}

/** `g` on the reference executor with training off (dropout off, moving statistics). */
export function referenceEvaluator(g: Graph): GraphRunner {
  let feeds = new Map<number, Tensor>();
  return {
    backend: "reference",
    load: (weights) => (feeds = paramFeeds({ graph: g }, weights)),
    run: (inputs) => {
      for (const [id, t] of inputs) feeds.set(id, t);
      return new Executor({ training: false }).run(g, feeds).outputs;
    },
  };
}

/** Loss and metrics of `obj` over `ds` in batches of `batch` (the last may be smaller). */
export function evaluate(obj: Objective, weights: Map<string, Tensor>, ds: DataSet, batch: number, runner: GraphRunner = referenceEvaluator(obj.graph)): { logs: Logs } {
  const n = ds.features.shape[0]!;
  const idx = Int32Array.from({ length: n }, (_, i) => i);
  const sums = new Map<string, number>();
  const host = obj.hostMetrics.map((m) => new EpochMetric(m.name, m.spec));
  runner.load(weights);
  for (let s = 0; s < n; s += batch) {
    const e = Math.min(n, s + batch);
    const labels = takeRows(ds.labels, idx, s, e);
    const [pred, loss, ...ms] = runner.run(new Map([[obj.features.id, takeRows(ds.features, idx, s, e)], [obj.labels.id, labels]]));
    const batchLogs: Logs = { loss: loss!.data[0]! };
    obj.metrics.forEach((m, i) => (batchLogs[m.name] = ms[i]!.data[0]!));
    accumulate(sums, batchLogs, e - s);
    host.forEach((h) => h.add(pred!, labels));
  }
  const logs = averaged(sums, n);
  for (const h of host) logs[h.name] = h.value();
  return { logs };
}

/** Adds a batch's values weighted by its size. RMSE accumulates its square, so the epoch value is √(epoch MSE). */
export function accumulate(sums: Map<string, number>, logs: Logs, weight: number): void {
  for (const [k, v] of Object.entries(logs)) sums.set(k, (sums.get(k) ?? 0) + (isRoot(k) ? v * v : v) * weight);
}

export function averaged(sums: Map<string, number>, n: number): Logs {
  const out: Logs = {};
  for (const [k, v] of sums) out[k] = isRoot(k) ? Math.sqrt(v / Math.max(1, n)) : v / Math.max(1, n);
  return out;
}

const isRoot = (k: string) => k === "rmse";
