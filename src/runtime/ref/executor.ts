// The reference executor: runs graph IR on typed arrays, one primitive at a time. Slow and obviously right:
// it is the oracle for gradients and for every compiled backend.
import type { Dim } from "../../ir/dim.js";
import type { Graph, Value } from "../../ir/graph.js";
import { type DType, isFloat, typeToString } from "../../ir/types.js";
import { bindShape, evalDim } from "../dims.js";
import { Rng } from "../rng.js";
import { castTensor, RuntimeError, type Tensor } from "../tensor.js";
import type { KernelCtx } from "./kernel.js";
import { KERNELS } from "./kernels/index.js";

export interface ExecOptions {
  training?: boolean;
  rng?: Rng;
  /** Run every float value in f64 (gradient checks). */
  float64?: boolean;
  /** Known dimension bindings (otherwise taken from the input shapes). */
  dims?: Map<string, number>;
}

/** Runs `g` on `feeds` (inputs and params by value id); returns the outputs in order. */
export function execute(g: Graph, feeds: Map<number, Tensor>, opts: ExecOptions = {}): Tensor[] {
  return new Executor(opts).run(g, feeds).outputs;
}

export class Executor {
  readonly dims: Map<string, number>;
  private readonly rng: Rng;
  constructor(private readonly opts: ExecOptions = {}) {
    this.dims = new Map(opts.dims ?? []);
    this.rng = opts.rng ?? new Rng(0);
  }

  run(g: Graph, feeds: Map<number, Tensor>): { outputs: Tensor[]; values: Map<number, Tensor> } {
    const env = new Map<number, Tensor>();
    for (const v of [...g.inputs, ...g.params.map((p) => p.value)]) {
      const t = feeds.get(v.id);
      if (!t) throw new RuntimeError(`no value fed for ${v.name ?? `%${v.id}`} (${typeToString(v.type)})`);
      bindShape(this.dims, v, t);
      env.set(v.id, this.store(v, t));
    }
    for (const a of g.assertions) {
      const l = this.evalDim(a.lhs), r = this.evalDim(a.rhs);
      const good = a.kind === "divisible" ? r !== 0 && l % r === 0 : l === r;
      if (!good) throw new RuntimeError(`${a.message}: ${a.lhs} = ${l} is not ${a.kind === "divisible" ? "divisible by" : "equal to"} ${a.rhs} = ${r}`, [`at ${a.span.file}:${a.span.line}:${a.span.col}`]);
    }
    this.runNodes(g, env, []);
    return { outputs: g.outputs.map((o) => env.get(o.id)!), values: env };
  }

  private runNodes(g: Graph, env: Map<number, Tensor>, outer: Map<number, Tensor>[]): void {
    const lookup = (v: Value): Tensor => {
      const t = env.get(v.id) ?? outer.find((m) => m.has(v.id))?.get(v.id);
      if (!t) throw new Error(`reference executor: %${v.id} is used before it is computed`);
      return t;
    };
    const ctx: KernelCtx = {
      evalDim: (d) => this.evalDim(d),
      dtype: (v) => this.storage(v.type.dtype),
      training: this.opts.training ?? false,
      rng: this.rng,
      runBody: (body, inputs) => {
        const local = new Map<number, Tensor>();
        body.inputs.forEach((v, i) => local.set(v.id, inputs[i]!));
        this.runNodes(body, local, [env, ...outer]);
        return body.outputs.map((o) => local.get(o.id) ?? lookup(o));
      },
    };
    for (const n of g.nodes) {
      const k = KERNELS.get(n.op);
      if (!k) throw new Error(`reference executor: no kernel for \`${n.op}\``);
      const r = k(n.inputs.map(lookup), n.attrs, n, ctx);
      const outs = Array.isArray(r) ? r : [r];
      const vals = [n.output, ...(n.extraOutputs ?? [])];
      vals.forEach((v, i) => env.set(v.id, outs[i]!));
    }
  }

  private storage(d: DType): DType {
    return this.opts.float64 && isFloat(d) ? "f64" : d === "f16" ? "f32" : d;
  }

  private store(v: Value, t: Tensor): Tensor {
    const want = this.storage(v.type.dtype);
    return t.dtype === want ? t : castTensor(t, want);
  }

  evalDim(d: Dim): number {
    return evalDim(d, this.dims);
  }
}
