// Reverse-mode autodiff as a graph-IR pass: appends the backward nodes to the graph and returns the gradients.
// The result is ordinary graph IR, so later passes fuse and compile it like the forward graph.
import type { GraphBuilder } from "../builder.js";
import type { Graph, IRNode, Value } from "../graph.js";
import { isFloat } from "../types.js";
import { NON_DIFFERENTIABLE, RULES } from "./rules.js";
import { scanRule } from "./scan.js";

/**
 * Gradients of `loss` (seeded with `seed`, or 1 for a scalar) with respect to `wrt`, built with `b`
 * into `b.target` from the nodes of `g`. Unreached values get zero gradients.
 */
export function differentiate(g: Graph, loss: Value, wrt: Value[], b: GraphBuilder, seed?: Value): Value[] {
  const active = activeValues(g, wrt);
  const adj = new Map<number, Value>();
  adj.set(loss.id, seed ?? b.const(1, loss.type.dtype));
  const accumulate = (v: Value, d: Value) => {
    const prev = adj.get(v.id);
    adj.set(v.id, prev ? b.add(prev, d) : d);
  };
  const nodes = [...g.nodes];
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i]!;
    const dys = [n.output, ...(n.extraOutputs ?? [])].map((v) => adj.get(v.id));
    if (!dys.some(Boolean) || !active.has(n.output.id)) continue;
    const need = (k: number) => active.has(n.inputs[k]!.id);
    const grads = b.from({ span: n.span, scope: n.scope }, () => {
      if (n.op === "scan") {
        const r = scanRule(n, dys[0]!, b, need, active);
        for (const [v, d] of r.captured) accumulate(v, d);
        return r.grads;
      }
      const rule = RULES[n.op];
      if (!rule) throw new Error(`internal: no gradient rule for \`${n.op}\` (lower it before autodiff)`);
      return rule(n, dys[0]!, b, need);
    });
    grads.forEach((d, k) => {
      const x = n.inputs[k]!;
      if (d && need(k)) accumulate(x, d);
    });
  }
  return wrt.map((w) => adj.get(w.id) ?? b.zeros(w.type));
}

/** Values that depend on `wrt` through differentiable primitives (scan bodies' captured values included). */
export function activeValues(g: Graph, wrt: Value[]): Set<number> {
  const active = new Set(wrt.filter((w) => isFloat(w.type.dtype)).map((w) => w.id));
  for (const n of g.nodes) {
    if (NON_DIFFERENTIABLE.has(n.op) || !isFloat(n.output.type.dtype)) continue;
    const uses = n.op === "scan" ? [...n.inputs, ...capturedValues(n.body!)] : n.inputs;
    if (uses.some((v) => active.has(v.id))) active.add(n.output.id);
  }
  return active;
}

/** Values a body reads from enclosing graphs (used by its nodes, defined outside it). */
export function capturedValues(body: Graph): Value[] {
  const defined = new Set<number>(body.inputs.map((v) => v.id));
  const seen = new Map<number, Value>();
  const visit = (n: IRNode) => {
    for (const v of n.inputs) if (!defined.has(v.id) && !seen.has(v.id)) seen.set(v.id, v);
    if (n.body) for (const c of capturedValues(n.body)) if (!defined.has(c.id) && !seen.has(c.id)) seen.set(c.id, c);
    defined.add(n.output.id);
    n.extraOutputs?.forEach((v) => defined.add(v.id));
  };
  body.nodes.forEach(visit);
  for (const o of body.outputs) if (!defined.has(o.id) && !seen.has(o.id)) seen.set(o.id, o);
  return [...seen.values()];
}
