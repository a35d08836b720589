// Inner loops of elementwise kernels: index-set splitting (tests of the loop index with constant
// thresholds fold away piece by piece) and explicit vectors (whole vectors plus a masked tail), on
// kernel IR directly and compiled against the reference.
import { describe, expect, it } from "vitest";
import { bin, c64, cst, v64 } from "../../src/codegen/kir/expr.js";
import type { KExpr, KStmt } from "../../src/codegen/kir/kir.js";
import { stmtsToString } from "../../src/codegen/kir/printer.js";
import { kernelsOf } from "../../src/codegen/kir/walk.js";
import { splitLoops } from "../../src/codegen/lower/loop-split.js";
import { vectorizeLoops } from "../../src/codegen/lower/loop-vectorize.js";
import { lowerGraph } from "../../src/codegen/lower/lower.js";
import { Case, outputSuite, tempCache } from "./helpers.js";

const cache = tempCache();
const show = (ss: KStmt[]) => stmtsToString(ss, (b) => `b${b}`).join("\n");
const i = v64("i");
const load = (buf: number, idx: KExpr): KExpr => ({ k: "load", t: "f32", buf, idx });
const clamp = (x: KExpr, hi: number) => bin("min", bin("max", x, c64(0)), c64(hi));
const loop = (n: number, body: KStmt[]): KStmt => ({ k: "for", v: "i", n: c64(n), mode: "serial", body });

describe("index-set splitting", () => {
  it("runs a concat as one loop per source, with the tests and clamps folded away", () => {
    // out[i] = i < 64 ? a[clamp(i)] : b[clamp(i − 64)]
    const value: KExpr = { k: "select", t: "f32", c: bin("lt", i, c64(64)), a: load(0, clamp(i, 63)), b: load(1, clamp(bin("sub", i, c64(64)), 39)) };
    const out = splitLoops([loop(104, [{ k: "store", buf: 2, idx: i, value }])]);
    expect(out.map((s) => s.k === "for" && s.n)).toEqual([c64(64), c64(40)]);
    const text = show(out);
    expect(text).not.toMatch(/min|max|\?/);
    expect(text).toContain("((i + 64) - 64)");
  });

  it("leaves a loop whose thresholds depend on an outer index alone", () => {
    const s = loop(32, [{ k: "store", buf: 1, idx: i, value: load(0, bin("min", bin("add", v64("p"), i), c64(40))) }]);
    expect(splitLoops([s])).toEqual([s]);
  });
});

describe("explicit vectors", () => {
  it("makes whole vectors and a masked tail", () => {
    const body: KStmt[] = [
      { k: "local", name: "g", t: "f32", init: { k: "un", t: "f32", op: "tanh", a: load(0, i) } },
      { k: "store", buf: 1, idx: i, value: { k: "bin", t: "f32", op: "mul", a: { k: "get", t: "f32", name: "g" }, b: cst("f32", 2) } },
    ];
    const out = vectorizeLoops([loop(37, body)], 16);
    expect(out).toHaveLength(3);
    expect(out[0]).toMatchObject({ k: "for", v: "iv", n: c64(2) });
    const text = show(out);
    expect(text).toContain("f32x16 gv = tanh(");
    // The tail: lanes 32 … 36 (five of sixteen).
    expect(out.slice(1)).toMatchObject([{ k: "local", lanes: 16 }, { k: "store", lanes: 16, count: c64(5), idx: c64(32) }]);
  });

  it("keeps scalars where lanes would read what other lanes store, or an index that does not move by one", () => {
    const shifted = loop(64, [{ k: "store", buf: 1, idx: i, value: load(1, bin("add", i, c64(1))) }]);
    const strided = loop(64, [{ k: "store", buf: 1, idx: bin("mul", i, c64(2)), value: load(0, i) }]);
    const index = loop(64, [{ k: "store", buf: 1, idx: i, value: { k: "cast", t: "f32", a: i } }]);
    for (const s of [shifted, strided, index]) expect(vectorizeLoops([s], 16)).toEqual([s]);
  });
});

describe("compiled with vectors against the reference", () => {
  const c = new Case(93);
  outputSuite(c, cache, (c) => {
    const e = c.emit.bind(c);
    const a = c.input("a", [5, 40]), b = c.input("b", [5, 27]), z = c.input("z", [5, 67]);
    const cat = e("concat", [e("tanh", [a]), e("sigmoid", [b])], { axis: -1 });
    return {
      concat_gates: c.b.mul(cat, z),
      slice_mid: c.b.add(e("slice", [z], { axis: -1, start: 3, end: 50 }), c.b.const(1)),
      exp_ragged: e("exp", [c.b.sub(z, c.b.const(2))]),
    };
  });

  it("the kernels use vectors when lowered with 16 lanes", () => {
    const d = new Case(94);
    const a = d.input("a", [5, 40]), b = d.input("b", [5, 27]);
    d.g.outputs = [d.emit("concat", [d.emit("tanh", [a]), d.emit("sigmoid", [b])], { axis: -1 })];
    const [k] = kernelsOf(lowerGraph(d.g, { vectorWidth: 16 }).program!.steps);
    expect(show(k!.body)).toContain("+: 16");
  });
});
