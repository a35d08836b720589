// Choosing where `nnc run` trains: the compiled CPU backend (default) or the reference executor.
import { kernelsOf } from "../../codegen/kir/walk.js";
import { ToolchainError } from "../../codegen/llvm/toolchain.js";
import type { Session } from "../session.js";
import { referenceRunner, type StepRunner } from "../step.js";
import { RuntimeError } from "../tensor.js";
import { compileGraph } from "./compiled.js";
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
  let r: ReturnType<typeof compileGraph>;
  try {
    r = compileGraph(s.step.graph, { env });
  } catch (e) {
    if (e instanceof ToolchainError) throw new RuntimeError(e.message, e.notes);
    throw e;
  }
  if (!r.compiled) {
    // An op the compiler cannot lower yet: train anyway, on the reference backend, and say why.
    return { runner: referenceRunner(s), message: `reference backend (${r.diagnostics[0]!.message})` };
  }
  const kernels = kernelsOf(r.compiled.program.steps).length;
  const ms = performance.now() - t0;
  const how = r.compiled.library.cached ? "cached" : `compiled in ${(ms / 1000).toFixed(1)} s`;
  return { runner: new CpuStepRunner(s, r.compiled), message: `CPU backend (${kernels} kernels, ${how})` };
}
