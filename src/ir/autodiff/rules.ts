// One vector-Jacobian rule per primitive: given a node and the adjoint of its result, the adjoints of its inputs.
import type { GraphBuilder } from "../builder.js";
import { Dim } from "../dim.js";
import type { IRNode, Value } from "../graph.js";

/** Adjoint per input position (undefined: no gradient flows to that input). */
export type Rule = (n: IRNode, dy: Value, b: GraphBuilder, need: (i: number) => boolean) => (Value | undefined)[];

const zeroLike = (b: GraphBuilder, v: Value) => b.const(0, v.type.dtype);
const one = (b: GraphBuilder, v: Value) => b.const(1, v.type.dtype);

/** Broadcasting binary ops: each side gets its partial, summed back to its own shape. */
const binary = (da: (n: IRNode, dy: Value, b: GraphBuilder) => Value, db: (n: IRNode, dy: Value, b: GraphBuilder) => Value): Rule =>
  (n, dy, b, need) => {
    const [x, y] = n.inputs as [Value, Value];
    return [need(0) ? b.sumTo(da(n, dy, b), x) : undefined, need(1) ? b.sumTo(db(n, dy, b), y) : undefined];
  };

const attrsOf = (n: IRNode, keys: string[]) => Object.fromEntries(keys.filter((k) => k in n.attrs).map((k) => [k, n.attrs[k]!]));

export const RULES: Record<string, Rule> = {
  neg: (_n, dy, b) => [b.neg(dy)],
  exp: (n, dy, b) => [b.mul(dy, n.output)],
  log: (n, dy, b) => [b.div(dy, n.inputs[0]!)],
  sqrt: (n, dy, b) => [b.div(b.mul(dy, b.const(0.5, dy.type.dtype)), n.output)],
  abs: (n, dy, b) => [b.mul(dy, b.emit("sign", [n.inputs[0]!]))],
  tanh: (n, dy, b) => [b.mul(dy, b.sub(one(b, dy), b.mul(n.output, n.output)))],
  sigmoid: (n, dy, b) => [b.mul(dy, b.mul(n.output, b.sub(one(b, dy), n.output)))],
  add: binary((_n, dy) => dy, (_n, dy) => dy),
  sub: binary((_n, dy) => dy, (_n, dy, b) => b.neg(dy)),
  mul: binary((n, dy, b) => b.mul(dy, n.inputs[1]!), (n, dy, b) => b.mul(dy, n.inputs[0]!)),
  div: binary((n, dy, b) => b.div(dy, n.inputs[1]!), (n, dy, b) => b.neg(b.div(b.mul(dy, n.output), n.inputs[1]!))),
  pow: binary(
    (n, dy, b) => b.mul(dy, b.mul(n.inputs[1]!, b.emit("pow", [n.inputs[0]!, b.sub(n.inputs[1]!, one(b, dy))]))),
    (n, dy, b) => b.mul(dy, b.mul(n.output, b.emit("log", [n.inputs[0]!]))),
  ),
  maximum: binary(
    (n, dy, b) => b.emit("select", [b.emit("greater_equal", [n.inputs[0]!, n.inputs[1]!]), dy, zeroLike(b, dy)]),
    (n, dy, b) => b.emit("select", [b.emit("greater_equal", [n.inputs[0]!, n.inputs[1]!]), zeroLike(b, dy), dy]),
  ),
  minimum: binary(
    (n, dy, b) => b.emit("select", [b.emit("less_equal", [n.inputs[0]!, n.inputs[1]!]), dy, zeroLike(b, dy)]),
    (n, dy, b) => b.emit("select", [b.emit("less_equal", [n.inputs[0]!, n.inputs[1]!]), zeroLike(b, dy), dy]),
  ),
  select: (n, dy, b, need) => {
    const [c, x, y] = n.inputs as [Value, Value, Value];
    return [
      undefined,
      need(1) ? b.sumTo(b.emit("select", [c, dy, zeroLike(b, dy)]), x) : undefined,
      need(2) ? b.sumTo(b.emit("select", [c, zeroLike(b, dy), dy]), y) : undefined,
    ];
  },
  cast: (n, dy, b) => [b.emit("cast", [dy], { dtype: n.inputs[0]!.type.dtype })],
  sum: (n, dy, b) => [b.emit("unreduce", [dy, n.inputs[0]!], attrsOf(n, ["axes", "keepdims"]))],
  mean: (n, dy, b) => [b.emit("unreduce", [dy, n.inputs[0]!], { ...attrsOf(n, ["axes", "keepdims"]), mean: true })],
  max: (n, dy, b) => [extremum(n, dy, b)],
  min: (n, dy, b) => [extremum(n, dy, b)],
  matmul: (n, dy, b, need) => matmul(n, dy, b, need),
  reshape: (n, dy, b) => [b.reshape(dy, n.inputs[0]!.type.shape)],
  transpose: (n, dy, b) => {
    const perm = (n.attrs["perm"] as (number | Dim)[]).map((p) => (p instanceof Dim ? p.value! : p));
    const inv = new Array<number>(perm.length);
    perm.forEach((p, i) => (inv[p] = i));
    return [b.emit("transpose", [dy], { perm: inv })];
  },
  concat: (n, dy, b, need) => {
    const rank = dy.type.shape.length;
    const raw = n.attrs["axis"];
    const axis = ((raw instanceof Dim ? raw.value! : Number(raw)) + rank) % rank;
    let start = Dim.const(0);
    return n.inputs.map((x, i) => {
      const end = start.add(x.type.shape[axis]!);
      const r = need(i) ? b.emit("slice", [dy], { axis, start, end }) : undefined;
      start = end;
      return r;
    });
  },
  slice: (n, dy, b) => [b.emit("slice_grad", [dy, n.inputs[0]!], attrsOf(n, ["axis", "start"]))],
  index: (n, dy, b) => [b.emit("index_grad", [dy, n.inputs[0]!], attrsOf(n, ["axis", "i"]))],
  reverse: (n, dy, b) => [b.emit("reverse", [dy], attrsOf(n, ["axis"]))],
  gather: (n, dy, b) => [b.emit("scatter_add", [dy, n.inputs[1]!, n.inputs[0]!]), undefined],
  conv2d: (n, dy, b, need) => {
    const [x, w] = n.inputs as [Value, Value];
    const at = attrsOf(n, ["strides", "padding"]);
    return [need(0) ? b.emit("conv2d_grad_input", [dy, w, x], at) : undefined, need(1) ? b.emit("conv2d_grad_filter", [x, dy, w], at) : undefined];
  },
  max_pool2d: (n, dy, b) => [b.emit("max_pool2d_grad", [n.inputs[0]!, dy], attrsOf(n, ["window", "strides", "padding"]))],
  avg_pool2d: (n, dy, b) => [b.emit("avg_pool2d_grad", [dy, n.inputs[0]!], attrsOf(n, ["window", "strides", "padding"]))],
  // Evaluation-mode dropout is the identity; training graphs replace it by a mask before autodiff.
  dropout: (_n, dy) => [dy],
};

/** Primitives through which no gradient flows (integer or boolean results, random masks, constants). */
export const NON_DIFFERENTIABLE = new Set([
  "sign", "greater", "greater_equal", "less", "less_equal", "equal", "argmax", "one_hot", "zeros", "const",
  "in_top_k", "dropout_mask",
]);

/** max/min reductions: the gradient is shared evenly by the elements equal to the result (as TensorFlow). */
function extremum(n: IRNode, dy: Value, b: GraphBuilder): Value {
  const x = n.inputs[0]!;
  const at = attrsOf(n, ["axes", "keepdims"]);
  const hit = b.emit("cast", [b.emit("equal", [x, b.emit("unreduce", [n.output, x], at)])], { dtype: dy.type.dtype });
  const count = b.emit("sum", [hit], at);
  return b.mul(hit, b.emit("unreduce", [b.div(dy, count), x], at));
}

function matmul(n: IRNode, dy: Value, b: GraphBuilder, need: (i: number) => boolean): (Value | undefined)[] {
  const [x, w] = n.inputs as [Value, Value];
  if (x.type.shape.length === 1) {
    // A row vector [K]: lift to [1, K] and the result to [..., 1, N].
    const k = x.type.shape[0]!;
    const dy2 = b.reshape(dy, [...dy.type.shape.slice(0, -1), Dim.const(1), dy.type.shape[dy.type.shape.length - 1]!]);
    const dx = need(0) ? b.sumTo(b.reshape(b.emit("matmul", [dy2, b.transposeLast(w)]), [...dy.type.shape.slice(0, -1), k]), x) : undefined;
    const dw = need(1) ? b.sumTo(b.emit("matmul", [b.reshape(x, [k, Dim.const(1)]), dy2]), w) : undefined;
    return [dx, dw];
  }
  return [
    need(0) ? b.sumTo(b.emit("matmul", [dy, b.transposeLast(w)]), x) : undefined,
    need(1) ? b.sumTo(b.emit("matmul", [b.transposeLast(x), dy]), w) : undefined,
  ];
}
