// x / (√v + c) with c > 0 on 16-lane AVX-512 vectors, as LLVM text: the update of Adam, RMSprop and
// Adagrad. vsqrtps and vdivps on 16 lanes take about 14 and 12 cycles each (measured here), so W1's
// Adam pass over 400,000 weights spent more on them than on its loads and stores. This version starts
// from the 14-bit estimates (vrsqrt14ps, vrcp14ps) and corrects the square root and the quotient once
// each by their residuals (FMAs): within about 1 ulp of IEEE's answer, in about a third of the time.
//
// Edges as IEEE: √±0 = ±0 and √∞ = ∞ (the estimate alone gives NaN there); √ of a negative or NaN is
// NaN; x / ∞ is a signed 0 (NaN for infinite x); an infinite or overflowing quotient is kept as is.
import { floatHex } from "./math-prelude.js";

/** `@nnc_div_sqrt_plus(x, v, c)` = x / (√v + c) for 16 lanes, when the target is x86 with AVX-512. */
export function quotientPrelude(w: number, x86: boolean): string {
  if (w !== 16 || !x86) return "";
  const V = "<16 x float>";
  const k = (x: number) => `<${Array(16).fill(`float ${floatHex(x)}`).join(", ")}>`;
  const fma = (d: string, a: string, b: string, c: string) => `  %${d} = call ${V} @llvm.fma.v16f32(${V} ${a}, ${V} ${b}, ${V} ${c})`;
  return [
    `declare ${V} @llvm.x86.avx512.rsqrt14.ps.512(${V}, ${V}, i16)`,
    `declare ${V} @llvm.x86.avx512.rcp14.ps.512(${V}, ${V}, i16)`,
    // llvm.fma.v16f32 is declared by the exp prelude (math-prelude.ts), which always comes with 16 lanes.
    `declare ${V} @llvm.fabs.v16f32(${V})`,
    `define ${V} @nnc_div_sqrt_plus(${V} %x, ${V} %v, ${V} %c) alwaysinline {`,
    // s = s0 + (y / 2)·(v − s0²) with s0 = v·y, y ≈ 1/√v to 14 bits: the relative error e of the
    // estimate leaves e² (2⁻²⁸) after the correction, below float32's rounding.
    `  %y = call ${V} @llvm.x86.avx512.rsqrt14.ps.512(${V} %v, ${V} zeroinitializer, i16 -1)`,
    `  %s0 = fmul ${V} %v, %y`,
    `  %ns0 = fneg ${V} %s0`,
    fma("res", "%ns0", "%s0", "%v"),
    `  %hy = fmul ${V} %y, ${k(0.5)}`,
    fma("s1", "%hy", "%res", "%s0"),
    `  %zero = fcmp oeq ${V} %v, zeroinitializer`,
    `  %inf = fcmp oeq ${V} %v, ${k(Infinity)}`,
    `  %edge = or <16 x i1> %zero, %inf`,
    `  %s = select <16 x i1> %edge, ${V} %v, ${V} %s1`,
    // d ≥ c > 0; q = q0 + r·(x − d·q0) with q0 = x·r, r ≈ 1/d to 14 bits: again e² after the correction.
    `  %d = fadd ${V} %s, %c`,
    `  %nd = fneg ${V} %d`,
    `  %r = call ${V} @llvm.x86.avx512.rcp14.ps.512(${V} %d, ${V} zeroinitializer, i16 -1)`,
    `  %q0 = fmul ${V} %x, %r`,
    fma("rem", "%nd", "%q0", "%x"),
    fma("q1", "%r", "%rem", "%q0"),
    // An infinite q0 (x infinite, or the quotient overflows) is the answer; d = ∞ gives x·0.
    `  %aq0 = call ${V} @llvm.fabs.v16f32(${V} %q0)`,
    `  %big = fcmp oeq ${V} %aq0, ${k(Infinity)}`,
    `  %q2 = select <16 x i1> %big, ${V} %q0, ${V} %q1`,
    `  %dinf = fcmp oeq ${V} %d, ${k(Infinity)}`,
    `  %xz = fmul ${V} %x, zeroinitializer`,
    `  %q = select <16 x i1> %dinf, ${V} %xz, ${V} %q2`,
    `  ret ${V} %q`,
    `}`,
    "",
  ].join("\n");
}
