// A graph compiled for the CPU: lower → render → opt/llc/cc (cached) → load. `run` has the reference
// executor's contract (feeds by value id in, output tensors out), so the two can be compared op by op.
import * as fs from "node:fs";
import type { Diagnostic } from "../../diag/diagnostic.js";
import type { Graph, Value } from "../../ir/graph.js";
import { type LowerOptions, lowerGraph } from "../../codegen/lower/lower.js";
import { compileProgram, type CompiledLibrary } from "../../codegen/llvm/toolchain.js";
import type { KProgram } from "../../codegen/kir/kir.js";
import { castTensor, RuntimeError, type Tensor } from "../tensor.js";
import { bindShape, evalDim } from "../dims.js";
import { NativeProgram, storageDType } from "./native.js";

export interface CompileOptions {
  outDir?: string;
  env?: Record<string, string | undefined>;
  /** Parameters are constants between loads (inference): see LowerOptions.constantParams. */
  constantParams?: boolean;
  /** Outputs the program checks for non-finite values itself (LowerOptions.finiteOutputs). */
  finiteOutputs?: number[];
  /** A training step's parameters and their new values (LowerOptions.updatedParams). */
  updatedParams?: LowerOptions["updatedParams"];
}

export class CompiledGraph {
  readonly inputs: Value[];
  constructor(readonly graph: Graph, readonly program: KProgram, readonly native: NativeProgram, readonly library: CompiledLibrary) {
    this.inputs = [...graph.inputs, ...graph.params.map((p) => p.value)];
  }

  /** Binds dimensions from the feeds and copies them into the native input buffers. */
  feed(feeds: Map<number, Tensor>): Map<string, number> {
    const tensors = this.inputs.map((v) => {
      const t = feeds.get(v.id);
      if (!t) throw new RuntimeError(`no value fed for ${v.name ?? `%${v.id}`}`);
      return t;
    });
    const dims = new Map<string, number>();
    this.inputs.forEach((v, i) => bindShape(dims, v, tensors[i]!));
    this.inputs.forEach((v, i) => {
      const t = tensors[i]!;
      const want = storageDType(v.type.dtype);
      this.native.view(this.program.inputs[i]!, dims).set((t.dtype === want ? t : castTensor(t, want)).data);
    });
    return dims;
  }

  /** Output `i` as a tensor viewing native memory (valid until the next run). */
  outputView(i: number, dims: ReadonlyMap<string, number>): Tensor {
    const v = this.graph.outputs[i]!;
    const shape = v.type.shape.map((d) => evalDim(d, dims));
    return { dtype: storageDType(v.type.dtype), shape, data: this.native.view(this.program.outputs[i]!, dims) };
  }

  run(feeds: Map<number, Tensor>, seed = 0): Tensor[] {
    const dims = this.feed(feeds);
    // Parameters come with every run here, so what is prepared from them is prepared again.
    this.native.load();
    this.native.run(dims, seed);
    return this.graph.outputs.map((_, i) => {
      const t = this.outputView(i, dims);
      return { ...t, data: t.data.slice() };
    });
  }
}

/** f32 lanes of this CPU's widest vectors: 16 with AVX-512, 8 with AVX2, else 4 (SSE). */
export function cpuVectorWidth(): number {
  if (vectorWidth === undefined) {
    let flags = "";
    try {
      flags = fs.readFileSync("/proc/cpuinfo", "utf8");
    } catch {
      // Not Linux: the portable choice.
    }
    vectorWidth = /\bavx512f\b/.test(flags) ? 16 : /\bavx2\b/.test(flags) ? 8 : 4;
  }
  return vectorWidth;
}
let vectorWidth: number | undefined;

/** Lowers, renders and compiles `g`; diagnostics when the graph uses what the backend cannot lower. */
export function compileGraph(g: Graph, opts: CompileOptions = {}): { compiled?: CompiledGraph; diagnostics: Diagnostic[] } {
  const low = lowerGraph(g, { vectorWidth: cpuVectorWidth(), constantParams: opts.constantParams, finiteOutputs: opts.finiteOutputs, updatedParams: opts.updatedParams });
  if (!low.program) return { diagnostics: low.diagnostics };
  const library = compileProgram(low.program, opts);
  return { compiled: new CompiledGraph(g, low.program, new NativeProgram(low.program, library.lib), library), diagnostics: [] };
}
