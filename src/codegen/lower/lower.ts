// Graph IR → kernel IR. Decides which values live in memory (materialised) and which are fused into
// their readers, then emits one kernel per materialised value: injective ops inline their producers,
// reductions inline their prologue, heavy ops (matmul, conv) read materialised operands or cheap views.
import type { Diagnostic } from "../../diag/diagnostic.js";
import { Dim } from "../../ir/dim.js";
import type { Graph, IRNode, Value } from "../../ir/graph.js";
import type { KBuffer, KExpr, KProgram, KStep, Kernel, BufferKind } from "../kir/kir.js";
import { dimExpr, flatten, sizeExpr } from "../kir/expr.js";
import { ktype, LowerError } from "./attrs.js";
import { type ExprCtx, INJECTIVE, injectiveAt, MOVEMENT } from "./injective.js";
import { planMemory } from "./memory.js";
import { dimsOf } from "../kir/walk.js";
import { argmaxTemplate, convTemplate, matmulTemplate, nest, poolTemplate, reduceTemplate, scatterTemplate, sumToTemplate, type Template } from "./templates.js";

export interface LowerResult {
  program?: KProgram;
  diagnostics: Diagnostic[];
}

/** Ops whose kernels read each operand element many times: operands must be in memory or cheap views. */
const HEAVY = new Set(["matmul", "conv2d", "conv2d_grad_input", "conv2d_grad_filter", "max_pool2d", "max_pool2d_grad", "avg_pool2d", "avg_pool2d_grad", "scatter_add"]);
const TEMPLATES: Record<string, (n: IRNode, out: number, ctx: ExprCtx) => Template> = {
  sum: reduceTemplate, mean: reduceTemplate, max: reduceTemplate, min: reduceTemplate,
  sum_to: sumToTemplate, argmax: argmaxTemplate, matmul: matmulTemplate,
  conv2d: convTemplate, conv2d_grad_input: convTemplate, conv2d_grad_filter: convTemplate,
  max_pool2d: poolTemplate, max_pool2d_grad: poolTemplate, avg_pool2d: poolTemplate, avg_pool2d_grad: poolTemplate,
  scatter_add: scatterTemplate,
};

/** Ops the compiled backends can lower today. */
export const LOWERABLE: ReadonlySet<string> = new Set([...INJECTIVE, ...Object.keys(TEMPLATES)]);

export function lowerGraph(g: Graph): LowerResult {
  const unsupported = g.nodes.filter((n) => !LOWERABLE.has(n.op));
  if (unsupported.length) {
    const ops = [...new Set(unsupported.map((n) => n.op))];
    return {
      diagnostics: [{
        code: "E1001", severity: "error", span: unsupported[0]!.span,
        message: `the compiled backends cannot lower ${ops.map((o) => `\`${o}\``).join(", ")} yet`,
        notes: ["train with the reference backend: --backend ref"],
      }],
    };
  }
  try {
    return { program: new Lowering(g).run(), diagnostics: [] };
  } catch (e) {
    if (!(e instanceof LowerError)) throw e;
    const span = e.node?.span ?? g.nodes[0]?.span;
    return { diagnostics: [{ code: "E1002", severity: "error", message: e.message, span: span! }] };
  }
}

class Lowering {
  private readonly buffers: KBuffer[] = [];
  private readonly bufOf = new Map<number, number>();
  private readonly producer = new Map<number, IRNode>();
  private readonly uses = new Map<number, number>();
  private readonly mat = new Set<number>();
  private readonly steps: KStep[] = [];
  private readonly dims = new Set<string>();
  private streams = 0;
  /** Nodes fused into the kernel being built (for its origin). */
  private fused: IRNode[] = [];

  constructor(private readonly g: Graph) {}

  run(): KProgram {
    const g = this.g;
    for (const n of g.nodes) {
      this.producer.set(n.output.id, n);
      for (const v of n.inputs) this.uses.set(v.id, (this.uses.get(v.id) ?? 0) + 1);
    }
    const inputs = [...g.inputs, ...g.params.map((p) => p.value)].map((v) => this.bind(v, "input", v.name ?? `in${v.id}`));
    // Outputs get host-visible buffers; a value that is an input or listed twice is copied.
    const copies: { from: Value; to: number }[] = [];
    const outputs = g.outputs.map((v, i) => {
      if (this.bufOf.has(v.id)) {
        const to = this.newBuffer(v, "output", `out${i}`);
        copies.push({ from: v, to });
        return to;
      }
      return this.bind(v, "output", `out${i}`);
    });
    this.decide();
    for (const n of g.nodes) if (this.mat.has(n.output.id)) this.emit(n);
    for (const c of copies) this.copy(c.from, c.to);
    const arenaBytes = planMemory(this.buffers, this.steps);
    for (const d of dimsOf(this.steps)) this.dims.add(d);
    for (const b of this.buffers) for (const a of b.size.atoms()) this.dims.add(a);
    return { name: g.name, dims: [...this.dims].sort(), buffers: this.buffers, steps: this.steps, arenaBytes, inputs, outputs };
  }

  private newBuffer(v: Value, kind: BufferKind, name: string): number {
    const id = this.buffers.length;
    const size = v.type.shape.reduce((a, d) => a.mul(d), Dim.const(1));
    this.buffers.push({ id, name, t: ktype(v.type.dtype), size, kind });
    return id;
  }

  private bind(v: Value, kind: BufferKind, name: string): number {
    const id = this.newBuffer(v, kind, name);
    this.bufOf.set(v.id, id);
    return id;
  }

  /** Which values live in memory. */
  private decide(): void {
    for (const n of this.g.nodes) {
      const v = n.output;
      if (this.bufOf.has(v.id)) this.mat.add(v.id);
      else if (!INJECTIVE.has(n.op)) this.mat.add(v.id);
      else if ((this.uses.get(v.id) ?? 0) > 1 && !this.cheap(v)) this.mat.add(v.id);
    }
    for (const n of this.g.nodes) {
      if (!HEAVY.has(n.op)) continue;
      for (const v of n.inputs) if (!this.cheap(v)) this.mat.add(v.id);
    }
  }

  /** A value whose every element costs a load or two: in memory, a constant, or a movement of cheap values. */
  private cheap(v: Value): boolean {
    if (this.mat.has(v.id) || this.bufOf.has(v.id)) return true;
    const n = this.producer.get(v.id);
    return !!n && MOVEMENT.has(n.op) && n.inputs.every((u) => this.cheap(u));
  }

  private readonly ctx: ExprCtx = {
    at: (v, idx) => this.at(v, idx),
    stream: () => ++this.streams,
  };

  private at(v: Value, idx: KExpr[]): KExpr {
    const b = this.bufOf.get(v.id);
    if (b !== undefined) return { k: "load", t: this.buffers[b]!.t, buf: b, idx: flatten(idx, v.type.shape) };
    const n = this.producer.get(v.id);
    if (!n) throw new LowerError(`%${v.id} has no producer and no buffer`);
    this.fused.push(n);
    // A reshape of a value in memory reads it at the same flat position.
    const src = n.op === "reshape" ? this.bufOf.get(n.inputs[0]!.id) : undefined;
    if (src !== undefined) return { k: "load", t: this.buffers[src]!.t, buf: src, idx: flatten(idx, v.type.shape) };
    return injectiveAt(n, idx, this.ctx);
  }

  private emit(n: IRNode): void {
    const v = n.output;
    const out = this.bufOf.get(v.id) ?? this.bind(v, "temp", `t${v.id}`);
    this.fused = [n];
    let tpl: Template;
    const same = n.op === "sum_to" && n.inputs[0]!.type.shape.length === n.inputs[1]!.type.shape.length && n.inputs[0]!.type.shape.every((d, i) => d.equals(n.inputs[1]!.type.shape[i]!));
    if (INJECTIVE.has(n.op) || same) {
      const body = nest("i", v.type.shape.map(dimExpr), (iv) => [{ k: "store", buf: out, idx: flatten(iv, v.type.shape), value: same ? this.at(n.inputs[0]!, iv) : injectiveAt(n, iv, this.ctx) }]);
      tpl = { body, cost: sizeExpr(v.type.shape) };
    } else {
      tpl = TEMPLATES[n.op]!(n, out, this.ctx);
    }
    this.push(tpl, `${n.op}`, this.fused);
  }

  private copy(from: Value, to: number): void {
    this.fused = [];
    const body = nest("i", from.type.shape.map(dimExpr), (iv) => [{ k: "store", buf: to, idx: flatten(iv, from.type.shape), value: this.at(from, iv) }]);
    this.push({ body, cost: sizeExpr(from.type.shape) }, "copy", this.fused);
  }

  private push(t: Template, what: string, nodes: IRNode[]): void {
    const uniq = [...new Set(nodes)];
    const lines = [...new Set(uniq.map((n) => `${n.span.file}:${n.span.line}`))];
    const kernel: Kernel = { name: `k${this.steps.length}_${what}`, body: t.body, cost: t.cost, origin: { ops: uniq.map((n) => n.op), lines } };
    this.steps.push({ k: "kernel", kernel });
  }
}
