// `nnc compile`: the training step → kernel IR → LLVM → a shared library, with its manifest and,
// on request, the LLVM IR (`--emit-llvm`) and the kernel list (`--emit kernels`).
import * as fs from "node:fs";
import * as path from "node:path";
import { renderDiagnostics } from "../diag/render.js";
import type { KProgram } from "../codegen/kir/kir.js";
import { kernelList, programToString } from "../codegen/kir/printer.js";
import { kernelsOf } from "../codegen/kir/walk.js";
import { lowerGraph } from "../codegen/lower/lower.js";
import { renderLlvm } from "../codegen/llvm/render.js";
import { compileProgram, programHash, ToolchainError } from "../codegen/llvm/toolchain.js";
import type { TrainStepGraph } from "../ir/passes/train-step.js";
import { stepLowering } from "../runtime/cpu/backend.js";
import { cpuVectorWidth } from "../runtime/cpu/compiled.js";
import { createSession } from "../runtime/session.js";
import { RuntimeError } from "../runtime/tensor.js";
import { displayPath, Exit, stderrColor, type CliIo } from "./io.js";
import { planFor, runDir, runtimeFailure, UsageError } from "./run.js";

export interface CompileFlags {
  out?: string;
  emitLlvm?: boolean;
  emit?: string;
}

const EMITS = ["kernels", "kir"];

export function compileCommand(file: string | undefined, flags: CompileFlags, io: CliIo): number {
  if (flags.emit && !EMITS.includes(flags.emit)) {
    io.stderr.write(`error: --emit is ${EMITS.join(" or ")}, found "${flags.emit}"\n`);
    return Exit.usage;
  }
  const p = planFor(file, io, "compile");
  if ("exit" in p) return p.exit;
  try {
    const t0 = performance.now();
    const session = createSession(p.plan, p.entry);
    // As `nnc run` compiles it (the same kernels, so the same cached library).
    const low = lowerGraph(session.step.graph, { vectorWidth: cpuVectorWidth(), ...stepLowering(session) });
    if (!low.program) {
      io.stderr.write(renderDiagnostics(low.diagnostics, new Map(), { color: stderrColor(io), file: p.entry }));
      return Exit.errors;
    }
    const prog = low.program;
    const out = path.resolve(flags.out ?? path.join(runDir(p.entry), "compiled"));
    const lib = compileProgram(prog, { env: io.env });
    fs.mkdirSync(out, { recursive: true });
    fs.copyFileSync(lib.lib, path.join(out, "libstep.so"));
    fs.writeFileSync(path.join(out, "manifest.json"), JSON.stringify(manifest(prog, session.step, p.plan.modelName), null, 2) + "\n");
    fs.writeFileSync(path.join(out, "kernels.txt"), programToString(prog));
    if (flags.emitLlvm) fs.writeFileSync(path.join(out, "step.ll"), renderLlvm(prog).text());
    if (flags.emit === "kernels") io.stdout.write(kernelList(prog));
    if (flags.emit === "kir") io.stdout.write(programToString(prog));
    const ms = performance.now() - t0;
    io.stderr.write(`Compiled ${p.plan.modelName}'s training step: ${prog.steps.length} steps, ${kernelsOf(prog.steps).length} kernels, ${lib.cached ? "cached" : `in ${(ms / 1000).toFixed(1)} s`} → ${displayPath(out)}\n`);
    return Exit.ok;
  } catch (e) {
    if (e instanceof ToolchainError) return runtimeFailure(new RuntimeError(e.message, e.notes), io);
    if (e instanceof UsageError) {
      io.stderr.write(`error: ${e.message}\n`);
      return Exit.usage;
    }
    return runtimeFailure(e, io);
  }
}

/** What a host needs to call the library: the entry point, the dimensions, every buffer and its role. */
function manifest(p: KProgram, step: TrainStepGraph, model: string): Record<string, unknown> {
  const roles = new Map<number, string>();
  const g = step.graph;
  const inputs = [...g.inputs, ...g.params.map((x) => x.value)];
  inputs.forEach((v, i) => roles.set(p.inputs[i]!, g.params.some((x) => x.value.id === v.id) ? `param:${v.name}` : step.slots.some((s) => s.value.id === v.id) ? `slot:${v.name}` : `input:${v.name ?? v.id}`));
  roles.set(p.outputs[step.out.loss]!, "loss");
  step.out.metrics.forEach((m, i) => roles.set(p.outputs[m]!, `metric:${i}`));
  step.out.params.forEach((o) => roles.set(p.outputs[o.index]!, `new_param:${o.param.name}`));
  step.out.slots.forEach((o) => roles.set(p.outputs[o.index]!, `new_slot:${o.name}`));
  step.out.states.forEach((o) => roles.set(p.outputs[o.index]!, `new_state:${o.param.name}`));
  roles.set(p.outputs[step.out.prediction]!, "prediction");
  // Lane sums of x − x over parts of each new parameter: all zero when the update left them finite.
  if (p.finite) roles.set(p.finite.buf, "finite_check");
  // A weight's packed panels, kept up to date by the step (the output it follows is that weight's new value).
  for (const b of p.buffers) if (b.follows !== undefined) roles.set(b.id, `packing:${roles.get(b.follows)!.replace(/^new_param:/, "")}`);
  return {
    format: "nnc-compiled/1",
    model,
    hash: programHash(p),
    entry: "void nnc_step(void **bufs, char *arena, const int64_t *dims, int64_t seed)",
    // Prepares the state buffers from the parameters: run it before the first step and whenever the
    // parameters were written other than by swapping in a step's new_param outputs.
    ...(p.load.length ? { load_entry: "void nnc_load(void **bufs, char *arena, const int64_t *dims, int64_t seed)" } : {}),
    dims: p.dims,
    arena_bytes: String(p.arenaBytes),
    buffers: p.buffers.filter((b) => b.kind !== "temp").map((b) => ({ index: b.id, name: b.name, role: roles.get(b.id), kind: b.kind, dtype: b.t, elements: String(b.size) })),
    params: g.params.map((x) => ({ name: x.name, shape: x.value.type.shape.map(String), trainable: x.trainable, init: x.init })),
  };
}
