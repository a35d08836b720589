// Builtin sources: per-sample types as src/elab/sources.ts promises, determinism, balance, mnist.
import { describe, expect, test } from "vitest";
import { DataError, loadSource } from "../../src/data/index.js";
import { SOURCES } from "../../src/elab/sources.js";

type Args = Record<string, number | string | boolean>;

/** Small instances of every generator with the per-sample shapes they must yield. */
const CASES: [string, Args, number[], number[]][] = [
  ["moons", { n: 101 }, [2], []],
  ["circles", { n: 100 }, [2], []],
  ["xor", { n: 100 }, [2], []],
  ["spirals", { n: 100, classes: 4 }, [2], []],
  ["blobs", { n: 90, features: 5, classes: 3 }, [5], []],
  ["sine_windows", { n: 50, window: 6 }, [1, 6], [1]],
  ["synthetic_images", { n: 40, height: 8, width: 6, channels: 2, classes: 4 }, [8, 6, 2], []],
  ["synthetic_sequences", { n: 60, length: 30, vocab: 50 }, [30], []],
  ["memory_task", { n: 40, length: 12 }, [12, 1], []],
];

const classCounts = (labels: ArrayLike<number>): Map<number, number> => {
  const m = new Map<number, number>();
  for (let i = 0; i < labels.length; i++) m.set(labels[i]!, (m.get(labels[i]!) ?? 0) + 1);
  return m;
};

describe("synthetic sources", () => {
  test.each(CASES)("%s yields exactly n samples of the promised types", (name, args, fshape, lshape) => {
    const ds = loadSource(name, args, ".");
    const n = args.n as number;
    const spec = SOURCES[name]!;
    expect(ds.features.dtype).toBe(spec.features!.dtype);
    expect(ds.labels.dtype).toBe(spec.labels!.dtype);
    expect(ds.features.shape).toEqual([n, ...fshape]);
    expect(ds.labels.shape).toEqual([n, ...lshape]);
    expect(ds.features.data.every((v) => Number.isFinite(v))).toBe(true);
    if (spec.labels!.dtype === "i32") {
      const k = typeof spec.classes === "number" ? spec.classes : (args[spec.classes!] as number);
      const counts = classCounts(ds.labels.data);
      expect([...counts.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: k }, (_, i) => i));
      const sizes = [...counts.values()];
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1); // balanced
    }
  });

  test.each(CASES)("%s is deterministic in its seed", (name, args) => {
    const a = loadSource(name, { ...args, seed: 7 }, ".");
    const b = loadSource(name, { ...args, seed: 7 }, ".");
    const c = loadSource(name, { ...args, seed: 8 }, ".");
    expect(b.features.data).toEqual(a.features.data);
    expect(b.labels.data).toEqual(a.labels.data);
    expect(c.features.data).not.toEqual(a.features.data);
  });

  test("labels follow each generator's rule", () => {
    const mem = loadSource("memory_task", { n: 200, length: 20 }, ".");
    for (let i = 0; i < 200; i++) expect(mem.labels.data[i]).toBe(mem.features.data[i * 20]! > 0 ? 1 : 0);
    const seq = loadSource("synthetic_sequences", { n: 200, length: 25, vocab: 21 }, ".");
    for (let i = 0; i < 200; i++) {
      const toks = [...seq.features.data.slice(i * 25, i * 25 + 25)];
      expect(toks.every((t) => t >= 1 && t < 21)).toBe(true);
      const first = toks.filter((t) => t < 11).length;
      expect(seq.labels.data[i]).toBe(first > 25 - first ? 1 : 0);
    }
    const xor = loadSource("xor", { n: 200, noise: 0 }, ".");
    for (let i = 0; i < 200; i++) {
      const [x, y] = [xor.features.data[2 * i]!, xor.features.data[2 * i + 1]!];
      expect(xor.labels.data[i]).toBe(Math.sign(x) !== Math.sign(y) ? 1 : 0);
    }
    const circ = loadSource("circles", { n: 100, noise: 0, factor: 0.3 }, ".");
    for (let i = 0; i < 100; i++) {
      const r = Math.hypot(circ.features.data[2 * i]!, circ.features.data[2 * i + 1]!);
      expect(r).toBeCloseTo(circ.labels.data[i] === 0 ? 1 : 0.3, 5);
    }
    const img = loadSource("synthetic_images", { n: 20, height: 4, width: 4, channels: 1, classes: 2 }, ".");
    expect(img.features.data.every((v) => v >= 0 && v <= 1)).toBe(true);
  });

  test("sine_windows: consecutive windows, the label is the next value", () => {
    const ds = loadSource("sine_windows", { n: 30, window: 4, noise: 0.5 }, ".");
    for (let i = 0; i + 1 < 30; i++) {
      expect(ds.features.data.slice((i + 1) * 4, (i + 1) * 4 + 3)).toEqual(ds.features.data.slice(i * 4 + 1, i * 4 + 4));
      expect(ds.labels.data[i]).toBe(ds.features.data[(i + 1) * 4 + 3]);
    }
    const clean = loadSource("sine_windows", { n: 10, window: 2, noise: 0 }, ".");
    expect(clean.labels.data[0]).toBeCloseTo(Math.sin(0.2), 6);
  });

  test("bad arguments are DataErrors naming the source and argument", () => {
    expect(() => loadSource("moons", { n: 0 }, ".")).toThrow(new DataError("moons(): `n` must be a positive integer, found 0"));
    expect(() => loadSource("circles", { factor: 1.5 }, ".")).toThrow(/circles\(\): `factor`.*must be below 1, found 1\.5/);
    expect(() => loadSource("synthetic_sequences", { vocab: 2 }, ".")).toThrow(/`vocab` must be at least 3/);
    expect(() => loadSource("moon", {}, ".")).toThrow("unknown data source `moon`; did you mean `moons`?");
  });
});

describe("mnist", () => {
  test("10,000 digits, pixels 0..255, labels 0..9, all classes present", () => {
    const ds = loadSource("mnist", { limit: 10000 }, ".");
    expect(ds.features.dtype).toBe("f32");
    expect(ds.features.shape).toEqual([10000, 28, 28]);
    expect(ds.labels.dtype).toBe("i32");
    expect(ds.labels.shape).toEqual([10000]);
    let lo = Infinity, hi = -Infinity, fractional = 0;
    for (const v of ds.features.data) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
      if (!Number.isInteger(v)) fractional++;
    }
    expect([lo, hi, fractional]).toEqual([0, 255, 0]);
    const counts = classCounts(ds.labels.data);
    expect([...counts.keys()].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect([...counts.values()].reduce((a, b) => a + b, 0)).toBe(10000);
  });

  test("a fixed order; limit keeps the first digits with balanced classes", () => {
    const a = loadSource("mnist", { limit: 100 }, ".");
    const b = loadSource("mnist", { limit: 100 }, ".");
    expect(a.features.shape).toEqual([100, 28, 28]);
    expect(b.features.data).toEqual(a.features.data);
    expect([...classCounts(a.labels.data).values()]).toEqual(Array(10).fill(10));
    const all = loadSource("mnist", { limit: 10000 }, ".");
    expect(all.features.data.slice(0, 100 * 784)).toEqual(a.features.data);
    expect(() => loadSource("mnist", { limit: 20000 }, ".")).toThrow("mnist(limit = 20000): the bundled set has only 10000 digits");
  });
});
