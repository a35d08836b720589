// The LLVM text linked into every step library, for what llvm-bindings cannot build itself: vector
// types (splat, unaligned and masked loads and stores), the flush-to-zero float mode, and a finite check.

import { mathPrelude } from "./math-prelude.js";
import { quotientPrelude } from "./quotient-prelude.js";

/** The prelude for `w`-lane vectors (none when w ≤ 1), with MXCSR handling on x86. */
export function prelude(w: number, x86: boolean): string {
  return allFinite + ftzModes(x86) + vectorPrelude(w) + mathPrelude(w) + quotientPrelude(w, x86);
}

/** nnc_all_finite(p, n): 1 when none of the n floats at p is an infinity or NaN (the exponent is not all ones). */
const allFinite = [
  "define i32 @nnc_all_finite(i8* %raw, i64 %n) {",
  "entry:",
  "  %p = bitcast i8* %raw to i32*",
  "  br label %head",
  "head:",
  "  %i = phi i64 [0, %entry], [%i1, %body]",
  "  %acc = phi i32 [0, %entry], [%acc1, %body]",
  "  %c = icmp slt i64 %i, %n",
  "  br i1 %c, label %body, label %done",
  "body:",
  "  %q = getelementptr inbounds i32, i32* %p, i64 %i",
  "  %x = load i32, i32* %q, align 4",
  "  %e = and i32 %x, 2139095040",
  "  %f = icmp eq i32 %e, 2139095040",
  "  %z = zext i1 %f to i32",
  "  %acc1 = or i32 %acc, %z",
  "  %i1 = add i64 %i, 1",
  "  br label %head",
  "done:",
  "  %r = icmp eq i32 %acc, 0",
  "  %ri = zext i1 %r to i32",
  "  ret i32 %ri",
  "}",
  "",
].join("\n");

/**
 * Denormal floats make x86 FMAs take microcode assists (100× slower); gradients near zero produce them.
 * Every thread turns on flush-to-zero and denormals-are-zero (MXCSR bits 15 and 6) while it runs
 * kernels and restores its old mode after, so node's own floats are untouched.
 */
function ftzModes(x86: boolean): string {
  if (!x86) return "define i32 @nnc_ftz_on() alwaysinline {\n  ret i32 0\n}\ndefine void @nnc_ftz_restore(i32 %old) alwaysinline {\n  ret void\n}\n";
  return [
    "declare void @llvm.x86.sse.stmxcsr(i8*)",
    "declare void @llvm.x86.sse.ldmxcsr(i8*)",
    "define i32 @nnc_ftz_on() alwaysinline {",
    "  %p = alloca i32",
    "  %q = bitcast i32* %p to i8*",
    "  call void @llvm.x86.sse.stmxcsr(i8* %q)",
    "  %old = load i32, i32* %p",
    "  %new = or i32 %old, 32832",
    "  store i32 %new, i32* %p",
    "  call void @llvm.x86.sse.ldmxcsr(i8* %q)",
    "  ret i32 %old",
    "}",
    "define void @nnc_ftz_restore(i32 %old) alwaysinline {",
    "  %p = alloca i32",
    "  store i32 %old, i32* %p",
    "  %q = bitcast i32* %p to i8*",
    "  call void @llvm.x86.sse.ldmxcsr(i8* %q)",
    "  ret void",
    "}",
    "",
  ].join("\n");
}

/**
 * llvm-bindings cannot make vector types, splat, or loads with an alignment; this small module, parsed
 * from text and linked in, provides them (opt inlines the calls).
 */
function vectorPrelude(w: number): string {
  if (w <= 1) return "";
  const v = `<${w} x float>`;
  const lanes = Array.from({ length: w }, (_, i) => `i64 ${i}`).join(", ");
  return [
    `define ${v} @nnc_splat(float %x) alwaysinline {`,
    `  %a = insertelement ${v} poison, float %x, i32 0`,
    `  %s = shufflevector ${v} %a, ${v} poison, <${w} x i32> zeroinitializer`,
    `  ret ${v} %s`,
    `}`,
    `define ${v} @nnc_vload(float* %p) alwaysinline {`,
    `  %q = bitcast float* %p to ${v}*`,
    `  %x = load ${v}, ${v}* %q, align 4`,
    `  ret ${v} %x`,
    `}`,
    `define void @nnc_vstore(float* %p, ${v} %x) alwaysinline {`,
    `  %q = bitcast float* %p to ${v}*`,
    `  store ${v} %x, ${v}* %q, align 4`,
    `  ret void`,
    `}`,
    // The first n lanes only: lane i is live when i < n (AVX-512 turns this into a k-mask).
    `define <${w} x i1> @nnc_mask(i64 %n) alwaysinline {`,
    `  %a = insertelement <${w} x i64> poison, i64 %n, i32 0`,
    `  %s = shufflevector <${w} x i64> %a, <${w} x i64> poison, <${w} x i32> zeroinitializer`,
    `  %m = icmp slt <${w} x i64> <${lanes}>, %s`,
    `  ret <${w} x i1> %m`,
    `}`,
    `declare ${v} @llvm.masked.load.v${w}f32.p0v${w}f32(${v}*, i32, <${w} x i1>, ${v})`,
    `declare void @llvm.masked.store.v${w}f32.p0v${w}f32(${v}, ${v}*, i32, <${w} x i1>)`,
    `define ${v} @nnc_vload_n(float* %p, i64 %n) alwaysinline {`,
    `  %q = bitcast float* %p to ${v}*`,
    `  %m = call <${w} x i1> @nnc_mask(i64 %n)`,
    `  %x = call ${v} @llvm.masked.load.v${w}f32.p0v${w}f32(${v}* %q, i32 4, <${w} x i1> %m, ${v} zeroinitializer)`,
    `  ret ${v} %x`,
    `}`,
    `define void @nnc_vstore_n(float* %p, ${v} %x, i64 %n) alwaysinline {`,
    `  %q = bitcast float* %p to ${v}*`,
    `  %m = call <${w} x i1> @nnc_mask(i64 %n)`,
    `  call void @llvm.masked.store.v${w}f32.p0v${w}f32(${v} %x, ${v}* %q, i32 4, <${w} x i1> %m)`,
    `  ret void`,
    `}`,
    "",
  ].join("\n");
}
