// Symbolic dimensions: polynomials with integer coefficients over named atoms.
// A monomial is a sorted product of atoms ("B*H"); opaque atoms stand for floor divisions.

export class Dim {
  /** monomial key ("" for the constant term) → coefficient; zero terms are never stored. */
  private constructor(readonly terms: ReadonlyMap<string, number>) {}

  static const(n: number): Dim {
    return new Dim(n === 0 ? new Map() : new Map([["", n]]));
  }
  static sym(name: string): Dim {
    return new Dim(new Map([[name, 1]]));
  }

  get isConst(): boolean {
    return this.terms.size === 0 || (this.terms.size === 1 && this.terms.has(""));
  }
  /** The value when constant, else undefined. */
  get value(): number | undefined {
    return this.isConst ? (this.terms.get("") ?? 0) : undefined;
  }
  /** Atom names used (for "is this dimension known?" questions). */
  atoms(): string[] {
    const s = new Set<string>();
    for (const k of this.terms.keys()) for (const a of splitMono(k)) s.add(a);
    return [...s];
  }

  add(o: Dim): Dim {
    const m = new Map(this.terms);
    for (const [k, c] of o.terms) addTerm(m, k, c);
    return new Dim(m);
  }
  neg(): Dim {
    return this.scale(-1);
  }
  sub(o: Dim): Dim {
    return this.add(o.neg());
  }
  scale(c: number): Dim {
    const m = new Map<string, number>();
    for (const [k, v] of this.terms) addTerm(m, k, v * c);
    return new Dim(m);
  }
  mul(o: Dim): Dim {
    const m = new Map<string, number>();
    for (const [k1, c1] of this.terms) for (const [k2, c2] of o.terms) addTerm(m, mulMono(k1, k2), c1 * c2);
    return new Dim(m);
  }

  /** Exact quotient if `this` is provably a multiple of `d`, else undefined. */
  exactDiv(d: Dim): Dim | undefined {
    const dv = d.value;
    if (dv !== undefined) {
      if (dv === 0) return undefined;
      for (const c of this.terms.values()) if (c % dv !== 0) return undefined;
      return this.scale(1 / dv);
    }
    // Division by a single monomial (e.g. B*784 / B).
    if (d.terms.size !== 1) return this.equals(d) ? Dim.const(1) : undefined;
    const [[dk, dc]] = [...d.terms];
    const m = new Map<string, number>();
    for (const [k, c] of this.terms) {
      const q = divMono(k, dk);
      if (q === undefined || c % dc !== 0) return undefined;
      addTerm(m, q, c / dc);
    }
    return new Dim(m);
  }

  /** Floor division; opaque atom when it cannot be simplified. */
  floorDiv(d: Dim): Dim {
    const exact = this.exactDiv(d);
    if (exact) return exact;
    const a = this.value, b = d.value;
    if (a !== undefined && b !== undefined && b !== 0) return Dim.const(Math.floor(a / b));
    // Normal form: move whole multiples of the divisor out of the constant term, ⌊(H - 4) / 2⌋ = ⌊H / 2⌋ - 2.
    if (b !== undefined && b > 0) {
      const c = this.terms.get("") ?? 0;
      const q = Math.floor(c / b);
      if (q !== 0) return this.sub(Dim.const(q * b)).floorDiv(d).add(Dim.const(q));
    }
    // Opaque atom; `·` inside keeps it one atom for monomial keys (which use `*`).
    return Dim.sym(`⌊${this.toString(true)} / ${d.toString(true)}⌋`.replace(/\*/g, "·"));
  }

  /** Ceiling division (padding "same"). */
  ceilDiv(d: Dim): Dim {
    const exact = this.exactDiv(d);
    if (exact) return exact;
    return this.add(d).sub(Dim.const(1)).floorDiv(d);
  }

  /** c when this = c·o for a constant c (same monomials, proportional coefficients). */
  ratio(o: Dim): number | undefined {
    if (this.terms.size !== o.terms.size || !this.terms.size) return undefined;
    let r: number | undefined;
    for (const [k, c] of this.terms) {
      const oc = o.terms.get(k);
      if (oc === undefined) return undefined;
      if (r === undefined) r = c / oc;
      else if (r !== c / oc) return undefined;
    }
    return r;
  }

  /** true/false when decidable, undefined when it depends on symbols. */
  divisibleBy(d: Dim): boolean | undefined {
    if (this.exactDiv(d)) return true;
    const r = this.ratio(d);
    if (r !== undefined) return Number.isInteger(r);
    const a = this.value, b = d.value;
    if (a !== undefined && b !== undefined) return b !== 0 && a % b === 0;
    return undefined;
  }

  equals(o: Dim): boolean {
    if (this.terms.size !== o.terms.size) return false;
    for (const [k, c] of this.terms) if (o.terms.get(k) !== c) return false;
    return true;
  }

  toString(paren = false): string {
    if (this.terms.size === 0) return "0";
    const keys = [...this.terms.keys()].sort((a, b) => (a === "" ? 1 : b === "" ? -1 : a.localeCompare(b)));
    let s = "";
    for (const k of keys) {
      const c = this.terms.get(k)!;
      const mono = k === "" ? String(Math.abs(c)) : Math.abs(c) === 1 ? k : `${Math.abs(c)}*${k}`;
      if (!s) s = c < 0 ? `-${mono}` : mono;
      else s += c < 0 ? ` - ${mono}` : ` + ${mono}`;
    }
    return paren && this.terms.size > 1 ? `(${s})` : s;
  }
}

function splitMono(k: string): string[] {
  return k === "" ? [] : k.split("*");
}
function mulMono(a: string, b: string): string {
  return [...splitMono(a), ...splitMono(b)].sort().join("*");
}
function divMono(a: string, b: string): string | undefined {
  const rest = splitMono(a);
  for (const x of splitMono(b)) {
    const i = rest.indexOf(x);
    if (i < 0) return undefined;
    rest.splice(i, 1);
  }
  return rest.join("*");
}
function addTerm(m: Map<string, number>, k: string, c: number): void {
  const v = (m.get(k) ?? 0) + c;
  if (v === 0) m.delete(k);
  else m.set(k, v);
}

export type Shape = Dim[];

export const shapeToString = (s: Shape): string => `[${s.map((d) => d.toString()).join(", ")}]`;

export function shapesEqual(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d.equals(b[i]!));
}

/** Product of dims (element count). */
export function numel(s: Shape): Dim {
  return s.reduce((acc, d) => acc.mul(d), Dim.const(1));
}
