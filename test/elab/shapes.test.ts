// Shape inference: symbolic dimensions, broadcasting, conv/pool arithmetic, deferred checks.
import { describe, expect, test } from "vitest";
import { check } from "../../src/checker.js";
import { Dim } from "../../src/ir/dim.js";
import { broadcastShapes } from "../../src/ir/prims.js";

const out = (src: string) => {
  const r = check("t.nn", src);
  const errors = r.diagnostics.filter((d) => d.severity === "error");
  const m = [...r.models.values()][0];
  return { errors, r, type: m?.graph.outputs[0] ? `${m.graph.outputs[0].type.dtype}[${m.graph.outputs[0].type.shape.join(", ")}]` : undefined };
};

describe("symbolic dimensions", () => {
  test("polynomial arithmetic normalises", () => {
    const [B, H, W] = ["B", "H", "W"].map(Dim.sym) as [Dim, Dim, Dim];
    expect(H.mul(W).mul(Dim.const(3)).equals(W.mul(Dim.const(3)).mul(H))).toBe(true);
    expect(B.mul(Dim.const(784)).exactDiv(B)!.value).toBe(784);
    expect(W.sub(Dim.const(3)).floorDiv(Dim.const(1)).add(Dim.const(1)).toString()).toBe("W - 2");
    expect(Dim.const(29).floorDiv(Dim.const(2)).value).toBe(14);
    expect(H.scale(2).divisibleBy(Dim.const(2))).toBe(true);
    expect(H.divisibleBy(Dim.const(2))).toBeUndefined();
    expect(Dim.const(7).divisibleBy(Dim.const(2))).toBe(false);
  });

  test("broadcasting follows numpy", () => {
    const s = (...d: number[]) => d.map((x) => Dim.const(x));
    expect(broadcastShapes(s(4, 1, 3), s(5, 1)).toString()).toBe(s(4, 5, 3).toString());
    expect(typeof broadcastShapes(s(4, 3), s(4))).toBe("string");
  });

  test("symbolic spatial sizes flow through conv and pooling", () => {
    const { errors, type } = out(`model M(x: f32[B, H, W, 3]) { x |> conv2d(8, (3, 3)) |> maxpool2d((2, 2)) }`);
    expect(errors).toEqual([]);
    expect(type).toBe("f32[B, ⌊H / 2⌋ - 1, ⌊W / 2⌋ - 1, 8]");
  });

  test("same padding with stride 2 rounds up", () => {
    const { errors, type } = out(`model M(x: f32[B, 15, 15, 3]) { x |> conv2d(4, (3, 3), strides = (2, 2), padding = "same") }`);
    expect(errors).toEqual([]);
    expect(type).toBe("f32[B, 8, 8, 4]");
  });

  test("dimension arithmetic in declared types is checked", () => {
    const ok = out(`model M(x: f32[B, 32, 32, 3]) -> f32[B, (32 - 3) / 1 + 1, 30, 6] { x |> conv2d(6, (3, 3)) }`);
    expect(ok.errors).toEqual([]);
    const bad = out(`model M(x: f32[B, 32, 32, 3]) -> f32[B, 32 / 2, 30, 6] { x |> conv2d(6, (3, 3)) }`);
    expect(bad.errors.map((e) => e.code)).toEqual(["E0311"]);
  });

  test("flatten of symbolic sizes multiplies them", () => {
    const { errors, type } = out(`model M(x: f32[B, T, 4]) { x |> flatten }`);
    expect(errors).toEqual([]);
    expect(type).toBe("f32[B, 4*T]");
  });

  test("an undecidable divisibility becomes a data-binding assertion", () => {
    const { errors, r } = out(`model M(x: f32[B, H, W, 1]) { x |> maxpool2d((2, 2), exact = true) }`);
    expect(errors).toEqual([]);
    const g = [...r.models.values()][0]!.graph;
    expect(g.assertions.map((a) => `${a.kind} ${a.lhs} ${a.rhs}`)).toEqual(["divisible H 2", "divisible W 2"]);
    expect(r.irText).toContain("assert divisible(H, 2)");
  });

  test("reshape of symbolic sizes records the element-count check", () => {
    const { errors, r } = out(`model M(x: f32[B, N]) { x |> reshape((4, -1)) }`);
    expect(errors).toEqual([]);
    expect([...r.models.values()][0]!.graph.assertions[0]!.kind).toBe("divisible");
  });

  test("the batch dimension unifies across a residual connection", () => {
    const { errors, type } = out(`model M(x: f32[B, 16]) { add(x, x |> dense(16)) }`);
    expect(errors).toEqual([]);
    expect(type).toBe("f32[B, 16]");
  });

  test("rank-polymorphic dense keeps leading axes", () => {
    const { errors, type } = out(`model M(x: f32[B, T, 8]) { x |> dense(3) }`);
    expect(errors).toEqual([]);
    expect(type).toBe("f32[B, T, 3]");
  });

  test("an LSTM over 200 steps elaborates its step once", () => {
    const { errors, r } = out(`model M(x: i32[B, 200]) { x |> embedding(10000, 64) |> lstm(64) }`);
    expect(errors).toEqual([]);
    const g = [...r.models.values()][0]!.graph;
    const scans = g.nodes.filter((n) => n.op === "scan");
    expect(scans).toHaveLength(1);
    expect(scans[0]!.body!.nodes.length).toBeLessThan(40);
  });
});
