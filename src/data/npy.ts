// npy(features, labels): NumPy .npy arrays (format versions 1, 2 and 3), C order only.
//
// Supported element types: f4, f8, i1, i2, i4, i8, u1, u2, u4, b1, in either byte order.
// Features become f32 (i32 when the dataset declares integer features and the data is integral);
// labels become i32 when integral (or when the dataset declares i32 labels and every value is a whole
// number), f32 otherwise.
import { type Tensor, shapeStr, sizeOf, zeros } from "../runtime/tensor.js";
import { maybeGunzip } from "./idx.js";
import {
  ArgReader, checkClassRange, conformShape, type DataSet, DataError, type Declared, isFloatDType, isIntDType, readDataFile,
} from "./types.js";

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

export interface NpyArray { shape: number[]; int: boolean; descr: string; values: Float64Array }

const KINDS: Record<string, { bytes: number[]; int: boolean }> = {
  f: { bytes: [4, 8], int: false },
  i: { bytes: [1, 2, 4, 8], int: true },
  u: { bytes: [1, 2, 4, 8], int: true },
  b: { bytes: [1], int: true },
};

/** Parses the bytes of a .npy file. */
export function parseNpy(buf: Buffer, file: string): NpyArray {
  if (buf.length < 10 || !MAGIC.every((b, i) => buf[i] === b)) {
    throw new DataError(`not a .npy file: expected it to start with \\x93NUMPY, found ${JSON.stringify(buf.subarray(0, 6).toString("latin1"))}`, file, undefined, undefined,
      buf[0] === 0x50 && buf[1] === 0x4b ? ["this looks like a .npz archive (a zip of .npy files): save each array with numpy.save instead"] : []);
  }
  const major = buf[6]!;
  if (major < 1 || major > 3) throw new DataError(`unsupported .npy format version ${major}.${buf[7]} (versions 1 to 3 are supported)`, file);
  const lenBytes = major === 1 ? 2 : 4;
  const hlen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = 8 + lenBytes;
  if (buf.length < start + hlen) throw new DataError("the file is truncated inside its header", file);
  const header = buf.subarray(start, start + hlen).toString(major === 3 ? "utf8" : "latin1");
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new DataError(`cannot read the .npy header ${JSON.stringify(header.trim())}: expected 'descr', 'fortran_order' and 'shape'`, file);
  }
  if (fortran === "True") {
    throw new DataError("the array is stored in Fortran (column-major) order, which is not supported", file, undefined, undefined,
      ["save it in C order: numpy.save(path, numpy.ascontiguousarray(a))"]);
  }
  const shape = shapeText.split(",").map((s) => s.trim()).filter((s) => s !== "").map(Number);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw new DataError(`cannot read the shape (${shapeText}) in the .npy header`, file);
  if (shape.length === 0) throw new DataError("the array is a scalar: expected one entry per sample (at least one dimension)", file);
  const m = /^([<>|=])([a-zA-Z])(\d+)$/.exec(descr);
  const kind = m ? KINDS[m[2]!] : undefined;
  const bytes = m ? Number(m[3]) : 0;
  if (!m || !kind || !kind.bytes.includes(bytes)) {
    const what = descr.startsWith("|O") ? "Python objects (pickled), which cannot be read" : descr.includes("U") || descr.includes("S") ? "strings" : `element type '${descr}'`;
    throw new DataError(`the array holds ${what}; supported element types are f4, f8, i1, i2, i4, i8, u1, u2, u4 and b1`, file, undefined, undefined,
      ["convert it first, e.g. numpy.save(path, a.astype(numpy.float32))"]);
  }
  const little = m[1] !== ">";
  const count = sizeOf(shape);
  const need = start + hlen + count * bytes;
  if (buf.length < need) throw new DataError(`the file is truncated: its header says ${shapeText.trim() ? shapeStr(shape) : "[]"} of '${descr}' (${need} bytes), but it has ${buf.length} bytes`, file);
  const dv = new DataView(buf.buffer, buf.byteOffset + start + hlen, count * bytes);
  const values = new Float64Array(count);
  const k = m[2]!;
  for (let i = 0, p = 0; i < count; i++, p += bytes) {
    let v: number;
    if (k === "f") v = bytes === 4 ? dv.getFloat32(p, little) : dv.getFloat64(p, little);
    else if (k === "b") v = dv.getUint8(p) ? 1 : 0;
    else if (k === "u") v = bytes === 1 ? dv.getUint8(p) : bytes === 2 ? dv.getUint16(p, little) : bytes === 4 ? dv.getUint32(p, little) : Number(dv.getBigUint64(p, little));
    else v = bytes === 1 ? dv.getInt8(p) : bytes === 2 ? dv.getInt16(p, little) : bytes === 4 ? dv.getInt32(p, little) : Number(dv.getBigInt64(p, little));
    values[i] = v;
  }
  return { shape, int: kind.int, descr, values };
}

function readNpy(file: string, baseDir: string, what: string): NpyArray {
  return parseNpy(maybeGunzip(readDataFile(file, baseDir, what), file), file);
}

function firstFraction(values: Float64Array): number {
  return values.findIndex((v) => !Number.isInteger(v));
}

export function loadNpy(args: Record<string, number | string | boolean>, baseDir: string, declared?: Declared): DataSet {
  const r = new ArgReader("npy", args);
  const fFile = r.str("features");
  const lFile = r.str("labels");
  const f = readNpy(fFile, baseDir, ".npy features");
  const l = readNpy(lFile, baseDir, ".npy labels");
  const n = f.shape[0]!;
  if (l.shape[0] !== n) {
    throw new DataError(`the labels array has ${l.shape[0]} entries, but the features array ${fFile} has ${n} samples`, lFile, undefined, undefined,
      ["both arrays need one entry per sample along their first axis"]);
  }
  const fd = declared?.features?.dtype;
  let features: Tensor;
  if (fd !== undefined && isIntDType(fd)) {
    const bad = firstFraction(f.values);
    if (bad >= 0) throw new DataError(`the dataset declares ${fd} features, but element ${bad} is ${f.values[bad]} (not a whole number)`, fFile);
    features = zeros("i32", f.shape);
  } else features = zeros(fd === "f64" ? "f64" : "f32", f.shape);
  features.data.set(f.values);
  if (features.shape.length === 1) features = { ...features, shape: [n, 1] };
  features = conformShape(features, declared?.features?.shape, "features", fFile);

  const ld = declared?.labels?.dtype;
  let labels: Tensor;
  if (ld !== undefined && isFloatDType(ld)) labels = zeros(ld === "f64" ? "f64" : "f32", l.shape);
  else if (l.int) labels = zeros("i32", l.shape);
  else if (ld !== undefined) {
    const bad = firstFraction(l.values);
    if (bad >= 0) {
      throw new DataError(`sample ${bad + 1}: expected an integer class id, found ${l.values[bad]}`, lFile, undefined, undefined,
        ["for regression targets declare the label type, e.g. `labels: f32[1]`"]);
    }
    labels = zeros("i32", l.shape);
  } else labels = zeros("f32", l.shape);
  labels.data.set(l.values);
  const wanted = declared?.labels?.shape;
  if (labels.shape.length === 2 && labels.shape[1] === 1 && (wanted === undefined || wanted.length === 0)) labels = { ...labels, shape: [n] };
  labels = conformShape(labels, wanted, "labels", lFile);
  checkClassRange(labels, declared?.classes, lFile);
  return { features, labels };
}
