// exp for f32 as LLVM text, scalar and on vectors. llvm.exp becomes a libm call per element, which
// stops the loop vectoriser and costs a call each (an LSTM step spends a third of its time in expf);
// this version is straight-line code that inlines and vectorises. Error: a few ulp (degree-7 Taylor
// polynomial on |r| ≤ ln2/2, error below 1e-8 relative, plus rounding).
//
// exp(x) = 2^n · e^r with n = round(x / ln2) and r = x − n·ln2 (ln2 split in two so r is exact).
// 2^n is built from exponent bits in two halves, so n from −150 to 129 gives denormals, zero and
// infinity exactly where expf does. NaN is passed through.

/** The bits of f32 `x` written as LLVM's hexadecimal double for a float constant. */
export function floatHex(x: number): string {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.fround(x));
  return "0x" + view.getBigUint64(0).toString(16).toUpperCase().padStart(16, "0");
}

/** `@nnc_expf(float)`, and `@nnc_expv(<w x float>)` when w > 1. */
export function mathPrelude(w: number): string {
  return expFunction("nnc_expf", 1) + (w > 1 ? expFunction("nnc_expv", w) : "");
}

function expFunction(name: string, w: number): string {
  const vec = w > 1;
  const F = vec ? `<${w} x float>` : "float";
  const I = vec ? `<${w} x i32>` : "i32";
  const B = vec ? `<${w} x i1>` : "i1";
  const sfx = vec ? `v${w}f32` : "f32";
  const fc = (x: number) => (vec ? `<${Array(w).fill(`float ${floatHex(x)}`).join(", ")}>` : floatHex(x));
  const ic = (x: number) => (vec ? `<${Array(w).fill(`i32 ${x}`).join(", ")}>` : `${x}`);
  // 1/k! for k = 7 … 2, evaluated by Horner's rule, then p = 1 + r + r²·q.
  const taylor = [1 / 5040, 1 / 720, 1 / 120, 1 / 24, 1 / 6, 1 / 2];
  const lines = [
    `declare ${F} @llvm.rint.${sfx}(${F})`,
    `declare ${F} @llvm.fma.${sfx}(${F}, ${F}, ${F})`,
    `define ${F} @${name}(${F} %x) alwaysinline {`,
    `  %lo = fcmp olt ${F} %x, ${fc(-104)}`,
    `  %x1 = select ${B} %lo, ${F} ${fc(-104)}, ${F} %x`,
    `  %hi = fcmp ogt ${F} %x1, ${fc(89)}`,
    `  %xc = select ${B} %hi, ${F} ${fc(89)}, ${F} %x1`,
    `  %t = fmul ${F} %xc, ${fc(Math.LOG2E)}`,
    `  %n = call ${F} @llvm.rint.${sfx}(${F} %t)`,
    // ln2 = 0.693359375 − 2.12194440e-4: the first part has few bits, so n·part is exact.
    `  %nln = fneg ${F} %n`,
    `  %r1 = call ${F} @llvm.fma.${sfx}(${F} %nln, ${F} ${fc(0.693359375)}, ${F} %xc)`,
    `  %r = call ${F} @llvm.fma.${sfx}(${F} %nln, ${F} ${fc(-2.12194440e-4)}, ${F} %r1)`,
    `  %q0 = bitcast ${F} ${fc(taylor[0]!)} to ${F}`,
  ];
  taylor.slice(1).forEach((c, i) => lines.push(`  %q${i + 1} = call ${F} @llvm.fma.${sfx}(${F} %q${i}, ${F} %r, ${F} ${fc(c)})`));
  const q = `%q${taylor.length - 1}`;
  lines.push(
    `  %r2 = fmul ${F} %r, %r`,
    `  %p1 = fadd ${F} %r, ${fc(1)}`,
    `  %p = call ${F} @llvm.fma.${sfx}(${F} %r2, ${F} ${q}, ${F} %p1)`,
    `  %ni = fptosi ${F} %n to ${I}`,
    `  %h = ashr ${I} %ni, ${ic(1)}`,
    `  %h2 = sub ${I} %ni, %h`,
    `  %e1 = add ${I} %h, ${ic(127)}`,
    `  %e2 = add ${I} %h2, ${ic(127)}`,
    `  %b1 = shl ${I} %e1, ${ic(23)}`,
    `  %b2 = shl ${I} %e2, ${ic(23)}`,
    `  %s1 = bitcast ${I} %b1 to ${F}`,
    `  %s2 = bitcast ${I} %b2 to ${F}`,
    `  %y1 = fmul ${F} %p, %s1`,
    `  %y = fmul ${F} %y1, %s2`,
    `  %nan = fcmp uno ${F} %x, %x`,
    `  %res = select ${B} %nan, ${F} %x, ${F} %y`,
    `  ret ${F} %res`,
    `}`,
    "",
  );
  return lines.join("\n");
}
