// The contract between the reference executor and its per-primitive kernels.
import type { Dim } from "../../ir/dim.js";
import type { Attr, Graph, IRNode, Value } from "../../ir/graph.js";
import type { DType } from "../../ir/types.js";
import type { Rng } from "../rng.js";
import type { Tensor } from "../tensor.js";

export interface KernelCtx {
  /** Concrete value of a symbolic dimension under the current bindings (e.g. B = 32). */
  evalDim(d: Dim): number;
  /** Storage dtype for a value: float values become f64 when the executor runs in float64 mode. */
  dtype(v: Value): DType;
  /** Training mode: dropout is active. */
  training: boolean;
  /** The step's random stream (dropout masks). */
  rng: Rng;
  /** Runs a nested graph (a scan body) with the given inputs; it may read values of the enclosing graph. */
  runBody(body: Graph, inputs: Tensor[]): Tensor[];
}

/** Computes a node's result(s) from its input tensors. Never mutates its inputs. */
export type Kernel = (ins: Tensor[], attrs: Record<string, Attr>, node: IRNode, ctx: KernelCtx) => Tensor | Tensor[];
