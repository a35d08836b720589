// The register-blocked GEMM: shapes with full vector tiles (6 × 2W) and ragged edges, batched and
// broadcast operands, a transposed right operand; and the vector path really used when lanes > 1.
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import type { KStmt } from "../../src/codegen/kir/kir.js";
import { kernelsOf, walkStmts } from "../../src/codegen/kir/walk.js";
import { tileRows } from "../../src/codegen/lower/gemm.js";
import { lowerGraph } from "../../src/codegen/lower/lower.js";
import { Dim } from "../../src/ir/dim.js";
import { execute } from "../../src/runtime/ref/executor.js";
import { Case, compareTensors, compile, outputSuite, tempCache } from "./helpers.js";

const cache = tempCache();

describe("GEMM tiles and edges", () => {
  const c = new Case(71);
  outputSuite(c, cache, (c) => {
    const a = c.input("a", [13, 40]), b = c.input("b", [40, 70]);
    const ba = c.input("ba", [2, 7, 33]), bb = c.input("bb", [33, 65]);
    const bt = c.input("bt", [37, 40]);
    const d = c.input("d", [29, 300]), e = c.input("e", [300, 40]);
    return {
      // 13 rows: two full 6-row tiles and one row of edge; 70 columns: two full 32-wide tiles and 6 left over.
      square_edges: c.emit("matmul", [a, b]),
      batched_broadcast: c.emit("matmul", [ba, bb]),
      transposed_b: c.emit("matmul", [a, c.emit("transpose", [bt], { perm: [1, 0] })]),
      // N ≤ 16: tiles one vector wide. 10 columns (a classifier's): a masked vector, B packed into
      // panels of 16; 16 columns: B read as it lies (one panel).
      ten_columns: c.emit("matmul", [c.input("p", [30, 300]), c.input("q", [300, 10])]),
      sixteen_columns_bias_relu: c.emit("maximum", [c.b.add(c.emit("matmul", [c.input("r", [30, 70]), c.input("s16", [70, 16])]), c.input("sb", [16])), c.b.const(0)]),
      // A = xᵀ (a weight gradient's operand): each tile's 13 rows at one k packed as one masked vector.
      transposed_a: c.emit("matmul", [c.emit("transpose", [c.input("at", [40, 13])], { perm: [1, 0] }), b]),
      row_vector: c.emit("matmul", [c.input("v", [40]), b]),
      // N = 32 (one panel of 2 × 16 lanes), B in memory: read as it lies, not packed.
      one_panel_b_in_place: c.emit("matmul", [c.input("g", [21, 50]), c.input("h", [50, 32])]),
      // N ≤ 64: A read in place, over two K blocks; and a computed A, which is packed.
      narrow_in_place: c.emit("matmul", [d, e]),
      narrow_computed_a: c.emit("matmul", [c.emit("exp", [d]), e]),
    };
  });
});

describe("vector path", () => {
  const lowered = (lanes: number, n = 100) => {
    const c = new Case(72);
    c.g.outputs = [c.emit("matmul", [c.input("a", [12, 8]), c.emit("transpose", [c.input("bt", [n, 8])], { perm: [1, 0] })])];
    const p = lowerGraph(c.g, { vectorWidth: lanes }).program!;
    const loads: string[] = [], scalarLoads: string[] = [], counted: string[] = [], stores: string[] = [];
    for (const k of kernelsOf(p.steps)) {
      walkStmts(k.body, (s) => {
        if (s.k === "store" && k.name.endsWith("_matmul")) stores.push(p.buffers[s.buf]!.name);
        if (s.k === "store" && s.count) counted.push(p.buffers[s.buf]!.name);
      }, (e) => {
        if (e.k === "load" && e.lanes === lanes) loads.push(p.buffers[e.buf]!.name);
        if (e.k === "load" && !e.lanes && k.name.endsWith("_matmul")) scalarLoads.push(p.buffers[e.buf]!.name);
      });
    }
    return { names: kernelsOf(p.steps).map((k) => k.name), loads, scalarLoads, counted, stores };
  };

  it("with 16 lanes B is packed first (even a transposed view), A chunk by chunk in the GEMM, and the tile loads two panel vectors per k", () => {
    const v = lowered(16);
    expect(v.names).toEqual(["k0_matmul_pack_b", "k1_matmul"]);
    expect(v.stores.filter((b) => b.startsWith("packa"))).toHaveLength(1);
    expect(v.loads.filter((b) => b.startsWith("pack"))).toHaveLength(2);
    // M = 12 is one tile of 12 rows: C's 12 × 2 vectors are reloaded for later K blocks and stored
    // with lane counts (ragged edges).
    expect(v.loads.filter((b) => b === "out0")).toHaveLength(24);
    expect(v.counted).toHaveLength(24);
  });

  it("reads A in place, unpacked, when C has at most two B panels of columns (N ≤ 64 with 16 lanes)", () => {
    const v = lowered(16, 64);
    expect(v.names).toEqual(["k0_matmul_pack_b", "k1_matmul"]);
    expect(v.stores.filter((b) => b.startsWith("packa"))).toHaveLength(0);
    // One broadcast per tile row, straight from the input.
    expect(v.scalarLoads).toEqual(Array(12).fill("a"));
    expect(v.loads.filter((b) => b.startsWith("pack"))).toHaveLength(2);
    expect(lowered(16, 65).stores.filter((b) => b.startsWith("packa"))).toHaveLength(1);
  });

  it("B of one panel in memory (N = 32 with 16 lanes) is read as it lies; otherwise packing is parallel over B's rows", () => {
    const kernels = (n: number) => {
      const c = new Case(87);
      c.g.outputs = [c.emit("matmul", [c.input("a", [12, 300]), c.input("b", [300, n])])];
      return kernelsOf(lowerGraph(c.g, { vectorWidth: 16 }).program!.steps);
    };
    expect(kernels(32).map((k) => k.name)).toEqual(["k0_matmul"]);
    const pack = kernels(80)[0]!;
    expect(pack.name).toBe("k0_matmul_pack_b");
    const outer = pack.body.find((s) => s.k === "for");
    expect(outer && outer.k === "for" && outer.mode === "parallel" && outer.n).toEqual({ k: "const", t: "i64", v: 300 });
  });

  it("picks tile heights that waste few rows: 8 for a batch, the cheapest of 6 … 14 for a constant M", () => {
    expect(tileRows(Dim.sym("B"))).toBe(8);
    expect(tileRows(Dim.const(4))).toBe(4);
    expect(tileRows(Dim.const(12))).toBe(12);
    expect(tileRows(Dim.const(784))).toBe(14);
    expect(tileRows(Dim.const(64))).toBe(13);
    expect(tileRows(Dim.const(10))).toBe(10);
  });

  it("packs a plain A one K block at a time, inside the K-block loop, so a chunk holds many tiles", () => {
    const c = new Case(88);
    c.g.outputs = [c.emit("matmul", [c.input("x", [256, 2048]), c.input("w", [2048, 256])])];
    const p = lowerGraph(c.g, { vectorWidth: 16 }).program!;
    const gemm = kernelsOf(p.steps).find((k) => k.name.endsWith("_matmul"))!;
    // The loops enclosing each store into packed A, by name prefix.
    const enclosing: string[][] = [];
    const walk = (ss: KStmt[], loops: string[]): void => ss.forEach((s) => {
      if (s.k === "for") {
        walk(s.body, [...loops, s.v.replace(/\d+$/, "")]);
      } else if (s.k === "if") walk(s.body, loops);
      else if (s.k === "store" && p.buffers[s.buf]!.name.startsWith("packa")) enclosing.push(loops);
    });
    walk(gemm.body, []);
    expect(enclosing.length).toBeGreaterThan(0);
    for (const loops of enclosing) expect(loops.indexOf("kb")).toBeGreaterThanOrEqual(0);
  });

  it("prefetches the rows an epilogue reads and writes during the K loop of its last block; a plain GEMM has none", () => {
    const prefetched = (withEpilogue: boolean) => {
      const c = new Case(89);
      const x = c.input("x", [40, 300]), w = c.input("w", [300, 70]);
      const y = c.emit("matmul", [x, w]);
      c.g.outputs = [withEpilogue ? c.b.add(c.b.mul(y, c.b.const(0.5)), c.input("skip", [40, 70])) : y];
      const p = lowerGraph(c.g, { vectorWidth: 16 }).program!;
      const gemm = kernelsOf(p.steps).find((k) => k.name.endsWith("_matmul") || k.name.endsWith("_add"))!;
      const found: string[] = [];
      walkStmts(gemm.body, (s) => {
        if (s.k === "prefetch") found.push(`${p.buffers[s.buf]!.name}${s.write ? " (write)" : ""}`);
      });
      return [...new Set(found)].sort();
    };
    expect(prefetched(true)).toEqual(["out0 (write)", "skip"]);
    expect(prefetched(false)).toEqual([]);
  });

  it("prefetches the next tile's partial C for its reload when a chunk's C outgrows half of L2", () => {
    const reloadPrefetches = (n: number) => {
      const c = new Case(90);
      c.g.outputs = [c.emit("matmul", [c.input("x", [256, n]), c.input("w", [n, n])])];
      const p = lowerGraph(c.g, { vectorWidth: 16 }).program!;
      const gemm = kernelsOf(p.steps).find((k) => k.name.endsWith("_matmul"))!;
      let found = 0;
      walkStmts(gemm.body, (s) => {
        if (s.k === "prefetch" && s.write && p.buffers[s.buf]!.name === "out0") found++;
      });
      return found;
    };
    // 13-row tiles, K blocks of 256: chunks of up to 19 tiles. Their C is 19 × 13 × 2048 × 4 bytes = 2 MB
    // at 2048 columns, 0.5 MB at 512.
    expect(reloadPrefetches(2048)).toBeGreaterThan(0);
    expect(reloadPrefetches(512)).toBe(0);
  });

  it("packs a transposed A (xᵀ) a vector per k: the tile's rows are consecutive in x", () => {
    const c = new Case(94);
    c.g.outputs = [c.emit("matmul", [c.emit("transpose", [c.input("x", [128, 200])], { perm: [1, 0] }), c.input("dy", [128, 300])])];
    const p = lowerGraph(c.g, { vectorWidth: 16 }).program!;
    const gemm = kernelsOf(p.steps).find((k) => k.name.endsWith("_matmul"))!;
    const packs: { lanes?: number; from?: string }[] = [];
    walkStmts(gemm.body, (s) => {
      if (s.k === "store" && p.buffers[s.buf]!.name.startsWith("packa")) packs.push({ lanes: s.lanes, from: s.value.k === "load" ? p.buffers[s.value.buf]!.name : s.value.k });
    });
    expect(packs).toEqual([{ lanes: 16, from: "x" }]);
  });

  it("C of at most 16 columns is computed in tiles one vector wide: one B load and one FMA per row and k", () => {
    const fmas = (n: number) => {
      const c = new Case(96);
      c.g.outputs = [c.emit("matmul", [c.input("x", [64, 200]), c.input("w", [200, n])])];
      const p = lowerGraph(c.g, { vectorWidth: 16 }).program!;
      const gemm = kernelsOf(p.steps).find((k) => k.name.endsWith("_matmul"))!;
      let inner: KStmt[] = [];
      walkStmts(gemm.body, (s) => { if (s.k === "for" && s.v.startsWith("k") && s.body.some((x) => x.k === "set")) inner = s.body; });
      return { sets: inner.filter((s) => s.k === "set").length, bLoads: inner.filter((s) => s.k === "local" && /^b\d$/.test(s.name)).length };
    };
    // 64 rows: tiles of 13 (tileRows), so 13 FMAs a k with 10 columns, 26 with 40.
    expect(fmas(10)).toEqual({ sets: 13, bLoads: 1 });
    expect(fmas(40)).toEqual({ sets: 26, bLoads: 2 });
  });

  it("with 1 lane there are no vectors and no packing", () => {
    const v = lowered(1);
    expect(v.names).toEqual(["k0_matmul"]);
    expect(v.loads).toHaveLength(0);
  });
});

describe("packed GEMM over K blocks and ragged panels", () => {
  const c = new Case(73);
  outputSuite(c, cache, (c) => {
    const a = c.input("a", [20, 600]), b = c.input("b", [600, 45]);
    return {
      // K = 600: three K blocks (256, 256, 88) accumulate into C; N = 45: one full and one 13-wide panel.
      three_k_blocks: c.emit("matmul", [a, b]),
      // M = 2 < 6: tiles of exactly two rows; B computed (tanh) and packed without materialising it.
      short_m: c.emit("matmul", [c.input("s", [2, 600]), c.emit("tanh", [b])]),
    };
  });
});

describe("GEMM epilogues (bias, activation, residual computed from the register tile)", () => {
  const c = new Case(74);
  outputSuite(c, cache, (c) => {
    // K = 300: two K blocks; the first stores partial sums, the last applies the epilogue.
    const x = c.input("x", [9, 300]), w = c.input("w", [300, 37]), b = c.input("b", [37]);
    const skip = c.input("skip", [9, 37]);
    const relu = (v: ReturnType<typeof c.input>) => c.emit("maximum", [v, c.b.const(0)]);
    const img = c.input("img", [2, 7, 7, 3]), f = c.input("f", [3, 3, 3, 5]), fb = c.input("fb", [5]);
    return {
      bias_relu: relu(c.b.add(c.emit("matmul", [x, w]), b)),
      residual: c.b.add(c.b.mul(c.emit("matmul", [x, w]), c.b.const(0.5)), skip),
      // sigmoid and tanh are lane-wise (the prelude's vector exp); sign is not: its product goes to memory
      // and a kernel of its own reads it.
      sigmoid: c.emit("sigmoid", [c.b.add(c.emit("matmul", [x, w]), b)]),
      tanh_residual: c.b.add(c.emit("tanh", [c.emit("matmul", [x, w])]), skip),
      sign_fallback: c.emit("sign", [c.b.add(c.emit("matmul", [x, w]), b)]),
      conv_bias_relu: relu(c.b.add(c.emit("conv2d", [img, f], { strides: [1, 1], padding: "same" }), fb)),
      // The input gradient's epilogue runs in its col2im gather, a vector of channels at a time.
      grad_input_times_img: c.b.mul(c.emit("conv2d_grad_input", [c.input("dy", [2, 4, 4, 5]), f, img], { strides: [2, 2], padding: "same" }), img),
    };
  });

  it("with 16 lanes, matmul + bias + relu or sigmoid is one GEMM kernel (after packing B); sign is not fused", () => {
    const c = new Case(75);
    const x = c.input("x", [9, 300]), w = c.input("w", [300, 37]), b = c.input("b", [37]);
    c.g.outputs = [c.emit("maximum", [c.b.add(c.emit("matmul", [x, w]), b), c.b.const(0)])];
    const ks = kernelsOf(lowerGraph(c.g, { vectorWidth: 16 }).program!.steps);
    expect(ks.map((k) => k.name)).toEqual(["k0_matmul_pack_b", "k1_matmul"]);
    expect(ks[1]!.origin.ops).toEqual(expect.arrayContaining(["matmul", "add", "maximum"]));
    const d = new Case(76);
    const dx = d.input("x", [9, 300]), dw = d.input("w", [300, 37]), db = d.input("b", [37]);
    d.g.outputs = [d.emit("sigmoid", [d.b.add(d.emit("matmul", [dx, dw]), db)]), d.emit("sign", [d.emit("matmul", [dx, dw])])];
    expect(kernelsOf(lowerGraph(d.g, { vectorWidth: 16 }).program!.steps).map((k) => k.name)).toEqual(["k0_matmul_pack_b", "k1_matmul", "k2_matmul_pack_b", "k3_matmul", "k4_sign"]);
  });

  it("a convolution without padding reads x in place through a table of tap offsets; with padding it packs A", () => {
    const names = (padding: string) => {
      const c = new Case(78);
      c.g.outputs = [c.emit("conv2d", [c.input("img", [2, 7, 7, 3]), c.input("f", [3, 3, 3, 5])], { padding })];
      const p = lowerGraph(c.g, { vectorWidth: 16 }).program!;
      return { kernels: kernelsOf(p.steps).map((k) => k.name), scratch: p.buffers.filter((b) => b.kind === "temp").map((b) => b.name.replace(/\d+$/, "")) };
    };
    expect(names("valid")).toEqual({ kernels: ["k0_conv2d_pack_b", "k1_conv2d_offsets", "k2_conv2d"], scratch: ["packb", "offs"] });
    expect(names("same")).toEqual({ kernels: ["k0_conv2d_pack_b", "k1_conv2d"], scratch: ["packb", "packa"] });
  });

  it("a narrow matmul's computed A (bias + relu of a convolution, flattened) is stored by the convolution's epilogue and read in place", () => {
    const c = new Case(79);
    const conv = c.emit("conv2d", [c.input("img", [2, 6, 6, 8]), c.input("f", [3, 3, 8, 16])], { padding: "valid" });
    const act = c.emit("maximum", [c.b.add(conv, c.input("fb", [16])), c.b.const(0)]);
    c.g.outputs = [c.emit("matmul", [c.emit("reshape", [act], { shape: [2, 256] }), c.input("w", [256, 10])])];
    const p = lowerGraph(c.g, { vectorWidth: 16 }).program!;
    const ks = kernelsOf(p.steps);
    // 16 filters: the filter is one panel of 16 lanes, read as it lies (no packing).
    expect(ks.map((k) => k.name)).toEqual(["k0_conv2d_offsets", "k1_conv2d", "k2_matmul_pack_b", "k3_matmul"]);
    expect(ks[1]!.origin.ops).toEqual(expect.arrayContaining(["conv2d", "add", "maximum"]));
    expect(p.buffers.some((b) => b.name.startsWith("packa"))).toBe(false);
  });

  it("the compiled tile has no vector lane extracts: each row's address stays scalar (no SLP vectoriser)", () => {
    const c = new Case(80);
    // 16 output pixels: one 8-row tile per 8 pixels, as for a batch (CIFAR's third convolution).
    c.g.outputs = [c.emit("conv2d", [c.input("img", [1, 6, 6, 64]), c.input("f", [3, 3, 64, 64])], { padding: "valid" })];
    const lib = compile(c.g, cache).library.lib;
    const asm = execFileSync("objdump", ["-d", "--no-show-raw-insn", lib], { encoding: "utf8", maxBuffer: 64 << 20 });
    const conv = asm.split(/\n(?=[0-9a-f]+ <)/).filter((f) => /^[0-9a-f]+ <k\d+_conv2d_(body|par)>/.test(f));
    expect(conv.length).toBeGreaterThan(0);
    expect(conv.join("\n")).toMatch(/vfmadd231ps/);
    expect(conv.join("\n")).not.toMatch(/vpextrq|vextracti/);
  });

  it("a filter gradient without padding reads x in place (8-row tiles of taps × channels); with padding it packs", () => {
    const scratch = (C: number, padding: string) => {
      const c = new Case(83);
      const dy = padding === "valid" ? [2, 5, 5, 4] : [2, 7, 7, 4];
      c.g.outputs = [c.emit("conv2d_grad_filter", [c.input("img", [2, 7, 7, C]), c.input("dy", dy), c.input("f", [3, 3, C, 4])], { padding })];
      const p = lowerGraph(c.g, { vectorWidth: 16 }).program!;
      return p.buffers.filter((b) => b.kind === "temp").map((b) => b.name.replace(/\d+$/, ""));
    };
    expect(scratch(16, "valid")).toEqual(["packb", "offs"]);
    expect(scratch(12, "valid")).toEqual(["packb", "offs"]);
    expect(scratch(12, "same")).toEqual(["packb", "packa"]);
  });

  it("a filter gradient of few rows (RGB taps) over a long K splits K among the parts, then sums the parts' partial products", () => {
    const c = new Case(84);
    c.g.outputs = [c.emit("conv2d_grad_filter", [c.input("img", [2, 50, 50, 3]), c.input("dy", [2, 48, 48, 8]), c.input("f", [3, 3, 3, 8])], { padding: "valid" })];
    const p = lowerGraph(c.g, { vectorWidth: 16 }).program!;
    expect(kernelsOf(p.steps).map((k) => k.name)).toEqual(["k0_conv2d_grad_filter_pack_b", "k1_conv2d_grad_filter_offsets", "k2_conv2d_grad_filter_gemm", "k3_conv2d_grad_filter"]);
    expect(p.buffers.filter((b) => b.kind === "temp").map((b) => b.name.replace(/\d+$/, ""))).toEqual(["packb", "offs", "partial"]);
  });

  it("the input gradient is packing, a GEMM into columns and a gather that also applies the epilogue", () => {
    const c = new Case(77);
    const img = c.input("img", [2, 7, 7, 3]), f = c.input("f", [3, 3, 3, 5]);
    c.g.outputs = [c.b.mul(c.emit("conv2d_grad_input", [c.input("dy", [2, 7, 7, 5]), f, img], { padding: "same" }), img)];
    const ks = kernelsOf(lowerGraph(c.g, { vectorWidth: 16 }).program!.steps);
    expect(ks.map((k) => k.name)).toEqual(["k0_conv2d_grad_input_pack_b", "k1_conv2d_grad_input_gemm", "k2_conv2d_grad_input"]);
    expect(ks[2]!.origin.ops).toEqual(["conv2d_grad_input", "mul"]);
  });
});

describe("split K: a filter gradient of 27 rows summed over 4,608 pixels", () => {
  const c = new Case(85);
  outputSuite(c, cache, (c) => {
    const img = c.input("img", [2, 50, 50, 3]), f = c.input("f", [3, 3, 3, 20]);
    const gf = c.emit("conv2d_grad_filter", [img, c.input("dy", [2, 48, 48, 20]), f], { padding: "valid" });
    return {
      // 20 filters: a ragged panel; the epilogue (times the filter) runs in the kernel that adds the parts.
      split_plain: gf,
      split_epilogue: c.b.mul(gf, f),
    };
  });
});

describe("split K over a symbolic batch", () => {
  it("a batch of one after a batch of 8: 2 pixels for 8 parts, so most slices are empty and must store zeros over the last run's sums", () => {
    const build = (B: number) => {
      const c = new Case(86, { B });
      c.g.outputs = [c.emit("conv2d_grad_filter", [c.input("img", ["B", 3, 4, 3]), c.input("dy", ["B", 1, 2, 8]), c.input("f", [3, 3, 3, 8])], { padding: "valid" })];
      return c;
    };
    const big = build(8), one = build(1);
    const compiled = compile(big.g, cache);
    compareTensors(compiled.run(big.feeds)[0]!, execute(big.g, big.feeds)[0]!, "batch of 8");
    // The same graph (same value ids) fed a batch of one.
    compareTensors(compiled.run(one.feeds)[0]!, execute(one.g, one.feeds)[0]!, "batch of one");
  });
});

describe("max pooling computed by the convolution it reads (its output never stored)", () => {
  const c = new Case(81);
  const pool = (v: ReturnType<typeof c.input>, window = [2, 2]) => c.emit("max_pool2d", [v], { window, strides: window });
  outputSuite(c, cache, (c) => {
    const relu = (v: ReturnType<typeof c.input>) => c.emit("maximum", [v, c.b.const(0)]);
    const img = c.input("img", [3, 9, 9, 5]), f = c.input("f", [3, 3, 5, 20]), fb = c.input("fb", [20]);
    const conv = (padding: string) => c.emit("conv2d", [img, f], { padding });
    return {
      // 7 × 7 pixels pool to 3 × 3 (the last row and column are in no window); 20 filters: a ragged panel.
      valid_bias_relu_pool: pool(relu(c.b.add(conv("valid"), fb))),
      // 9 × 9 ("same", A packed) pools to 4 × 4; no epilogue: the tiles' maxima themselves.
      same_pool: pool(conv("same")),
      // 1 × 2 windows (groups of 2 rows), and a sigmoid epilogue.
      sigmoid_pool_1x2: pool(c.emit("sigmoid", [conv("valid")]), [1, 2]),
      // Negative values everywhere: the maximum must not be clamped at 0.
      negative_pool: pool(c.b.sub(conv("valid"), c.b.const(100))),
    };
  });

  const lowered = (build: (c: Case) => void) => {
    const d = new Case(82);
    build(d);
    return kernelsOf(lowerGraph(d.g, { vectorWidth: 16 }).program!.steps);
  };

  it("with 16 lanes, conv + bias + relu + max pooling is one GEMM kernel", () => {
    const ks = lowered((d) => {
      const conv = d.emit("conv2d", [d.input("img", [2, 8, 8, 3]), d.input("f", [3, 3, 3, 16])], { padding: "valid" });
      d.g.outputs = [d.emit("max_pool2d", [d.emit("maximum", [d.b.add(conv, d.input("fb", [16])), d.b.const(0)])], { window: [2, 2], strides: [2, 2] })];
    });
    expect(ks.map((k) => k.name)).toEqual(["k0_conv2d_offsets", "k1_conv2d"]);
    expect(ks[1]!.origin.ops).toEqual(expect.arrayContaining(["conv2d", "add", "maximum", "max_pool2d"]));
  });

  it("not fused: overlapping windows, a second reader of the activation, or K past one block", () => {
    const names = (window: number[], strides: number[], reread: boolean, C = 3) => lowered((d) => {
      const act = d.emit("maximum", [d.emit("conv2d", [d.input("img", [2, 8, 8, C]), d.input("f", [3, 3, C, 16])], { padding: "valid" }), d.b.const(0)]);
      const p = d.emit("max_pool2d", [act], { window, strides });
      d.g.outputs = reread ? [p, act] : [p];
    }).map((k) => k.name.replace(/^k\d+_/, ""));
    expect(names([2, 2], [2, 2], false)).not.toContain("max_pool2d");
    expect(names([3, 3], [2, 2], false)).toContain("max_pool2d");
    expect(names([2, 2], [2, 2], true)).toContain("max_pool2d");
    expect(names([2, 2], [2, 2], false, 48)).toContain("max_pool2d");
  });
});
