// The safetensors file format: an 8-byte little-endian header length, a JSON header (padded with
// spaces to a multiple of 8) and a little-endian data section. Offsets are relative to the data section.
import type { DType } from "../ir/types.js";
import { allocData, RuntimeError, sizeOf, type Tensor } from "./tensor.js";

/** On-disk dtypes we read, with their byte size and the runtime dtype they load as. */
const FILE_DTYPES: Record<string, { bytes: number; dtype: DType }> = {
  F16: { bytes: 2, dtype: "f16" },
  BF16: { bytes: 2, dtype: "f32" },
  F32: { bytes: 4, dtype: "f32" },
  F64: { bytes: 8, dtype: "f64" },
  I32: { bytes: 4, dtype: "i32" },
  I64: { bytes: 8, dtype: "i64" },
  U8: { bytes: 1, dtype: "i32" },
  BOOL: { bytes: 1, dtype: "bool" },
};

const WRITE_DTYPE: Record<DType, string> = { f16: "F16", f32: "F32", f64: "F64", i32: "I32", i64: "I64", bool: "BOOL" };

const MAX_HEADER = 100_000_000;

export function writeSafetensors(tensors: Map<string, Tensor>, metadata?: Record<string, string>): Buffer {
  const names = [...tensors.keys()].sort();
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) header.__metadata__ = { ...metadata };
  let offset = 0;
  for (const name of names) {
    if (name === "__metadata__") throw new RuntimeError(`safetensors: "__metadata__" is not a valid tensor name`);
    const t = tensors.get(name)!;
    const n = sizeOf(t.shape);
    if (t.data.length !== n) throw new RuntimeError(`safetensors: tensor "${name}" has ${t.data.length} values for shape [${t.shape.join(", ")}]`);
    const dt = WRITE_DTYPE[t.dtype];
    const len = n * FILE_DTYPES[dt]!.bytes;
    header[name] = { dtype: dt, shape: [...t.shape], data_offsets: [offset, offset + len] };
    offset += len;
  }
  let json = JSON.stringify(header);
  const headerBytes = Buffer.byteLength(json, "utf8");
  json += " ".repeat((8 - (headerBytes % 8)) % 8);
  const headerBuf = Buffer.from(json, "utf8");
  const out = Buffer.alloc(8 + headerBuf.length + offset);
  out.writeBigUInt64LE(BigInt(headerBuf.length), 0);
  headerBuf.copy(out, 8);
  let pos = 8 + headerBuf.length;
  for (const name of names) pos = encode(tensors.get(name)!, out, pos);
  return out;
}

function encode(t: Tensor, out: Buffer, pos: number): number {
  const d = t.data;
  switch (t.dtype) {
    case "f32": for (let i = 0; i < d.length; i++, pos += 4) out.writeFloatLE(d[i]!, pos); break;
    case "f64": for (let i = 0; i < d.length; i++, pos += 8) out.writeDoubleLE(d[i]!, pos); break;
    case "i32": for (let i = 0; i < d.length; i++, pos += 4) out.writeInt32LE(d[i]! | 0, pos); break;
    case "i64": for (let i = 0; i < d.length; i++, pos += 8) out.writeBigInt64LE(BigInt(d[i]! | 0), pos); break;
    case "f16": for (let i = 0; i < d.length; i++, pos += 2) out.writeUInt16LE(toHalf(d[i]!), pos); break;
    case "bool": for (let i = 0; i < d.length; i++, pos += 1) out[pos] = d[i] ? 1 : 0; break;
  }
  return pos;
}

export function readSafetensors(buf: Buffer, file = "<buffer>"): { tensors: Map<string, Tensor>; metadata: Record<string, string> } {
  const fail = (msg: string): never => {
    throw new RuntimeError(`${file}: not a valid safetensors file: ${msg}`);
  };
  if (buf.length < 8) fail(`truncated (${buf.length} bytes, expected at least 8)`);
  const hlen = buf.readBigUInt64LE(0);
  if (hlen > BigInt(Math.min(MAX_HEADER, buf.length - 8))) fail(`header length ${hlen} exceeds the file size (${buf.length} bytes); the file is truncated or corrupt`);
  const headerEnd = 8 + Number(hlen);
  let header: unknown;
  try {
    header = JSON.parse(buf.toString("utf8", 8, headerEnd));
  } catch (e) {
    fail(`header is not valid JSON (${(e as Error).message})`);
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) return fail("header is not a JSON object");
  const dataLen = buf.length - headerEnd;
  const metadata: Record<string, string> = {};
  const tensors = new Map<string, Tensor>();
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === "__metadata__") {
      if (typeof entry !== "object" || entry === null || Array.isArray(entry)) fail(`"__metadata__" is not an object`);
      for (const [k, v] of Object.entries(entry as Record<string, unknown>)) {
        if (typeof v !== "string") fail(`metadata value "${k}" is not a string`);
        metadata[k] = v as string;
      }
      continue;
    }
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof e !== "object" || e === null) fail(`tensor "${name}": entry is not an object`);
    const info = typeof e.dtype === "string" ? FILE_DTYPES[e.dtype] : undefined;
    if (!info) fail(`tensor "${name}": unknown or unsupported dtype ${JSON.stringify(e.dtype)}`);
    const { bytes, dtype } = info!;
    const shape = e.shape;
    if (!Array.isArray(shape) || !shape.every((s) => Number.isSafeInteger(s) && s >= 0)) fail(`tensor "${name}": bad shape ${JSON.stringify(shape)}`);
    const offs = e.data_offsets;
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((o) => Number.isSafeInteger(o) && o >= 0)) fail(`tensor "${name}": bad data_offsets ${JSON.stringify(offs)}`);
    const [begin, end] = offs as [number, number];
    if (begin > end || end > dataLen) fail(`tensor "${name}": data_offsets [${begin}, ${end}] out of range (data section is ${dataLen} bytes)`);
    const n = sizeOf(shape as number[]);
    if (end - begin !== n * bytes) fail(`tensor "${name}": ${end - begin} bytes for shape [${(shape as number[]).join(", ")}] of ${e.dtype as string} (expected ${n * bytes})`);
    tensors.set(name, decode(buf, headerEnd + begin, n, e.dtype as string, dtype, shape as number[], (m) => fail(`tensor "${name}": ${m}`)));
  }
  return { tensors, metadata };
}

function decode(buf: Buffer, pos: number, n: number, fileDt: string, dtype: DType, shape: number[], fail: (m: string) => never): Tensor {
  const data = allocData(dtype, n);
  switch (fileDt) {
    case "F32": for (let i = 0; i < n; i++, pos += 4) data[i] = buf.readFloatLE(pos); break;
    case "F64": for (let i = 0; i < n; i++, pos += 8) data[i] = buf.readDoubleLE(pos); break;
    case "I32": for (let i = 0; i < n; i++, pos += 4) data[i] = buf.readInt32LE(pos); break;
    case "F16": for (let i = 0; i < n; i++, pos += 2) data[i] = fromHalf(buf.readUInt16LE(pos)); break;
    case "BF16": for (let i = 0; i < n; i++, pos += 2) data[i] = bf16(buf.readUInt16LE(pos)); break;
    case "U8": for (let i = 0; i < n; i++, pos += 1) data[i] = buf[pos]!; break;
    case "BOOL": for (let i = 0; i < n; i++, pos += 1) data[i] = buf[pos] ? 1 : 0; break;
    case "I64":
      for (let i = 0; i < n; i++, pos += 8) {
        const v = buf.readBigInt64LE(pos);
        if (v < -2147483648n || v > 2147483647n) fail(`I64 value ${v} does not fit in 32 bits`);
        data[i] = Number(v);
      }
      break;
  }
  return { dtype, shape: [...shape], data };
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

const bf16 = (h: number): number => {
  u32[0] = h << 16;
  return f32[0]!;
};

/** IEEE half bits → number. */
function fromHalf(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** number → IEEE half bits, rounding to nearest even. */
function toHalf(v: number): number {
  f32[0] = v;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = mant >> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    return sign | (half + (rem > mid || (rem === mid && half & 1) ? 1 : 0));
  }
  const rem = mant & 0x1fff;
  let h = sign | (e << 10) | (mant >> 13);
  if (rem > 0x1000 || (rem === 0x1000 && h & 1)) h++; // may carry into the exponent, which is correct
  return h;
}
