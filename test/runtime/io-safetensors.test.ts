// The safetensors reader and writer: byte layout, round trips and validation errors.
import { describe, expect, it } from "vitest";
import { readSafetensors, writeSafetensors } from "../../src/runtime/safetensors.js";
import { RuntimeError, scalar, tensor, type Tensor } from "../../src/runtime/tensor.js";

/** Builds a file by hand from a header object and a data section. */
function handmade(header: unknown, data: Buffer, headerText?: string): Buffer {
  const json = Buffer.from(headerText ?? JSON.stringify(header), "utf8");
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([len, json, data]);
}

function expectError(buf: Buffer, pattern: RegExp): void {
  try {
    readSafetensors(buf, "model.safetensors");
  } catch (e) {
    expect(e).toBeInstanceOf(RuntimeError);
    expect((e as Error).message).toContain("model.safetensors");
    expect((e as Error).message).toMatch(pattern);
    return;
  }
  throw new Error("expected a RuntimeError");
}

describe("writeSafetensors", () => {
  it("lays out the header and data exactly as the format says", () => {
    const t = new Map<string, Tensor>([
      ["b", tensor("f32", [2], [1.5, -2])],
      ["a", tensor("i32", [1, 1], [7])],
    ]);
    const buf = writeSafetensors(t, { format: "nnc" });
    const hlen = Number(buf.readBigUInt64LE(0));
    expect(hlen % 8).toBe(0);
    const header = JSON.parse(buf.toString("utf8", 8, 8 + hlen));
    expect(buf.toString("utf8", 8, 8 + hlen)).toMatch(/^\{.*\} *$/);
    expect(header.__metadata__).toEqual({ format: "nnc" });
    // Sorted by name: a first.
    expect(header.a).toEqual({ dtype: "I32", shape: [1, 1], data_offsets: [0, 4] });
    expect(header.b).toEqual({ dtype: "F32", shape: [2], data_offsets: [4, 12] });
    const data = buf.subarray(8 + hlen);
    expect(data.length).toBe(12);
    expect(data.readInt32LE(0)).toBe(7);
    expect(data.readFloatLE(4)).toBe(1.5);
    expect(data.readFloatLE(8)).toBe(-2);
  });

  it("writes i64 as sign-extended I64 and bool as BOOL", () => {
    const buf = writeSafetensors(new Map([["i", tensor("i64", [2], [-3, 5])], ["m", tensor("bool", [3], [1, 0, 1])]]));
    const hlen = Number(buf.readBigUInt64LE(0));
    const header = JSON.parse(buf.toString("utf8", 8, 8 + hlen));
    expect(header.__metadata__).toBeUndefined();
    expect(header.i).toEqual({ dtype: "I64", shape: [2], data_offsets: [0, 16] });
    expect(header.m).toEqual({ dtype: "BOOL", shape: [3], data_offsets: [16, 19] });
    const data = buf.subarray(8 + hlen);
    expect(data.readBigInt64LE(0)).toBe(-3n);
    expect(data.readBigInt64LE(8)).toBe(5n);
    expect([...data.subarray(16)]).toEqual([1, 0, 1]);
  });
});

describe("readSafetensors", () => {
  it("round-trips every dtype, 0-d tensors and metadata", () => {
    const src = new Map<string, Tensor>([
      ["dense.kernel", tensor("f32", [2, 3], [0.1, -0.2, 0.3, 1e-8, 3e38, -0])],
      ["dense.bias", tensor("f64", [3], [Math.PI, -1e-300, 2])],
      ["ids", tensor("i64", [4], [0, -1, 2147483647, -2147483648])],
      ["counts", tensor("i32", [2], [-5, 9])],
      ["mask", tensor("bool", [2, 2], [1, 0, 0, 1])],
      ["half", tensor("f16", [5], [1, -2.5, 0.099975586, 65504, 6e-8])],
      ["step", scalar(42, "i64")],
      ["empty", tensor("f32", [0, 4], [])],
    ]);
    const { tensors, metadata } = readSafetensors(writeSafetensors(src, { format: "nnc", model: "Mlp" }));
    expect(metadata).toEqual({ format: "nnc", model: "Mlp" });
    expect([...tensors.keys()].sort()).toEqual([...src.keys()].sort());
    for (const [name, t] of src) {
      const r = tensors.get(name)!;
      expect(r.dtype, name).toBe(t.dtype);
      expect(r.shape, name).toEqual(t.shape);
      expect(r.data.constructor, name).toBe(t.data.constructor);
      if (t.dtype === "f16") expect([...r.data]).toEqual([1, -2.5, 0.0999755859375, 65504, 5.960464477539063e-8]);
      else expect([...r.data], name).toEqual([...t.data]);
    }
    expect(tensors.get("ids")!.data).toBeInstanceOf(Int32Array);
  });

  it("reads a file written by another tool (hand-built, unsorted, unpadded header)", () => {
    const data = Buffer.alloc(8 + 2);
    data.writeDoubleLE(0.25, 0);
    data[8] = 200;
    data[9] = 1;
    const buf = handmade({ w: { dtype: "F64", shape: [], data_offsets: [0, 8] }, u: { dtype: "U8", shape: [2], data_offsets: [8, 10] } }, data);
    const { tensors, metadata } = readSafetensors(buf);
    expect(metadata).toEqual({});
    expect(tensors.get("w")).toEqual({ dtype: "f64", shape: [], data: new Float64Array([0.25]) });
    expect(tensors.get("u")).toEqual({ dtype: "i32", shape: [2], data: new Int32Array([200, 1]) });
  });

  it("rejects truncated files", () => {
    expectError(Buffer.alloc(3), /truncated/);
    const good = writeSafetensors(new Map([["x", tensor("f32", [4], [1, 2, 3, 4])]]));
    expectError(good.subarray(0, 20), /header length .* exceeds/);
    expectError(good.subarray(0, good.length - 1), /out of range/);
  });

  it("rejects bad JSON and bad headers", () => {
    expectError(handmade(null, Buffer.alloc(0), "{not json"), /not valid JSON/);
    expectError(handmade([1, 2], Buffer.alloc(0)), /not a JSON object/);
    expectError(handmade({ __metadata__: { a: 1 } }, Buffer.alloc(0)), /metadata value "a"/);
    expectError(handmade({ x: { dtype: "F32", shape: [-1], data_offsets: [0, 4] } }, Buffer.alloc(4)), /bad shape/);
    expectError(handmade({ x: { dtype: "F32", shape: [1], data_offsets: [0] } }, Buffer.alloc(4)), /bad data_offsets/);
  });

  it("rejects offsets out of range or of the wrong size", () => {
    expectError(handmade({ x: { dtype: "F32", shape: [2], data_offsets: [0, 8] } }, Buffer.alloc(4)), /"x": data_offsets \[0, 8\] out of range/);
    expectError(handmade({ x: { dtype: "F32", shape: [2], data_offsets: [4, 0] } }, Buffer.alloc(8)), /out of range/);
    expectError(handmade({ x: { dtype: "F32", shape: [3], data_offsets: [0, 8] } }, Buffer.alloc(8)), /8 bytes for shape \[3\]/);
  });

  it("rejects unknown dtypes and I64 values beyond 32 bits", () => {
    expectError(handmade({ x: { dtype: "C64", shape: [1], data_offsets: [0, 8] } }, Buffer.alloc(8)), /unknown or unsupported dtype "C64"/);
    const big = Buffer.alloc(8);
    big.writeBigInt64LE(1n << 40n);
    expectError(handmade({ x: { dtype: "I64", shape: [1], data_offsets: [0, 8] } }, big), /does not fit in 32 bits/);
  });
});
