// idx(images, labels): the IDX format of the original MNIST / Fashion-MNIST files, gzipped or not.
//
// Layout: two zero bytes, a type byte (0x08 ubyte, 0x09 byte, 0x0B i16, 0x0C i32, 0x0D f32, 0x0E f64),
// the number of dimensions, then each dimension as a big-endian u32, then the values (big-endian).
// The first dimension counts the samples; the rest is the per-sample shape.
import { gunzipSync } from "node:zlib";
import type { DType } from "../ir/types.js";
import { type Tensor, shapeStr, sizeOf, zeros } from "../runtime/tensor.js";
import { ArgReader, checkClassRange, conformShape, type DataSet, DataError, type Declared, readDataFile, storageDType } from "./types.js";

const IDX_TYPES: Record<number, { name: string; bytes: number; int: boolean }> = {
  0x08: { name: "unsigned byte", bytes: 1, int: true },
  0x09: { name: "signed byte", bytes: 1, int: true },
  0x0b: { name: "16-bit integer", bytes: 2, int: true },
  0x0c: { name: "32-bit integer", bytes: 4, int: true },
  0x0d: { name: "32-bit float", bytes: 4, int: false },
  0x0e: { name: "64-bit float", bytes: 8, int: false },
};

const hex = (b: Uint8Array): string => [...b].map((x) => x.toString(16).padStart(2, "0")).join(" ");

/** Un-gzips when the bytes start with the gzip magic (1f 8b). */
export function maybeGunzip(buf: Buffer, file: string): Buffer {
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      return gunzipSync(buf);
    } catch (e) {
      throw new DataError(`the file is gzipped but cannot be decompressed (${(e as Error).message}); is it truncated?`, file);
    }
  }
  return buf;
}

export interface IdxArray { shape: number[]; int: boolean; values: Float64Array | Int32Array }

/** Parses IDX bytes (already un-gzipped). */
export function parseIdx(buf: Buffer, file: string): IdxArray {
  if (buf.length < 4) throw new DataError(`the file is too short to be an IDX file (${buf.length} bytes)`, file);
  const type = IDX_TYPES[buf[2]!];
  if (buf[0] !== 0 || buf[1] !== 0 || !type) {
    throw new DataError(`not an IDX file: expected the magic bytes 00 00 <type> <dims> (e.g. 00 00 08 03 for images), found ${hex(buf.subarray(0, 4))}`, file, undefined, undefined,
      buf[0] === 0x93 && buf[1] === 0x4e ? ["this looks like a NumPy .npy file: use npy(features = …, labels = …)"] : []);
  }
  const ndim = buf[3]!;
  if (ndim === 0) throw new DataError("the IDX header declares 0 dimensions: expected at least one (the number of samples)", file);
  const headerLen = 4 + 4 * ndim;
  if (buf.length < headerLen) throw new DataError(`the file is truncated inside its header (${ndim} dimensions need ${headerLen} bytes, found ${buf.length})`, file);
  const shape: number[] = [];
  for (let d = 0; d < ndim; d++) shape.push(buf.readUInt32BE(4 + 4 * d));
  const count = sizeOf(shape);
  const need = headerLen + count * type.bytes;
  if (buf.length < need) {
    throw new DataError(`the file is truncated: its header says ${shapeStr(shape)} ${type.name}s (${need} bytes), but it has ${buf.length} bytes`, file);
  }
  const values = type.int ? new Int32Array(count) : new Float64Array(count);
  let p = headerLen;
  for (let i = 0; i < count; i++, p += type.bytes) {
    switch (buf[2]) {
      case 0x08: values[i] = buf[p]!; break;
      case 0x09: values[i] = buf.readInt8(p); break;
      case 0x0b: values[i] = buf.readInt16BE(p); break;
      case 0x0c: values[i] = buf.readInt32BE(p); break;
      case 0x0d: values[i] = buf.readFloatBE(p); break;
      default: values[i] = buf.readDoubleBE(p); break;
    }
  }
  return { shape, int: type.int, values };
}

function readIdx(file: string, baseDir: string, what: string): IdxArray {
  return parseIdx(maybeGunzip(readDataFile(file, baseDir, what), file), file);
}

function toTensor(a: IdxArray, dtype: DType): Tensor {
  const t = zeros(dtype, a.shape);
  t.data.set(a.values);
  return t;
}

export function loadIdx(args: Record<string, number | string | boolean>, baseDir: string, declared?: Declared): DataSet {
  const r = new ArgReader("idx", args);
  const imgFile = r.str("images");
  const lblFile = r.str("labels");
  const img = readIdx(imgFile, baseDir, "IDX images");
  const lbl = readIdx(lblFile, baseDir, "IDX labels");
  const n = img.shape[0]!;
  if (lbl.shape[0] !== n) {
    throw new DataError(`the labels file has ${lbl.shape[0]} labels, but the images file ${imgFile} has ${n} images`, lblFile, undefined, undefined,
      ["the two files must list the same samples in the same order"]);
  }
  const fType = storageDType(declared?.features?.dtype, "f32");
  if (fType === "i32" && !img.int) throw new DataError("the dataset declares integer features, but the file holds floats", imgFile);
  const features = conformShape(toTensor(img, fType), declared?.features?.shape, "features", imgFile);

  const lDecl = declared?.labels;
  let lType = storageDType(lDecl?.dtype, lbl.int ? "i32" : "f32");
  if (lType === "i32" && !lbl.int) {
    const bad = lbl.values.findIndex((v) => !Number.isInteger(v));
    if (bad >= 0) throw new DataError(`sample ${bad + 1}: expected an integer class id, found ${lbl.values[bad]}`, lblFile, undefined, undefined, ["for regression targets declare e.g. `labels: f32[1]`"]);
    lType = "i32";
  }
  let labels = toTensor(lbl, lType);
  if (labels.shape.length === 2 && labels.shape[1] === 1 && (!lDecl || lDecl.shape.length === 0)) labels = { ...labels, shape: [n] };
  labels = conformShape(labels, lDecl?.shape, "labels", lblFile);
  checkClassRange(labels, declared?.classes, lblFile);
  return { features, labels };
}
