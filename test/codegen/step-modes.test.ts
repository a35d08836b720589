// What the compiled step does around its kernels: invariant subexpressions hoisted out of loops
// (Adam's pow(β, step)), denormals flushed to zero inside the step and node's float mode restored after,
// and the native finite check the trainer uses on updated weights.
import { beforeAll, describe, expect, it } from "vitest";
import type { KStmt } from "../../src/codegen/kir/kir.js";
import { kernelsOf } from "../../src/codegen/kir/walk.js";
import { lowerGraph } from "../../src/codegen/lower/lower.js";
import { compileGraph, type CompiledGraph } from "../../src/runtime/cpu/compiled.js";
import { Case, compareRun, compile, tempCache } from "./helpers.js";

const cache = tempCache();

describe("loop-invariant hoisting", () => {
  // x · pow(0.9, step) / (1 − pow(0.999, step)): the scalar factors do not depend on the element.
  const c = new Case(81);
  const x = c.input("x", [7, 33]);
  const step = c.input("step", [], { values: [3] });
  const f = c.b.div(c.emit("pow", [c.b.const(0.9), step]), c.b.sub(c.b.const(1), c.emit("pow", [c.b.const(0.999), step])));
  c.g.outputs = [c.b.mul(x, f)];

  it("computes pow(β, step) once, in locals before the parallel loop", () => {
    const [k] = kernelsOf(lowerGraph(c.g).program!.steps);
    const body = k!.body;
    const top = body.slice(0, -1) as Extract<KStmt, { k: "local" }>[];
    expect(top.length).toBeGreaterThan(0);
    expect(top.every((s) => s.k === "local")).toBe(true);
    expect(body[body.length - 1]).toMatchObject({ k: "for", mode: "parallel" });
    // No pow is left inside the loop.
    expect(JSON.stringify(body[body.length - 1])).not.toContain('"pow"');
  });

  it("matches the reference", () => compareRun(compile(c.g, cache), c.g, c.feeds, ["out"]));
});

describe("denormals", () => {
  // 1e-39 is a denormal float: flushed to zero on input (DAZ), so x · 1e30 is 0 instead of 1e-9.
  const c = new Case(82);
  const x = c.input("x", [4], { values: [1e-39, 2e-39, 1, -1e-39] });
  c.g.outputs = [c.b.mul(x, c.b.const(1e30))];
  let compiled: CompiledGraph;
  beforeAll(() => (compiled = compile(c.g, cache)));

  it.runIf(process.arch === "x64")("are flushed to zero inside the step", () => {
    const [y] = compiled.run(c.feeds);
    expect(Array.from(y!.data)).toEqual([0, 0, 1e30, -0].map(Math.fround));
  });

  it("node's own float arithmetic keeps denormals after a step", () => {
    compiled.run(c.feeds);
    // Float64 denormal arithmetic in JS: would be 0 if the step left flush-to-zero on.
    const tiny = Number("1e-310");
    expect(tiny * 2).toBe(2e-310);
    expect(Math.fround(1e-39)).not.toBe(0);
  });
});

describe("native finite check", () => {
  const c = new Case(83);
  const x = c.input("x", [1000]);
  c.g.outputs = [c.b.div(x, c.input("d", [1000], { values: Array.from({ length: 1000 }, (_, i) => (i === 777 ? 0 : 1)) }))];
  it("finds the one infinity among a thousand finite values", () => {
    const r = compileGraph(c.g, { env: { NNC_CACHE_DIR: cache } });
    const g = r.compiled!;
    const dims = g.feed(c.feeds);
    g.native.run(dims, 0);
    const out = g.program.outputs[0]!;
    expect(g.native.allFinite(out, dims)).toBe(false);
    g.native.view(out, dims)[777] = 5;
    expect(g.native.allFinite(out, dims)).toBe(true);
  });
});
