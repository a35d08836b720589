// x / (√v + c), c > 0, on 16-lane vectors: the renderer computes it from refined estimates
// (quotient-prelude.ts). Checked element by element against float32 IEEE arithmetic: within 2 ulp
// for finite answers, and the same zeros, infinities and NaNs.
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import type { Value } from "../../src/ir/graph.js";
import { execute } from "../../src/runtime/ref/executor.js";
import { Case, compile, tempCache } from "./helpers.js";
import { cpuVectorWidth } from "../../src/runtime/cpu/compiled.js";

const cache = tempCache();
const f = Math.fround;

/** Units in the last place of f32 `y` (its spacing at y's magnitude). */
const ulp = (y: number) => {
  const a = Math.abs(f(y));
  if (a < 2 ** -126) return 2 ** -149;
  return 2 ** (Math.floor(Math.log2(a)) - 23);
};

// Special values, exact squares, tiny and huge magnitudes, then random ones: 96 lanes in all.
const V_SPECIAL = [0, -0, Infinity, NaN, -1, -Infinity, 1e-38, 1e-30, 1e-14, 4, 9, 1e30, 3.4e38, 0.25, 2, 1e-8];
const X_SPECIAL = [1, -1, 0, -0, Infinity, -Infinity, NaN, 1e30, -3e38, 1e-30, 5, -7, 3e38, 0.5, 1e-3, -2];

function build(c: Case, eps: number): { x: Value; v: Value; out: Value } {
  const n = 96;
  const xs = [...X_SPECIAL, ...Array.from({ length: n - 16 }, () => c.rng.uniform(-10, 10) * 10 ** Math.floor(c.rng.uniform(-6, 6)))];
  const vs = [...V_SPECIAL, ...Array.from({ length: n - 16 }, () => c.rng.uniform(0, 1) * 10 ** Math.floor(c.rng.uniform(-12, 12)))];
  // Rows of 16: the inner loop is vectorised by the lowering (a 1-D loop is left to LLVM's vectoriser).
  const x = c.input("x", [n / 16, 16], { values: xs }), v = c.input("v", [n / 16, 16], { values: vs });
  const out = c.b.div(x, c.b.add(c.emit("sqrt", [v]), c.b.const(eps)));
  return { x, v, out };
}

describe("x / (√v + c) from refined estimates", () => {
  for (const eps of [1e-7, 1e-3, 1]) {
    it(`c = ${eps}: within 2 ulp of IEEE float32, specials exact`, () => {
      const c = new Case(95);
      const { out } = build(c, eps);
      c.g.outputs = [out];
      const got = compile(c.g, cache).run(c.feeds)[0]!.data;
      const want = execute(c.g, c.feeds)[0]!.data;
      for (let i = 0; i < want.length; i++) {
        const g = got[i]!, w = f(want[i]!);
        if (!Number.isFinite(w) || w === 0) {
          expect(Object.is(g, w) || (Number.isNaN(g) && Number.isNaN(w)), `lane ${i}: ${g}, IEEE ${w}`).toBe(true);
          continue;
        }
        expect(Math.abs(g - w) / ulp(w), `lane ${i}: ${g}, IEEE ${w}`).toBeLessThanOrEqual(2);
      }
    });
  }

  it("is what AVX-512 code uses: estimates instead of vsqrtps and vdivps", () => {
    if (cpuVectorWidth() !== 16) return;
    const c = new Case(96);
    c.g.outputs = [build(c, 1e-7).out];
    const lib = compile(c.g, cache).library.lib;
    const asm = execFileSync("objdump", ["-d", lib], { encoding: "utf8", maxBuffer: 64 << 20 });
    expect(asm).toMatch(/vrsqrt14ps/);
    expect(asm).toMatch(/vrcp14ps/);
    expect(asm).not.toMatch(/vdivps|vsqrtps/);
  });
});
