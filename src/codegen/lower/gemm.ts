// Matmul. With f32 vectors (W lanes): B is first packed into column panels of 2W (zero-padded), so
// the inner loop streams one contiguous panel; C is computed in MR × 2W register tiles (MR × W when C
// has at most W columns, a classifier's 10: half the FMAs and epilogue work) by FMAs with a
// broadcast element of A, blocked over K (a KC × 2W panel stays in L1 while every row tile of a chunk
// of rows passes over it). Ragged edges use masked vector loads and stores; rows past M read A's last
// row and are not stored. Without vectors (integers, or no SIMD) C is computed in MR × NR scalar
// tiles over the whole K loop, edges by plain dot products.
import { Dim, numel } from "../../ir/dim.js";
import type { IRNode, Value } from "../../ir/graph.js";
import type { KExpr, KStmt, KType } from "../kir/kir.js";
import { add, bin, c64, cast, cst, dimExpr, div, flatten, mul, select, sizeExpr, sub, un, v64 } from "../kir/expr.js";
import { epilogueAhead, reloadAhead } from "./gemm-prefetch.js";
import { CHUNKS, packA, packB, panelRange, tileRows } from "./gemm-pack.js";
import { CHECK_PARTS, type PartChecks, partChecks } from "./finite-check.js";
import { exprToString } from "../kir/printer.js";
import { ktype } from "./attrs.js";
import type { ExprCtx } from "./injective.js";
import { nest, type Template } from "./templates.js";

/** Rows and columns of a scalar register tile (no vectors: integers, or no SIMD). */
export const MR = 6, NR = 16;
/** K block: a KC × 2W panel of packed B (32 KiB with AVX-512) stays in L1. */
export const KC = 256;
/** Bytes of packed A per chunk: well inside L2. */
const CHUNK_BYTES = 256 * 1024;
/** Bytes of a chunk's C above which its partial sums are prefetched for their reload (see reloadAhead). */
const RELOAD_PREFETCH_BYTES = 1 << 20;
/** K from which a GEMM of few row tiles splits K among the parts (see splitsK). */
const SPLIT_K_MIN = 4096;

const dims = (v: Value): Dim[] => v.type.shape;
const get = (t: KType, name: string): KExpr => ({ k: "get", t, name });
const tiles = (x: KExpr, r: number | KExpr) => {
  const d = typeof r === "number" ? c64(r) : r;
  return div(add(x, sub(d, c64(1))), d);
};
const minE = (a: KExpr, b: KExpr) => bin("min", a, b);
const maxE = (a: KExpr, b: KExpr) => bin("max", a, b);

interface Shape {
  row: boolean;
  as: Dim[];
  bs: Dim[];
  os: Dim[];
  /** C's leading (batch) axes. */
  batch: Dim[];
  M: KExpr;
  K: KExpr;
  N: KExpr;
  /** Operand batch indices for the batch loop variables (broadcast axes read index 0). */
  bIdx: (sh: Dim[], bv: KExpr[]) => KExpr[];
}

function shapeOf(n: IRNode): Shape {
  const [a, b] = n.inputs as [Value, Value];
  const row = dims(a).length === 1;
  const as = row ? [Dim.const(1), ...dims(a)] : dims(a), bs = dims(b), os = dims(n.output);
  const batch = os.slice(0, row ? -1 : -2);
  const bIdx = (sh: Dim[], bv: KExpr[]) => {
    const lead = batch.length - (sh.length - 2);
    return sh.slice(0, -2).map((d, j) => (d.value === 1 && batch[lead + j]!.value !== 1 ? c64(0) : bv[lead + j]!));
  };
  return { row, as, bs, os, batch, M: dimExpr(as[as.length - 2]!), K: dimExpr(as[as.length - 1]!), N: dimExpr(bs[bs.length - 1]!), bIdx };
}

export { tileRows } from "./gemm-pack.js";

export function gemmTemplate(n: IRNode, outBuf: number, ctx: ExprCtx, epilogue?: Epilogue): Template {
  const t = ktype(n.output.type.dtype);
  return ctx.lanes > 1 && t === "f32" ? packedGemm({ ...matmulSpec(n, ctx), epilogue }, outBuf, ctx) : scalarGemm(n, outBuf, ctx);
}

/** A GEMM C[batch…, i, j] = Σ_k A[i, k] · B[k, j] described by element accessors, so that a convolution
 * (im2col) and a matmul share one kernel. Operands are packed once, so they may be any expression. */
export interface GemmSpec {
  /** Names the scratch buffers. */
  id: number;
  M: Dim;
  K: Dim;
  N: Dim;
  /** C's batch axes, and the operands' own (broadcast) batch axes. */
  batch: Dim[];
  aBatch: Dim[];
  bBatch: Dim[];
  /** The operands' batch indices for C's batch index. */
  aSel(bv: KExpr[]): KExpr[];
  bSel(bv: KExpr[]): KExpr[];
  /** A[ab…, i, k] for i < M, k < K. */
  a(ab: KExpr[], i: KExpr, k: KExpr): KExpr;
  /** B[bb…, k, j] for k < K, j < N. */
  b(bb: KExpr[], k: KExpr, j: KExpr): KExpr;
  /**
   * A read in place instead of packed: A[i, k] = buf[base(i) + off(k)] for every i < M, k < K (an
   * im2col view of an image with no padding). `off` is tabulated once (none: off(k) = k, a row-major
   * matrix); each tile keeps its rows' bases.
   */
  direct?: {
    buf: number;
    base(i: KExpr): KExpr;
    off?(k: KExpr): KExpr;
    /**
     * base(i0 + r) = base(i0) + r for the rows of every tile, and M is whole tiles (a filter gradient's
     * run of 8 channels): one base register a tile instead of one a row, whose spills slowed the K loop.
     */
    contiguous?: boolean;
  };
  /** Rows per register tile, when the packing needs a particular height (default: `tileRows(M)`). */
  mr?: number;
  /** Custom packing of A's row tile `it` (im2col): row r's column k goes to `dest(k, r)`; default: from `a`. */
  packTile?(buf: number, mr: number, it: KExpr, dest: (k: KExpr, r: KExpr) => KExpr): KStmt[];
  /** Flat index of C[bv…, i, j] in the output buffer. */
  c(bv: KExpr[], i: KExpr, j: KExpr): KExpr;
  /** A buffer holding B row-major (B[k, j] at k·N + j), when B is in memory so: with N = 2W it is one panel as it lies. */
  bRows?: number;
  /** The value B's elements come from, when `b` reads no other: its packing may leave a recurrence. */
  bValue?: Value;
  /** C[bv…, i, j] as a multi-index of the output's shape (for an epilogue's elementwise expressions). */
  cIndex(bv: KExpr[], i: KExpr, j: KExpr): KExpr[];
  /** Instead of storing C: statements storing what elementwise consumers make of it (bias, activation). */
  epilogue?: Epilogue;
  /**
   * Max pooling of C's rows (after the epilogue's value) in consecutive groups of `group` rows, a pooling
   * window each: only `store` writes, once per group (its first row `i`). K must fit one K block (C is
   * never in memory to hold partial sums), and the tile height must be a multiple of `group`.
   */
  pool?: { group: number; store(i: KExpr, j0: KExpr, vec: KExpr, count: KExpr): KStmt[] };
}

export interface Epilogue {
  /** Stores for C at columns j0 … j0+W−1 of one row = `acc` (a vector; `count` lanes valid); `at(j)`: C's index. */
  store(at: (j: KExpr) => KExpr[], j0: KExpr, acc: KExpr, count: KExpr): KStmt[];
  /** Statements leaving the stored value (a vector) in local `name` instead of storing it, when it stores one value only. */
  value?(at: (j: KExpr) => KExpr[], j0: KExpr, acc: KExpr, count: KExpr, name: string): KStmt[];
}

/** Where a chunk's C goes: C itself (`final`: the epilogue or pooling applies), or a partial sum over K slice [kLo, kHi). */
interface Target {
  buf: number;
  c(bv: KExpr[], i: KExpr, j: KExpr): KExpr;
  final: boolean;
  kLo: KExpr;
  kHi: KExpr;
}

/** K is split among the parts when A is read in place, M has fewer row tiles than parts, and K is long. */
function splitsK(s: GemmSpec, mr: number): boolean {
  const M = s.M.value, N = s.N.value, K = s.K.value;
  return !!s.direct && !s.pool && s.batch.length === 0 && M !== undefined && N !== undefined && Math.ceil(M / mr) < CHUNKS && (K === undefined || K >= SPLIT_K_MIN);
}

/** A (M × K floats) small enough to stay in L2 whole, read by every part in a split by columns. */
const COLUMN_SPLIT_A_BYTES = 1 << 20;
/** Multiply-adds below which a split by columns does not pay for its extra kernel (packing A). */
const COLUMN_SPLIT_MIN_WORK = 1 << 24;

/**
 * Whether parts split C's columns instead of its rows: when B is the larger operand (N > M), A fits
 * in L2 and the product is large. Each thread then packs and reads half of B, not all of it: W1's
 * forward product x·W (128 × 784 × 512) took 10% less time in the training step, as B had just been
 * packed half by each thread. A run-time condition when a size is symbolic.
 */
function columnSplit(s: GemmSpec, nr: number): boolean | KExpr {
  const { M, K, N } = s;
  if (s.pool || s.packTile || s.direct || s.batch.length || s.aBatch.length || s.bBatch.length) return false;
  if (N.value === undefined || Math.ceil(N.value / nr) < CHUNKS) return false;
  if (M.value !== undefined && M.value >= N.value) return false;
  if (M.value !== undefined && K.value !== undefined) {
    return M.value < N.value && M.value * K.value * 4 <= COLUMN_SPLIT_A_BYTES && M.value * N.value * K.value >= COLUMN_SPLIT_MIN_WORK;
  }
  // The largest M that could qualify must give enough work (an LSTM's gates never do).
  if (K.value !== undefined) {
    const mMax = Math.min(N.value - 1, Math.floor(COLUMN_SPLIT_A_BYTES / (4 * K.value)));
    if (mMax * N.value * K.value < COLUMN_SPLIT_MIN_WORK) return false;
  }
  const [m, k, n] = [dimExpr(M), dimExpr(K), c64(N.value)];
  return bin("and", bin("and", bin("lt", m, n), bin("le", mul(mul(m, k), c64(4)), c64(COLUMN_SPLIT_A_BYTES))), bin("ge", mul(mul(m, n), k), c64(COLUMN_SPLIT_MIN_WORK)));
}

export function packedGemm(s: GemmSpec, outBuf: number, ctx: ExprCtx): Template {
  const M = dimExpr(s.M), K = dimExpr(s.K), N = dimExpr(s.N);
  const W = ctx.lanes, t: KType = "f32";
  // Vectors per tile row, and the panel width.
  const nv = s.N.value !== undefined && s.N.value <= W ? 1 : 2, nr = nv * W;
  const vecs = Array.from({ length: nv }, (_, c) => c);
  const mr = s.mr ?? tileRows(s.M);
  const byColumns = columnSplit(s, nr);
  const pb = packB(s, nr, ctx, byColumns !== false);
  const direct = s.direct;
  const pa = direct ? undefined : packA(s, mr, ctx);
  const offs = direct?.off ? ctx.scratch("i32", s.K, `offs${s.id}`) : -1;
  const before: Template[] = pb.kernel ? [pb.kernel] : [];
  if (direct?.off) before.push({ body: nest("o", [K], ([k]) => [{ k: "store", buf: offs, idx: k!, value: cast("i32", direct.off!(k!)) }]), cost: K, name: "offsets" });
  const mt = tiles(M, mr);
  // Parallel work: CHUNKS parts of near-equal tile counts, so that any thread count dividing CHUNKS
  // gets an even share. Each part runs as chunks of at most `cap` tiles, few enough that the chunk's
  // packed A stays in L2 and many enough that each B panel loaded into L1 serves several tiles. A plain
  // A is packed one K block at a time, so a chunk needs L2 for one K block of A, not all of K: at
  // K = 2048 a chunk is 32 tiles, not 4, and B streams from L3 8× less (W0 +10% at 1024 and 2048).
  const blockwise = !!pa && !s.packTile && !s.pool;
  const kcv = s.K.value !== undefined ? (blockwise ? Math.ceil(s.K.value / Math.ceil(s.K.value / KC)) : s.K.value) : undefined;
  const cap = kcv !== undefined ? Math.max(1, Math.floor(CHUNK_BYTES / (4 * mr * kcv))) : 16;
  const parts = minE(mt, c64(CHUNKS));
  const partAt = (p: KExpr) => div(mul(p, mt), parts);
  // K blocks of equal length: 784 = 4 × 196, not 3 × 256 + 16 (a short last block pays a whole
  // reload and store of every C tile for little work).
  const kb = s.pool ? c64(1) : tiles(K, KC);
  const kc = s.pool ? K : s.K.value !== undefined ? c64(Math.ceil(s.K.value / Math.ceil(s.K.value / KC))) : c64(KC);
  if (s.pool && mr % s.pool.group !== 0) throw new Error(`internal: pooling groups of ${s.pool.group} rows in tiles of ${mr}`);
  const acc = (r: number, c: number) => `c${r}_${c}`;
  const whole: Target = { buf: outBuf, c: s.c, final: true, kLo: c64(0), kHi: K };
  // Partial C is prefetched for its reload (reloadAhead) only when a chunk's C outgrows half of L2: at
  // 2048 it made W0 4% faster, at 1024 (1 MiB of C) 2% slower.
  const reloads = !s.pool && !(kb.k === "const" && kb.v <= 1) && (s.N.value === undefined || cap * mr * s.N.value * 4 > RELOAD_PREFETCH_BYTES);
  if (splitsK(s, mr)) return splitK();
  const checks = epilogueChecks();
  const byRows = (gv: KExpr[]) => {
    const bv = gv.slice(0, -1), p = gv[gv.length - 1]!;
    const aBase = pa ? mul(flatten(s.aSel(bv), s.aBatch), pa.panels) : c64(0);
    const bBase = mul(flatten(s.bSel(bv), s.bBatch), pb.panels);
    const lastRow = sub(M, c64(1));
    const pt0 = partAt(p), ptn = sub(partAt(add(p, c64(1))), pt0);
    const subs = tiles(ptn, c64(cap));
    return nest("sc", [subs], ([sc]) => chunk(bv, aBase, bBase, lastRow, add(pt0, div(mul(sc!, ptn), subs)), add(pt0, div(mul(add(sc!, c64(1)), ptn), subs)), whole), false);
  };
  const cost = mul(dimExpr(numel([...s.batch, s.M, s.N])), K);
  const checked = (p: KExpr, st: KStmt[]): KStmt[] => (checks ? [...checks.init, ...st, ...checks.store(p)] : st);
  // Claimed once the kernel is built: a failed epilogue leaves the check to the last kernel.
  const claimed = (body: KStmt[]): Template => (checks?.claim(), { body, cost, before });
  if (byColumns === false) return claimed(nest("g", [...s.batch.map(dimExpr), parts], (gv) => checked(gv[gv.length - 1]!, byRows(gv))));
  // Split by columns: A is packed whole first, and part p runs every row tile over its own panels,
  // which it also packed (packB), so a thread reads only its share of B. Where M is a batch, the
  // split is chosen at run time and the kernel holds both.
  const when = byColumns === true ? undefined : byColumns;
  if (pa) before.push({ body: nest("pa", [when ? select(when, mt, c64(0)) : mt], ([it]) => pa.tile([], it!)), cost: mul(M, K), name: "pack_a" });
  const byCols = (p: KExpr) => chunk([], c64(0), c64(0), sub(M, c64(1)), c64(0), mt, whole, panelRange(p, pb.panels));
  const body = when
    ? nest("g", [select(when, c64(CHUNKS), parts)], ([p]) => [{ k: "if", cond: when, body: byCols(p!) }, { k: "if", cond: un("not", when), body: byRows([p!]) }])
    : nest("g", [c64(CHUNKS)], ([p]) => checked(p!, byCols(p!)));
  return claimed(body);

  /**
   * The step's finite check of what the epilogue stores, done by the epilogue (partChecks): only where
   * every store is a whole vector (N whole panels) and the kernel always runs CHECK_PARTS parts.
   */
  function epilogueChecks(): PartChecks | undefined {
    if (!s.epilogue || s.pool || s.batch.length || s.N.value === undefined || s.N.value % nr !== 0) return undefined;
    const eight = byColumns === true || (byColumns === false && s.M.value !== undefined && Math.ceil(s.M.value / mr) >= CHUNKS);
    if (!eight || CHUNKS !== CHECK_PARTS) return undefined;
    const zero: KExpr = { k: "splat", t, lanes: W, a: cst(t, 0) };
    return partChecks(s.epilogue.store((j) => s.cIndex([], v64("probe_i"), j), c64(0), zero, c64(W)), ctx.finite, W);
  }

  /**
   * Split K: with fewer row tiles than parts, part p sums K slice p of every tile into its own partial C
   * (a scratch padded to whole tiles and panels); a second kernel adds the parts' sums and applies the
   * epilogue. A filter gradient over RGB taps (27 rows) sums over every pixel of the batch.
   */
  function splitK(): Template {
    const Mp = s.M.value! + mr, Np = Math.ceil(s.N.value! / nr) * nr;
    const partial = ctx.scratch(t, Dim.const(CHUNKS * Mp * Np), `partial${s.id}`);
    const gemm = nest("g", [c64(CHUNKS)], ([p]) => {
      const slice = (q: KExpr) => div(mul(q, K), c64(CHUNKS));
      const tg: Target = { buf: partial, c: (_bv, i, j) => add(mul(add(mul(p!, c64(Mp)), i), c64(Np)), j), final: false, kLo: slice(p!), kHi: slice(add(p!, c64(1))) };
      return chunk([], c64(0), c64(0), sub(M, c64(1)), c64(0), mt, tg);
    });
    const sum = nest("r", [M, c64(Np / W)], ([i, q]) => {
      const j0 = mul(q!, c64(W)), count = minE(c64(W), sub(N, j0));
      let v: KExpr | undefined;
      for (let p = 0; p < CHUNKS; p++) {
        const part: KExpr = { k: "load", t, buf: partial, idx: add(mul(add(c64(p * Mp), i!), c64(Np)), j0), lanes: W };
        v = v ? bin("add", v, part) : part;
      }
      if (s.epilogue) return s.epilogue.store((j) => s.cIndex([], i!, j), j0, v!, count);
      return [{ k: "store", buf: outBuf, idx: s.c([], i!, j0), value: v!, lanes: W, count }];
    });
    before.push({ body: gemm, cost: mul(mul(M, N), K), name: "gemm" });
    return { body: sum, cost: mul(mul(M, N), c64(CHUNKS)), before };
  }
  /** Each pooling group of the tile's rows: the epilogue's value per row, their maximum stored once. */
  function poolStores(i0: KExpr, at: (r: number, c: number) => (j: KExpr) => KExpr[], accOf: (r: number, c: number) => KExpr, j0: KExpr, counts: KExpr[]): KStmt[] {
    const { group, store } = s.pool!;
    return Array.from({ length: mr / group }, (_, q): KStmt[] => {
      const first = add(i0, c64(q * group));
      const body = vecs.flatMap((c): KStmt[] => {
        const jc = add(j0, c64(c * W)), st: KStmt[] = [];
        let m: KExpr | undefined;
        for (let r = q * group; r < (q + 1) * group; r++) {
          const name = `pv${r}_${c}`;
          if (s.epilogue) {
            if (!s.epilogue.value) throw new Error("internal: a pooled GEMM's epilogue has no value form");
            st.push(...s.epilogue.value(at(r, c), jc, accOf(r, c), counts[c]!, name));
          } else st.push({ k: "local", name, t, init: accOf(r, c), lanes: W });
          m = m ? bin("max", m, get(t, name)) : get(t, name);
        }
        return [...st, ...store(first, jc, m!, counts[c]!)];
      });
      // Groups lie wholly inside C or wholly past it (M is a multiple of the group).
      return q === 0 ? body : [{ k: "if", cond: bin("lt", first, M), body }];
    }).flat();
  }

  /** Row tiles [t0, t1) over B's panels [jr[0], jr[1]) (default: all; then A is packed here). */
  function chunk(bv: KExpr[], aBase: KExpr, bBase: KExpr, lastRow: KExpr, t0: KExpr, t1: KExpr, tg: Target, jr?: [KExpr, KExpr]): KStmt[] {
    const gn = sub(t1, t0);
    const pack = jr ? [] : pa && !blockwise ? nest("pt", [gn], ([t]) => pa.tile(s.aSel(bv), add(t0, t!)), false) : [];
    // A slice always runs one block, even an empty one, so that its partial sums are stored (zeros).
    const blocks = tg.final ? kb : maxE(c64(1), tiles(sub(tg.kHi, tg.kLo), c64(KC)));
    const blockLen = tg.final ? kc : c64(KC);
    return [...pack, ...nest("kb", [blocks], ([kbv]) => {
      const k0 = add(tg.kLo, mul(kbv!, blockLen));
      const kn = minE(blockLen, sub(tg.kHi, k0));
      // A plain A's chunk is packed here, one K block at a time.
      const packBlock = !jr && pa && blockwise ? nest("pt", [gn], ([t]) => pa.tile(s.aSel(bv), add(t0, t!), k0, kn), false) : [];
      return [...packBlock, ...nest("jt", [jr ? sub(jr[1], jr[0]) : pb.panels], ([jv]) => {
        const jt = jr ? add(jr[0], jv!) : jv!;
        const j0 = mul(jt, c64(nr));
        const counts = vecs.map((c) => minE(c64(W), maxE(c64(0), sub(N, add(j0, c64(c * W))))));
        return nest("it", [gn], ([it]) => {
          const tile = add(t0, it!);
          const i0 = mul(tile, c64(mr));
          const out: KStmt[] = [];
          const zero: KExpr = { k: "splat", t, lanes: W, a: cst(t, 0) };
          const reload: KStmt[] = [];
          for (let r = 0; r < mr; r++) {
            const i = minE(add(i0, c64(r)), lastRow);
            if (direct && (!direct.contiguous || r === 0)) out.push({ k: "local", name: `base${r}`, t: "i64", init: direct.base(i) });
            for (let c = 0; c < nv; c++) {
              out.push({ k: "local", name: acc(r, c), t, init: zero, lanes: W });
              reload.push({ k: "set", name: acc(r, c), value: { k: "load", t, buf: tg.buf, idx: tg.c(bv, i, add(j0, c64(c * W))), lanes: W, count: counts[c] } });
            }
          }
          // Later K blocks add to what earlier ones stored.
          if (!s.pool) out.push({ k: "if", cond: bin("gt", kbv!, c64(0)), body: reload });
          const rows = { mr, lanes: W, vectors: nv, i0, lastRow, j0 };
          const ahead = tg.final && s.epilogue && !s.pool ? epilogueAhead(s.epilogue, (i, j) => s.cIndex(bv, i, j), rows, counts, bin("eq", add(kbv!, c64(1)), kb)) : undefined;
          const pf = [...(ahead ? [ahead] : []), ...(reloads ? [reloadAhead(tg.buf, (i, j) => tg.c(bv, i, j), rows, kbv!, add(it!, c64(1)), gn)] : [])];
          out.push(...pf.flatMap((p) => p.init));
          out.push(...nest("k", [kn], ([kk]) => {
            const k = add(k0, kk!);
            const st: KStmt[] = pf.flatMap((p) => p.at(kk!));
            const bAt = mul(add(mul(add(bBase, jt), K), k), c64(nr));
            for (let c = 0; c < nv; c++) st.push({ k: "local", name: `b${c}`, t, init: { k: "load", t, buf: pb.buf, idx: add(bAt, c64(c * W)), lanes: W }, lanes: W });
            const aAt = mul(add(mul(add(aBase, tile), K), k), c64(mr));
            if (direct) st.push({ k: "local", name: "off", t: "i64", init: direct.off ? cast("i64", { k: "load", t: "i32", buf: offs, idx: k }) : k });
            for (let r = 0; r < mr; r++) {
              const rowAt = direct?.contiguous ? add(add(get("i64", "base0"), get("i64", "off")), c64(r)) : add(get("i64", `base${r}`), get("i64", "off"));
              const av: KExpr = direct ? { k: "load", t, buf: direct.buf, idx: rowAt } : { k: "load", t, buf: pa!.buf, idx: add(aAt, c64(r)) };
              st.push({ k: "local", name: "a", t, init: { k: "splat", t, lanes: W, a: av }, lanes: W });
              for (let c = 0; c < nv; c++) st.push({ k: "set", name: acc(r, c), value: bin("add", mul(get(t, "a"), get(t, `b${c}`)), get(t, acc(r, c))) });
            }
            return st;
          }, false));
          const rowStores = (store: (i: KExpr, r: number, c: number) => KStmt[]): KStmt[] => Array.from({ length: mr }, (_, r): KStmt[] => {
            const i = add(i0, c64(r));
            const st = vecs.flatMap((c) => store(i, r, c));
            // Row 0 of a tile always exists.
            return r === 0 ? st : [{ k: "if", cond: bin("lt", i, M), body: st }];
          }).flat();
          const plainStores = rowStores((i, r, c) => [{ k: "store", buf: tg.buf, idx: tg.c(bv, i, add(j0, c64(c * W))), value: get(t, acc(r, c)), lanes: W, count: counts[c] }]);
          if (!tg.final) out.push(...plainStores);
          else if (s.pool) out.push(...poolStores(i0, (r, c) => (j) => s.cIndex(bv, add(i0, c64(r)), j), (r, c) => get(t, acc(r, c)), j0, counts));
          else if (!s.epilogue) out.push(...plainStores);
          else {
            // Earlier K blocks store partial sums; the last applies the epilogue.
            const last = bin("eq", add(kbv!, c64(1)), kb);
            out.push({ k: "if", cond: un("not", last), body: plainStores });
            const stores = (i: KExpr, r: number, c: number) => s.epilogue!.store((j) => s.cIndex(bv, i, j), add(j0, c64(c * W)), get(t, acc(r, c)), counts[c]!);
            out.push({ k: "if", cond: last, body: rowStores((i, r, c) => (checks ? checks.after(stores(i, r, c)) : stores(i, r, c))) });
          }
          return out;
        }, false);
      }, false)];
    }, false)];
  }
}

/** The matmul node as a GEMM over its operands' elements. */
function matmulSpec(n: IRNode, ctx: ExprCtx): GemmSpec {
  const [a, b] = n.inputs as [Value, Value];
  const s = shapeOf(n);
  return {
    id: n.output.id, M: s.as[s.as.length - 2]!, K: s.as[s.as.length - 1]!, N: s.bs[s.bs.length - 1]!,
    batch: s.batch, aBatch: s.row ? [] : s.as.slice(0, -2), bBatch: s.bs.slice(0, -2),
    aSel: (bv) => (s.row ? [] : s.bIdx(s.as, bv)), bSel: (bv) => s.bIdx(s.bs, bv),
    a: (ab, i, k) => ctx.at(a, s.row ? [k] : [...ab, i, k]),
    b: (bb, k, j) => ctx.at(b, [...bb, k, j]),
    c: (bv, i, j) => flatten(s.row ? [...bv, j] : [...bv, i, j], s.os),
    cIndex: (bv, i, j) => (s.row ? [...bv, j] : [...bv, i, j]),
    bValue: b,
    bRows: s.bs.length === 2 ? inMemory(b, ctx) : undefined,
    direct: rowMajorA(a, s, ctx),
  };
}

/** A 2-D matmul whose C has at most two B panels of columns: its A is read in place when in memory. */
export function narrowMatmul(n: IRNode, lanes: number): boolean {
  return narrowGemm(shapeOf(n), lanes);
}

function narrowGemm(s: Shape, lanes: number): boolean {
  const N = s.bs[s.bs.length - 1]!.value;
  return !s.row && s.as.length === 2 && N !== undefined && N <= 4 * lanes;
}

/**
 * A read in place when C has at most two B panels of columns: each tile then reads its A rows once or
 * twice per K block, so packing them would cost about what it saves. Only for a plain 2-D A in memory.
 */
function rowMajorA(a: Value, s: Shape, ctx: ExprCtx): GemmSpec["direct"] {
  if (!narrowGemm(s, ctx.lanes)) return undefined;
  const buf = inMemory(a, ctx);
  return buf === undefined ? undefined : { buf, base: (i) => mul(i, s.K) };
}

/** The buffer holding `v` as it is laid out (row-major, no view or arithmetic in between), if any. */
export function inMemory(v: Value, ctx: ExprCtx): number | undefined {
  const probe = v.type.shape.map((_, i) => v64(`probe${i}`));
  const e = ctx.at(v, probe);
  return e.k === "load" && !e.lanes && exprToString(e.idx) === exprToString(flatten(probe, v.type.shape)) ? e.buf : undefined;
}

function scalarGemm(n: IRNode, outBuf: number, ctx: ExprCtx): Template {
  const [a, b] = n.inputs as [Value, Value];
  const { row, as, bs, os, batch, M, K, N, bIdx } = shapeOf(n);
  const t = ktype(n.output.type.dtype);
  const body = nest("p", [...batch.map(dimExpr), tiles(M, MR)], (pv) => {
    const bv = pv.slice(0, -1), i0 = mul(pv[pv.length - 1]!, c64(MR));
    const aAt = (i: KExpr, k: KExpr) => ctx.at(a, row ? [k] : [...bIdx(as, bv), i, k]);
    const bAt = (k: KExpr, j: KExpr) => ctx.at(b, [...bIdx(bs, bv), k, j]);
    const cIdx = (i: KExpr, j: KExpr) => flatten(row ? [...bv, j] : [...bv, i, j], os);
    return nest("q", [tiles(N, NR)], ([jt]) => {
      const j0 = mul(jt!, c64(NR));
      const fast: KStmt[] = [];
      const acc = (r: number, c: number) => `c${r}_${c}`;
      for (let r = 0; r < MR; r++) for (let c = 0; c < NR; c++) fast.push({ k: "local", name: acc(r, c), t, init: cst(t, 0) });
      fast.push(...nest("k", [K], ([k]) => {
        const s: KStmt[] = [];
        for (let c = 0; c < NR; c++) s.push({ k: "local", name: `b${c}`, t, init: bAt(k!, add(j0, c64(c))) });
        for (let r = 0; r < MR; r++) {
          s.push({ k: "local", name: "a", t, init: aAt(add(i0, c64(r)), k!) });
          for (let c = 0; c < NR; c++) s.push({ k: "set", name: acc(r, c), value: bin("add", mul(get(t, "a"), get(t, `b${c}`)), get(t, acc(r, c))) });
        }
        return s;
      }, false));
      for (let r = 0; r < MR; r++) for (let c = 0; c < NR; c++) {
        fast.push({ k: "store", buf: outBuf, idx: cIdx(add(i0, c64(r)), add(j0, c64(c))), value: get(t, acc(r, c)) });
      }
      const rows = bin("min", c64(MR), sub(M, i0)), left = bin("min", c64(NR), sub(N, j0));
      const edge = nest("e", [rows, left], ([r, c]) => {
        const i = add(i0, r!), j = add(j0, c!);
        return [
          { k: "local", name: "s", t, init: cst(t, 0) },
          ...nest("k", [K], ([k]) => [{ k: "set", name: "s", value: bin("add", mul(aAt(i, k!), bAt(k!, j)), get(t, "s")) }], false),
          { k: "store", buf: outBuf, idx: cIdx(i, j), value: get(t, "s") },
        ];
      }, false);
      const full = bin("and", bin("le", add(i0, c64(MR)), M), bin("le", add(j0, c64(NR)), N));
      return [{ k: "if", cond: full, body: fast }, { k: "if", cond: { k: "un", t: "bool", op: "not", a: full }, body: edge }];
    }, false);
  });
  return { body, cost: mul(sizeExpr(os), K) };
}
