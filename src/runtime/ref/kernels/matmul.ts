// Matrix product over the last two axes with broadcast batch axes; a rank-1 left side is a row vector.
import type { Kernel } from "../kernel.js";
import { RuntimeError, shapeStr, sizeOf, stridesOf, zeros } from "../../tensor.js";
import { broadcastShape, indexMap } from "./util.js";

/** For every batch position of `outBatch`, the matrix number in a tensor whose batch shape is `inBatch`. */
function batchMap(inBatch: number[], outBatch: number[]): Int32Array {
  const st = stridesOf(inBatch);
  const lead = outBatch.length - inBatch.length;
  return indexMap(outBatch, outBatch.map((_, j) => (j < lead || inBatch[j - lead] === 1 ? 0 : st[j - lead]!)));
}

const matmul: Kernel = ([a, b], _a, node, ctx) => {
  const row = a!.shape.length === 1;
  const as = row ? [1, a!.shape[0]!] : a!.shape;
  const bs = b!.shape;
  if (bs.length < 2) throw new RuntimeError(`matmul: the right side must have rank ≥ 2, found ${shapeStr(bs)}`);
  const m = as[as.length - 2]!, k = as[as.length - 1]!, n = bs[bs.length - 1]!;
  if (bs[bs.length - 2] !== k) throw new RuntimeError(`matmul: inner dimensions differ: ${shapeStr(a!.shape)} @ ${shapeStr(bs)}`);
  const aBatch = as.slice(0, -2), bBatch = bs.slice(0, -2);
  const batch = broadcastShape("matmul", aBatch, bBatch);
  const out = zeros(ctx.dtype(node.output), row ? [...batch, n] : [...batch, m, n]);
  const ma = batchMap(aBatch, batch), mb = batchMap(bBatch, batch);
  const A = a!.data, B = b!.data, C = out.data;
  // i-k-j order: the innermost loop walks a row of B and a row of the accumulator contiguously.
  const acc = new Float64Array(n);
  for (let p = 0; p < sizeOf(batch); p++) {
    const aOff = ma[p]! * m * k, bOff = mb[p]! * k * n, cOff = p * m * n;
    for (let i = 0; i < m; i++) {
      acc.fill(0);
      const aRow = aOff + i * k;
      for (let kk = 0; kk < k; kk++) {
        const av = A[aRow + kk]!;
        const bRow = bOff + kk * n;
        for (let j = 0; j < n; j++) acc[j]! += av * B[bRow + j]!;
      }
      C.set(acc, cOff + i * n);
    }
  }
  return out;
};

export const MATMUL_KERNELS: [string, Kernel][] = [["matmul", matmul]];
