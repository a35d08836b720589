// The kernel IR: the one contract between fusion/scheduling and the renderers (LLVM, CUDA, WGSL).
// A program is a list of steps over flat buffers; a kernel is a loop nest of index expressions.
// Parallel loops map onto threads (CPU), blocks/threads (CUDA) or workgroups (WGSL); reduction loops
// stay inside one thread; locals are registers; `seq` steps (recurrences) run their body once per index.
import type { Dim } from "../../ir/dim.js";

/** Scalar types: f32 arithmetic, i32 data, i64 index arithmetic, bool (stored as one byte). */
export type KType = "f32" | "i32" | "i64" | "bool";

export type UnOp = "neg" | "exp" | "log" | "sqrt" | "abs" | "sign" | "tanh" | "sigmoid" | "not";
export type BinOp = "add" | "sub" | "mul" | "div" | "pow" | "max" | "min" | "gt" | "ge" | "lt" | "le" | "eq" | "and" | "or" | "mod";

export type KExpr =
  | { k: "const"; t: KType; v: number }
  /** A loop index, a symbolic dimension ("dim:B") or a `seq` index: always i64. */
  | { k: "var"; t: "i64"; name: string }
  /** `lanes` > 1: that many consecutive elements from idx, as one vector; with `count`, only the first
   * `count` lanes are read (the rest are 0), for the ragged edge of a buffer. */
  | { k: "load"; t: KType; buf: number; idx: KExpr; lanes?: number; count?: KExpr }
  /** A vector with `a` in every lane. */
  | { k: "splat"; t: KType; lanes: number; a: KExpr }
  | { k: "un"; t: KType; op: UnOp; a: KExpr }
  | { k: "bin"; t: KType; op: BinOp; a: KExpr; b: KExpr }
  | { k: "select"; t: KType; c: KExpr; a: KExpr; b: KExpr }
  | { k: "cast"; t: KType; a: KExpr }
  /** A uniform draw in [0, 1) from the step's seed, the kernel's stream number and an i64 counter. */
  | { k: "rand"; t: "f32"; stream: number; idx: KExpr }
  /** Reads a local scalar. */
  | { k: "get"; t: KType; name: string };

/** serial: plain loop; parallel: iterations split across threads (outermost loop of a kernel only). */
export type LoopMode = "serial" | "parallel";

export type KStmt =
  | { k: "for"; v: string; n: KExpr; mode: LoopMode; body: KStmt[] }
  /** With `lanes`, a vector store; with `count` too, only its first `count` lanes are written. */
  | { k: "store"; buf: number; idx: KExpr; value: KExpr; accumulate?: boolean; lanes?: number; count?: KExpr }
  | { k: "local"; name: string; t: KType; init: KExpr; lanes?: number }
  | { k: "set"; name: string; value: KExpr }
  | { k: "if"; cond: KExpr; body: KStmt[] }
  /** A hint: bring the cache line holding buf[idx] close (for a write when `write`); no effect on results. */
  | { k: "prefetch"; buf: number; idx: KExpr; write?: boolean };

export interface KernelOrigin {
  /** Graph ops fused into this kernel, in order. */
  ops: string[];
  /** Source lines ("file:line") they came from. */
  lines: string[];
  /** Layer paths they belong to ("dense_1", "optimizer.adam"). */
  scopes: string[];
}

export interface Kernel {
  name: string;
  body: KStmt[];
  /** Rough scalar operations per run: the renderer runs small kernels on one thread. */
  cost: KExpr;
  origin: KernelOrigin;
}

/** state: written by the program's `load` steps, read by its steps, kept between runs (packed weights). */
export type BufferKind = "input" | "output" | "temp" | "state";

export interface KBuffer {
  id: number;
  name: string;
  t: KType;
  /** Number of elements (symbolic dimensions allowed). */
  size: Dim;
  kind: BufferKind;
  /** temp only: byte offset in the arena (set by memory planning). */
  offset?: Dim;
  /**
   * state only: the steps keep it up to date themselves, storing the new value of output buffer
   * `follows` into it (a weight's packed panels, from the update that computes the weight). The host
   * runs the load steps again only when the parameters change otherwise.
   */
  follows?: number;
}

export type KStep = { k: "kernel"; kernel: Kernel } | { k: "seq"; v: string; n: KExpr; body: KStep[] };

export interface KProgram {
  name: string;
  /** Symbolic dimensions the program takes at run time, in order. */
  dims: string[];
  buffers: KBuffer[];
  steps: KStep[];
  /**
   * Run once each time the parameters are loaded, before any step (inference, where parameters are
   * constants): kernels that read only parameters, such as packing a weight matrix, writing state buffers.
   */
  load: KStep[];
  /** Bytes of scratch memory the temps need. */
  arenaBytes: Dim;
  /**
   * The finite check of some outputs (a training step's new parameters, see finite-check.ts): `buf`
   * holds, per output in `outputs` order, lane sums that are all zero exactly when it is all finite.
   */
  finite?: { buf: number; outputs: number[] };
  /** Buffer ids of the graph's inputs (params included) and outputs, in graph order. */
  inputs: number[];
  outputs: number[];
}

export const BYTES: Record<KType, number> = { f32: 4, i32: 4, i64: 8, bool: 1 };

export const isFloatK = (t: KType): boolean => t === "f32";
