// Writes NumPy .npy (version 1.0) files, so predictions open with numpy.load.
import type { Tensor } from "./tensor.js";

export function writeNpy(t: Tensor): Buffer {
  const descr = t.dtype === "f64" ? "<f8" : t.dtype === "i32" || t.dtype === "i64" ? "<i4" : t.dtype === "bool" ? "|b1" : "<f4";
  const shape = t.shape.length === 1 ? `(${t.shape[0]},)` : `(${t.shape.join(", ")})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  // Magic (6) + version (2) + length (2) + header + newline, padded to a multiple of 64.
  const pad = 64 - ((10 + header.length + 1) % 64);
  header += " ".repeat(pad % 64) + "\n";
  const head = Buffer.alloc(10);
  head.write("\x93NUMPY", 0, "latin1");
  head[6] = 1;
  head[7] = 0;
  head.writeUInt16LE(header.length, 8);
  const body = Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  return Buffer.concat([head, Buffer.from(header, "latin1"), Buffer.from(body)]);
}
