// One training step on the reference executor: feeds, run, and the new parameters, slots and statistics.
import type { Session } from "./session.js";
import { Executor } from "./ref/executor.js";
import type { Rng } from "./rng.js";
import { scalar, type Tensor } from "./tensor.js";

export interface StepState {
  weights: Map<string, Tensor>;
  slots: Map<string, Tensor>;
  /** Optimizer steps taken so far. */
  step: number;
}

export interface StepResult {
  loss: number;
  /** Why the step must not be applied: a non-finite loss, or weights the update made non-finite. */
  bad?: string;
  /** The model's output for the batch (for epoch-level metrics). */
  prediction: Tensor;
  logs: Record<string, number>;
  /** Applies the step's updates (skipped when the loss is not finite). */
  commit(): void;
}

/**
 * Runs training steps on one backend (the reference executor, or a compiled library). To change a
 * weight between steps, set a new tensor in the state; tensors a committed step put there may view
 * the backend's memory and must not be written in place (the compiled step keeps weights' packings,
 * which it rebuilds only for tensors it did not hand out).
 */
export interface StepRunner {
  readonly backend: string;
  run(st: StepState, x: Tensor, y: Tensor, lr: number, rng: Rng): StepResult;
}

export const referenceRunner = (s: Session): StepRunner => ({
  backend: "reference",
  run: (st, x, y, lr, rng) => executeStep(s, st, x, y, lr, rng),
});

export function executeStep(s: Session, st: StepState, x: Tensor, y: Tensor, lr: number, rng: Rng): StepResult {
  const g = s.step;
  const feeds = new Map<number, Tensor>();
  feeds.set(s.objective.features.id, x);
  feeds.set(s.objective.labels.id, y);
  feeds.set(g.lr.id, scalar(lr));
  feeds.set(g.step.id, scalar(st.step + 1));
  for (const p of g.graph.params) feeds.set(p.value.id, st.weights.get(p.name)!);
  for (const sl of g.slots) feeds.set(sl.value.id, st.slots.get(sl.name)!);
  const outs = new Executor({ training: true, rng }).run(g.graph, feeds).outputs;
  const loss = outs[g.out.loss]!.data[0]!;
  const logs: Record<string, number> = { loss };
  s.objective.metrics.forEach((m, i) => (logs[m.name] = outs[g.out.metrics[i]!]!.data[0]!));
  let bad = Number.isFinite(loss) ? undefined : `loss became ${loss}`;
  if (!bad) {
    const p = g.out.params.find((x) => !outs[x.index]!.data.every(Number.isFinite));
    if (p) bad = `the update made ${p.param.name} non-finite (loss ${loss.toPrecision(4)})`;
  }
  return {
    loss, logs, bad, prediction: outs[g.out.prediction]!,
    commit: () => {
      for (const p of g.out.params) st.weights.set(p.param.name, outs[p.index]!);
      for (const sl of g.out.slots) st.slots.set(sl.name, outs[sl.index]!);
      for (const sv of g.out.states) st.weights.set(sv.param.name, outs[sv.index]!);
      st.step++;
    },
  };
}
