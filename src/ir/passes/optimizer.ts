// Optimizer updates as graph IR: one rule per optimizer, from (param, grad, slots, lr, t) to new values.
// The learning rate arrives already scheduled and decayed (the host computes that scalar each step).
import type { GraphBuilder } from "../builder.js";
import type { Value } from "../graph.js";

type Args = Record<string, number | string | boolean>;

export interface SlotSpec {
  name: string;
  /** Initial value of every element. */
  init: (args: Args) => number;
}

/** The per-parameter state each optimizer keeps, in order. */
export const SLOTS: Record<string, SlotSpec[]> = {
  sgd: [{ name: "momentum", init: () => 0 }],
  adam: [{ name: "m", init: () => 0 }, { name: "v", init: () => 0 }, { name: "vhat", init: () => 0 }],
  rmsprop: [{ name: "ms", init: () => 0 }, { name: "mom", init: () => 0 }],
  adagrad: [{ name: "acc", init: (a) => Number(a["initial_accumulator_value"] ?? 0.1) }],
  adadelta: [{ name: "acc", init: () => 0 }, { name: "delta_acc", init: () => 0 }],
  adamax: [{ name: "m", init: () => 0 }, { name: "u", init: () => 0 }],
  nadam: [{ name: "m", init: () => 0 }, { name: "v", init: () => 0 }],
};

/** Slots actually used with these settings (sgd without momentum keeps none, adam without amsgrad no vhat). */
export function slotsFor(name: string, args: Args): SlotSpec[] {
  const all = SLOTS[name] ?? [];
  if (name === "sgd" && !Number(args["momentum"] ?? 0)) return [];
  if (name === "adam" && !args["amsgrad"]) return all.slice(0, 2);
  if (name === "rmsprop" && !Number(args["momentum"] ?? 0)) return all.slice(0, 1);
  return all;
}

/**
 * Emits the update of one parameter. `lr` and `t` (the 1-based step count) are f32[] graph inputs.
 * Returns the new parameter and the new slots (same order as `slotsFor`).
 */
export function emitUpdate(b: GraphBuilder, name: string, args: Args, p: Value, g: Value, slots: Value[], lr: Value, t: Value): { param: Value; slots: Value[] } {
  const c = (x: number) => b.const(x, p.type.dtype);
  const num = (k: string, d: number) => Number(args[k] ?? d);
  const sqrt = (x: Value) => b.emit("sqrt", [x]);
  const pow = (base: number, e: Value) => b.emit("pow", [c(base), e]);
  const sq = (x: Value) => b.mul(x, x);
  const ema = (old: Value, x: Value, rho: number) => b.add(b.mul(old, c(rho)), b.mul(x, c(1 - rho)));
  const eps = num("epsilon", 1e-7);
  switch (name) {
    case "sgd": {
      const mom = num("momentum", 0);
      if (!mom) return { param: b.sub(p, b.mul(g, lr)), slots: [] };
      // Keras: v = momentum·v − lr·g; p += v (Nesterov: p += momentum·v − lr·g).
      const v = b.sub(b.mul(slots[0]!, c(mom)), b.mul(g, lr));
      const step = args["nesterov"] ? b.sub(b.mul(v, c(mom)), b.mul(g, lr)) : v;
      return { param: b.add(p, step), slots: [v] };
    }
    case "adam": {
      const b1 = num("beta_1", 0.9), b2 = num("beta_2", 0.999);
      const m = ema(slots[0]!, g, b1), v = ema(slots[1]!, sq(g), b2);
      // Bias correction folded into the rate: lr·√(1−β₂ᵗ)/(1−β₁ᵗ).
      const lrT = b.div(b.mul(lr, sqrt(b.sub(c(1), pow(b2, t)))), b.sub(c(1), pow(b1, t)));
      const vUse = args["amsgrad"] ? b.emit("maximum", [slots[2]!, v]) : v;
      const param = b.sub(p, b.div(b.mul(m, lrT), b.add(sqrt(vUse), c(eps))));
      return { param, slots: args["amsgrad"] ? [m, v, vUse] : [m, v] };
    }
    case "rmsprop": {
      const ms = ema(slots[0]!, sq(g), num("rho", 0.9));
      const inc = b.div(b.mul(g, lr), b.add(sqrt(ms), c(eps)));
      const mom = num("momentum", 0);
      if (!mom) return { param: b.sub(p, inc), slots: [ms] };
      const m = b.add(b.mul(slots[1]!, c(mom)), inc);
      return { param: b.sub(p, m), slots: [ms, m] };
    }
    case "adagrad": {
      const acc = b.add(slots[0]!, sq(g));
      return { param: b.sub(p, b.div(b.mul(g, lr), b.add(sqrt(acc), c(eps)))), slots: [acc] };
    }
    case "adadelta": {
      const rho = num("rho", 0.95);
      const acc = ema(slots[0]!, sq(g), rho);
      const upd = b.mul(g, b.div(sqrt(b.add(slots[1]!, c(eps))), sqrt(b.add(acc, c(eps)))));
      const dacc = ema(slots[1]!, sq(upd), rho);
      return { param: b.sub(p, b.mul(upd, lr)), slots: [acc, dacc] };
    }
    case "adamax": {
      const b1 = num("beta_1", 0.9), b2 = num("beta_2", 0.999);
      const m = ema(slots[0]!, g, b1);
      const u = b.emit("maximum", [b.mul(slots[1]!, c(b2)), b.emit("abs", [g])]);
      const lrT = b.div(lr, b.sub(c(1), pow(b1, t)));
      return { param: b.sub(p, b.div(b.mul(m, lrT), b.add(u, c(eps)))), slots: [m, u] };
    }
    case "nadam": {
      // Nesterov-accelerated Adam (Dozat), without Keras's momentum-decay schedule.
      const b1 = num("beta_1", 0.9), b2 = num("beta_2", 0.999);
      const m = ema(slots[0]!, g, b1), v = ema(slots[1]!, sq(g), b2);
      const mHat = b.add(
        b.div(b.mul(m, c(b1)), b.sub(c(1), pow(b1, b.add(t, c(1))))),
        b.div(b.mul(g, c(1 - b1)), b.sub(c(1), pow(b1, t))),
      );
      const vHat = b.div(v, b.sub(c(1), pow(b2, t)));
      return { param: b.sub(p, b.div(b.mul(mHat, lr), b.add(sqrt(vHat), c(eps)))), slots: [m, v] };
    }
    default:
      throw new Error(`internal: no update rule for optimizer ${name}`);
  }
}
