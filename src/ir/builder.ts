// Emits graph-IR nodes for passes (autodiff, training lowering, optimizer updates): types come from the
// primitives' shape rules, and a rule that rejects a pass's node is a compiler bug, so it throws.
import type { Span } from "../diag/diagnostic.js";
import type { Shape } from "./dim.js";
import type { Attr, Graph, IRNode, Value } from "./graph.js";
import { PRIMS } from "./prims.js";
import { type DType, type TensorType, typeToString } from "./types.js";

/** Largest value id used anywhere in `g`, nested bodies included. */
export function maxValueId(g: Graph): number {
  let m = -1;
  const see = (v: Value) => (m = Math.max(m, v.id));
  g.inputs.forEach(see);
  g.params.forEach((p) => see(p.value));
  for (const n of g.nodes) {
    see(n.output);
    n.extraOutputs?.forEach(see);
    if (n.body) m = Math.max(m, maxValueId(n.body));
  }
  return m;
}

export interface Origin {
  span: Span;
  scope: string;
}

export class GraphBuilder {
  private next: number;
  /** The graph nodes are appended to; passes switch it while building a nested body. */
  target: Graph;
  origin: Origin;

  constructor(readonly root: Graph, origin: Origin, nextId = maxValueId(root) + 1) {
    this.next = nextId;
    this.target = root;
    this.origin = origin;
  }

  newValue(type: TensorType, name?: string): Value {
    return { id: this.next++, type, name };
  }

  /** Builds inside `g` for the duration of `f`. */
  within<T>(g: Graph, f: () => T): T {
    return this.swap("target", g, f);
  }

  /** Runs `f` with nodes attributed to `o` (the forward node a gradient comes from). */
  from<T>(o: Origin, f: () => T): T {
    return this.swap("origin", o, f);
  }

  private swap<K extends "target" | "origin", T>(key: K, value: GraphBuilder[K], f: () => T): T {
    const self: GraphBuilder = this;
    const saved = self[key];
    self[key] = value;
    try {
      return f();
    } finally {
      self[key] = saved;
    }
  }

  emit(op: string, inputs: Value[], attrs: Record<string, Attr> = {}, body?: Graph): Value {
    const sig = PRIMS.get(op);
    if (!sig) throw new Error(`internal: unknown primitive ${op}`);
    const full: Record<string, Attr> = {};
    for (const p of sig.params) if (p.kind !== "tensor" && p.kind !== "tensors" && p.kind !== "fn" && p.default !== undefined) full[p.name] = p.default;
    Object.assign(full, attrs);
    const r = sig.infer(inputs.map((i) => i.type), full);
    if (r.error || !r.type) throw new Error(`internal: ${op}(${inputs.map((i) => typeToString(i.type)).join(", ")}) rejected: ${r.error?.message}`);
    const out = this.newValue(r.type);
    const node: IRNode = { id: out.id, op, inputs, attrs: full, output: out, span: this.origin.span, scope: this.origin.scope, body };
    this.target.nodes.push(node);
    return out;
  }

  /** Appends a node whose results are given (multi-result nodes such as scan_grad). */
  emitWith(op: string, inputs: Value[], attrs: Record<string, Attr>, outputs: Value[], body?: Graph): IRNode {
    const node: IRNode = { id: outputs[0]!.id, op, inputs, attrs, output: outputs[0]!, extraOutputs: outputs.slice(1), span: this.origin.span, scope: this.origin.scope, body };
    this.target.nodes.push(node);
    return node;
  }

  // ---- conveniences ----
  const(value: number, dtype: DType = "f32"): Value {
    return this.emit("const", [], { value, dtype });
  }
  zeros(t: TensorType): Value {
    return this.emit("zeros", [], { shape: t.shape, dtype: t.dtype });
  }
  add(a: Value, b: Value): Value { return this.emit("add", [a, b]); }
  sub(a: Value, b: Value): Value { return this.emit("sub", [a, b]); }
  mul(a: Value, b: Value): Value { return this.emit("mul", [a, b]); }
  div(a: Value, b: Value): Value { return this.emit("div", [a, b]); }
  neg(a: Value): Value { return this.emit("neg", [a]); }
  reshape(a: Value, shape: Shape): Value { return this.emit("reshape", [a], { shape }); }
  /** Sums `dy` down to `like`'s shape; no node when the shapes already agree. */
  sumTo(dy: Value, like: Value): Value {
    const same = dy.type.shape.length === like.type.shape.length && dy.type.shape.every((d, i) => d.equals(like.type.shape[i]!));
    return same ? dy : this.emit("sum_to", [dy, like]);
  }
  /** Swaps the last two axes. */
  transposeLast(a: Value): Value {
    const r = a.type.shape.length;
    const perm = [...Array(r).keys()];
    [perm[r - 2], perm[r - 1]] = [perm[r - 1]!, perm[r - 2]!];
    return this.emit("transpose", [a], { perm });
  }
}

