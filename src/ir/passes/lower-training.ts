// Training-mode lowering: dropout becomes a random mask product, batch_norm uses batch statistics and
// yields its moving-average updates. Each rewritten node keeps its result value, so no uses change.
import type { GraphBuilder } from "../builder.js";
import type { Graph, IRNode, ParamInfo, Value } from "../graph.js";

export interface StateUpdate {
  param: ParamInfo;
  value: Value;
}

/** Rewrites `g.nodes` in place (top level); returns the new values of non-trainable state. */
export function lowerForTraining(g: Graph, b: GraphBuilder): StateUpdate[] {
  const updates: StateUpdate[] = [];
  const nodes = g.nodes;
  g.nodes = [];
  b.within(g, () => {
    for (const n of nodes) {
      if (n.op === "dropout") b.from(n, () => dropout(n, b));
      else if (n.op === "batch_norm") b.from(n, () => updates.push(...batchNorm(n, g, b)));
      else g.nodes.push(n);
    }
  });
  return updates;
}

/** Pushes a node computing `op(inputs)` into the original result value of `n`. */
function finish(n: IRNode, b: GraphBuilder, op: string, inputs: Value[]): void {
  b.target.nodes.push({ ...n, op, inputs, attrs: {}, body: undefined });
}

function dropout(n: IRNode, b: GraphBuilder): void {
  const x = n.inputs[0]!;
  if (Number(n.attrs["rate"]) === 0) {
    finish(n, b, "mul", [x, b.const(1, x.type.dtype)]);
    return;
  }
  const mask = b.emit("dropout_mask", [x], { rate: n.attrs["rate"]! });
  finish(n, b, "mul", [x, mask]);
}

function batchNorm(n: IRNode, g: Graph, b: GraphBuilder): StateUpdate[] {
  const [x, gamma, beta, mm, mv] = n.inputs as [Value, Value, Value, Value, Value];
  const momentum = Number(n.attrs["momentum"] ?? 0.99), eps = Number(n.attrs["epsilon"] ?? 0.001);
  const dt = x.type.dtype;
  const axes = [...Array(x.type.shape.length - 1).keys()];
  const mean = b.emit("mean", [x], { axes, keepdims: false });
  const d = b.sub(x, mean);
  const variance = b.emit("mean", [b.mul(d, d)], { axes, keepdims: false });
  const inv = b.div(b.const(1, dt), b.emit("sqrt", [b.add(variance, b.const(eps, dt))]));
  const scaled = b.mul(b.mul(d, inv), gamma);
  finish(n, b, "add", [scaled, beta]);
  const ema = (old: Value, batch: Value) => b.add(b.mul(old, b.const(momentum, dt)), b.mul(batch, b.const(1 - momentum, dt)));
  const out: StateUpdate[] = [];
  const pm = g.params.find((p) => p.value.id === mm.id), pv = g.params.find((p) => p.value.id === mv.id);
  if (pm) out.push({ param: pm, value: ema(mm, mean) });
  if (pv) out.push({ param: pv, value: ema(mv, variance) });
  return out;
}
