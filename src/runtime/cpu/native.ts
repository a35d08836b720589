// A compiled program loaded in-process with koffi: native buffers for every input and output, an arena
// for temps, and `nnc_step(bufs, arena, dims, seed)` called once per run.
import { createRequire } from "node:module";
import * as os from "node:os";
import type { DType } from "../../ir/types.js";
import type { KBuffer, KProgram } from "../../codegen/kir/kir.js";
import { ktype } from "../../codegen/lower/attrs.js";
import { evalDim } from "../dims.js";
import type { TypedArray } from "../tensor.js";

type Koffi = typeof import("koffi");
let koffi: Koffi | undefined;
const loadKoffi = (): Koffi => (koffi ??= createRequire(import.meta.url)("koffi") as Koffi);

/** Bytes per element in the arena and in native buffers (bools take 4, which keeps every buffer aligned). */
const ELEM = 4;

/** Native buffers start on a cache line: a vector load that straddles two lines costs two. */
const ALIGN = 64;

interface NativeBuf {
  /** What koffi allocated (to free); the data starts `ALIGN`-aligned inside it. */
  ptr: unknown;
  /** The aligned start. */
  address: bigint;
  capacity: number;
  data: TypedArray;
}

/**
 * How libgomp's idle threads wait between parallel regions, set before the first library loads unless
 * the user set OMP_WAIT_POLICY or GOMP_SPINCOUNT. A step runs dozens of short regions. On a quiet
 * machine a thread that sleeps at once is slow to wake (an idle virtual CPU): spinning made the MLP
 * step 25% and the LSTM step 2.9× faster. libgomp's own spin length (300,000) beat a short one (2,000)
 * by 4–9% on W1, W2 and W3 here: between two regions a step's serial kernels and the host's work often
 * outlast a short spin. On a busy machine a spinner takes the core from whoever needs it (the LSTM
 * step measured 1.8× slower with the short spin), so there threads sleep at once.
 */
export function waitPolicy(env: NodeJS.ProcessEnv = process.env, load = os.loadavg()[0]!, cpus = os.cpus().length): void {
  if (env["OMP_WAIT_POLICY"] !== undefined || env["GOMP_SPINCOUNT"] !== undefined) return;
  if (load < cpus) env["GOMP_SPINCOUNT"] = "300000";
  else env["OMP_WAIT_POLICY"] = "PASSIVE";
}

export class NativeProgram {
  private readonly step: (bufs: BigUint64Array, arena: unknown, dims: BigInt64Array, seed: bigint) => void;
  private readonly loadStep: (bufs: BigUint64Array, arena: unknown, dims: BigInt64Array, seed: bigint) => void;
  private readonly finite: (p: bigint, n: number) => number;
  private readonly table: BigUint64Array;
  private readonly native = new Map<number, NativeBuf>();
  private arena: { ptr: unknown; bytes: number } | undefined;
  private readonly dimArr: BigInt64Array;

  constructor(readonly program: KProgram, libPath: string) {
    waitPolicy();
    const k = loadKoffi();
    const lib = k.load(libPath);
    this.step = lib.func("void nnc_step(void *bufs, void *arena, void *dims, int64_t seed)") as never;
    this.loadStep = lib.func("void nnc_load(void *bufs, void *arena, void *dims, int64_t seed)") as never;
    // Declared with an integer address (the same register as a pointer) so an aligned interior address can be passed.
    this.finite = lib.func("int nnc_all_finite(uint64_t p, int64_t n)") as never;
    this.table = new BigUint64Array(program.buffers.length);
    this.dimArr = new BigInt64Array(Math.max(1, program.dims.length));
  }

  /** The buffer's storage for the current dimensions, reallocated when it must grow. */
  private ensure(b: KBuffer, dims: ReadonlyMap<string, number>): NativeBuf {
    const n = evalDim(b.size, dims);
    let nb = this.native.get(b.id);
    if (!nb || nb.capacity < n) {
      const k = loadKoffi();
      if (nb) k.free(nb.ptr as never);
      const bytes = Math.max(1, n) * ELEM;
      const ptr = k.alloc("uint8_t", bytes + ALIGN);
      const base = BigInt(k.address(ptr as never));
      const pad = Number((BigInt(ALIGN) - (base % BigInt(ALIGN))) % BigInt(ALIGN));
      const raw = k.view(ptr as never, bytes + ALIGN) as ArrayBuffer;
      const count = b.t === "bool" ? bytes : bytes / ELEM;
      const data = b.t === "f32" ? new Float32Array(raw, pad, count) : b.t === "bool" ? new Uint8Array(raw, pad, count) : new Int32Array(raw, pad, count);
      nb = { ptr, address: base + BigInt(pad), capacity: n, data };
      this.native.set(b.id, nb);
      this.table[b.id] = nb.address;
    }
    return nb;
  }

  /** A typed-array view of buffer `id` for the given dimensions (valid until the buffer is reallocated). */
  view(id: number, dims: ReadonlyMap<string, number>): TypedArray {
    const b = this.program.buffers[id]!;
    const nb = this.ensure(b, dims);
    return nb.data.subarray(0, evalDim(b.size, dims));
  }

  /** Where buffer `id`'s data starts in native memory (a cache-line boundary). */
  address(id: number, dims: ReadonlyMap<string, number>): bigint {
    return this.ensure(this.program.buffers[id]!, dims).address;
  }

  /** Whether every element of f32 buffer `id` is finite (checked natively: a JS loop cost a fifth of a small step). */
  allFinite(id: number, dims: ReadonlyMap<string, number>): boolean {
    const b = this.program.buffers[id]!;
    return this.finite(this.ensure(b, dims).address, evalDim(b.size, dims)) === 1;
  }

  /** Points buffer slot `a` at the storage of buffer `b` and vice versa (ping-pong of inputs and outputs). */
  swap(a: number, b: number): void {
    const na = this.native.get(a)!, nb = this.native.get(b)!;
    this.native.set(a, nb);
    this.native.set(b, na);
    const t = this.table[a]!;
    this.table[a] = this.table[b]!;
    this.table[b] = t;
  }

  /**
   * Runs the program's load steps (what it prepares from parameters alone) for parameters already
   * written into their views. Parameters have static shapes, so no dimensions are bound.
   */
  load(): void {
    if (!this.program.load.length) return;
    const none = new Map<string, number>();
    for (const b of this.program.buffers) if (b.kind === "state" || this.program.inputs.includes(b.id)) {
      if (!b.size.atoms().length) this.ensure(b, none);
    }
    this.loadStep(this.table, null, this.dimArr, 0n);
  }

  /**
   * Runs the program once for `dims`; inputs must already be written into their views, or be lent:
   * `lent` maps an input buffer to host memory the program reads in place for this run (no copy).
   */
  run(dims: ReadonlyMap<string, number>, seed: number, lent?: ReadonlyMap<number, TypedArray>): void {
    const k = loadKoffi();
    for (const b of this.program.buffers) if (b.kind !== "temp") this.ensure(b, dims);
    const bytes = evalDim(this.program.arenaBytes, dims);
    if (!this.arena || this.arena.bytes < bytes) {
      if (this.arena) k.free(this.arena.ptr as never);
      this.arena = { ptr: k.alloc("uint8_t", Math.max(64, bytes)), bytes };
    }
    this.program.dims.forEach((d, i) => (this.dimArr[i] = BigInt(dims.get(d)!)));
    for (const [id, data] of lent ?? []) this.table[id] = BigInt(k.address(data as never));
    try {
      this.step(this.table, this.arena.ptr, this.dimArr, BigInt(seed >>> 0));
    } finally {
      for (const id of lent?.keys() ?? []) this.table[id] = this.native.get(id)!.address;
    }
  }

  /**
   * Whether `data` can be lent as input buffer `id` for `dims` (read in place instead of copied): the
   * buffer's element type and length, and at least 1 KiB, so that V8 keeps it off its heap, where it
   * never moves.
   */
  canLend(id: number, data: TypedArray, dims: ReadonlyMap<string, number>): boolean {
    const b = this.program.buffers[id]!;
    const type = b.t === "f32" ? Float32Array : b.t === "i32" ? Int32Array : undefined;
    return !!type && data instanceof type && data.length === evalDim(b.size, dims) && data.byteLength >= 1024;
  }
}

/** Storage dtype of a graph dtype on the compiled backends: the kernel IR's type (f32, i32 or bool). */
export const storageDType = (d: DType): DType => ktype(d);
