// `nnc eval` (a checkpoint's loss and metrics on a data split) and `nnc predict` (a checkpoint on new inputs).
import * as fs from "node:fs";
import * as path from "node:path";
import { applyTransforms, DataError, type DataSet, parseCsv, parseNpy, parseNumber, restoreTransforms, type TransformState } from "../data/index.js";
import type { TrainPlan } from "../elab/train-plan.js";
import { plainScalar } from "../elab/values.js";
import { checkpointExists, loadCheckpoint, type Checkpoint } from "../runtime/checkpoint.js";
import type { Graph } from "../ir/graph.js";
import { type Backend, evalRunner } from "../runtime/cpu/backend.js";
import { evaluate, type GraphRunner } from "../runtime/evaluate.js";
import { takeRows } from "../runtime/batches.js";
import { writeNpy } from "../runtime/npy-write.js";
import { checkCheckpointFits, objectiveFor, prepareData } from "../runtime/session.js";
import { RuntimeError, sizeOf, type Tensor, tensor } from "../runtime/tensor.js";
import { displayPath, Exit, type CliIo } from "./io.js";
import { backendFlag, intFlag, planFor, runDir, runtimeFailure, UsageError } from "./run.js";

interface CkFlags { checkpoint?: string; out?: string; backend?: string }

/** The checkpoint a command uses: the flag, else runs/<file>/checkpoints/best, else …/last. */
function findCheckpoint(entry: string, flags: CkFlags): string {
  if (flags.checkpoint) return flags.checkpoint;
  const base = path.join(runDir(entry, flags.out), "checkpoints");
  const best = path.join(base, "best");
  if (checkpointExists(best)) return best;
  const last = path.join(base, "last");
  if (checkpointExists(last)) return last;
  throw new RuntimeError(`no checkpoint found in ${displayPath(base)}`, [`train first with \`nnc run ${displayPath(entry)}\`, or pass --checkpoint DIR`]);
}

function load(entry: string, plan: TrainPlan, flags: CkFlags): Checkpoint {
  const dir = findCheckpoint(entry, flags);
  const ck = loadCheckpoint(dir);
  checkCheckpointFits(ck, plan, displayPath(dir), displayPath(entry));
  return ck;
}

/** The graph's evaluation-mode runner; a CPU backend that cannot compile it says why on stderr. */
function runnerFor(g: Graph, backend: Backend, io: CliIo): GraphRunner {
  const c = evalRunner(g, backend, io.env);
  if (backend !== "ref" && c.runner.backend !== "cpu") io.stderr.write(`note: running on the ${c.message}\n`);
  return c.runner;
}

/** Checks flags before anything loads; a bad value prints a usage error. */
function usage<T>(io: CliIo, f: () => T): T | undefined {
  try {
    return f();
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.stderr.write(`error: ${e.message}\n`);
    return undefined;
  }
}

export function evalCommand(file: string | undefined, flags: CkFlags & { split?: string; batch?: string; format?: string }, io: CliIo): number {
  const checked = usage(io, () => ({ batch: intFlag(flags.batch, "--batch"), backend: backendFlag(flags.backend) }));
  if (!checked) return Exit.usage;
  const p = planFor(file, io, "eval");
  if ("exit" in p) return p.exit;
  try {
    const ck = load(p.entry, p.plan, flags);
    const data = prepareData(p.plan, path.dirname(p.entry), ck.meta["transforms"] as { name: string; state: TransformState }[]);
    const obj = objectiveFor(p.plan, data);
    const split = flags.split ?? (data.test ? "test" : "train");
    const ds = split === "test" ? data.test : split === "val" || split === "validation" ? data.val : split === "train" ? data.train : undefined;
    if (!ds) throw new RuntimeError(`there is no ${split} split`, [`splits here: train${data.val ? ", val" : ""}${data.test ? ", test" : ""}`]);
    const { logs } = evaluate(obj, ck.weights, ds, checked.batch ?? p.plan.batch, runnerFor(obj.graph, checked.backend, io));
    if (flags.format === "json") io.stdout.write(JSON.stringify({ split, samples: ds.features.shape[0], ...logs }, null, 2) + "\n");
    else io.stdout.write(`${split} (${ds.features.shape[0]} samples): ${Object.entries(logs).map(([k, v]) => `${k}: ${v.toFixed(4)}`).join(" - ")}\n`);
    return Exit.ok;
  } catch (e) {
    return runtimeFailure(e, io);
  }
}

export function predictCommand(file: string | undefined, flags: CkFlags & { input?: string; output?: string }, io: CliIo): number {
  const backend = usage(io, () => backendFlag(flags.backend));
  if (!backend) return Exit.usage;
  const p = planFor(file, io, "predict");
  if ("exit" in p) return p.exit;
  try {
    if (!flags.input) throw new RuntimeError("predict needs --input FILE (.csv or .npy)");
    const ck = load(p.entry, p.plan, flags);
    const g = p.plan.model.graph;
    const sample = g.inputs[0]!.type.shape.slice(1).map((d) => d.value!);
    let ds: DataSet = { features: readInputs(flags.input, sample, p.plan), labels: tensor("i32", [0], []) };
    ds = { ...ds, labels: tensor("i32", [ds.features.shape[0]!], new Array(ds.features.shape[0]!).fill(0)) };
    ds = applyTransforms(restoreTransforms((ck.meta["transforms"] as { name: string; state: TransformState }[]) ?? []).filter((t) => t.name !== "one_hot"), ds);
    const runner = runnerFor(g, backend, io);
    runner.load(ck.weights);
    const n = ds.features.shape[0]!;
    const idx = Int32Array.from({ length: n }, (_, i) => i);
    const rows: number[][] = [];
    for (let s = 0; s < n; s += 256) {
      const out = runner.run(new Map([[g.inputs[0]!.id, takeRows(ds.features, idx, s, Math.min(n, s + 256))]]))[0]!;
      const k = sizeOf(out.shape.slice(1));
      for (let r = 0; r < out.shape[0]!; r++) rows.push(Array.from(out.data.subarray(r * k, (r + 1) * k)));
    }
    const table = predictionTable(rows, p.plan, ck.meta["class_names"] as string[] | undefined);
    if (flags.output?.endsWith(".npy")) {
      fs.writeFileSync(flags.output, writeNpy(tensor("f32", [rows.length, rows[0]?.length ?? 0], rows.flat())));
    } else {
      const text = [table.header.join(","), ...table.rows.map((r) => r.join(","))].join("\n") + "\n";
      if (flags.output) fs.writeFileSync(flags.output, text);
      else io.stdout.write(text);
    }
    if (flags.output) io.stderr.write(`wrote ${rows.length} predictions to ${flags.output}\n`);
    return Exit.ok;
  } catch (e) {
    return runtimeFailure(e, io);
  }
}

/** Features from a CSV (header; the training label column, if present, is ignored) or a .npy file. */
function readInputs(file: string, sample: number[], plan: TrainPlan): Tensor {
  if (!fs.existsSync(file)) throw new RuntimeError(`cannot read ${file}: no such file`);
  const per = sizeOf(sample);
  if (file.endsWith(".npy")) {
    const a = parseNpy(fs.readFileSync(file), file);
    const n = a.shape[0] ?? 0;
    if (sizeOf(a.shape.slice(1)) !== per) throw new RuntimeError(`${file}: samples are [${a.shape.slice(1).join(", ")}], the model takes [${sample.join(", ")}]`);
    return tensor("f32", [n, ...sample], a.values);
  }
  const recs = parseCsv(fs.readFileSync(file, "utf8"), file);
  if (!recs.length) throw new RuntimeError(`${file}: the file is empty`);
  const header = recs[0]!.cells;
  const label = plan.data.source.name === "csv" ? String(plan.data.source.args["label"] ?? "label") : undefined;
  const keep = header.map((h, i) => (h.trim() === label ? -1 : i)).filter((i) => i >= 0);
  if (keep.length !== per) throw new RuntimeError(`${file}: ${keep.length} feature columns, but the model takes ${per} features per sample`);
  const vals: number[] = [];
  for (const r of recs.slice(1)) {
    for (const i of keep) {
      // Numbers are read as the training data's CSV loader reads them.
      const v = parseNumber((r.cells[i] ?? "").trim());
      if (v === undefined) throw new DataError(`expected a number, found ${JSON.stringify(r.cells[i] ?? "")}`, file, r.line, i + 1);
      vals.push(v);
    }
  }
  return tensor("f32", [recs.length - 1, ...sample], vals);
}

/** Classifiers print the class (by name when known) and its probabilities; regressors their outputs. */
function predictionTable(rows: number[][], plan: TrainPlan, names?: string[]): { header: string[]; rows: (string | number)[][] } {
  const logits = plainScalar(plan.loss.config?.get("from_logits")) === true;
  const classifier = plan.data.classes !== undefined || plan.data.declared.labels?.dtype === "i32";
  const width = rows[0]?.length ?? 0;
  if (!classifier) return { header: [...Array(width).keys()].map((i) => `y${i}`), rows: rows.map((r) => r.map(fmt)) };
  if (width === 1) {
    const ps = rows.map((r) => (logits ? 1 / (1 + Math.exp(-r[0]!)) : r[0]!));
    const name = (c: number) => names?.[c] ?? String(c);
    return { header: ["class", "probability"], rows: ps.map((q) => [name(q > 0.5 ? 1 : 0), fmt(q)]) };
  }
  const header = ["class", ...[...Array(width).keys()].map((c) => `p_${names?.[c] ?? c}`)];
  return {
    header,
    rows: rows.map((r) => {
      const ps = logits ? softmax(r) : r;
      const c = ps.indexOf(Math.max(...ps));
      return [names?.[c] ?? String(c), ...ps.map(fmt)];
    }),
  };
}

const fmt = (x: number) => Number(x.toPrecision(6));

function softmax(r: number[]): number[] {
  const m = Math.max(...r);
  const e = r.map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}
