// idx() and npy(): files written byte by byte in a temporary folder, gzipped and plain, and their errors.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { gzipSync } from "node:zlib";
import { beforeAll, describe, expect, test } from "vitest";
import { loadSource } from "../../src/data/index.js";
import { dataError } from "./helpers.js";

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "nnc-data-"));
});

const write = (name: string, bytes: Buffer): string => {
  fs.writeFileSync(path.join(dir, name), bytes);
  return name;
};

/** An IDX file of unsigned bytes with the given dimensions. */
function idxUbyte(dims: number[], values: number[]): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head[2] = 0x08;
  head[3] = dims.length;
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, Buffer.from(values)]);
}

// Three 2×3 images with pixel value 10·i + p, labels 2, 0, 1.
const IMAGES = Array.from({ length: 18 }, (_, k) => 10 * Math.floor(k / 6) + (k % 6));
const LABELS = [2, 0, 1];

describe("idx", () => {
  test.each([["plain", false], ["gzipped", true]])("%s files load as f32 images and i32 labels", (_name, gz) => {
    const wrap = (b: Buffer) => (gz ? gzipSync(b) : b);
    const img = write(`img-${gz}.idx3`, wrap(idxUbyte([3, 2, 3], IMAGES)));
    const lbl = write(`lbl-${gz}.idx1`, wrap(idxUbyte([3], LABELS)));
    const ds = loadSource("idx", { images: img, labels: lbl }, dir);
    expect(ds.features.dtype).toBe("f32");
    expect(ds.features.shape).toEqual([3, 2, 3]);
    expect([...ds.features.data]).toEqual(IMAGES);
    expect(ds.labels.dtype).toBe("i32");
    expect(ds.labels.shape).toEqual([3]);
    expect([...ds.labels.data]).toEqual(LABELS);
  });

  test("the declared shape reshapes when the sizes agree", () => {
    const img = write("img6.idx", idxUbyte([3, 2, 3], IMAGES));
    const lbl = write("lbl6.idx", idxUbyte([3], LABELS));
    const ds = loadSource("idx", { images: img, labels: lbl }, dir, { features: { dtype: "f32", shape: [6] }, labels: { dtype: "i32", shape: [] }, classes: 3 });
    expect(ds.features.shape).toEqual([3, 6]);
    const e = dataError(() => loadSource("idx", { images: img, labels: lbl }, dir, { features: { dtype: "f32", shape: [28, 28] } }));
    expect(e.message).toBe("img6.idx: the dataset declares features of shape [28, 28] (784 values per sample), but the data has [2, 3] (6 values)");
  });

  test("count mismatch, bad magic, truncation, missing file, labels out of range", () => {
    const img = write("img.idx", idxUbyte([3, 2, 3], IMAGES));
    const two = write("two.idx", idxUbyte([2], [0, 1]));
    expect(dataError(() => loadSource("idx", { images: img, labels: two }, dir)).message)
      .toBe("two.idx: the labels file has 2 labels, but the images file img.idx has 3 images");
    const junk = write("junk.idx", Buffer.from("hello world"));
    expect(dataError(() => loadSource("idx", { images: junk, labels: two }, dir)).message)
      .toBe("junk.idx: not an IDX file: expected the magic bytes 00 00 <type> <dims> (e.g. 00 00 08 03 for images), found 68 65 6c 6c");
    const short = write("short.idx", idxUbyte([3, 2, 3], IMAGES).subarray(0, 20));
    expect(dataError(() => loadSource("idx", { images: short, labels: two }, dir)).message)
      .toBe("short.idx: the file is truncated: its header says [3, 2, 3] unsigned bytes (34 bytes), but it has 20 bytes");
    const e = dataError(() => loadSource("idx", { images: "fashion/train-images.gz", labels: two }, dir));
    expect(e.message).toBe("fashion/train-images.gz: the IDX images file does not exist");
    const lbl = write("lbl.idx", idxUbyte([3], LABELS));
    expect(dataError(() => loadSource("idx", { images: img, labels: lbl }, dir, { classes: 2 })).message)
      .toBe("lbl.idx: sample 1: label 2 is out of range: the dataset has 2 classes, so labels must be in 0..1");
    const badGz = write("bad.gz", gzipSync(idxUbyte([3], LABELS)).subarray(0, 12));
    expect(dataError(() => loadSource("idx", { images: img, labels: badGz }, dir)).message).toMatch(/^bad\.gz: the file is gzipped but cannot be decompressed/);
  });
});

/** A version-1 .npy file (header padded to a multiple of 64 bytes, as numpy writes it). */
function npy(descr: string, shape: number[], body: Buffer, fortran = false, version = 1): Buffer {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  let header = `{'descr': '${descr}', 'fortran_order': ${fortran ? "True" : "False"}, 'shape': ${shapeText}, }`;
  const pre = version === 1 ? 10 : 12;
  header += " ".repeat(64 - ((pre + header.length + 1) % 64)) + "\n";
  const head = Buffer.alloc(pre);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]).copy(head);
  if (version === 1) head.writeUInt16LE(header.length, 8);
  else head.writeUInt32LE(header.length, 8);
  return Buffer.concat([head, Buffer.from(header, "latin1"), body]);
}

const f4 = (xs: number[]) => { const b = Buffer.alloc(4 * xs.length); xs.forEach((x, i) => b.writeFloatLE(x, 4 * i)); return b; };
const f8 = (xs: number[]) => { const b = Buffer.alloc(8 * xs.length); xs.forEach((x, i) => b.writeDoubleLE(x, 8 * i)); return b; };
const i8 = (xs: number[]) => { const b = Buffer.alloc(8 * xs.length); xs.forEach((x, i) => b.writeBigInt64LE(BigInt(x), 8 * i)); return b; };
const i4 = (xs: number[]) => { const b = Buffer.alloc(4 * xs.length); xs.forEach((x, i) => b.writeInt32LE(x, 4 * i)); return b; };

describe("npy", () => {
  const X = [0.5, -1.25, 3, 4.75, 1e-3, -7];

  test("f4 features and i8 labels round-trip", () => {
    const fx = write("x.npy", npy("<f4", [3, 2], f4(X)));
    const fy = write("y.npy", npy("<i8", [3], i8([1, 0, 2])));
    const ds = loadSource("npy", { features: fx, labels: fy }, dir);
    expect(ds.features.dtype).toBe("f32");
    expect(ds.features.shape).toEqual([3, 2]);
    expect([...ds.features.data]).toEqual([...new Float32Array(X)]);
    expect(ds.labels.dtype).toBe("i32");
    expect([...ds.labels.data]).toEqual([1, 0, 2]);
  });

  test("u1 features (version 2 header), f8 regression labels, i4 labels of shape (N, 1)", () => {
    const fx = write("u1.npy", npy("|u1", [2, 2, 2], Buffer.from([0, 1, 2, 3, 250, 251, 252, 255]), false, 2));
    const fy = write("f8.npy", npy("<f8", [2, 1], f8([1.5, -2.25])));
    const ds = loadSource("npy", { features: fx, labels: fy }, dir, { features: { dtype: "f32", shape: [2, 2] }, labels: { dtype: "f32", shape: [1] } });
    expect(ds.features.shape).toEqual([2, 2, 2]);
    expect([...ds.features.data]).toEqual([0, 1, 2, 3, 250, 251, 252, 255]);
    expect(ds.labels.dtype).toBe("f32");
    expect(ds.labels.shape).toEqual([2, 1]);
    expect([...ds.labels.data]).toEqual([1.5, -2.25]);
    const col = write("col.npy", npy("<i4", [2, 1], i4([1, 0])));
    const c = loadSource("npy", { features: fx, labels: col }, dir, { labels: { dtype: "i32", shape: [] } });
    expect(c.labels.shape).toEqual([2]);
    expect([...c.labels.data]).toEqual([1, 0]);
  });

  test("whole-number float labels become class ids when the dataset expects i32", () => {
    const fx = write("x2.npy", npy("<f4", [3, 2], f4(X)));
    const fy = write("yf.npy", npy("<f8", [3], f8([1, 0, 2])));
    const ds = loadSource("npy", { features: fx, labels: fy }, dir, { labels: { dtype: "i32", shape: [] }, classes: 3 });
    expect(ds.labels.dtype).toBe("i32");
    const frac = write("yfrac.npy", npy("<f8", [3], f8([1, 0.5, 2])));
    expect(dataError(() => loadSource("npy", { features: fx, labels: frac }, dir, { labels: { dtype: "i32", shape: [] } })).message)
      .toBe("yfrac.npy: sample 2: expected an integer class id, found 0.5");
  });

  test("fortran order, unsupported dtypes, wrong counts and non-npy files are errors", () => {
    const fy = write("y3.npy", npy("<i8", [3], i8([1, 0, 2])));
    const fort = write("fort.npy", npy("<f4", [3, 2], f4(X), true));
    expect(dataError(() => loadSource("npy", { features: fort, labels: fy }, dir)).message)
      .toBe("fort.npy: the array is stored in Fortran (column-major) order, which is not supported");
    const obj = write("obj.npy", npy("|O", [3], Buffer.alloc(24)));
    expect(dataError(() => loadSource("npy", { features: obj, labels: fy }, dir)).message)
      .toMatch(/^obj\.npy: the array holds Python objects \(pickled\)/);
    const two = write("x-two.npy", npy("<f4", [2, 2], f4([1, 2, 3, 4])));
    expect(dataError(() => loadSource("npy", { features: two, labels: fy }, dir)).message)
      .toBe("y3.npy: the labels array has 3 entries, but the features array x-two.npy has 2 samples");
    const txt = write("x.txt", Buffer.from("1,2,3\n"));
    expect(dataError(() => loadSource("npy", { features: txt, labels: fy }, dir)).message).toMatch(/^x\.txt: not a \.npy file/);
  });
});
