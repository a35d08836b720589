// Learning-rate schedules and Keras-style decay: the host computes the step's rate, the graph uses it.
import type { Spec } from "../elab/train-plan.js";

/** The rate for 0-based `step` (optimizer iterations) in 0-based `epoch`. */
export function learningRate(base: number, decay: number, schedule: Spec | undefined, step: number, epoch: number): number {
  let lr = base;
  if (schedule) {
    const a = schedule.args;
    const num = (k: string, d: number) => Number(a[k] ?? d);
    switch (schedule.name) {
      case "step_decay": lr = base * Math.pow(num("drop", 0.5), Math.floor(epoch / Math.max(1, num("every", 10)))); break;
      case "exponential_decay": lr = base * Math.pow(num("rate", 0.96), step / Math.max(1, num("steps", 1000))); break;
      case "cosine_decay": lr = base * cosine(step, num("steps", 1000), num("alpha", 0)); break;
      case "warmup": {
        const w = Math.max(1, num("steps", 100)), d = num("decay_steps", 0);
        lr = step < w ? (base * (step + 1)) / w : d > 0 ? base * cosine(step - w, d, 0) : base;
        break;
      }
    }
  }
  return decay ? lr / (1 + decay * step) : lr;
}

function cosine(step: number, steps: number, alpha: number): number {
  const s = Math.min(step, steps) / Math.max(1, steps);
  return (1 - alpha) * 0.5 * (1 + Math.cos(Math.PI * s)) + alpha;
}
