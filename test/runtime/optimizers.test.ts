// Optimizer update rules (src/ir/passes/optimizer.ts) against plain-JS transcriptions of the Keras
// formulas, three steps in f64 on the reference executor; gradient clipping and L1/L2 penalties
// through the whole training-step graph (buildTrainStep).
import { describe, expect, it } from "vitest";
import { GraphBuilder, type Origin } from "../../src/ir/builder.js";
import { Dim } from "../../src/ir/dim.js";
import { newGraph, type ParamInfo, type Value } from "../../src/ir/graph.js";
import { emitUpdate, slotsFor } from "../../src/ir/passes/optimizer.js";
import { buildTrainStep } from "../../src/ir/passes/train-step.js";
import { verifyGraph } from "../../src/ir/verify.js";
import { execute } from "../../src/runtime/ref/executor.js";
import { tensor, type Tensor } from "../../src/runtime/tensor.js";

const SPAN = { file: "t.nn", start: 0, end: 0, line: 1, col: 1, endLine: 1, endCol: 1 };
const ORIGIN: Origin = { span: SPAN, scope: "" };
const f64 = (shape: number[], v: number[]): Tensor => tensor("f64", shape, v);
const N = 4;
const P0 = [0.5, -1.25, 2, 0.1];
const GRADS = [[0.1, -0.2, 0.3, 0.05], [-0.05, 0.4, 0.01, -0.3], [0.2, 0, -0.3, 0.7]];
const LR = 0.1;

type Args = Record<string, number | string | boolean>;
type State = { p: number[]; s: number[][] };

/** Runs `steps` updates of `name` through emitUpdate on the reference executor (float64). */
function runGraph(name: string, args: Args, steps = GRADS.length): State[] {
  const g = newGraph("opt");
  const b = new GraphBuilder(g, ORIGIN, 0);
  const vec = (nm: string): Value => { const v = b.newValue({ dtype: "f32", shape: [Dim.const(N)] }, nm); g.inputs.push(v); return v; };
  const p = vec("p"), gr = vec("g");
  const specs = slotsFor(name, args);
  const slots = specs.map((s) => vec(s.name));
  const lr = b.newValue({ dtype: "f32", shape: [] }, "lr"), t = b.newValue({ dtype: "f32", shape: [] }, "t");
  g.inputs.push(lr, t);
  const u = emitUpdate(b, name, args, p, gr, slots, lr, t);
  g.outputs = [u.param, ...u.slots];
  expect(verifyGraph(g)).toEqual([]);
  let st: State = { p: [...P0], s: specs.map((s) => new Array(N).fill(s.init(args))) };
  const out: State[] = [];
  for (let k = 0; k < steps; k++) {
    const feeds = new Map<number, Tensor>([[p.id, f64([N], st.p)], [gr.id, f64([N], GRADS[k]!)], [lr.id, f64([], [LR])], [t.id, f64([], [k + 1])]]);
    slots.forEach((v, i) => feeds.set(v.id, f64([N], st.s[i]!)));
    const [np, ...ns] = execute(g, feeds, { float64: true }).map((x) => Array.from(x.data));
    st = { p: np!, s: ns };
    out.push(st);
  }
  return out;
}

/** A per-element reference rule: (p, g, slots, t) → [new p, new slots]. */
type Rule = (p: number, g: number, s: number[], t: number) => [number, number[]];

function runRef(rule: Rule, init: number[]): State[] {
  let st: State = { p: [...P0], s: init.map((v) => new Array(N).fill(v)) };
  const out: State[] = [];
  GRADS.forEach((gs, k) => {
    const next: State = { p: [], s: init.map(() => []) };
    for (let i = 0; i < N; i++) {
      const [np, ns] = rule(st.p[i]!, gs[i]!, st.s.map((s) => s[i]!), k + 1);
      next.p.push(np);
      ns.forEach((v, j) => next.s[j]!.push(v));
    }
    st = next;
    out.push(st);
  });
  return out;
}

function expectClose(got: number[], want: number[], what: string): void {
  expect(got.length, what).toBe(want.length);
  got.forEach((x, i) => expect(Math.abs(x - want[i]!), `${what}[${i}]: ${x} vs ${want[i]}`).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(want[i]!))));
}

// Keras's formulas, written out (lr = LR; epsilon default 1e-7).
const E = 1e-7;
const CASES: { name: string; args: Args; init: number[]; rule: Rule }[] = [
  { name: "sgd", args: {}, init: [], rule: (p, g) => [p - LR * g, []] },
  { name: "sgd", args: { momentum: 0.9 }, init: [0], rule: (p, g, [v]) => { const nv = 0.9 * v! - LR * g; return [p + nv, [nv]]; } },
  { name: "sgd", args: { momentum: 0.9, nesterov: true }, init: [0], rule: (p, g, [v]) => { const nv = 0.9 * v! - LR * g; return [p + 0.9 * nv - LR * g, [nv]]; } },
  { name: "adam", args: {}, init: [0, 0], rule: (p, g, [m, v], t) => {
    const nm = 0.9 * m! + 0.1 * g, nv = 0.999 * v! + 0.001 * g * g;
    const lrT = (LR * Math.sqrt(1 - 0.999 ** t)) / (1 - 0.9 ** t);
    return [p - (lrT * nm) / (Math.sqrt(nv) + E), [nm, nv]];
  } },
  { name: "adam", args: { amsgrad: true, beta_1: 0.8, beta_2: 0.99, epsilon: 1e-3 }, init: [0, 0, 0], rule: (p, g, [m, v, vh], t) => {
    const nm = 0.8 * m! + 0.2 * g, nv = 0.99 * v! + 0.01 * g * g, nvh = Math.max(vh!, nv);
    const lrT = (LR * Math.sqrt(1 - 0.99 ** t)) / (1 - 0.8 ** t);
    return [p - (lrT * nm) / (Math.sqrt(nvh) + 1e-3), [nm, nv, nvh]];
  } },
  { name: "rmsprop", args: {}, init: [0], rule: (p, g, [ms]) => {
    const nms = 0.9 * ms! + 0.1 * g * g;
    return [p - (LR * g) / (Math.sqrt(nms) + E), [nms]];
  } },
  { name: "rmsprop", args: { momentum: 0.5, rho: 0.8 }, init: [0, 0], rule: (p, g, [ms, mom]) => {
    const nms = 0.8 * ms! + 0.2 * g * g, nmom = 0.5 * mom! + (LR * g) / (Math.sqrt(nms) + E);
    return [p - nmom, [nms, nmom]];
  } },
  { name: "adagrad", args: {}, init: [0.1], rule: (p, g, [acc]) => {
    const na = acc! + g * g;
    return [p - (LR * g) / (Math.sqrt(na) + E), [na]];
  } },
  { name: "adagrad", args: { initial_accumulator_value: 0.5 }, init: [0.5], rule: (p, g, [acc]) => {
    const na = acc! + g * g;
    return [p - (LR * g) / (Math.sqrt(na) + E), [na]];
  } },
  { name: "adadelta", args: {}, init: [0, 0], rule: (p, g, [acc, dacc]) => {
    const na = 0.95 * acc! + 0.05 * g * g;
    const upd = (g * Math.sqrt(dacc! + E)) / Math.sqrt(na + E);
    return [p - LR * upd, [na, 0.95 * dacc! + 0.05 * upd * upd]];
  } },
  { name: "adamax", args: {}, init: [0, 0], rule: (p, g, [m, u], t) => {
    const nm = 0.9 * m! + 0.1 * g, nu = Math.max(0.999 * u!, Math.abs(g));
    return [p - ((LR / (1 - 0.9 ** t)) * nm) / (nu + E), [nm, nu]];
  } },
  // Nadam as optimizer.ts documents it: Dozat's rule with constant β₁ (no Keras momentum-decay schedule).
  { name: "nadam", args: {}, init: [0, 0], rule: (p, g, [m, v], t) => {
    const nm = 0.9 * m! + 0.1 * g, nv = 0.999 * v! + 0.001 * g * g;
    const mHat = (0.9 * nm) / (1 - 0.9 ** (t + 1)) + (0.1 * g) / (1 - 0.9 ** t);
    const vHat = nv / (1 - 0.999 ** t);
    return [p - (LR * mHat) / (Math.sqrt(vHat) + E), [nm, nv]];
  } },
];

describe("optimizer update rules match the Keras formulas over three steps (f64, 1e-12)", () => {
  for (const c of CASES) {
    it(`${c.name}(${JSON.stringify(c.args)})`, () => {
      expect(slotsFor(c.name, c.args).map((s) => s.init(c.args))).toEqual(c.init);
      const got = runGraph(c.name, c.args), want = runRef(c.rule, c.init);
      got.forEach((st, k) => {
        expectClose(st.p, want[k]!.p, `step ${k + 1} param`);
        st.s.forEach((s, j) => expectClose(s, want[k]!.s[j]!, `step ${k + 1} slot ${j}`));
      });
      // Every step moved the parameter.
      expect(got[2]!.p).not.toEqual(P0);
    });
  }

  it("slot sets: sgd without momentum and rmsprop without momentum keep fewer slots", () => {
    expect(slotsFor("sgd", {}).length).toBe(0);
    expect(slotsFor("sgd", { momentum: 0.9 }).map((s) => s.name)).toEqual(["momentum"]);
    expect(slotsFor("adam", {}).map((s) => s.name)).toEqual(["m", "v"]);
    expect(slotsFor("adam", { amsgrad: true }).map((s) => s.name)).toEqual(["m", "v", "vhat"]);
    expect(slotsFor("rmsprop", {}).map((s) => s.name)).toEqual(["ms"]);
    expect(slotsFor("rmsprop", { momentum: 0.1 }).map((s) => s.name)).toEqual(["ms", "mom"]);
  });
});

/** A one-parameter objective: loss = Σ w·x, so the gradient with respect to w is x. */
function linearStep(opts: { clipNorm?: number; clipValue?: number; regularizer?: ParamInfo["regularizer"]; optimizer?: { name: string; args: Args } }) {
  const g = newGraph("lin");
  const b = new GraphBuilder(g, ORIGIN, 0);
  const x = b.newValue({ dtype: "f32", shape: [Dim.const(N)] }, "x");
  const y = b.newValue({ dtype: "f32", shape: [Dim.const(1)] }, "y");
  g.inputs.push(x, y);
  const w = b.newValue({ dtype: "f32", shape: [Dim.const(N)] }, "w");
  g.params.push({ name: "w", value: w, trainable: true, init: { name: "zeros", args: {} }, regularizer: opts.regularizer, span: SPAN });
  const loss = b.emit("sum", [b.mul(w, x)], { axes: [0], keepdims: false });
  g.outputs = [loss];
  const step = buildTrainStep({ graph: g, features: x, labels: y, prediction: loss, loss, metrics: [] },
    { optimizer: opts.optimizer ?? { name: "sgd", args: {} }, clipNorm: opts.clipNorm, clipValue: opts.clipValue });
  expect(verifyGraph(step.graph)).toEqual([]);
  return (xs: number[], ws: number[], lr = 1) => {
    const feeds = new Map<number, Tensor>([[x.id, f64([N], xs)], [y.id, f64([1], [0])], [w.id, f64([N], ws)], [step.lr.id, f64([], [lr])], [step.step.id, f64([], [1])]]);
    for (const s of step.slots) feeds.set(s.value.id, f64([N], new Array(N).fill(s.init)));
    const outs = execute(step.graph, feeds, { float64: true });
    return { loss: outs[step.out.loss]!.data[0]!, w: Array.from(outs[step.out.params[0]!.index]!.data) };
  };
}

describe("gradient clipping and regularization in the training step", () => {
  const W = [0.5, -1, 2, 0.25];

  it("clip_value clamps each gradient element to [-c, c]", () => {
    const run = linearStep({ clipValue: 0.5 });
    const r = run([0.1, -3, 0.7, -0.4], W);
    expectClose(r.w, [0.5 - 0.1, -1 + 0.5, 2 - 0.5, 0.25 + 0.4], "w");
    expect(r.loss).toBeCloseTo(0.05 + 3 + 1.4 - 0.1, 12);
  });

  it("clip_norm rescales a gradient whose norm exceeds c (g·c/‖g‖) and leaves a small one alone", () => {
    const run = linearStep({ clipNorm: 1 });
    const big = [3, -4, 0, 0]; // ‖g‖ = 5
    expectClose(run(big, W).w, [0.5 - 0.6, -1 + 0.8, 2, 0.25], "clipped w");
    const small = [0.3, -0.4, 0, 0]; // ‖g‖ = 0.5 < 1
    expectClose(run(small, W).w, [0.5 - 0.3, -1 + 0.4, 2, 0.25], "unclipped w");
  });

  it("clip_value then clip_norm combine", () => {
    const run = linearStep({ clipValue: 3, clipNorm: 2.5 });
    // clip_value: [3, -3, 0, 0] (‖·‖ = 3√2), then × 2.5 / (3√2).
    const s = 2.5 / (3 * Math.SQRT2);
    expectClose(run([10, -4, 0, 0], W, 0.1).w, [0.5 - 0.1 * 3 * s, -1 + 0.1 * 3 * s, 2, 0.25], "w");
  });

  it("l2 adds l2·Σw² to the loss and 2·l2·w to the gradient", () => {
    const xs = [0.1, 0.2, -0.3, 0.4];
    const base = xs.reduce((a, xi, i) => a + xi * W[i]!, 0), sq = W.reduce((a, w) => a + w * w, 0);
    const r = linearStep({ regularizer: { name: "l2", args: { l2: 0.05 } } })(xs, W, 0.1);
    expect(Math.abs(r.loss - (base + 0.05 * sq))).toBeLessThan(1e-12);
    expectClose(r.w, W.map((w, i) => w - 0.1 * (xs[i]! + 2 * 0.05 * w)), "w");
    // The default factor is 0.01.
    expect(Math.abs(linearStep({ regularizer: { name: "l2", args: {} } })(xs, W).loss - (base + 0.01 * sq))).toBeLessThan(1e-12);
  });

  it("l1 adds l1·Σ|w| and l1_l2 adds both", () => {
    const xs = [0.1, 0.2, -0.3, 0.4];
    const base = xs.reduce((a, xi, i) => a + xi * W[i]!, 0);
    const abs = W.reduce((a, w) => a + Math.abs(w), 0), sq = W.reduce((a, w) => a + w * w, 0);
    expect(Math.abs(linearStep({ regularizer: { name: "l1", args: { l1: 0.2 } } })(xs, W).loss - (base + 0.2 * abs))).toBeLessThan(1e-12);
    const both = linearStep({ regularizer: { name: "l1_l2", args: { l1: 0.2, l2: 0.3 } } })(xs, W, 0.1);
    expect(Math.abs(both.loss - (base + 0.2 * abs + 0.3 * sq))).toBeLessThan(1e-12);
    expectClose(both.w, W.map((w, i) => w - 0.1 * (xs[i]! + 0.2 * Math.sign(w) + 0.6 * w)), "w");
  });
});
