// The GEMM split by columns (columnSplit in gemm.ts): when B is the larger operand, A fits in L2 and the
// product is large, each part owns a range of B's panels (packing and reading only those) and runs every
// row tile over them, after a kernel that packs A whole. With a symbolic M the choice is made at run time.
import { describe, expect, it } from "vitest";
import type { Kernel, KExpr, KStmt } from "../../src/codegen/kir/kir.js";
import { kernelsOf, walkStmts } from "../../src/codegen/kir/walk.js";
import { lowerGraph } from "../../src/codegen/lower/lower.js";
import { execute } from "../../src/runtime/ref/executor.js";
import { Case, compareTensors, compile, outputSuite, tempCache } from "./helpers.js";

const cache = tempCache();

const outerLoop = (k: Kernel): Extract<KStmt, { k: "for" }> => {
  const last = k.body[k.body.length - 1]!;
  if (last.k !== "for") throw new Error(`${k.name} does not end in a loop`);
  return last;
};
const isConst = (e: KExpr, v: number) => e.k === "const" && e.v === v;

describe("split by columns: outputs", () => {
  const c = new Case(91);
  outputSuite(c, cache, (c) => {
    // 45 × 800 × 520 = 18.7 M multiply-adds; 520 columns: 16 full panels of 32 and a ragged one of 8,
    // shared by 8 parts; 800 = 4 K blocks of 200; 45 rows: a ragged last tile.
    const x = c.input("x", [45, 800]), w = c.input("w", [800, 520]), b = c.input("b", [520]);
    const y = c.emit("matmul", [x, w]);
    return {
      plain: y,
      bias_relu: c.emit("maximum", [c.b.add(c.emit("matmul", [x, w]), b), c.b.const(0)]),
      // A computed (packed by the pack_a kernel from its expression) and B a transposed view.
      computed_a_transposed_b: c.emit("matmul", [c.emit("tanh", [x]), c.emit("transpose", [c.input("wt", [520, 800])], { perm: [1, 0] })]),
    };
  });
});

describe("split by columns: structure", () => {
  const lowered = (m: number | "B", k: number, n: number) => {
    const c = new Case(92, { B: 64 });
    c.g.outputs = [c.emit("matmul", [c.input("x", [m, k]), c.input("w", [k, n])])];
    const p = lowerGraph(c.g, { vectorWidth: 16 }).program!;
    return Object.assign(kernelsOf(p.steps), { stores: (k: Kernel) => {
      const names: string[] = [];
      walkStmts(k.body, (s) => { if (s.k === "store") names.push(p.buffers[s.buf]!.name.replace(/\d+$/, "")); });
      return [...new Set(names)].sort();
    } });
  };

  it("packs A whole in a kernel of its own, and B's panels and the GEMM in 8 parts over the columns", () => {
    const ks = lowered(45, 800, 520);
    expect(ks.map((k) => k.name)).toEqual(["k0_matmul_pack_b", "k1_matmul_pack_a", "k2_matmul"]);
    expect(isConst(outerLoop(ks[0]!).n, 8)).toBe(true);
    const gemm = outerLoop(ks[2]!);
    expect(isConst(gemm.n, 8)).toBe(true);
    // A is packed by its own kernel only; the GEMM stores nothing but C.
    expect(ks.stores(ks[1]!)).toEqual(["packa"]);
    expect(ks.stores(ks[2]!)).toEqual(["out"]);
  });

  it("splits rows when A is the larger operand, when A outgrows L2, or when the product is small", () => {
    for (const [m, k, n] of [[784, 128, 512], [600, 800, 1024], [16, 64, 512]] as const) {
      const ks = lowered(m, k, n);
      expect(ks.map((x) => x.name), `${m} × ${k} × ${n}`).toEqual(["k0_matmul_pack_b", "k1_matmul"]);
    }
  });

  it("with a batch for M, holds both splits and chooses at run time", () => {
    const ks = lowered("B", 700, 520);
    expect(ks.map((k) => k.name)).toEqual(["k0_matmul_pack_b", "k1_matmul_pack_a", "k2_matmul"]);
    const gemm = outerLoop(ks[2]!);
    expect(gemm.n.k).toBe("select");
    expect(gemm.body.filter((s) => s.k === "if")).toHaveLength(2);
    expect(outerLoop(ks[1]!).n.k).toBe("select");
  });
});

describe("split by columns chosen at run time", () => {
  it("agrees with the reference at batches that take either split: 64 (columns), 8 (too little work) and 600 (A larger than B)", () => {
    const build = (B: number) => {
      const c = new Case(93, { B });
      const y = c.emit("matmul", [c.input("x", ["B", 700]), c.input("w", [700, 520])]);
      c.g.outputs = [c.emit("maximum", [c.b.add(y, c.input("b", [520])), c.b.const(0)])];
      return c;
    };
    const cases = [64, 8, 600, 64].map(build);
    const compiled = compile(cases[0]!.g, cache);
    // The same graph (same value ids) fed each batch in turn; 64 again after 600 (scratch reused).
    for (const c of cases) compareTensors(compiled.run(c.feeds)[0]!, execute(c.g, c.feeds)[0]!, `batch ${c.feeds.values().next().value!.shape[0]}`);
  });
});
