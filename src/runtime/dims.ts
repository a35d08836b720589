// Symbolic dimensions at run time: bound from the shapes of a graph's inputs, then evaluated. Shared
// by the reference executor and the compiled backends.
import { Dim } from "../ir/dim.js";
import type { Value } from "../ir/graph.js";
import { typeToString } from "../ir/types.js";
import { RuntimeError, shapeStr, type Tensor } from "./tensor.js";

/** The value of `d` under `dims` (e.g. B*784 with B = 32). */
export function evalDim(d: Dim, dims: ReadonlyMap<string, number>): number {
  let total = 0;
  for (const [mono, c] of d.terms) {
    let p = c;
    for (const atom of mono ? mono.split("*") : []) {
      const x = dims.get(atom);
      if (x === undefined) throw new RuntimeError(`the dimension ${atom} is not bound by any input`);
      p *= x;
    }
    total += p;
  }
  return total;
}

/** Binds the plain symbolic dimensions of `v` (B, T) from `t`'s shape into `dims`, then checks every dimension. */
export function bindShape(dims: Map<string, number>, v: Value, t: Tensor): void {
  const shape = v.type.shape;
  const what = v.name ?? `%${v.id}`;
  if (shape.length !== t.shape.length) throw new RuntimeError(`${what} expects ${typeToString(v.type)}, got a tensor of shape ${shapeStr(t.shape)}`);
  shape.forEach((d, i) => {
    const atoms = d.atoms();
    if (!d.isConst && atoms.length === 1 && d.equals(Dim.sym(atoms[0]!)) && !dims.has(atoms[0]!)) dims.set(atoms[0]!, t.shape[i]!);
  });
  shape.forEach((d, i) => {
    const want = evalDim(d, dims);
    if (want !== t.shape[i]) throw new RuntimeError(`${what} expects ${typeToString(v.type)}, got shape ${shapeStr(t.shape)}: dimension ${i} is ${t.shape[i]}, not ${d} = ${want}`);
  });
}
