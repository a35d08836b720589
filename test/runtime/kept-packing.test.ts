// Weights' packings kept between training steps (LowerOptions.updatedParams): the forward's packing of
// a weight moves to the load steps, and the GEMM epilogue that stores the weight's new value stores its
// panels too. The step runner runs the load steps again whenever the weights in the state are not the
// ones its last committed step handed out.
import { describe, expect, it } from "vitest";
import { verifyProgram } from "../../src/codegen/kir/verify.js";
import { buffersOf, kernelsOf } from "../../src/codegen/kir/walk.js";
import { lowerGraph } from "../../src/codegen/lower/lower.js";
import { planFor } from "../../src/cli/run.js";
import { stepRunner } from "../../src/runtime/cpu/backend.js";
import { Rng } from "../../src/runtime/rng.js";
import { createSession } from "../../src/runtime/session.js";
import type { StepState } from "../../src/runtime/step.js";
import { cloneTensor, type Tensor } from "../../src/runtime/tensor.js";
import { Case, tempCache } from "../codegen/helpers.js";
import { exampleWithData } from "../examples/helpers.js";

/** y = x · w, and w's "update" w − 0.1 · xᵀ · dy (an epilogue of the weight gradient), as a training step has. */
function step() {
  const c = new Case(95, { B: 24 });
  const x = c.input("x", ["B", 40]), dy = c.input("dy", ["B", 64]), w = c.input("w", [40, 64]);
  const y = c.emit("matmul", [x, w]);
  const grad = c.emit("matmul", [c.emit("transpose", [x], { perm: [1, 0] }), dy]);
  c.g.outputs = [y, c.b.sub(w, c.b.mul(grad, c.b.const(0.1)))];
  c.g.inputs = [x, dy];
  const span = { file: "test.nn", line: 1, col: 1, endLine: 1, endCol: 1 } as never;
  c.g.params = [{ name: "w", value: w, trainable: true, init: { name: "zeros", args: {} }, span }];
  return { c, w };
}

describe("kept packings in the kernel IR", () => {
  it("the packing of w runs at load into state that follows w's new value, stored by the weight gradient's epilogue", () => {
    const { c, w } = step();
    const p = lowerGraph(c.g, { vectorWidth: 16, updatedParams: [{ param: w.id, output: 1 }] }).program!;
    expect(verifyProgram(p)).toEqual([]);
    expect(kernelsOf(p.load).map((k) => k.name)).toEqual(["k0_matmul_pack_b"]);
    const state = p.buffers.filter((b) => b.kind === "state");
    expect(state).toHaveLength(1);
    expect(state[0]!.follows).toBe(p.outputs[1]);
    // Written by exactly the kernels that write the new weight, and read by the forward product.
    const writers = kernelsOf(p.steps).filter((k) => buffersOf({ k: "kernel", kernel: k }).writes.has(state[0]!.id)).map((k) => k.name);
    expect(writers).toEqual(kernelsOf(p.steps).filter((k) => buffersOf({ k: "kernel", kernel: k }).writes.has(p.outputs[1]!)).map((k) => k.name));
    expect(writers).toHaveLength(1);
    // Without the pairing (or for inference) the packing stays in the step.
    const plain = lowerGraph(c.g, { vectorWidth: 16 }).program!;
    expect(plain.load).toEqual([]);
    expect(kernelsOf(plain.steps)[0]!.name).toBe("k0_matmul_pack_b");
  });

  it("a new weight that no epilogue stores (computed by a kernel of its own) keeps its packing in the step", () => {
    const { c, w } = step();
    // sign() does not vectorise: the update is a kernel of its own, which does not store panels.
    c.g.outputs[1] = c.emit("sign", [c.g.outputs[1]!]);
    const p = lowerGraph(c.g, { vectorWidth: 16, updatedParams: [{ param: w.id, output: 1 }] }).program!;
    expect(verifyProgram(p)).toEqual([]);
    expect(p.load).toEqual([]);
    expect(p.buffers.some((b) => b.kind === "state")).toBe(false);
  });
});

describe("kept packings in training", () => {
  it("steps agree with the reference after a committed step, an uncommitted one, and weights replaced by the caller", () => {
    const quietIo = { stdout: { write: () => true, isTTY: false }, stderr: { write: (s: string) => { throw new Error(s); }, isTTY: false }, env: { NNC_CACHE_DIR: tempCache() } };
    const p = planFor(exampleWithData("moons_mlp.nn"), quietIo, "run");
    if ("exit" in p) throw new Error("cannot plan moons_mlp.nn");
    p.plan.data.limit = 64;
    const s = createSession(p.plan, p.entry);
    const cpu = stepRunner(s, "cpu", quietIo.env), ref = stepRunner(s, "ref");
    expect(cpu.message).toMatch(/^CPU backend/);
    const rows = (t: Tensor, from: number, n: number): Tensor => {
      const per = t.data.length / t.shape[0]!;
      return { dtype: t.dtype, shape: [n, ...t.shape.slice(1)], data: t.data.slice(from * per, (from + n) * per) };
    };
    const fresh = (): StepState => ({ weights: new Map([...s.weights].map(([k, v]) => [k, cloneTensor(v)])), slots: new Map([...s.slots].map(([k, v]) => [k, cloneTensor(v)])), step: 0 });
    const a = fresh(), b = fresh();
    const both = (k: number, commit: boolean, sa = a, sb = b) => {
      const x = rows(s.data.train.features, 16 * (k % 2), 16), y = rows(s.data.train.labels, 16 * (k % 2), 16);
      const ra = cpu.runner.run(sa, x, y, 0.05, new Rng(k)), rb = ref.runner.run(sb, x, y, 0.05, new Rng(k));
      expect(Math.abs(ra.loss - rb.loss) / Math.max(Math.abs(rb.loss), 1e-3), `loss at step ${k}: ${ra.loss} vs ${rb.loss}`).toBeLessThan(1e-4);
      if (commit) {
        ra.commit();
        rb.commit();
      }
    };
    both(1, true);
    both(2, true);
    // Not committed: the kept packings hold this step's new weights, which the next step must not use.
    both(3, false);
    both(4, true);
    // The caller replaces one weight (as restoring a checkpoint does): packed again from it.
    const name = [...s.weights.keys()][0]!;
    const w = cloneTensor(s.weights.get(name)!);
    a.weights.set(name, w);
    b.weights.set(name, cloneTensor(w));
    both(5, true);
    // Another state altogether.
    both(6, true, fresh(), fresh());
  });
});
