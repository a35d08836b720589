// `nnc run`: check the file, load its data, build the training graphs, compile the step and train.
import * as path from "node:path";
import { check } from "../checker.js";
import { renderDiagnostics } from "../diag/render.js";
import { trainPlan, type TrainPlan } from "../elab/train-plan.js";
import { type Backend, BACKENDS, evalRunner, type EvaluatorChoice, type RunnerChoice, stepRunner } from "../runtime/cpu/backend.js";
import { createSession, type Session } from "../runtime/session.js";
import { RuntimeError } from "../runtime/tensor.js";
import { train } from "../runtime/trainer.js";
import { resolveEntry } from "./commands.js";
import { displayPath, Exit, stderrColor, type CliIo } from "./io.js";

export interface RunFlags {
  epochs?: string;
  batch?: string;
  seed?: string;
  limit?: string;
  resume?: boolean;
  quiet?: boolean;
  out?: string;
  history?: string;
  backend?: string;
}

/** Front end + plan; prints diagnostics. `{ exit }` when the file cannot be trained. */
export function planFor(file: string | undefined, io: CliIo, command: string): { plan: TrainPlan; entry: string } | { exit: number } {
  const entry = resolveEntry(file);
  if (!entry.file) {
    io.stderr.write(renderDiagnostics(entry.diagnostics, new Map(), { color: stderrColor(io), file: file ?? "." }));
    return { exit: Exit.errors };
  }
  const r = check(entry.file);
  if (r.diagnostics.length) io.stderr.write(renderDiagnostics(r.diagnostics, r.sources, { color: stderrColor(io), file: entry.file }));
  if (r.diagnostics.some((d) => d.severity === "error")) return { exit: Exit.errors };
  const plan = r.module ? trainPlan(r.module, r.models) : undefined;
  if (!plan) {
    io.stderr.write(`error: ${displayPath(entry.file)} has no \`train\` block, so \`nnc ${command}\` has nothing to do\n  fix: add e.g. \`train MyModel on mnist() { loss = … optimizer = adam() }\`\n`);
    return { exit: Exit.errors };
  }
  return { plan, entry: entry.file };
}

/** An integer flag of at least `min` (1 unless given); a bad value is a usage error. */
export function intFlag(v: string | undefined, flag: string, min = 1): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${flag} takes a ${min === 0 ? "non-negative" : "positive"} integer, found "${v}"`);
  return n;
}

/** Where a run's checkpoints, history and plot go: `--out`, else runs/<file name> in the working folder. */
export function runDir(entry: string, out?: string): string {
  return path.resolve(out ?? path.join("runs", path.basename(entry, ".nn")));
}

export class UsageError extends Error {}

/** `--backend`: cpu (the default) or ref; anything else is a usage error. */
export function backendFlag(v: string | undefined): Backend {
  if (v !== undefined && !(BACKENDS as readonly string[]).includes(v)) throw new UsageError(`--backend is ${BACKENDS.join(" or ")}, found "${v}"`);
  return (v ?? "cpu") as Backend;
}

export async function runCommand(file: string | undefined, flags: RunFlags, io: CliIo): Promise<number> {
  const p = planFor(file, io, "run");
  if ("exit" in p) return p.exit;
  const plan = p.plan;
  try {
    plan.epochs = intFlag(flags.epochs, "--epochs") ?? plan.epochs;
    plan.batch = intFlag(flags.batch, "--batch") ?? plan.batch;
    plan.seed = intFlag(flags.seed, "--seed", 0) ?? plan.seed;
    const limit = intFlag(flags.limit, "--limit");
    if (limit !== undefined) plan.data.limit = Math.min(limit, plan.data.limit ?? Infinity);
    backendFlag(flags.backend);
    if (flags.history && flags.history !== "csv" && flags.history !== "json") throw new UsageError(`--history is csv or json, found "${flags.history}"`);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`error: ${e.message}\n`);
      return Exit.usage;
    }
    throw e;
  }
  const outDir = runDir(p.entry, flags.out);
  let session: Session;
  let choice: RunnerChoice;
  let evaluator: EvaluatorChoice | undefined;
  try {
    session = createSession(plan, p.entry);
    const backend = backendFlag(flags.backend);
    choice = stepRunner(session, backend, io.env);
    // Validation and test run compiled too; a run without them compiles nothing more.
    const evaluates = [session.data.val, session.data.test].some((d) => d && d.features.shape[0]! > 0);
    if (evaluates) evaluator = evalRunner(session.objective.graph, backend, io.env);
  } catch (e) {
    return runtimeFailure(e, io);
  }
  const quiet = !!flags.quiet;
  const say = (s: string) => { if (!quiet) io.stdout.write(s); };
  const params = plan.model.summary.total;
  const count = (d?: { features: { shape: number[] } }) => (d ? d.features.shape[0]! : 0);
  // Evaluation is named only where it runs elsewhere than training (a graph only one of them can lower).
  const evalNote = evaluator && evaluator.runner.backend !== choice.runner.backend ? `; evaluation on the ${evaluator.message}` : "";
  say(`Training ${plan.modelName} (${params.toLocaleString("en-US")} parameters) on ${plan.data.name}: ${count(session.data.train)} train, ${count(session.data.val)} validation, ${count(session.data.test)} test samples; ${choice.message}${evalNote}\n`);
  let interrupted = false;
  const onSigint = () => { interrupted = true; };
  process.on("SIGINT", onSigint);
  try {
    const r = await train(session, {
      outDir, quiet, tty: !!io.stdout.isTTY, write: (s) => io.stdout.write(s), resume: flags.resume,
      historyFormat: flags.history as "csv" | "json" | undefined, interrupted: () => interrupted, runner: choice.runner, evaluator: evaluator?.runner,
    });
    if (r.stopped === "nan") {
      io.stderr.write(`error: ${r.message}\n`);
      return Exit.errors;
    }
    say(`Saved ${displayPath(r.lastCheckpoint)}${r.bestCheckpoint ? ` and ${displayPath(r.bestCheckpoint)}` : ""}; history in ${displayPath(r.historyFile)}, plot in ${displayPath(r.plotFile)}\n`);
    return r.stopped === "interrupted" ? 130 : Exit.ok;
  } catch (e) {
    return runtimeFailure(e, io);
  } finally {
    process.off("SIGINT", onSigint);
  }
}

/** A user-facing runtime error (bad data, missing checkpoint) prints as an error; anything else is a bug. */
export function runtimeFailure(e: unknown, io: CliIo): number {
  if (e instanceof RuntimeError) {
    io.stderr.write(`error: ${e.message}\n${e.notes.map((n) => `  note: ${n}\n`).join("")}`);
    return Exit.errors;
  }
  throw e;
}
