// The train block's callbacks: early stopping, checkpoint policy, learning-rate reduction, CSV logging.
import type { Spec } from "../elab/train-plan.js";

export type Mode = "min" | "max";

/** Keras's "auto": accuracy-like quantities improve upwards, losses downwards. */
export function modeOf(monitor: string, mode: string | undefined): Mode {
  if (mode === "min" || mode === "max") return mode;
  return /acc|auc|precision|recall/.test(monitor) ? "max" : "min";
}

/** Tracks the best value of a monitored quantity and epochs without improvement. */
export class Monitor {
  best: number;
  wait = 0;
  readonly mode: Mode;
  constructor(readonly key: string, mode: string | undefined, readonly minDelta = 0) {
    this.mode = modeOf(key, mode);
    this.best = this.mode === "min" ? Infinity : -Infinity;
  }
  /** What a checkpoint keeps, so `--resume` continues the count. */
  get saved(): { best: number; wait: number } {
    return { best: this.best, wait: this.wait };
  }
  restore(s: { best: number; wait: number } | undefined): void {
    if (!s) return;
    this.best = s.best ?? this.best;
    this.wait = s.wait ?? 0;
  }
  /** Records an epoch's logs; true when this epoch improved the best value. */
  update(logs: Record<string, number>): boolean {
    const v = logs[this.key];
    if (v === undefined || Number.isNaN(v)) return false;
    const better = this.mode === "min" ? v < this.best - this.minDelta : v > this.best + this.minDelta;
    if (better) {
      this.best = v;
      this.wait = 0;
    } else this.wait++;
    return better;
  }
}

export interface CallbackSet {
  early?: { monitor: Monitor; patience: number; restoreBest: boolean };
  checkpoint?: { path: string; monitor: string; bestOnly: boolean; mode?: string };
  plateau?: { monitor: Monitor; factor: number; patience: number; minLr: number };
  csvLogger?: string;
}

export function callbackSet(specs: Spec[]): CallbackSet {
  const set: CallbackSet = {};
  for (const s of specs) {
    const a = s.args;
    const str = (k: string, d: string) => String(a[k] ?? d);
    const num = (k: string, d: number) => Number(a[k] ?? d);
    if (s.name === "early_stopping") set.early = { monitor: new Monitor(str("monitor", "val_loss"), str("mode", "auto"), num("min_delta", 0)), patience: num("patience", 0), restoreBest: a["restore_best_weights"] === true };
    else if (s.name === "checkpoint") set.checkpoint = { path: str("path", "checkpoints"), monitor: str("monitor", "val_loss"), bestOnly: a["save_best_only"] === true, mode: str("mode", "auto") };
    else if (s.name === "reduce_lr_on_plateau") set.plateau = { monitor: new Monitor(str("monitor", "val_loss"), "auto"), factor: num("factor", 0.1), patience: num("patience", 10), minLr: num("min_lr", 0) };
    else if (s.name === "csv_logger") set.csvLogger = str("path", "history.csv");
  }
  return set;
}
