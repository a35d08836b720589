// Every example trains end to end for one epoch on a little of its data (the CLI, in process).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { describe, expect, it } from "vitest";
import { runCli } from "../run-cli.js";
import { readHistory } from "../../src/runtime/history.js";
import { loadCheckpoint } from "../../src/runtime/checkpoint.js";

const EXAMPLES = path.resolve(__dirname, "../../examples");

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "nnc-example-"));

/** IDX bytes: magic 0 0 0x08 (ubyte) ndim, big-endian sizes, then the data. */
function idx(shape: number[], data: Uint8Array): Buffer {
  const head = Buffer.alloc(4 + 4 * shape.length);
  head[2] = 0x08;
  head[3] = shape.length;
  shape.forEach((n, i) => head.writeUInt32BE(n, 4 + 4 * i));
  return zlib.gzipSync(Buffer.concat([head, Buffer.from(data)]));
}

describe("every example trains for an epoch", () => {
  const files = fs.readdirSync(EXAMPLES).filter((f) => f.endsWith(".nn")).sort();

  it("covers the examples folder", () => {
    expect(files.length).toBeGreaterThanOrEqual(15);
  });

  for (const f of files) {
    it(f, async () => {
      let file = path.join(EXAMPLES, f);
      if (f === "fashion_mlp.nn") {
        // The Fashion-MNIST files are the user's to download; small files in the same IDX format stand in.
        const dir = tmp();
        fs.copyFileSync(file, path.join(dir, f));
        fs.mkdirSync(path.join(dir, "data/fashion"), { recursive: true });
        const n = 80;
        const pixels = Uint8Array.from({ length: n * 784 }, (_, i) => (i * 37) % 256);
        fs.writeFileSync(path.join(dir, "data/fashion/train-images-idx3-ubyte.gz"), idx([n, 28, 28], pixels));
        fs.writeFileSync(path.join(dir, "data/fashion/train-labels-idx1-ubyte.gz"), idx([n], Uint8Array.from({ length: n }, (_, i) => i % 10)));
        file = path.join(dir, f);
      }
      const out = tmp();
      const r = await runCli(["run", file, "--epochs", "1", "--limit", "64", "--batch", "16", "--quiet", "--out", out]);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      const h = readHistory(path.join(out, "history.csv"));
      expect(h).toHaveLength(1);
      expect(Number.isFinite(h[0]!["loss"])).toBe(true);
      const ck = loadCheckpoint(path.join(out, "checkpoints", "last"));
      expect(ck.meta["epoch"]).toBe(1);
      for (const t of ck.weights.values()) expect(Array.from(t.data).every(Number.isFinite)).toBe(true);
    }, 120_000);
  }
});
