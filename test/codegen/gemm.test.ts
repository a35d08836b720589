// The register-blocked GEMM: shapes with full vector tiles (6 × 2W) and ragged edges, batched and
// broadcast operands, a transposed right operand; and the vector path really used when lanes > 1.
import { describe, expect, it } from "vitest";
import type { KStep } from "../../src/codegen/kir/kir.js";
import { walkStmts } from "../../src/codegen/kir/walk.js";
import { lowerGraph } from "../../src/codegen/lower/lower.js";
import { Case, outputSuite, tempCache } from "./helpers.js";

const cache = tempCache();

describe("GEMM tiles and edges", () => {
  const c = new Case(71);
  outputSuite(c, cache, (c) => {
    const a = c.input("a", [13, 40]), b = c.input("b", [40, 70]);
    const ba = c.input("ba", [2, 7, 33]), bb = c.input("bb", [33, 65]);
    const bt = c.input("bt", [37, 40]);
    return {
      // 13 rows: two full 6-row tiles and one row of edge; 70 columns: two full 32-wide tiles and 6 left over.
      square_edges: c.emit("matmul", [a, b]),
      batched_broadcast: c.emit("matmul", [ba, bb]),
      transposed_b: c.emit("matmul", [a, c.emit("transpose", [bt], { perm: [1, 0] })]),
      row_vector: c.emit("matmul", [c.input("v", [40]), b]),
    };
  });
});

describe("vector path", () => {
  const vectorLoads = (lanes: number): number => {
    const c = new Case(72);
    c.g.outputs = [c.emit("matmul", [c.input("a", [12, 8]), c.input("b", [8, 64])])];
    const p = lowerGraph(c.g, { vectorWidth: lanes }).program!;
    let n = 0;
    const visit = (s: KStep): void => {
      if (s.k === "seq") return s.body.forEach(visit);
      walkStmts(s.kernel.body, () => {}, (e) => {
        if (e.k === "load" && e.lanes === lanes) n++;
      });
    };
    p.steps.forEach(visit);
    return n;
  };

  it("with 16 lanes the tile loads rows of B as vectors; with 1 lane it does not", () => {
    expect(vectorLoads(16)).toBe(2);
    expect(vectorLoads(1)).toBe(0);
  });
});
