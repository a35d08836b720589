// The host loop of `nnc run`: epochs of shuffled batches through the training-step graph, validation,
// metrics, progress, callbacks, checkpoints (atomic), history and its plot.
import * as path from "node:path";
import { referenceRunner, type StepRunner, type StepState } from "./step.js";
import { mixSeed, takeRows } from "./batches.js";
import { callbackSet, Monitor } from "./callbacks.js";
import { checkpointExists, loadCheckpoint, saveCheckpoint } from "./checkpoint.js";
import { accumulate, averaged, evaluate, type GraphRunner, type Logs, referenceEvaluator } from "./evaluate.js";
import { EpochMetric } from "./host-metrics.js";
import { writeHistory } from "./history.js";
import { writeHistoryPlot } from "./plot.js";
import { TrainProgress } from "./progress.js";
import { Rng } from "./rng.js";
import { learningRate } from "./schedule.js";
import { checkCheckpointFits, type Session } from "./session.js";
import { cloneTensor, RuntimeError, scalar, type Tensor } from "./tensor.js";

export interface RunOptions {
  outDir: string;
  quiet?: boolean;
  tty?: boolean;
  write?: (s: string) => void;
  resume?: boolean;
  historyFormat?: "csv" | "json";
  /** Set by a SIGINT handler: the loop stops after the current step and saves a final checkpoint. */
  interrupted?: () => boolean;
  /** Where steps run (default: the reference executor). */
  runner?: StepRunner;
  /** Where validation and test run: the objective graph in evaluation mode (default: the reference executor). */
  evaluator?: GraphRunner;
}

export interface RunResult {
  history: Logs[];
  test?: Logs;
  /** Regression only: test MSE of always predicting the training labels' mean. */
  baselineMse?: number;
  stopped?: "early" | "nan" | "interrupted";
  message?: string;
  lastCheckpoint: string;
  bestCheckpoint?: string;
  historyFile: string;
  plotFile: string;
}

export async function train(s: Session, o: RunOptions): Promise<RunResult> {
  const { plan, data, objective } = s;
  const write = o.write ?? ((x: string) => process.stdout.write(x));
  const progress = new TrainProgress({ tty: o.tty ?? false, quiet: o.quiet ?? false, write });
  const cbs = callbackSet(plan.callbacks);
  const ckDir = path.join(o.outDir, "checkpoints");
  const last = path.join(ckDir, "last"), best = path.join(ckDir, "best");
  const historyFile = path.join(o.outDir, `history.${o.historyFormat ?? "csv"}`);
  const plotFile = path.join(o.outDir, "history.svg");
  const hasVal = !!data.val && data.val.features.shape[0]! > 0;
  const bestMonitor = new Monitor(cbs.checkpoint?.monitor ?? (hasVal ? "val_loss" : "loss"), cbs.checkpoint?.mode);
  const state: StepState = { weights: s.weights, slots: s.slots, step: 0 };
  const runner = o.runner ?? referenceRunner(s);
  const evaluator = o.evaluator ?? referenceEvaluator(objective.graph);
  let history: Logs[] = [];
  let startEpoch = 0;
  let lrScale = 1;
  let resumeStep = 0;
  let partial: { sums: Record<string, number>; seen: number } | undefined;
  let savedMonitors: Record<string, { best: number; wait: number }> = {};
  if (o.resume) {
    if (!checkpointExists(last)) throw new RuntimeError(`--resume: no checkpoint at ${last}`, ["run without --resume to start from scratch"]);
    const ck = loadCheckpoint(last);
    checkCheckpointFits(ck, plan, last, plan.module.file);
    for (const [k, v] of ck.weights) state.weights.set(k, v);
    for (const [k, v] of ck.optimizer) if (k !== "step") state.slots.set(k, v);
    state.step = Number(ck.optimizer.get("step")?.data[0] ?? 0);
    startEpoch = Number(ck.meta["epoch"] ?? 0);
    // An interrupted epoch continues with its next batch (the shuffle order is reproducible from the seed).
    resumeStep = Number(ck.meta["epoch_step"] ?? 0);
    partial = ck.meta["partial"] as typeof partial;
    history = (ck.meta["history"] as Logs[] | undefined) ?? [];
    lrScale = Number(ck.meta["lr_scale"] ?? 1);
    savedMonitors = (ck.meta["monitors"] as typeof savedMonitors | undefined) ?? {};
    bestMonitor.restore(savedMonitors["best"]);
    progress.message(`Resuming from ${last} after epoch ${startEpoch}${resumeStep ? `, step ${resumeStep}` : ""}`);
  }
  cbs.early?.monitor.restore(savedMonitors["early"]);
  cbs.plateau?.monitor.restore(savedMonitors["plateau"]);
  const baseLr = Number(plan.optimizer.args["lr"] ?? 0.001), decay = Number(plan.optimizer.args["decay"] ?? 0);
  const n = data.train.features.shape[0]!;
  const steps = Math.ceil(n / plan.batch);
  let bestWeights: Map<string, Tensor> | undefined;
  const save = (dir: string, epoch: number, at?: { step: number; sums: Map<string, number>; seen: number }) => saveCheckpoint(dir, {
    weights: state.weights,
    optimizer: new Map([...state.slots, ["step", scalar(state.step, "f64")]]),
    meta: {
      format: "nnc-checkpoint/1", model: plan.modelName, epoch, step: state.step, seed: plan.seed, optimizer: plan.optimizer,
      transforms: data.transforms.map((t) => ({ name: t.name, state: t.state })), class_names: data.classNames, history, lr_scale: lrScale,
      monitors: { best: bestMonitor.saved, ...(cbs.early ? { early: cbs.early.monitor.saved } : {}), ...(cbs.plateau ? { plateau: cbs.plateau.monitor.saved } : {}) },
      ...(at ? { epoch_step: at.step, partial: { sums: Object.fromEntries(at.sums), seen: at.seen } } : {}),
    },
  });
  const result = (extra: Partial<RunResult>): RunResult => ({ history, lastCheckpoint: last, bestCheckpoint: checkpointExists(best) ? best : undefined, historyFile, plotFile, ...extra });

  // The rate of the latest step (logged per epoch); before any step, the rate the run resumes with.
  let lr = learningRate(baseLr, decay, plan.schedule, Math.max(0, state.step - 1), startEpoch) * lrScale;
  for (let epoch = startEpoch; epoch < plan.epochs; epoch++) {
    progress.epochStart(epoch + 1, plan.epochs, steps);
    const order = plan.shuffle ? new Rng(mixSeed(plan.seed, epoch, 1)).permutation(n) : Int32Array.from({ length: n }, (_, i) => i);
    const first = epoch === startEpoch ? resumeStep : 0;
    const sums = new Map<string, number>(first && partial ? Object.entries(partial.sums) : []);
    const host = objective.hostMetrics.map((m) => new EpochMetric(m.name, m.spec));
    let seen = first && partial ? partial.seen : 0;
    // Epoch-level metrics (AUC, …) are computed once, for the last step's line and the epoch's logs.
    const trainLogs = (): Logs => {
      const l = averaged(sums, seen);
      for (const h of host) l[h.name] = h.value();
      return l;
    };
    let epochLogs: Logs | undefined;
    for (let k = first; k < steps; k++) {
      const a = k * plan.batch, e = Math.min(n, a + plan.batch);
      lr = learningRate(baseLr, decay, plan.schedule, state.step, epoch) * lrScale;
      const yb = takeRows(data.train.labels, order, a, e);
      const r = runner.run(state, takeRows(data.train.features, order, a, e), yb, lr, new Rng(mixSeed(plan.seed, state.step, 2)));
      if (r.bad) {
        const msg = `${r.bad} at epoch ${epoch + 1}, step ${k + 1} (step ${state.step + 1} overall); the update was not applied`;
        progress.message(msg);
        const notes = [`the last good checkpoint is ${checkpointExists(last) ? last : "not written yet (no epoch finished)"}`, `try a lower learning rate (now ${lr.toPrecision(3)}), e.g. lr = ${(lr / 10).toPrecision(2)}, or clip_norm = 1.0`];
        return result({ stopped: "nan", message: [msg, ...notes].join("\n") });
      }
      r.commit();
      const w = e - a;
      seen += w;
      accumulate(sums, r.logs, w);
      host.forEach((h) => h.add(r.prediction, yb));
      if (k === steps - 1) epochLogs = trainLogs();
      progress.step(k + 1, epochLogs ?? averaged(sums, seen));
      if (o.interrupted) {
        await new Promise((res) => setImmediate(res));
        if (o.interrupted()) {
          save(last, epoch, { step: k + 1, sums, seen });
          progress.message(`Interrupted: saved the weights after ${state.step} steps to ${last}`);
          writeOutputs(history, historyFile);
          return result({ stopped: "interrupted" });
        }
      }
    }
    const shown: Logs = { ...(epochLogs ?? trainLogs()) };
    if (hasVal) {
      const v = evaluate(objective, state.weights, data.val!, plan.batch, evaluator).logs;
      for (const [key, x] of Object.entries(v)) shown[`val_${key}`] = x;
    }
    progress.epochEnd(shown);
    const logs: Logs = { epoch: epoch + 1, ...shown, lr };
    history.push(logs);
    const improved = bestMonitor.update(logs);
    if (cbs.plateau?.monitor.update(logs) === false && cbs.plateau.monitor.wait >= cbs.plateau.patience) {
      const next = Math.max(cbs.plateau.minLr, baseLr * lrScale * cbs.plateau.factor);
      lrScale = next / baseLr;
      cbs.plateau.monitor.wait = 0;
      progress.message(`Epoch ${epoch + 1}: reducing learning rate to ${next.toPrecision(3)}.`);
    }
    let stop = false;
    if (cbs.early) {
      const better = cbs.early.monitor.update(logs);
      // Copies: a compiled backend reuses the memory behind the current weights two steps later.
      if (better && cbs.early.restoreBest) bestWeights = new Map([...state.weights].map(([k, v]) => [k, cloneTensor(v)]));
      stop = !better && cbs.early.monitor.wait > cbs.early.patience - 1 && epoch + 1 < plan.epochs;
    }
    // Saved after the callbacks, so a resumed run continues their counts.
    if (improved) save(best, epoch + 1);
    save(last, epoch + 1);
    // The checkpoint callback's own folder (beside the .nn file), every epoch or only on improvement.
    if (cbs.checkpoint && (!cbs.checkpoint.bestOnly || improved)) save(path.resolve(path.dirname(plan.module.file), cbs.checkpoint.path), epoch + 1);
    writeOutputs(history, historyFile);
    if (cbs.csvLogger) writeHistory(path.resolve(path.dirname(plan.module.file), cbs.csvLogger), history);
    if (stop) {
      progress.message(`Epoch ${epoch + 1}: early stopping (${cbs.early!.monitor.key} did not improve for ${cbs.early!.monitor.wait} epochs)`);
      if (bestWeights) for (const [k, v] of bestWeights) state.weights.set(k, v);
      return finish(s, state, history, result({ stopped: "early" }), plotFile, plan.modelName, progress, evaluator);
    }
  }
  if (cbs.early?.restoreBest && bestWeights) for (const [k, v] of bestWeights) state.weights.set(k, v);
  return finish(s, state, history, result({}), plotFile, plan.modelName, progress, evaluator);
}

function writeOutputs(history: Logs[], file: string): void {
  if (history.length) writeHistory(file, history);
}

async function finish(s: Session, state: StepState, history: Logs[], r: RunResult, plotFile: string, title: string, progress: TrainProgress, evaluator: GraphRunner): Promise<RunResult> {
  if (history.length) await writeHistoryPlot(plotFile, history, title);
  if (s.data.test && s.data.test.features.shape[0]! > 0) {
    r.test = evaluate(s.objective, state.weights, s.data.test, s.plan.batch, evaluator).logs;
    progress.message(`Test: ${Object.entries(r.test).map(([k, v]) => `${k}: ${v.toFixed(4)}`).join(" - ")}`);
    // Regression: what a model that ignores its input would score, for scale.
    if (s.data.test.labels.dtype !== "i32" && s.plan.data.classes === undefined) {
      r.baselineMse = meanBaselineMse(s.data.train.labels, s.data.test.labels);
      progress.message(`Baseline (always predicting the training mean): mse: ${r.baselineMse.toFixed(4)}`);
    }
  }
  return r;
}


/** Test MSE of predicting the per-output mean of the training labels. */
export function meanBaselineMse(train: Tensor, test: Tensor): number {
  const k = train.data.length / Math.max(1, train.shape[0]!);
  const mean = new Float64Array(k);
  for (let i = 0; i < train.data.length; i++) mean[i % k]! += train.data[i]! / train.shape[0]!;
  let se = 0;
  for (let i = 0; i < test.data.length; i++) se += (test.data[i]! - mean[i % k]!) ** 2;
  return se / Math.max(1, test.data.length);
}
