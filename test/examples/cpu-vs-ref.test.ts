// Every example on the compiled CPU backend against the reference executor: the kernel list (golden),
// a verified kernel IR, and the first training steps from the same weights agreeing within float32 noise.
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { planFor } from "../../src/cli/run.js";
import { kernelList } from "../../src/codegen/kir/printer.js";
import { verifyProgram } from "../../src/codegen/kir/verify.js";
import { lowerGraph } from "../../src/codegen/lower/lower.js";
import { evalRunner, stepLowering, stepRunner } from "../../src/runtime/cpu/backend.js";
import { Rng } from "../../src/runtime/rng.js";
import { createSession } from "../../src/runtime/session.js";
import type { StepState } from "../../src/runtime/step.js";
import { cloneTensor, type Tensor } from "../../src/runtime/tensor.js";
import { exampleFiles, exampleWithData, tmp } from "./helpers.js";

const quietIo = { stdout: { write: () => true, isTTY: false }, stderr: { write: (s: string) => { throw new Error(s); }, isTTY: false }, env: { NNC_CACHE_DIR: tmp() } };

const rows = (t: Tensor, n: number): Tensor => ({ dtype: t.dtype, shape: [n, ...t.shape.slice(1)], data: t.data.slice(0, (n * t.data.length) / t.shape[0]!) });

/** max |a − b| over max(max |a|, 1e-3): float32 rounding scales with a tensor's magnitude. */
function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0, m = 1e-3;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    m = Math.max(m, Math.abs(a[i]!));
  }
  return d / m;
}

describe("CPU backend vs the reference executor, per example", () => {
  for (const f of exampleFiles()) {
    it(`${f}: golden kernel list, verified kernel IR, 3 training steps agree`, async () => {
      const p = planFor(exampleWithData(f), quietIo, "run");
      if ("exit" in p) throw new Error(`cannot plan ${f}`);
      p.plan.data.limit = 64;
      const s = createSession(p.plan, p.entry);
      // Dropout draws from different random streams on the two backends; rate 0 makes them comparable.
      for (const n of s.step.graph.nodes) if (n.op === "dropout_mask") n.attrs["rate"] = 0;
      // As `nnc run` lowers the step: with its finite check of the new parameters as the last kernel.
      const lowering = stepLowering(s);
      const low = lowerGraph(s.step.graph, lowering);
      expect(low.diagnostics).toEqual([]);
      expect(verifyProgram(low.program!)).toEqual([]);
      await expect(kernelList(low.program!).replaceAll(path.sep, "/")).toMatchFileSnapshot(`../golden/__golden__/kernels/${f.replace(".nn", ".txt")}`);
      // With AVX-512's 16 lanes: packed GEMMs (packing of loop-invariant weights outside recurrences).
      const wide = lowerGraph(s.step.graph, { vectorWidth: 16, ...lowering });
      expect(verifyProgram(wide.program!)).toEqual([]);
      await expect(kernelList(wide.program!).replaceAll(path.sep, "/")).toMatchFileSnapshot(`../golden/__golden__/kernels-16-lanes/${f.replace(".nn", ".txt")}`);

      const cpu = stepRunner(s, "cpu", quietIo.env), ref = stepRunner(s, "ref");
      expect(cpu.message).toMatch(/^CPU backend/);
      const fresh = (): StepState => ({ weights: new Map([...s.weights].map(([k, v]) => [k, cloneTensor(v)])), slots: new Map([...s.slots].map(([k, v]) => [k, cloneTensor(v)])), step: 0 });
      const a = fresh(), b = fresh();
      const B = Math.min(16, s.data.train.features.shape[0]!);
      for (let k = 0; k < 3; k++) {
        const x = rows(s.data.train.features, B), y = rows(s.data.train.labels, B);
        const ra = cpu.runner.run(a, x, y, 0.001, new Rng(k)), rb = ref.runner.run(b, x, y, 0.001, new Rng(k));
        expect(Math.abs(ra.loss - rb.loss) / Math.max(Math.abs(rb.loss), 1e-3), `loss at step ${k + 1}`).toBeLessThan(1e-4);
        ra.commit();
        rb.commit();
        // A reference step of the bidirectional LSTMs takes seconds: let vitest's worker talk in between.
        await new Promise((r) => setImmediate(r));
      }
      for (const [name, w] of b.weights) expect(relDiff(w.data, a.weights.get(name)!.data), name).toBeLessThan(1e-3);
    }, 120_000);
  }
});

describe("CPU backend vs the reference executor, per example, in evaluation mode (inference)", () => {
  for (const f of exampleFiles()) {
    it(`${f}: the compiled model's predictions agree`, async () => {
      const p = planFor(exampleWithData(f), quietIo, "run");
      if ("exit" in p) throw new Error(`cannot plan ${f}`);
      p.plan.data.limit = 64;
      const s = createSession(p.plan, p.entry);
      // The model alone (no loss): a convolution read only by a max pooling computes the pooled maxima itself.
      const g = s.plan.model.graph;
      const cpu = evalRunner(g, "cpu", quietIo.env), ref = evalRunner(g, "ref");
      expect(cpu.message).toMatch(/^CPU backend/);
      cpu.runner.load(s.weights);
      ref.runner.load(s.weights);
      const x = rows(s.data.train.features, Math.min(8, s.data.train.features.shape[0]!));
      const feeds = new Map([[g.inputs[0]!.id, x]]);
      const got = cpu.runner.run(feeds), want = ref.runner.run(feeds);
      expect(got.length).toBe(want.length);
      got.forEach((t, i) => expect(relDiff(t.data, want[i]!.data), `output ${i}`).toBeLessThan(1e-4));
    }, 120_000);
  }
});
