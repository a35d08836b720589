// Learning-rate schedules and Keras-style decay (src/runtime/schedule.ts): exact values at chosen steps.
// learningRate(base, decay, schedule, step, epoch): `step` counts the optimizer steps taken before this one.
import { describe, expect, it } from "vitest";
import { learningRate } from "../../src/runtime/schedule.js";

const sched = (name: string, args: Record<string, number> = {}) => ({ name, args });
const lr = (s: ReturnType<typeof sched> | undefined, step: number, epoch = 0, base = 0.1, decay = 0) => learningRate(base, decay, s, step, epoch);
const close = (got: number, want: number) => expect(Math.abs(got - want), `${got} vs ${want}`).toBeLessThanOrEqual(1e-15 * Math.max(1, Math.abs(want)));

describe("no schedule", () => {
  it("is the base rate at every step and epoch", () => {
    expect(lr(undefined, 0)).toBe(0.1);
    expect(lr(undefined, 12345, 99)).toBe(0.1);
  });
});

describe("step_decay", () => {
  it("multiplies by `drop` once every `every` epochs (0-based epochs; steps do not matter)", () => {
    const s = sched("step_decay", { drop: 0.5, every: 3 });
    expect([0, 1, 2, 3, 5, 6, 9].map((e) => lr(s, 1000, e))).toEqual([0.1, 0.1, 0.1, 0.05, 0.05, 0.025, 0.0125]);
  });
  it("defaults: drop 0.5 every 10 epochs", () => {
    const s = sched("step_decay");
    expect(lr(s, 0, 9)).toBe(0.1);
    expect(lr(s, 0, 10)).toBe(0.05);
    expect(lr(s, 0, 25)).toBe(0.025);
  });
});

describe("exponential_decay", () => {
  it("lr · rate^(step / steps), continuous (not staircase)", () => {
    const s = sched("exponential_decay", { rate: 0.5, steps: 100 });
    expect(lr(s, 0)).toBe(0.1);
    close(lr(s, 100), 0.05);
    close(lr(s, 300), 0.0125);
    close(lr(s, 50), 0.1 * Math.SQRT1_2);
    close(lr(s, 1), 0.1 * 0.5 ** 0.01);
  });
  it("defaults: rate 0.96 per 1000 steps", () => {
    close(lr(sched("exponential_decay"), 1000), 0.096);
    close(lr(sched("exponential_decay"), 2000), 0.1 * 0.96 * 0.96);
  });
});

describe("cosine_decay", () => {
  it("from lr to 0 over `steps` steps, then constant", () => {
    const s = sched("cosine_decay", { steps: 100 });
    expect(lr(s, 0)).toBe(0.1);
    close(lr(s, 50), 0.05);
    close(lr(s, 25), 0.1 * 0.5 * (1 + Math.SQRT1_2));
    close(lr(s, 100), 0);
    close(lr(s, 500), 0);
  });
  it("with alpha: to alpha·lr", () => {
    const s = sched("cosine_decay", { steps: 10, alpha: 0.2 });
    close(lr(s, 5), 0.1 * (0.8 * 0.5 + 0.2));
    close(lr(s, 10), 0.02);
    close(lr(s, 11), 0.02);
  });
});

describe("warmup", () => {
  it("linear from lr/steps at step 0 to lr at step steps-1, then constant", () => {
    const s = sched("warmup", { steps: 4 });
    [0.025, 0.05, 0.075, 0.1, 0.1, 0.1].forEach((want, step) => close(lr(s, step), want));
    close(lr(s, 10_000), 0.1);
  });
  it("then cosine decay over decay_steps", () => {
    const s = sched("warmup", { steps: 4, decay_steps: 10 });
    close(lr(s, 3), 0.1);
    close(lr(s, 4), 0.1);
    close(lr(s, 9), 0.05);
    close(lr(s, 14), 0);
    close(lr(s, 100), 0);
  });
  it("default: 100 warm-up steps", () => {
    close(lr(sched("warmup"), 0), 0.001);
    close(lr(sched("warmup"), 49), 0.05);
    close(lr(sched("warmup"), 99), 0.1);
  });
});

describe("decay (Keras's legacy lr / (1 + decay·iterations))", () => {
  it("alone", () => {
    expect(lr(undefined, 0, 0, 0.1, 0.01)).toBe(0.1);
    close(lr(undefined, 100, 0, 0.1, 0.01), 0.05);
    close(lr(undefined, 300, 7, 0.1, 0.01), 0.025);
  });
  it("applied after a schedule", () => {
    close(lr(sched("step_decay", { drop: 0.5, every: 1 }), 100, 1, 0.1, 0.01), 0.025);
    close(lr(sched("exponential_decay", { rate: 0.5, steps: 100 }), 100, 0, 0.1, 0.01), 0.025);
  });
});
