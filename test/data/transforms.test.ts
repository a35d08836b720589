// Splits (seeded, disjoint, covering) and transforms (fitted on the training split only).
import { describe, expect, test } from "vitest";
import {
  applyTransforms, type DataSet, DataError, fitTransforms, loadSource, restoreTransforms, splitDataSet, subset,
} from "../../src/data/index.js";
import { tensor } from "../../src/runtime/tensor.js";

/** N samples whose features encode their index (feature 0 = index), so splits can be traced. */
function indexed(n: number): DataSet {
  const f: number[] = [], l: number[] = [];
  for (let i = 0; i < n; i++) { f.push(i, 2 * i + 1, 5); l.push(i % 3); }
  return { features: tensor("f32", [n, 3], f), labels: tensor("i32", [n], l) };
}
const ids = (ds: DataSet): number[] => Array.from({ length: ds.features.shape[0]! }, (_, i) => ds.features.data[i * 3]!);

describe("splits", () => {
  test("disjoint, covering, sized round(N·fraction), seeded", () => {
    const ds = indexed(101);
    const { first, second } = splitDataSet(ds, 0.2, 42);
    expect(second.features.shape).toEqual([20, 3]);
    expect(first.features.shape).toEqual([81, 3]);
    const a = ids(first), b = ids(second);
    expect(new Set([...a, ...b]).size).toBe(101);
    expect(a.filter((x) => b.includes(x))).toEqual([]);
    // Labels travel with their features.
    for (let i = 0; i < 20; i++) expect(second.labels.data[i]).toBe(b[i]! % 3);
    expect(ids(splitDataSet(ds, 0.2, 42).second)).toEqual(b);
    expect(ids(splitDataSet(ds, 0.2, 43).second)).not.toEqual(b);
    expect(b).not.toEqual([...b].sort((x, y) => x - y)); // shuffled
  });

  test("unshuffled: the last samples are held out, in order", () => {
    const { first, second } = splitDataSet(indexed(10), 0.3, 0, false);
    expect(ids(first)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(ids(second)).toEqual([7, 8, 9]);
  });

  test("edge cases: fraction 0, tiny sets", () => {
    expect(splitDataSet(indexed(5), 0, 1).second.features.shape).toEqual([0, 3]);
    expect(splitDataSet(indexed(4), 0.1, 1).second.features.shape).toEqual([1, 3]);
    expect(() => splitDataSet(indexed(1), 0.5, 1)).toThrow(DataError);
  });

  test("subset keeps names and order", () => {
    const iris = loadSource("csv", { path: "examples/data/iris.csv", label: "species", header: true }, process.cwd());
    const s = subset(iris, [149, 0]);
    expect(s.classNames).toEqual(iris.classNames);
    expect([...s.labels.data]).toEqual([2, 0]);
    expect(() => subset(iris, [150])).toThrow("subset: sample index 150 is out of range (the data set has 150 samples)");
  });
});

describe("transforms", () => {
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const std = (xs: number[]) => Math.sqrt(mean(xs.map((x) => (x - mean(xs)) ** 2)));
  const column = (ds: DataSet, j: number): number[] => {
    const per = ds.features.data.length / ds.features.shape[0]!;
    return Array.from({ length: ds.features.shape[0]! }, (_, i) => ds.features.data[i * per + j]!);
  };

  test("standardize: statistics from the training split only, applied unchanged to the test split", () => {
    const iris = loadSource("csv", { path: "examples/data/iris.csv", label: "species", header: true }, process.cwd());
    const { first: train, second: test_ } = splitDataSet(iris, 0.2, 0);
    const [t] = fitTransforms([{ name: "standardize", args: {} }], train);
    for (let j = 0; j < 4; j++) {
      expect((t!.state.mean as number[])[j]).toBeCloseTo(mean(column(train, j)), 6);
      expect((t!.state.std as number[])[j]).toBeCloseTo(std(column(train, j)), 6);
    }
    const before = train.features.data.slice();
    const tr = t!.apply(train), te = t!.apply(test_);
    expect(train.features.data).toEqual(before); // the input is not modified
    for (let j = 0; j < 4; j++) {
      expect(mean(column(tr, j))).toBeCloseTo(0, 5);
      expect(std(column(tr, j))).toBeCloseTo(1, 5);
      const m = (t!.state.mean as number[])[j]!, s = (t!.state.std as number[])[j]!;
      column(test_, j).forEach((x, i) => expect(column(te, j)[i]).toBeCloseTo((x - m) / s, 5));
    }
  });

  test("per-feature statistics over the flattened sample; constant features are only centred", () => {
    const ds: DataSet = { features: tensor("f32", [2, 2, 2], [0, 5, 2, 7, 4, 5, 6, 7]), labels: tensor("i32", [2], [0, 1]) };
    const [s, m] = fitTransforms([{ name: "standardize", args: {} }, { name: "min_max", args: {} }], ds);
    expect(s!.state).toEqual({ mean: [2, 5, 4, 7], std: [2, 1, 2, 1] });
    expect([...s!.apply(ds).features.data]).toEqual([-1, 0, -1, 0, 1, 0, 1, 0]);
    // min_max is fitted on the standardized data.
    expect(m!.state).toEqual({ min: [-1, 0, -1, 0], max: [1, 0, 1, 0] });
    expect([...applyTransforms([s!, m!], ds).features.data]).toEqual([0, 0, 0, 0, 1, 0, 1, 0]);
    expect(applyTransforms([s!, m!], ds).features.shape).toEqual([2, 2, 2]);
  });

  test("scale, one_hot, and a checkpoint round trip", () => {
    const ds = indexed(6);
    const ts = fitTransforms([{ name: "scale", args: { factor: 0.5 } }, { name: "one_hot", args: {} }], ds, 3);
    const out = applyTransforms(ts, ds);
    expect([...out.features.data.slice(0, 3)]).toEqual([0, 0.5, 2.5]);
    expect(out.labels.dtype).toBe("f32");
    expect(out.labels.shape).toEqual([6, 3]);
    expect([...out.labels.data.slice(0, 6)]).toEqual([1, 0, 0, 0, 1, 0]);
    const saved = JSON.parse(JSON.stringify(ts.map(({ name, state }) => ({ name, state }))));
    const again = applyTransforms(restoreTransforms(saved), ds);
    expect(again.features.data).toEqual(out.features.data);
    expect(again.labels.data).toEqual(out.labels.data);
    expect(() => restoreTransforms([{ name: "standardize", state: { mean: [1] } }])).toThrow(DataError);
  });

  test("errors: one_hot without classes, int features, unknown transform, mismatched data", () => {
    const ds = indexed(6);
    expect(() => fitTransforms([{ name: "one_hot", args: {} }], ds)).toThrow("one_hot needs the number of classes");
    expect(() => fitTransforms([{ name: "one_hot", args: {} }], ds, 2)[0]!.apply(ds)).toThrow("one_hot: sample 3 has label 2, outside the 2 classes 0..1");
    const seq = loadSource("synthetic_sequences", { n: 4, length: 5, vocab: 10 }, ".");
    expect(() => fitTransforms([{ name: "standardize", args: {} }], seq)).toThrow(/standardize works on float features, but these are i32/);
    expect(() => fitTransforms([{ name: "normalize", args: {} }], ds)).toThrow("unknown transform `normalize`");
    const [t] = fitTransforms([{ name: "standardize", args: {} }], ds);
    expect(() => t!.apply(loadSource("moons", { n: 4 }, "."))).toThrow("standardize was fitted on samples of 3 features, but these have 2");
  });
});
