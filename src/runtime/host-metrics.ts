// Metrics that need the whole epoch rather than a mean of batch values: precision, recall, AUC.
import type { Spec } from "../elab/train-plan.js";
import type { Tensor } from "./tensor.js";

export class EpochMetric {
  private preds: number[] = [];
  private labels: number[] = [];
  constructor(readonly name: string, readonly spec: Spec) {}

  /** Predictions [B, 1] (probabilities) and labels [B] or [B, 1] in {0, 1}. */
  add(pred: Tensor, labels: Tensor): void {
    for (let i = 0; i < pred.data.length; i++) this.preds.push(pred.data[i]!);
    for (let i = 0; i < labels.data.length; i++) this.labels.push(labels.data[i]! > 0.5 ? 1 : 0);
  }

  reset(): void {
    this.preds = [];
    this.labels = [];
  }

  value(): number {
    const th = Number(this.spec.args["threshold"] ?? 0.5);
    let tp = 0, fp = 0, fn = 0;
    this.preds.forEach((p, i) => {
      const y = this.labels[i]!, yes = p > th;
      if (yes && y) tp++;
      else if (yes) fp++;
      else if (y) fn++;
    });
    switch (this.spec.name) {
      case "precision": return tp + fp ? tp / (tp + fp) : 0;
      case "recall": return tp + fn ? tp / (tp + fn) : 0;
      case "auc": return rocAuc(this.preds, this.labels, Number(this.spec.args["num_thresholds"] ?? 200));
      default: return NaN;
    }
  }
}

/** ROC AUC by the trapezoidal rule over evenly spaced thresholds in [0, 1] (as Keras's AUC metric). */
export function rocAuc(preds: number[], labels: number[], n: number): number {
  const pos = labels.filter((y) => y === 1).length, neg = labels.length - pos;
  if (!pos || !neg) return 0;
  const pts: [number, number][] = [];
  for (let k = 0; k < n; k++) {
    const th = k === 0 ? -1e-7 : k === n - 1 ? 1 + 1e-7 : k / (n - 1);
    let tp = 0, fp = 0;
    preds.forEach((p, i) => {
      if (p > th) labels[i] ? tp++ : fp++;
    });
    pts.push([fp / neg, tp / pos]);
  }
  let area = 0;
  for (let k = 1; k < pts.length; k++) area += ((pts[k - 1]![0] - pts[k]![0]) * (pts[k - 1]![1] + pts[k]![1])) / 2;
  return area;
}
