// Evaluation and inference on the compiled CPU backend: the graph in evaluation mode (lower-eval.ts),
// compiled once. Parameters are copied into native memory once per pass (`load`), which also runs what the
// program prepares from them alone (packed weights); each batch writes only its inputs and reads outputs
// as views of native memory, so the host does no per-kernel work.
import type { Graph } from "../../ir/graph.js";
import { lowerForEval } from "../../ir/passes/lower-eval.js";
import type { GraphRunner } from "../evaluate.js";
import { bindShape } from "../dims.js";
import { castTensor, RuntimeError, type Tensor, type TypedArray } from "../tensor.js";
import { type CompileOptions, type CompiledGraph, compileGraph } from "./compiled.js";
import { storageDType } from "./native.js";

/** Parameters have static shapes, so their buffers need no dimension bindings. */
const STATIC: ReadonlyMap<string, number> = new Map();

export class CpuEvaluator implements GraphRunner {
  readonly backend = "cpu";
  private readonly bufOf = new Map<number, number>();

  constructor(readonly compiled: CompiledGraph) {
    compiled.inputs.forEach((v, i) => this.bufOf.set(v.id, compiled.program.inputs[i]!));
  }

  load(weights: Map<string, Tensor>): void {
    for (const p of this.compiled.graph.params) {
      const t = weights.get(p.name);
      if (!t) throw new RuntimeError(`no weights for ${p.name}`);
      this.write(p.value.id, t, p.value.type.dtype, STATIC);
    }
    // Packs the weights (the program's load steps) once, not every batch.
    this.compiled.native.load();
  }

  run(inputs: Map<number, Tensor>): Tensor[] {
    const c = this.compiled, dims = new Map<string, number>();
    const given = c.graph.inputs.map((v) => {
      const t = inputs.get(v.id);
      if (!t) throw new RuntimeError(`no value fed for ${v.name ?? `%${v.id}`}`);
      bindShape(dims, v, t);
      return t;
    });
    // A batch already in the storage type is read where it lies (as ONNX Runtime reads its tensors).
    const lent = new Map<number, TypedArray>();
    c.graph.inputs.forEach((v, i) => {
      const t = given[i]!, id = this.bufOf.get(v.id)!;
      if (t.dtype === storageDType(v.type.dtype) && c.native.canLend(id, t.data, dims)) lent.set(id, t.data);
      else this.write(v.id, t, v.type.dtype, dims);
    });
    c.native.run(dims, 0, lent);
    return c.graph.outputs.map((_, i) => c.outputView(i, dims));
  }

  private write(id: number, t: Tensor, dtype: Tensor["dtype"], dims: ReadonlyMap<string, number>): void {
    const want = storageDType(dtype);
    this.compiled.native.view(this.bufOf.get(id)!, dims).set((t.dtype === want ? t : castTensor(t, want)).data);
  }
}

/** `g` in evaluation mode, compiled; diagnostics (E1001, E1002) when it cannot be lowered. */
export function compileEvaluator(g: Graph, opts: CompileOptions = {}): ReturnType<typeof compileGraph> & { evaluator?: CpuEvaluator } {
  const r = compileGraph(lowerForEval(g), { ...opts, constantParams: true });
  return { ...r, evaluator: r.compiled && new CpuEvaluator(r.compiled) };
}
