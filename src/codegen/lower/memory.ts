// Memory planning: temps live in one arena; a temp's bytes are reused by later temps once its last
// reader has run. Sizes may be symbolic (B), so a block is reused only by a temp of provably no larger size.
import { Dim } from "../../ir/dim.js";
import type { KBuffer, KStep } from "../kir/kir.js";
import { buffersOf } from "../kir/walk.js";

/** Every element takes 4 bytes (bools too). */
const ELEM_BYTES = 4;
/** Temps start on a cache line (the renderer rounds each pointer up), so each gets this much slack:
 * a vector load that straddles two lines costs two. */
export const TEMP_ALIGN = 64;
const reserve = (b: KBuffer): Dim => b.size.scale(ELEM_BYTES).add(Dim.const(TEMP_ALIGN));

/** b - a has no negative coefficient: b ≥ a for every binding of positive dimensions. */
const fits = (need: Dim, have: Dim): boolean => [...have.sub(need).terms.values()].every((c) => c >= 0);

/** Assigns arena offsets to temp buffers; returns the arena size in bytes. */
export function planMemory(buffers: KBuffer[], steps: KStep[]): Dim {
  const first = new Map<number, number>(), last = new Map<number, number>();
  steps.forEach((s, i) => {
    const { reads, writes } = buffersOf(s);
    for (const b of [...reads, ...writes]) {
      if (!first.has(b)) first.set(b, i);
      last.set(b, i);
    }
  });
  let arena = Dim.const(0);
  const free: { offset: Dim; bytes: Dim }[] = [];
  const byStart = new Map<number, KBuffer[]>(), byEnd = new Map<number, KBuffer[]>();
  const add = (m: Map<number, KBuffer[]>, i: number, b: KBuffer) => m.set(i, [...(m.get(i) ?? []), b]);
  for (const b of buffers) {
    if (b.kind !== "temp") continue;
    add(byStart, first.get(b.id) ?? 0, b);
    if (last.has(b.id)) add(byEnd, last.get(b.id)!, b);
  }
  for (let i = 0; i < steps.length; i++) {
    for (const b of byStart.get(i) ?? []) {
      const bytes = reserve(b);
      // Best fit: the smallest free block that provably holds it.
      let best = -1;
      free.forEach((f, k) => {
        if (fits(bytes, f.bytes) && (best < 0 || fits(f.bytes, free[best]!.bytes))) best = k;
      });
      if (best >= 0) {
        b.offset = free[best]!.offset;
        free.splice(best, 1);
      } else {
        b.offset = arena;
        arena = arena.add(bytes);
      }
    }
    // Released after the step's own allocations: a kernel never writes a block it is still reading.
    for (const b of byEnd.get(i) ?? []) free.push({ offset: b.offset!, bytes: reserve(b) });
  }
  return arena;
}
