// Inference with constant parameters: what the program prepares from parameters alone (B's packing)
// runs in its load steps, once per `load`, into state buffers; and a batch already in the storage type
// is lent to the program (read where it lies) instead of copied into its input buffer.
import { describe, expect, it } from "vitest";
import type { Value } from "../../src/ir/graph.js";
import { programToString, kernelList } from "../../src/codegen/kir/printer.js";
import { verifyProgram } from "../../src/codegen/kir/verify.js";
import { kernelsOf } from "../../src/codegen/kir/walk.js";
import { lowerGraph } from "../../src/codegen/lower/lower.js";
import { compileEvaluator } from "../../src/runtime/cpu/evaluator.js";
import { execute } from "../../src/runtime/ref/executor.js";
import { tensor, type Tensor } from "../../src/runtime/tensor.js";
import { Case, compareTensors, tempCache } from "../codegen/helpers.js";

const cache = tempCache();

/** relu(x · w + b) · v: x an input [B, 40]; w [40, 70], b [70] and v [70, 5] parameters. */
function mlp(): { c: Case; x: Value; params: Value[] } {
  const c = new Case(91, { B: 16 });
  const x = c.input("x", ["B", 40]);
  // Built from inputs so that the Case has their shapes, then moved to the parameters.
  const w = c.input("w", [40, 70]), b = c.input("b", [70]), v = c.input("v", [70, 5]);
  const h = c.emit("maximum", [c.b.add(c.emit("matmul", [x, w]), b), c.b.const(0)]);
  c.g.outputs = [c.emit("matmul", [h, v])];
  c.g.inputs = [x];
  const span = { file: "test.nn", line: 1, col: 1, endLine: 1, endCol: 1 } as never;
  c.g.params = [w, b, v].map((p) => ({ name: p.name!, value: p, trainable: true, init: { name: "zeros", args: {} }, span }));
  return { c, x, params: [w, b, v] };
}

const f32 = (t: Tensor): Tensor => ({ dtype: "f32", shape: t.shape, data: Float32Array.from(t.data as ArrayLike<number>) });

describe("load steps (constant parameters)", () => {
  it("move B's packing of a parameter into the load steps, writing state buffers; training programs have none", () => {
    const { c } = mlp();
    const p = lowerGraph(c.g, { vectorWidth: 16, constantParams: true }).program!;
    expect(verifyProgram(p)).toEqual([]);
    expect(kernelsOf(p.load).map((k) => k.name)).toEqual(["k0_matmul_pack_b", "k2_matmul_pack_b"]);
    expect(kernelsOf(p.steps).map((k) => k.name)).toEqual(["k1_matmul", "k3_matmul"]);
    expect(p.buffers.filter((b) => b.kind === "state").map((b) => b.name)).toEqual([expect.stringMatching(/^packb/), expect.stringMatching(/^packb/)]);
    expect(programToString(p)).toContain("load:\n");
    expect(kernelList(p)).toMatch(/^load \(once per parameter load\):\n {2}k0_matmul_pack_b/);
    const train = lowerGraph(c.g, { vectorWidth: 16 }).program!;
    expect(train.load).toEqual([]);
    expect(train.buffers.some((b) => b.kind === "state")).toBe(false);
  });

  it("a packing that reads an input (not only parameters) stays in the step", () => {
    const c = new Case(92, { B: 4 });
    c.g.outputs = [c.emit("matmul", [c.input("a", ["B", 40]), c.input("bm", [40, 70])])];
    const p = lowerGraph(c.g, { vectorWidth: 16, constantParams: true }).program!;
    expect(p.load).toEqual([]);
  });

  it("the evaluator packs at load: outputs follow the weights of the latest load, and equal the reference's", () => {
    const { c, x, params } = mlp();
    const r = compileEvaluator(c.g, { env: { NNC_CACHE_DIR: cache } });
    const ev = r.evaluator!;
    expect(ev.compiled.program.load.length).toBe(2);
    const batch = (n: number, seed: number): Tensor => tensor("f32", [n, 40], Array.from({ length: n * 40 }, (_, i) => Math.sin(i * 0.37 + seed)));
    for (const seed of [1, 2]) {
      const weights = new Map(params.map((p, i) => {
        const t = f32(c.feeds.get(p.id)!);
        t.data.forEach((v, j) => ((t.data as Float32Array)[j] = v + 0.1 * seed * Math.cos(i + j)));
        return [p.name!, t];
      }));
      ev.load(weights);
      for (const n of [3, 16]) {
        const xs = batch(n, seed);
        const feeds = new Map<number, Tensor>([[x.id, xs], ...params.map((p) => [p.id, weights.get(p.name!)!] as [number, Tensor])]);
        const want = execute(c.g, feeds)[0]!;
        compareTensors(ev.run(new Map([[x.id, xs]]))[0]!, want, `weights ${seed}, batch ${n}`);
      }
    }
  });
});

describe("lent batches", () => {
  it("a batch of at least 1 KiB in the storage type is read in place; a smaller one is copied; both are right", () => {
    const { c, x, params } = mlp();
    const ev = compileEvaluator(c.g, { env: { NNC_CACHE_DIR: cache } }).evaluator!;
    const weights = new Map(params.map((p) => [p.name!, f32(c.feeds.get(p.id)!)]));
    ev.load(weights);
    const native = ev.compiled.native, xBuf = ev.compiled.program.inputs[0]!;
    const run = (n: number) => {
      const xs = tensor("f32", [n, 40], Array.from({ length: n * 40 }, (_, i) => Math.cos(i * 0.11)));
      const feeds = new Map<number, Tensor>([[x.id, xs], ...params.map((p) => [p.id, weights.get(p.name!)!] as [number, Tensor])]);
      compareTensors(ev.run(new Map([[x.id, xs]]))[0]!, execute(c.g, feeds)[0]!, `batch ${n}`);
      return native.view(xBuf, new Map([["B", n]]));
    };
    // 16 rows of 40 floats: 2,560 bytes, lent: the native input buffer is never written.
    expect(native.canLend(xBuf, new Float32Array(16 * 40), new Map([["B", 16]]))).toBe(true);
    expect([...run(16)].every((v) => v === 0)).toBe(true);
    // 4 rows: 640 bytes, copied (small typed arrays may live on V8's heap, where they move).
    expect(native.canLend(xBuf, new Float32Array(4 * 40), new Map([["B", 4]]))).toBe(false);
    expect(run(4)[0]).toBeCloseTo(1, 6);
    // Lent again after a copy: the buffer table points back at the native buffer after each run.
    run(32);
    run(4);
    // A different element type or length is never lent.
    expect(native.canLend(xBuf, new Int32Array(16 * 40), new Map([["B", 16]]))).toBe(false);
    expect(native.canLend(xBuf, new Float32Array(16 * 40 + 1), new Map([["B", 16]]))).toBe(false);
  });
});
