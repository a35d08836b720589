// Evaluation-mode lowering: dropout is the identity and batch_norm normalises with its moving
// statistics, as the reference executor does with training off, but written in primitives the compiled
// backends lower. The result is a new graph (scan bodies included); the input graph is left unchanged,
// because the reference executor and the training step still use it.
import { GraphBuilder } from "../builder.js";
import type { Graph, IRNode, Value } from "../graph.js";

/** The ops whose meaning depends on the mode (see src/runtime/ref/kernels/misc.ts). */
const MODAL = new Set(["dropout", "batch_norm"]);

const hasModal = (g: Graph): boolean => g.nodes.some((n) => MODAL.has(n.op) || (n.body !== undefined && hasModal(n.body)));

/** `g` in evaluation mode; `g` itself when no node depends on the mode. */
export function lowerForEval(g: Graph): Graph {
  if (!hasModal(g)) return g;
  const out: Graph = { ...g, name: `${g.name}_eval`, inputs: [...g.inputs], params: [...g.params], outputs: [...g.outputs], assertions: [...g.assertions] };
  const b = new GraphBuilder(g, { span: g.nodes[0]!.span, scope: "" });
  out.nodes = rewrite(g.nodes, out, b);
  return out;
}

/** The nodes of one graph level, rewritten into `target`. */
function rewrite(nodes: IRNode[], target: Graph, b: GraphBuilder): IRNode[] {
  target.nodes = [];
  b.within(target, () => {
    for (const n of nodes) {
      if (n.op === "dropout") b.from(n, () => finish(n, b, "mul", [n.inputs[0]!, b.const(1, n.inputs[0]!.type.dtype)]));
      else if (n.op === "batch_norm") b.from(n, () => batchNorm(n, b));
      else if (n.body && hasModal(n.body)) {
        const body: Graph = { ...n.body, nodes: [] };
        rewrite(n.body.nodes, body, b);
        target.nodes.push({ ...n, body });
      } else target.nodes.push(n);
    }
  });
  return target.nodes;
}

/** Pushes a node computing `op(inputs)` into the original result value of `n`, so no use changes. */
function finish(n: IRNode, b: GraphBuilder, op: string, inputs: Value[]): void {
  b.target.nodes.push({ ...n, op, inputs, attrs: {}, body: undefined });
}

/** (x − moving_mean) · gamma / √(moving_variance + ε) + beta over the last axis, as the reference kernel. */
function batchNorm(n: IRNode, b: GraphBuilder): void {
  const [x, gamma, beta, mean, variance] = n.inputs as [Value, Value, Value, Value, Value];
  const eps = Number(n.attrs["epsilon"] ?? 0.001);
  // The per-channel scale is computed once on [C], not per element.
  const scale = b.div(gamma, b.emit("sqrt", [b.add(variance, b.const(eps, variance.type.dtype))]));
  finish(n, b, "add", [b.mul(b.sub(x, mean), scale), beta]);
}
