// Loss and metrics of a model over a whole data set, in evaluation mode (dropout off, moving statistics).
import type { Objective } from "../elab/objective.js";
import type { DataSet } from "../data/index.js";
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

export function evaluate(obj: Objective, weights: Map<string, Tensor>, ds: DataSet, batch: number): { logs: Logs; predictions: Tensor[] } {
  const n = ds.features.shape[0]!;
  const idx = Int32Array.from({ length: n }, (_, i) => i);
  const feeds = paramFeeds(obj, weights);
  const sums = new Map<string, number>();
  const host = obj.hostMetrics.map((m) => new EpochMetric(m.name, m.spec));
  const predictions: Tensor[] = [];
  for (let s = 0; s < n; s += batch) {
    const e = Math.min(n, s + batch);
    feeds.set(obj.features.id, takeRows(ds.features, idx, s, e));
    const labels = takeRows(ds.labels, idx, s, e);
    feeds.set(obj.labels.id, labels);
    const [pred, loss, ...ms] = new Executor({ training: false }).run(obj.graph, feeds).outputs;
    const batchLogs: Logs = { loss: loss!.data[0]! };
    obj.metrics.forEach((m, i) => (batchLogs[m.name] = ms[i]!.data[0]!));
    accumulate(sums, batchLogs, e - s);
    host.forEach((h) => h.add(pred!, labels));
    predictions.push(pred!);
  }
  const logs = averaged(sums, n);
  for (const h of host) logs[h.name] = h.value();
  return { logs, predictions };
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
