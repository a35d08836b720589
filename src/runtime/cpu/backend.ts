// Choosing where `nnc run` trains, and where evaluation and prediction run: the compiled CPU backend
// (default) or the reference executor.
import { kernelsOf } from "../../codegen/kir/walk.js";
import { ToolchainError } from "../../codegen/llvm/toolchain.js";
import type { Graph } from "../../ir/graph.js";
import { type GraphRunner, referenceEvaluator } from "../evaluate.js";
import type { Session } from "../session.js";
import { referenceRunner, type StepRunner } from "../step.js";
import { RuntimeError } from "../tensor.js";
import { type CompiledGraph, compileGraph } from "./compiled.js";
import { compileEvaluator } from "./evaluator.js";
import { CpuStepRunner } from "./train-step.js";

export const BACKENDS = ["cpu", "ref"] as const;
export type Backend = (typeof BACKENDS)[number];

export interface RunnerChoice {
  runner: StepRunner;
  /** One line for the user: what was compiled (or why the reference backend runs instead). */
  message: string;
}

/** The step runner for `backend`; the CPU backend compiles (or loads from the cache) the training step. */
export function stepRunner(s: Session, backend: Backend, env: Record<string, string | undefined> = process.env): RunnerChoice {
  if (backend === "ref") return { runner: referenceRunner(s), message: "reference backend" };
  const t0 = performance.now();
  const r = userErrors(() => compileGraph(s.step.graph, { env, ...stepLowering(s) }));
  if (!r.compiled) {
    // An op the compiler cannot lower yet: train anyway, on the reference backend, and say why.
    return { runner: referenceRunner(s), message: `reference backend (${r.diagnostics[0]!.message})` };
  }
  return { runner: new CpuStepRunner(s, r.compiled), message: compiledMessage(r.compiled, t0) };
}

/**
 * How a training step is lowered, the same for `nnc run` and `nnc compile` (so one cached library): it
 * checks its new parameters for non-finite values itself, and may keep weights' packings between steps.
 */
export function stepLowering(s: Session): { finiteOutputs: number[]; updatedParams: { param: number; output: number }[] } {
  const ps = s.step.out.params;
  return { finiteOutputs: ps.map((o) => o.index), updatedParams: ps.map((o) => ({ param: o.param.value.id, output: o.index })) };
}

export interface EvaluatorChoice {
  runner: GraphRunner;
  /** One line for the user, as `RunnerChoice.message`. */
  message: string;
}

/** Runs `g` (an objective or a model) in evaluation mode on `backend`; the CPU backend compiles it once. */
export function evalRunner(g: Graph, backend: Backend, env: Record<string, string | undefined> = process.env): EvaluatorChoice {
  if (backend === "ref") return { runner: referenceEvaluator(g), message: "reference backend" };
  const t0 = performance.now();
  const r = userErrors(() => compileEvaluator(g, { env }));
  // What the compiler cannot lower yet runs on the reference executor, as training does.
  if (!r.evaluator) return { runner: referenceEvaluator(g), message: `reference backend (${r.diagnostics[0]!.message})` };
  return { runner: r.evaluator, message: compiledMessage(r.evaluator.compiled, t0) };
}

/** "CPU backend (N kernels, compiled in X s)" or "(…, cached)" for a graph compiled since `t0`. */
function compiledMessage(c: CompiledGraph, t0: number): string {
  const kernels = kernelsOf(c.program.steps).length;
  const how = c.library.cached ? "cached" : `compiled in ${((performance.now() - t0) / 1000).toFixed(1)} s`;
  return `CPU backend (${kernels} kernels, ${how})`;
}

/** A missing or failing toolchain is the user's to fix: a runtime error with notes, not a crash. */
function userErrors<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof ToolchainError) throw new RuntimeError(e.message, e.notes);
    throw e;
  }
}
