// Shared by the example tests: where the examples are, and stand-in data for the one example whose
// dataset the user downloads (Fashion-MNIST).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as zlib from "node:zlib";

export const EXAMPLES = path.resolve(__dirname, "../../examples");

export const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "nnc-example-"));

export const exampleFiles = (): string[] => fs.readdirSync(EXAMPLES).filter((f) => f.endsWith(".nn")).sort();

/** IDX bytes: magic 0 0 0x08 (ubyte) ndim, big-endian sizes, then the data. */
function idx(shape: number[], data: Uint8Array): Buffer {
  const head = Buffer.alloc(4 + 4 * shape.length);
  head[2] = 0x08;
  head[3] = shape.length;
  shape.forEach((n, i) => head.writeUInt32BE(n, 4 + 4 * i));
  return zlib.gzipSync(Buffer.concat([head, Buffer.from(data)]));
}

/** The path to train `f` from: the example itself, or for fashion_mlp a copy beside small stand-in IDX files. */
export function exampleWithData(f: string): string {
  const file = path.join(EXAMPLES, f);
  if (f !== "fashion_mlp.nn") return file;
  const dir = tmp();
  fs.copyFileSync(file, path.join(dir, f));
  fs.mkdirSync(path.join(dir, "data/fashion"), { recursive: true });
  const n = 80;
  const pixels = Uint8Array.from({ length: n * 784 }, (_, i) => (i * 37) % 256);
  fs.writeFileSync(path.join(dir, "data/fashion/train-images-idx3-ubyte.gz"), idx([n, 28, 28], pixels));
  fs.writeFileSync(path.join(dir, "data/fashion/train-labels-idx1-ubyte.gz"), idx([n], Uint8Array.from({ length: n }, (_, i) => i % 10)));
  return path.join(dir, f);
}
