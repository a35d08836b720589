// Autodiff of the elementwise rules (unary, broadcasting binary, select, cast) checked by finite differences,
// plus the pass's bookkeeping: zero gradients for unused values and accumulation over several uses.
import { describe, expect, it } from "vitest";
import { activeValues, differentiate } from "../../src/ir/autodiff/autodiff.js";
import { verifyGraph } from "../../src/ir/verify.js";
import { execute } from "../../src/runtime/ref/executor.js";
import { Case, type DimSpec, gradCheck, values } from "./autodiff-helpers.js";

/** Values in ±[0.2, 1): away from 0 (abs's kink). */
const awayFromZero = (c: Case, n: number) => Array.from({ length: n }, () => (c.rng.next() < 0.5 ? -1 : 1) * c.rng.uniform(0.2, 1));

describe("unary rules", () => {
  const UNARY: [string, { lo?: number; hi?: number; away?: boolean }][] = [
    ["neg", {}], ["exp", {}], ["log", { lo: 0.3, hi: 2 }], ["sqrt", { lo: 0.3, hi: 2 }],
    ["abs", { away: true }], ["tanh", {}], ["sigmoid", {}],
  ];
  it.each(UNARY)("%s on [2, 3]", (op, dom) => {
    const c = new Case(11);
    const x = c.input("x", [2, 3], dom.away ? { values: awayFromZero(c, 6) } : { lo: dom.lo, hi: dom.hi });
    const r = gradCheck(c, c.weighted(c.emit(op, [x])), [x]);
    expect(r.errors[0]).toBeLessThan(1e-6);
  });

  it("a chain of unary ops on [3, 2, 2]: sqrt(exp(tanh(x))) · sigmoid(|x|), log(1 + x²)", () => {
    const c = new Case(12);
    const x = c.input("x", [3, 2, 2], { values: awayFromZero(c, 12) });
    const a = c.b.mul(c.emit("sqrt", [c.emit("exp", [c.emit("tanh", [x])])]), c.emit("sigmoid", [c.emit("abs", [x])]));
    const l = c.emit("log", [c.b.add(c.b.const(1), c.b.mul(x, x))]);
    gradCheck(c, c.weighted(c.b.sub(a, c.emit("neg", [l]))), [x]);
  });
});

describe("broadcasting binary rules", () => {
  const SHAPES: [DimSpec[], DimSpec[]][] = [
    [[2, 3], [3]],
    [[3], [2, 3]],
    [[2, 1, 4], [3, 1]],
    [[], [2, 3]],
    [[2, 3], []],
    [[4, 3], [4, 3]],
  ];
  const OPS = ["add", "sub", "mul", "div", "pow", "maximum", "minimum"];
  const cases = OPS.flatMap((op) => SHAPES.map(([a, b]) => [op, a, b] as const));
  it.each(cases)("%s of %j and %j", (op, sa, sb) => {
    const c = new Case(21 + OPS.indexOf(op));
    // pow needs a positive base (its exponent rule takes log a); div a divisor away from 0.
    const x = c.input("a", sa, op === "pow" ? { lo: 0.5, hi: 2 } : {});
    const y = c.input("b", sb, op === "div" ? { values: awayFromZero(c, sb.reduce<number>((p, d) => p * Number(d), 1)).map((v) => v * 2) } : {});
    const r = gradCheck(c, c.weighted(c.emit(op, [x, y])), [x, y], { tol: 1e-6 });
    expect(r.grads[0]!.shape).toEqual(sa);
    expect(r.grads[1]!.shape).toEqual(sb);
  });

  it("linear ops are exact to rounding: add/sub/mul with broadcasting within 1e-8", () => {
    const c = new Case(30);
    const x = c.input("x", [2, 1, 4]), y = c.input("y", [3, 1]), z = c.input("z", [4]);
    const r = gradCheck(c, c.weighted(c.b.sub(c.b.add(x, y), c.b.mul(z, c.b.const(3)))), [x, y, z], { tol: 1e-8 });
    expect(r.errors.every((e) => e < 1e-8)).toBe(true);
  });

  it("maximum / minimum send the gradient to the chosen side only", () => {
    const c = new Case(31);
    const x = c.input("x", [4], { values: [1, -2, 3, 0.5] }), y = c.input("y", [4], { values: [0, 1, 2, 4] });
    const loss = c.emit("sum", [c.b.add(c.emit("maximum", [x, y]), c.b.mul(c.emit("minimum", [x, y]), c.b.const(10)))], { axes: [0], keepdims: false });
    const r = gradCheck(c, loss, [x, y]);
    expect(values(r.grads[0]!)).toEqual([1, 10, 1, 10]);
    expect(values(r.grads[1]!)).toEqual([10, 1, 10, 1]);
  });
});

describe("select and cast", () => {
  it("select with a fed bool condition, broadcasting cond [2, 3], a [3], b [2, 1]", () => {
    const c = new Case(40);
    const cond = c.input("cond", [2, 3], { dtype: "bool", values: [1, 0, 1, 0, 0, 1] });
    const a = c.input("a", [3]), b = c.input("b", [2, 1]);
    const r = gradCheck(c, c.weighted(c.emit("select", [cond, a, b])), [a, b]);
    expect(r.errors.every((e) => e < 1e-8)).toBe(true);
  });

  it("select on a computed condition (x > y ? x·x : y): no gradient through the comparison", () => {
    const c = new Case(41);
    const x = c.input("x", [3, 4]), y = c.input("y", [3, 4]);
    const sel = c.emit("select", [c.emit("greater", [x, y]), c.b.mul(x, x), y]);
    gradCheck(c, c.weighted(sel), [x, y]);
  });

  it("cast f32 → f64: the gradient comes back as f32", () => {
    const c = new Case(42);
    const x = c.input("x", [2, 3]);
    const x64 = c.emit("cast", [x], { dtype: "f64" });
    expect(x64.type.dtype).toBe("f64");
    const r = gradCheck(c, c.weighted(c.emit("tanh", [x64])), [x]);
    expect(r.graph.outputs[1]!.type.dtype).toBe("f32");
  });

  it("cast f64 → f32 and back", () => {
    const c = new Case(43);
    const x = c.input("x", [3, 2], { dtype: "f64" });
    const y = c.emit("cast", [c.b.mul(c.emit("cast", [x], { dtype: "f32" }), c.b.const(2))], { dtype: "f64" });
    gradCheck(c, c.weighted(c.emit("exp", [y])), [x]);
  });
});

describe("the pass's bookkeeping", () => {
  it("a wrt the loss does not depend on gets zeros of its own type", () => {
    const c = new Case(50);
    const x = c.input("x", [2, 3]), z = c.input("z", [4, 1, 2]);
    const loss = c.weighted(c.emit("exp", [x]));
    const before = c.g.nodes.length;
    const [dx, dz] = differentiate(c.g, loss, [x, z], c.b);
    c.g.outputs = [loss, dx!, dz!];
    expect(verifyGraph(c.g)).toEqual([]);
    const dzNode = c.g.nodes.find((n) => n.output.id === dz!.id)!;
    expect(dzNode.op).toBe("zeros");
    // Nothing but the zeros is built for z: no backward node reads it.
    expect(c.g.nodes.slice(before).filter((n) => n.inputs.some((v) => v.id === z.id))).toEqual([]);
    const out = execute(c.g, c.feeds, { float64: true });
    expect(out[2]!.shape).toEqual([4, 1, 2]);
    expect(values(out[2]!)).toEqual(new Array(8).fill(0));
  });

  it("a loss without any wrt dependence builds only zeros", () => {
    const c = new Case(51);
    const x = c.input("x", [3]), z = c.input("z", [3]);
    const loss = c.weighted(x);
    const before = c.g.nodes.length;
    differentiate(c.g, loss, [z], c.b);
    expect(c.g.nodes.slice(before).map((n) => n.op)).toEqual(["const", "zeros"]);
  });

  it("x·x accumulates both uses: the gradient of sum(x·x) is exactly 2x", () => {
    const c = new Case(52);
    const x = c.input("x", [2, 3]);
    const loss = c.emit("sum", [c.b.mul(x, x)], { axes: [0, 1], keepdims: false });
    const r = gradCheck(c, loss, [x]);
    expect(values(r.grads[0]!)).toEqual(values(c.feeds.get(x.id)!).map((v) => 2 * v));
  });

  it("a value used three times through different paths accumulates all three", () => {
    const c = new Case(53);
    const x = c.input("x", [3, 2]);
    const t = c.emit("tanh", [x]);
    const y = c.b.add(c.b.mul(t, t), c.emit("exp", [t]));
    const r = gradCheck(c, c.weighted(c.b.sub(y, x)), [x]);
    expect(r.errors[0]).toBeLessThan(1e-6);
  });

  it("backward nodes carry the span and scope of the forward node they come from", () => {
    const c = new Case(55);
    const x = c.input("x", [2, 3]);
    const span = { file: "m.nn", start: 10, end: 20, line: 3, col: 5, endLine: 3, endCol: 15 };
    const y = c.b.from({ span, scope: "dense_1" }, () => c.emit("tanh", [x]));
    const loss = c.weighted(y);
    const before = c.g.nodes.length;
    differentiate(c.g, loss, [x], c.b);
    const fromTanh = c.g.nodes.slice(before).filter((n) => n.scope === "dense_1");
    expect(fromTanh.map((n) => n.op).sort()).toEqual(["const", "mul", "mul", "sub"]);
    expect(fromTanh.every((n) => n.span === span)).toBe(true);
  });

  it("only float values that depend on wrt are active", () => {
    const c = new Case(54);
    const x = c.input("x", [3]), k = c.input("k", [3]);
    const cmp = c.emit("greater", [x, k]);
    const y = c.b.mul(x, k);
    const active = activeValues(c.g, [x]);
    expect(active.has(x.id) && active.has(y.id)).toBe(true);
    expect(active.has(k.id) || active.has(cmp.id)).toBe(false);
  });
});
