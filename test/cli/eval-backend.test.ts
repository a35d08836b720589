// `nnc eval` and `nnc predict --backend cpu|ref`: a trained checkpoint of a model with batch norm and
// dropout scores and predicts the same on the compiled CPU backend (the default) and on the reference executor.
import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { cli, project } from "../runtime/run-helpers.js";

const NN = `
model M(x: f32[B, 2]) -> f32[B, 2] {
  x |> dense(16) |> batchnorm(momentum = 0.8) |> relu |> dropout(0.3) |> dense(2)
}
train M on moons(n = 150, noise = 0.2, seed = 7) {
  loss      = sparse_categorical_crossentropy(from_logits = true)
  optimizer = adam(lr = 0.02)
  epochs    = 3
  batch     = 16
  metrics   = [accuracy]
  validation = 0.3
}
`;

/** The CLI with its own compile cache, so a test can tell whether the CPU backend compiled anything. */
async function cached(argv: string[], cache: string): Promise<{ code: number; out: string; err: string }> {
  let out = "", err = "";
  const io = { stdout: { write: (s: string) => (out += s), isTTY: false }, stderr: { write: (s: string) => (err += s), isTTY: false }, env: { NNC_CACHE_DIR: cache } };
  return { code: await main(argv, io), out, err };
}

const libraries = (cache: string) => (fs.existsSync(cache) ? fs.readdirSync(cache).filter((d) => fs.existsSync(path.join(cache, d, "libstep.so"))) : []);

const dir = project({ "bn.nn": NN, "x.csv": "a,b\n" + Array.from({ length: 40 }, (_, i) => `${Math.cos(i)},${Math.sin(3 * i) * 0.7}`).join("\n") + "\n" }, "nnc-evb-");
const FILE = path.join(dir, "bn.nn"), OUT = path.join(dir, "out"), RUN_CACHE = path.join(dir, "run-cache");
let runOut = "";

beforeAll(async () => {
  const r = await cached(["run", FILE, "--out", OUT], RUN_CACHE);
  expect(r.err).toBe("");
  expect(r.code).toBe(0);
  runOut = r.out;
}, 120_000);

const numbers = (s: string) => [...s.matchAll(/-?\d+\.\d+(e-?\d+)?/g)].map((m) => Number(m[0]));

describe("nnc run", () => {
  it("compiles the training step and the evaluation graph (validation runs compiled), and says nothing more", () => {
    expect(libraries(RUN_CACHE)).toHaveLength(2);
    expect(runOut.split("\n")[0]).toMatch(/; CPU backend \(\d+ kernels, compiled in \d+\.\d s\)$/);
  });
});

describe("--backend cpu and --backend ref agree", () => {
  for (const split of ["val", "train"]) {
    it(`nnc eval --split ${split}: the same loss and accuracy (text and JSON)`, async () => {
      const run = async (backend: string, ...more: string[]) => {
        const r = await cli(["eval", FILE, "--out", OUT, "--split", split, "--batch", "13", "--backend", backend, ...more]);
        expect(r.err).toBe("");
        expect(r.code).toBe(0);
        return r.out;
      };
      const [cpu, ref] = [await run("cpu"), await run("ref")];
      expect(cpu.replace(/\d+\.\d+/g, "#")).toBe(ref.replace(/\d+\.\d+/g, "#"));
      // Four decimals: at most one unit of the last digit apart (rounding of float32 noise).
      numbers(ref).forEach((v, i) => expect(Math.abs(numbers(cpu)[i]! - v)).toBeLessThanOrEqual(1.0001e-4));
      const [jc, jr] = [JSON.parse(await run("cpu", "--format", "json")), JSON.parse(await run("ref", "--format", "json"))] as Record<string, number>[];
      expect(Object.keys(jc!)).toEqual(["split", "samples", "loss", "accuracy"]);
      for (const k of ["loss", "accuracy"]) expect(Math.abs(jc![k]! - jr![k]!) / Math.max(Math.abs(jr![k]!), 1e-3), k).toBeLessThan(1e-4);
    }, 60_000);
  }

  it("nnc predict: the same classes and probabilities", async () => {
    const run = async (backend: string) => {
      const r = await cli(["predict", FILE, "--out", OUT, "--input", path.join(dir, "x.csv"), "--backend", backend]);
      expect(r.err).toBe("");
      expect(r.code).toBe(0);
      return r.out.trimEnd().split("\n");
    };
    const [cpu, ref] = [await run("cpu"), await run("ref")];
    expect(cpu.length).toBe(41);
    expect(cpu[0]).toBe(ref[0]);
    cpu.slice(1).forEach((line, i) => {
      const [c, ...p] = line.split(","), [rc, ...rp] = ref[i + 1]!.split(",");
      expect(c, `row ${i}`).toBe(rc);
      p.forEach((x, j) => expect(Math.abs(Number(x) - Number(rp[j])), `row ${i}`).toBeLessThan(1e-4));
    });
  }, 60_000);

  it("--backend ref compiles nothing; cpu (the default) compiles the evaluation graph, and predict the model's", async () => {
    const cache = path.join(dir, `cache-${Math.random()}`);
    const predict = ["predict", FILE, "--out", OUT, "--input", path.join(dir, "x.csv")];
    expect((await cached(["eval", FILE, "--out", OUT, "--backend", "ref"], cache)).code).toBe(0);
    expect((await cached([...predict, "--backend", "ref"], cache)).code).toBe(0);
    expect(libraries(cache)).toEqual([]);
    expect((await cached(["eval", FILE, "--out", OUT], cache)).code).toBe(0);
    expect(libraries(cache)).toHaveLength(1);
    expect((await cached(predict, cache)).code).toBe(0);
    expect(libraries(cache)).toHaveLength(2);
  }, 60_000);

  it("an unknown --backend is a usage error (exit 2) for eval and predict", async () => {
    for (const cmd of [["eval"], ["predict", "--input", path.join(dir, "x.csv")]]) {
      const r = await cli([...cmd, FILE, "--out", OUT, "--backend", "gpu"]);
      expect(r.code).toBe(2);
      expect(r.err).toContain('--backend is cpu or ref, found "gpu"');
    }
  });
});
