// The prelude's exp (a polynomial that inlines and vectorises, instead of a libm call per element):
// within 3 ulp of the correctly rounded e^x over the whole f32 range, zero and infinity where expf
// gives them, NaN passed through. Checked on scalars (an elementwise kernel) and on vector lanes
// (the epilogue of a GEMM with the identity, which leaves x exact).
import { beforeAll, describe, expect, it } from "vitest";
import { Case, compile, tempCache } from "./helpers.js";

const cache = tempCache();

const N = 16 * 1500;
/** A dense sweep over [-90, 90], then the edges and special values. */
const sweep = Array.from({ length: N }, (_, i) => -90 + (180 * i) / (N - 1));
const special = [0, -0, 1, -1, 88.72, 88.73, 89, 100, -87.3, -87.4, -103, -104, -200, Infinity, -Infinity, NaN];
sweep.splice(0, special.length, ...special);

/** Error in units of the last place of the correctly rounded result. */
function ulps(got: number, x: number): number {
  const want = Math.fround(Math.exp(x));
  if (want === 0 || want < 1.1754944e-38) return got <= 1.1754944e-38 ? 0 : Infinity; // denormals flush to zero in the step
  const ulp = Math.fround(want * (1 + 2 ** -23)) - want;
  return Math.abs(got - want) / ulp;
}

describe("exp in compiled kernels", () => {
  const c = new Case(91);
  const x = c.input("x", [N / 16, 16], { values: sweep });
  const eye = c.input("eye", [16, 16], { values: Array.from({ length: 256 }, (_, i) => (i % 17 === 0 ? 1 : 0)) });
  // A product with the identity spreads a NaN or infinity over its row: the vector path gets finite values.
  const finite = c.input("finite", [N / 16, 16], { values: sweep.map((v) => (Number.isFinite(v) ? v : 0)) });
  c.g.outputs = [c.emit("exp", [x]), c.emit("exp", [c.emit("matmul", [finite, eye])])];
  let got: Float32Array[] = [];
  beforeAll(() => {
    got = compile(c.g, cache).run(c.feeds).map((t) => t.data as Float32Array);
  });

  for (const [i, path] of [[0, "scalar"], [1, "vector (GEMM epilogue)"]] as const) {
    it(`${path}: at most 3 ulp from e^x, exact at the special values`, () => {
      const xs = Float32Array.from(i === 0 ? sweep : sweep.map((v) => (Number.isFinite(v) ? v : 0)));
      let worst = 0, at = 0;
      for (let j = 0; j < N; j++) {
        if (!Number.isFinite(xs[j]!)) continue;
        const e = ulps(got[i]![j]!, xs[j]!);
        if (e > worst) [worst, at] = [e, j];
      }
      expect(worst, `x = ${xs[at]}: got ${got[i]![at]}, e^x = ${Math.exp(xs[at]!)}`).toBeLessThanOrEqual(3);
      // e^0 = 1 exactly; past the ends of the range infinity and zero; NaN stays NaN.
      const y = (v: number) => got[i]![Number.isNaN(v) ? special.length - 1 : special.indexOf(v)];
      expect([y(0), y(-0), y(89), y(100), y(-104), y(-200)]).toEqual([1, 1, Infinity, Infinity, 0, 0]);
      if (i === 0) {
        expect([y(Infinity), y(-Infinity)]).toEqual([Infinity, 0]);
        expect(y(NaN)).toBeNaN();
      }
    });
  }
});
