// `nnc summary` must reproduce the seeds' per-layer and total parameter counts exactly.
import { describe, expect, test } from "vitest";
import { check } from "../../src/checker.js";

const cases: [file: string, model: string, rows: [string, string, number][], total: number][] = [
  ["examples/mnist_mlp.nn", "Mlp", [["flatten", "[B, 784]", 0], ["dense", "[B, 128]", 100480], ["dense_1", "[B, 10]", 1290]], 101770],
  ["examples/cifar10_cnn.nn", "Cifar", [
    ["conv2d", "[B, 30, 30, 32]", 896], ["maxpool2d", "[B, 15, 15, 32]", 0], ["conv2d_1", "[B, 13, 13, 64]", 18496],
    ["maxpool2d_1", "[B, 6, 6, 64]", 0], ["conv2d_2", "[B, 4, 4, 64]", 36928], ["flatten", "[B, 1024]", 0],
    ["dense", "[B, 64]", 65600], ["dense_1", "[B, 10]", 650]], 122570],
  ["examples/sine_rnn.nn", "SineRnn", [["simple_rnn", "[B, 32]", 1184], ["dense", "[B, 8]", 264], ["dense_1", "[B, 1]", 9]], 1457],
  ["examples/imdb_lstm.nn", "Sentiment", [["embedding", "[B, 120, 32]", 320000], ["lstm", "[B, 64]", 24832], ["dense", "[B, 64]", 4160], ["dense_1", "[B, 1]", 65]], 349057],
  ["examples/imdb_bilstm.nn", "BiSentiment", [["embedding", "[B, 120, 32]", 320000], ["bidirectional", "[B, 128]", 49664], ["dense", "[B, 64]", 8256], ["dense_1", "[B, 1]", 65]], 377985],
  ["examples/imdb_bilstm2.nn", "StackedSentiment", [
    ["embedding", "[B, 120, 32]", 320000], ["bidirectional", "[B, 120, 128]", 49664], ["bidirectional_1", "[B, 128]", 98816],
    ["dense", "[B, 64]", 8256], ["dense_1", "[B, 1]", 65]], 476801],
  ["examples/iris.nn", "Iris", [["dense", "[B, 8]", 40], ["dense_1", "[B, 3]", 27]], 67],
  ["examples/house_prices.nn", "HousePrice", [["dense", "[B, 64]", 320], ["dense_1", "[B, 64]", 4160], ["dense_2", "[B, 1]", 65]], 4545],
  ["examples/fashion_mlp.nn", "FashionMlp", [["flatten", "[B, 784]", 0], ["dense", "[B, 512]", 401920], ["dense_1", "[B, 10]", 5130]], 407050],
  ["examples/linear_regression.nn", "Line", [["dense", "[B, 1]", 2]], 2],
];

describe("parameter counts match the seeds", () => {
  test.each(cases)("%s", (file, model, rows, total) => {
    const r = check(file);
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const s = r.summaries.find((x) => x.model === model)!;
    expect(s.rows.map((x) => [x.name, x.outputShape, x.params])).toEqual(rows);
    expect(s.total).toBe(total);
    expect(s.trainable).toBe(total);
    expect(s.nonTrainable).toBe(0);
  });

  test("batchnorm's moving statistics are non-trainable", () => {
    const r = check("bn.nn", "model M(x: f32[B, 10]) -> f32[B, 4] { x |> dense(4) |> batchnorm }");
    expect(r.diagnostics).toEqual([]);
    const s = r.summaries[0]!;
    expect(s.rows[1]).toMatchObject({ name: "batchnorm", params: 16, trainable: 8, nonTrainable: 8 });
    expect([s.total, s.trainable, s.nonTrainable]).toEqual([60, 52, 8]);
  });

  test("a GRU has Keras's parameter count (reset_after biases)", () => {
    const r = check("gru.nn", "model M(x: f32[B, 50, 32]) -> f32[B, 64] { x |> gru(64) }");
    expect(r.diagnostics).toEqual([]);
    expect(r.summaries[0]!.total).toBe(3 * (64 * (32 + 64) + 2 * 64));
  });
});
