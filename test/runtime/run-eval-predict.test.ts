// `nnc eval` and `nnc predict` on a trained iris checkpoint: text and JSON scores, class probabilities as
// CSV or .npy, and clear errors for a checkpoint that belongs to another model.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { parseNpy } from "../../src/data/index.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "", err = "";
  const io = { stdout: { write: (s: string) => (out += s), isTTY: false }, stderr: { write: (s: string) => (err += s), isTTY: false }, env: {} };
  const code = await main(argv, io);
  return { code, out, err };
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nnc-evp-"));
dirs.push(dir);
fs.mkdirSync(path.join(dir, "data"));
const IRIS_CSV = path.join(dir, "data/iris.csv");
fs.copyFileSync(path.join(ROOT, "examples/data/iris.csv"), IRIS_CSV);
const irisText = fs.readFileSync(path.join(ROOT, "examples/iris.nn"), "utf8");
fs.writeFileSync(path.join(dir, "iris.nn"), irisText);
// Same model name, another hidden width.
fs.writeFileSync(path.join(dir, "narrow.nn"), irisText.replace("dense(8, relu)", "dense(4, relu)"));
fs.writeFileSync(path.join(dir, "moons.nn"), `
model Moons(x: f32[B, 2]) -> f32[B, 2] { x |> dense(4, relu) |> dense(2) }
train Moons on moons(n = 60) { loss = sparse_categorical_crossentropy(from_logits = true) optimizer = adam() epochs = 1 }
`);
const NN = path.join(dir, "iris.nn"), OUT = path.join(dir, "out");
let runOut = "";

beforeAll(async () => {
  const r = await cli(["run", NN, "--epochs", "3", "--out", OUT]);
  expect(r.code).toBe(0);
  runOut = r.out;
  expect((await cli(["run", path.join(dir, "moons.nn"), "--quiet", "--out", path.join(dir, "moons-out")])).code).toBe(0);
});

describe("nnc eval", () => {
  it("prints the test split's loss and accuracy", async () => {
    const r = await cli(["eval", NN, "--out", OUT]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^test \(30 samples\): loss: \d+\.\d{4} - accuracy: \d\.\d{4}\n$/);
  });

  it("on checkpoints/last it reproduces the score `nnc run` printed at the end", async () => {
    const r = await cli(["eval", NN, "--checkpoint", path.join(OUT, "checkpoints", "last")]);
    expect(r.code).toBe(0);
    const scores = r.out.replace(/^test \(30 samples\): /, "").trim();
    expect(runOut).toContain(`Test: ${scores}\n`);
  });

  it("--format json: split, samples, loss, accuracy (the same numbers)", async () => {
    const text = (await cli(["eval", NN, "--out", OUT])).out;
    const r = await cli(["eval", NN, "--out", OUT, "--format", "json"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as Record<string, unknown>;
    expect(Object.keys(j)).toEqual(["split", "samples", "loss", "accuracy"]);
    expect(j["split"]).toBe("test");
    expect(j["samples"]).toBe(30);
    expect(text).toBe(`test (30 samples): loss: ${(j["loss"] as number).toFixed(4)} - accuracy: ${(j["accuracy"] as number).toFixed(4)}\n`);
    // Accuracy over 30 samples is a multiple of 1/30.
    expect(Math.abs((j["accuracy"] as number) * 30 - Math.round((j["accuracy"] as number) * 30))).toBeLessThan(1e-4);
  });

  it("--split val and --split train; an unknown split is exit 1", async () => {
    expect((await cli(["eval", NN, "--out", OUT, "--split", "val"])).out).toMatch(/^val \(30 samples\): loss: /);
    expect((await cli(["eval", NN, "--out", OUT, "--split", "train"])).out).toMatch(/^train \(90 samples\): loss: /);
    const bad = await cli(["eval", NN, "--out", OUT, "--split", "holdout"]);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain("error: there is no holdout split");
    expect(bad.err).toContain("splits here: train, val, test");
  });

  it("--batch: the score does not depend on it; a bad value is a usage error (exit 2), as for `nnc run`", async () => {
    const whole = await cli(["eval", NN, "--out", OUT, "--batch", "30"]);
    expect(whole.code).toBe(0);
    expect((await cli(["eval", NN, "--out", OUT, "--batch", "7"])).out).toBe(whole.out);
    for (const b of ["x", "-5", "2.5"]) {
      const r = await cli(["eval", NN, "--out", OUT, `--batch=${b}`]);
      expect(r.code, `--batch=${b}: ${r.err}`).toBe(2);
      expect(r.err).toContain(`--batch takes a positive integer, found "${b}"`);
    }
  });

  it("--batch 0 is a usage error too (run as a process: a loop that never ends must not hang the tests)", () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, "bin/nnc.js"), "eval", NN, "--out", OUT, "--batch", "0"], { encoding: "utf8", timeout: 8_000 });
    expect(r.error?.message ?? "", "nnc eval --batch 0 did not finish in 8 s").not.toMatch(/ETIMEDOUT/);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--batch takes a positive integer, found "0"');
  });

  it("without a checkpoint: exit 1 and how to get one", async () => {
    const r = await cli(["eval", NN, "--out", path.join(dir, "untrained")]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`error: no checkpoint found in ${path.join(dir, "untrained", "checkpoints")}`);
    expect(r.err).toContain("pass --checkpoint DIR");
  });
});

describe("nnc predict", () => {
  it("prints a CSV: the class and one probability per class name, 150 rows summing to 1", async () => {
    const r = await cli(["predict", NN, "--out", OUT, "--input", IRIS_CSV]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split("\n");
    expect(lines[0]).toBe("class,p_setosa,p_versicolor,p_virginica");
    expect(lines.length).toBe(151);
    for (const line of lines.slice(1)) {
      const [cls, ...ps] = line.split(",");
      const p = ps.map(Number);
      expect(p.length).toBe(3);
      expect(Math.abs(p.reduce((a, b) => a + b, 0) - 1), line).toBeLessThanOrEqual(1e-4);
      expect(p.every((x) => x >= 0 && x <= 1)).toBe(true);
      expect(cls).toBe(["setosa", "versicolor", "virginica"][p.indexOf(Math.max(...p))]);
    }
  });

  it("--output x.npy writes a float array [150, 3] with the same probabilities", async () => {
    const csv = (await cli(["predict", NN, "--out", OUT, "--input", IRIS_CSV])).out.trimEnd().split("\n").slice(1);
    const file = path.join(dir, "x.npy");
    const r = await cli(["predict", NN, "--out", OUT, "--input", IRIS_CSV, "--output", file]);
    expect(r.code).toBe(0);
    expect(r.out).toBe("");
    expect(r.err).toContain(`wrote 150 predictions to ${file}`);
    const bytes = fs.readFileSync(file);
    expect(bytes.subarray(0, 6).equals(Buffer.from([0x93, ...Buffer.from("NUMPY")]))).toBe(true);
    const a = parseNpy(bytes, file);
    expect(a.shape).toEqual([150, 3]);
    csv.forEach((line, i) => line.split(",").slice(1).forEach((p, j) => expect(Math.abs(a.values[i * 3 + j]! - Number(p))).toBeLessThan(1e-5)));
  });

  it("--output x.csv writes the CSV to that file", async () => {
    const file = path.join(dir, "preds.csv");
    const r = await cli(["predict", NN, "--out", OUT, "--input", IRIS_CSV, "--output", file]);
    expect(r.code).toBe(0);
    expect(r.out).toBe("");
    const lines = fs.readFileSync(file, "utf8").trimEnd().split("\n");
    expect(lines[0]).toBe("class,p_setosa,p_versicolor,p_virginica");
    expect(lines.length).toBe(151);
  });

  it("a checkpoint of another model: exit 1 naming both models", async () => {
    const r = await cli(["predict", NN, "--input", IRIS_CSV, "--checkpoint", path.join(dir, "moons-out", "checkpoints", "last")]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^error: the checkpoint holds model `Moons`, but .*iris\.nn trains `Iris`\n$/);
    expect(r.out).toBe("");
    const e = await cli(["eval", NN, "--checkpoint", path.join(dir, "moons-out", "checkpoints", "last")]);
    expect(e.code).toBe(1);
    expect(e.err).toContain("the checkpoint holds model `Moons`");
  });

  it("a checkpoint of the same model name with other shapes: exit 1 naming the parameter", async () => {
    const r = await cli(["predict", path.join(dir, "narrow.nn"), "--input", IRIS_CSV, "--checkpoint", path.join(OUT, "checkpoints", "last")]);
    expect(r.code).toBe(1);
    expect(r.err).toContain("error: the checkpoint's dense.kernel is [4, 8], the model's is [4, 4]");
    expect(r.err).toContain("was the model changed after training? train it again");
  });

  it("bad inputs: a non-numeric cell (file:line:col), the wrong number of columns, a missing file", async () => {
    const bad = path.join(dir, "bad.csv");
    fs.writeFileSync(bad, "a,b,c,d\n1,2,3,4\n5,6,x,8\n");
    let r = await cli(["predict", NN, "--out", OUT, "--input", bad]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${bad}:3:3: expected a number, found "x"`);
    const narrow = path.join(dir, "three.csv");
    fs.writeFileSync(narrow, "a,b,c\n1,2,3\n");
    r = await cli(["predict", NN, "--out", OUT, "--input", narrow]);
    expect(r.code).toBe(1);
    expect(r.err).toContain("3 feature columns, but the model takes 4 features per sample");
    r = await cli(["predict", NN, "--out", OUT, "--input", path.join(dir, "nope.csv")]);
    expect(r.code).toBe(1);
    expect(r.err).toContain("no such file");
  });

  it("--input is required (usage error, exit 2)", async () => {
    const r = await cli(["predict", NN, "--out", OUT]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("--input");
  });
});
