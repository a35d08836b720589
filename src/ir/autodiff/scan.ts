// The gradient of scan: a scan_grad node whose body is the step's own gradient, built once. Each backward
// step recomputes its forward step from the stored carry, so the graph stays the same size for any length.
import type { GraphBuilder } from "../builder.js";
import { type Graph, type IRNode, newGraph, type Value } from "../graph.js";
import { capturedValues, differentiate } from "./autodiff.js";

export function scanRule(n: IRNode, dys: Value, b: GraphBuilder, need: (i: number) => boolean, outerActive: Set<number>): { grads: (Value | undefined)[]; captured: [Value, Value][] } {
  const body = n.body!;
  const [init, xs] = n.inputs as [Value, Value];
  const caps = capturedValues(body).filter((v) => outerActive.has(v.id));
  // The gradient body: (carry_prev, x_t, dcarry) → (dcarry_prev, dx_t, d captured…).
  const gb: Graph = newGraph(`${body.name}_grad`);
  const carry = b.newValue(body.inputs[0]!.type, "carry");
  const xt = b.newValue(body.inputs[1]!.type, "x_t");
  const dc = b.newValue(body.outputs[0]!.type, "dcarry");
  gb.inputs.push(carry, xt, dc);
  const out = b.within(gb, () => {
    // A fresh copy of the forward step (new ids), reading the new inputs.
    const map = new Map<number, Value>([[body.inputs[0]!.id, carry], [body.inputs[1]!.id, xt]]);
    const sub = (v: Value) => map.get(v.id) ?? v;
    for (const m of body.nodes) {
      if (m.body || m.extraOutputs) throw new Error("internal: nested recurrences inside a scan body are not differentiable yet");
      const o = b.newValue(m.output.type, m.output.name);
      map.set(m.output.id, o);
      gb.nodes.push({ ...m, id: o.id, inputs: m.inputs.map(sub), output: o });
    }
    const step: Graph = { ...gb, nodes: [...gb.nodes], outputs: [sub(body.outputs[0]!)] };
    const wrt = [carry, xt, ...caps];
    return differentiate(step, step.outputs[0]!, wrt, b, dc);
  });
  gb.outputs.push(...out);
  const dInit = b.newValue(init.type);
  const dXs = b.newValue(xs.type);
  const dCaps = caps.map((c) => b.newValue(c.type));
  b.emitWith("scan_grad", [init, xs, n.output, dys], { captured: caps.length }, [dInit, dXs, ...dCaps], gb);
  // Captured values (weights the step reads) receive their gradients summed over all steps.
  return { grads: [need(0) ? dInit : undefined, need(1) ? dXs : undefined], captured: caps.map((c, i) => [c, dCaps[i]!]) };
}
