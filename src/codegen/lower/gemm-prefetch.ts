// Software prefetches the GEMM's K loop issues for what comes after it (gemm.ts): rows of C that lie a
// whole row of C apart, which no hardware prefetcher follows. One tile row's cache lines every
// PREFETCH_EVERY iterations, so that a few lines are in flight at a time rather than all at once. The
// loop compares its index with a running "next" (one compare a step): an index test (k mod 8, k / 8 <
// rows) took several instructions a step and its operands spilled in W1's 14-row tiles.
import type { KExpr, KStmt } from "../kir/kir.js";
import { add, bin, c64, cst, select } from "../kir/expr.js";
import { exprToString } from "../kir/printer.js";
import { walkExpr, walkStmts } from "../kir/walk.js";
import type { Epilogue } from "./gemm.js";

/** K iterations between two rows' prefetches. */
export const PREFETCH_EVERY = 8;

/** The register tile: `mr` rows from `i0` (clamped to `lastRow`), `vectors` vectors of `lanes` from column `j0`. */
export interface TileRows {
  mr: number;
  lanes: number;
  /** Vectors of `lanes` per tile row (1 or 2). */
  vectors: number;
  i0: KExpr;
  lastRow: KExpr;
  j0: KExpr;
}

const get = (name: string): KExpr => ({ k: "get", t: "i64", name });
/** An index the K loop never reaches. */
const NEVER = c64(2 ** 62);

/** Prefetches for the K loop: `init` before it, `at(kk)` at the top of step kk. */
export interface Ahead {
  init: KStmt[];
  at(kk: KExpr): KStmt[];
}

/**
 * Every PREFETCH_EVERY steps from `first` while `on`, `rows` times: `body(r)` for the r-th time, with
 * locals `<id>_next` (the step it fires at) and `<id>_row` (r) carried through the loop.
 */
function every(id: string, on: KExpr, first: number, rows: number, body: (r: KExpr) => KStmt[]): Ahead {
  const next = `${id}_next`, row = `${id}_row`;
  return {
    init: [{ k: "local", name: next, t: "i64", init: select(on, c64(first), NEVER) }, { k: "local", name: row, t: "i64", init: c64(0) }],
    at: (kk) => [{
      k: "if", cond: bin("eq", kk, get(next)), body: [
        ...body(get(row)),
        { k: "set", name: row, value: add(get(row), c64(1)) },
        { k: "set", name: next, value: select(bin("lt", get(row), c64(rows)), add(get(next), c64(PREFETCH_EVERY)), NEVER) },
      ],
    }],
  };
}
const minE = (a: KExpr, b: KExpr) => bin("min", a, b);

/**
 * Prefetches of what the epilogue of the tile's rows will read and write (Adam's m, v and p), in the
 * last K block (`last`): each tile waited for them from L3 after its last FMA (W1's weight gradient
 * with Adam: the step 5–9% faster). `cIndex(i, j)`: C's multi-index. None when the epilogue touches no
 * row-dependent memory.
 */
export function epilogueAhead(epilogue: Epilogue, cIndex: (i: KExpr, j: KExpr) => KExpr[], tile: TileRows, counts: KExpr[], last: KExpr): Ahead | undefined {
  const { mr, lanes: W, i0, lastRow, j0 } = tile;
  const row = get("pf_i");
  const zero: KExpr = { k: "splat", t: "f32", lanes: W, a: cst("f32", 0) };
  // The epilogue's statements for a symbolic row: every access indexed by it is a line to prefetch.
  const probe = Array.from({ length: tile.vectors }, (_, c) => c).flatMap((c) => epilogue.store((j) => cIndex(row, j), add(j0, c64(c * W)), zero, counts[c]!));
  const lines = new Map<string, KStmt>();
  const note = (buf: number, idx: KExpr, write: boolean): void => {
    const gets: string[] = [];
    walkExpr(idx, (e) => e.k === "get" && gets.push(e.name));
    if (!gets.length || gets.some((g) => g !== "pf_i")) return;
    const key = `${buf}:${exprToString(idx)}`;
    if (!lines.has(key) || write) lines.set(key, { k: "prefetch", buf, idx, write });
  };
  walkStmts(probe, (x) => {
    if (x.k === "store") note(x.buf, x.idx, true);
  }, (e) => {
    if (e.k === "load") note(e.buf, e.idx, false);
  });
  if (!lines.size) return undefined;
  return every("pf", last, 0, mr, (r) => [{ k: "local", name: "pf_i", t: "i64", init: minE(add(i0, r), lastRow) }, ...lines.values()]);
}

/**
 * In K blocks after the first (`kb` > 0), the next tile of the chunk (`next` < `tiles`, same panel)
 * starts by reloading its partial C from `buf` (flat index `c(i, j)`), which its last store left in L3
 * when the chunk's C outgrows L2 (W0 at 2048): its rows are prefetched for writing during this tile's
 * K loop, half a period after the epilogue's.
 */
export function reloadAhead(buf: number, c: (i: KExpr, j: KExpr) => KExpr, tile: TileRows, kb: KExpr, next: KExpr, tiles: KExpr): Ahead {
  const { mr, lanes: W, i0, lastRow, j0 } = tile;
  const on = bin("and", bin("gt", kb, c64(0)), bin("lt", next, tiles));
  // A prefetch never faults: the second vector of a ragged panel may point past the row.
  return every("rl", on, PREFETCH_EVERY / 2, mr, (r) => Array.from({ length: tile.vectors }, (_, q) => ({ k: "prefetch", buf, idx: c(minE(add(add(i0, c64(mr)), r), lastRow), add(j0, c64(q * W))), write: true })));
}
