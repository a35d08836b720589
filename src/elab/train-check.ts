// Meaning and type checks of `dataset` declarations and `train` blocks (running them is the runtime's job).
import * as fs from "node:fs";
import * as path from "node:path";
import type * as A from "../parser/ast.js";
import { DiagnosticBag, type Span } from "../diag/diagnostic.js";
import { Dim } from "../ir/dim.js";
import { newGraph } from "../ir/graph.js";
import { type TensorType, typeToString } from "../ir/types.js";
import { Elaborator } from "./elaborate.js";
import type { ElaboratedModel } from "./model.js";
import { SOURCES } from "./sources.js";
import { activeRecorder } from "./recorder.js";
import { typeFromDecl } from "./unify.js";
import { describe, Env, type Module, suggest, type V } from "./values.js";

export interface DatasetInfo {
  name: string;
  source?: string;
  features?: TensorType;
  labels?: TensorType;
  classes?: number;
  span: Span;
  /** The source's arguments and the preprocess transforms, as evaluated (the run plan reads them). */
  sourceConfig?: Map<string, V>;
  preprocess?: (V & { k: "def" })[];
}

const DATASET_KEYS = ["source", "features", "labels", "classes", "preprocess", "test_split", "validation_split", "shuffle", "seed", "limit"];
const TRAIN_KEYS = ["loss", "optimizer", "epochs", "batch", "metrics", "validation", "callbacks", "schedule", "clip_norm", "clip_value", "seed", "shuffle", "data"];

export function checkDatasetsAndTraining(mod: Module, models: Map<string, ElaboratedModel>, bag: DiagnosticBag): void {
  const datasets = new Map<string, DatasetInfo>();
  for (const item of mod.program.items) {
    if (item.kind !== "Dataset") continue;
    if (datasets.has(item.name.name)) bag.error("E0101", item.name.span, `dataset \`${item.name.name}\` is defined twice`);
    const info = checkDataset(item, mod, bag);
    datasets.set(item.name.name, info);
    activeRecorder()?.dataset({ decl: item, source: info.source, features: info.features, labels: info.labels, classes: info.classes });
  }
  const trains = mod.program.items.filter((i): i is A.TrainDecl => i.kind === "Train");
  if (trains.length > 1) bag.error("E0610", trains[1]!.span, "a file may have one `train` block", { related: [{ span: trains[0]!.span, message: "the first train block" }] });
  for (const t of trains) checkTrain(t, mod, models, datasets, bag);
}

function scratch(bag: DiagnosticBag): Elaborator {
  return new Elaborator(bag, newGraph("check"), true);
}

function settingMap(settings: A.Setting[], allowed: string[], what: string, bag: DiagnosticBag): Map<string, A.Setting> {
  const m = new Map<string, A.Setting>();
  for (const s of settings) {
    if (s.key.name === "<missing>") continue;
    if (!allowed.includes(s.key.name)) {
      const sug = suggest(s.key.name, allowed);
      bag.error("E0503", s.key.span, `unknown ${what} setting \`${s.key.name}\``, {
        notes: [`${what} settings: ${allowed.join(", ")}`], fix: sug ? { message: `did you mean \`${sug}\`?`, span: s.key.span, replacement: sug } : undefined,
      });
      continue;
    }
    if (m.has(s.key.name)) bag.error("E0213", s.key.span, `setting \`${s.key.name}\` is given twice`);
    m.set(s.key.name, s);
  }
  return m;
}

/** Evaluates a data-source expression (`moons(n = 500)`, `mnist()`, or a bare `mnist`). */
function evalSource(e: A.Expr, mod: Module, bag: DiagnosticBag): { name: string; config: Map<string, V> } | undefined {
  const el = scratch(bag);
  let v = el.evalExpr(e, new Env(mod.scope), mod);
  if (v.k === "error") return undefined;
  if (v.k === "def" && v.ref.def.defKind === "source" && !v.config) {
    const c = el.configure(v, [], e.span);
    if (!c) return undefined;
    v = { ...v, config: c };
  }
  if (v.k !== "def" || v.ref.def.defKind !== "source") {
    bag.error("E0501", e.span, `expected a data source such as mnist(), csv("file.csv") or moons(n = 1000), found ${describe(v)}`);
    return undefined;
  }
  return { name: v.ref.def.name.name, config: v.config ?? new Map() };
}

export function checkDataset(d: A.DatasetDecl, mod: Module, bag: DiagnosticBag): DatasetInfo {
  const info: DatasetInfo = { name: d.name.name, span: d.span };
  const s = settingMap(d.settings, DATASET_KEYS, "dataset", bag);
  const srcExpr = d.source ?? s.get("source")?.value;
  if (!srcExpr) {
    bag.error("E0502", d.name.span, `dataset \`${d.name.name}\` has no source`, { fix: { message: "add `source = csv(\"data.csv\", label = \"y\")` (or mnist(), moons(), …)" } });
    return info;
  }
  const src = evalSource(srcExpr, mod, bag);
  if (!src) return info;
  Object.assign(info, sampleTypes(src, srcExpr.span, mod, bag));
  info.sourceConfig = src.config;
  const env = new Env(mod.scope);
  for (const key of ["features", "labels"] as const) {
    const st = s.get(key);
    if (!st) continue;
    if (!st.type || st.type.kind !== "TensorType") {
      bag.error("E0504", st.span, `\`${key}\` takes a per-sample type, e.g. \`${key}: ${key === "features" ? "f32[4]" : "i32[]"}\``);
      continue;
    }
    const t = typeFromDecl(st.type, env);
    if (typeof t === "string" || t.shape.some((x) => !x.isConst)) {
      bag.error("E0504", st.type.span, `\`${key}\` must be a fixed per-sample type (no batch dimension, no names): ${typeof t === "string" ? t : typeToString(t)}`);
      continue;
    }
    const known = info[key];
    if (known && SOURCES[src.name]?.[key] && src.name !== "csv" && src.name !== "npy" && src.name !== "idx" && typeToString(known) !== typeToString(t)) {
      bag.error("E0504", st.type.span, `${src.name}() yields ${key} ${typeToString(known)}, not ${typeToString(t)}`);
      continue;
    }
    info[key] = t;
  }
  if (!info.features) {
    bag.error("E0505", srcExpr.span, `the feature shape of ${src.name}() comes from the file: declare it`, { fix: { message: "add `features: f32[4]` (the per-sample shape) to the dataset block" } });
  }
  const classes = s.get("classes");
  if (classes?.value) {
    const v = scratch(bag).evalExpr(classes.value, env, mod);
    if (v.k !== "int" || (v.d.value ?? 0) < 1) bag.error("E0504", classes.value.span, `\`classes\` must be a positive integer, found ${describe(v)}`);
    else info.classes = v.d.value;
  }
  for (const key of ["test_split", "validation_split"]) {
    const st = s.get(key);
    if (!st?.value) continue;
    const v = scratch(bag).evalExpr(st.value, env, mod);
    const n = v.k === "float" ? v.v : v.k === "int" ? v.d.value ?? -1 : -1;
    if (!(n >= 0 && n < 1)) bag.error("E0504", st.value.span, `\`${key}\` is a fraction in [0, 1), found ${describe(v)}`);
  }
  const pre = s.get("preprocess");
  if (pre?.value) checkPreprocess(pre.value, info, mod, bag);
  return info;
}

function sampleTypes(src: { name: string; config: Map<string, V> }, span: Span, mod: Module, bag: DiagnosticBag): Partial<DatasetInfo> {
  const spec = SOURCES[src.name];
  if (!spec) return {};
  const num = (k: number | string): number | undefined => {
    if (typeof k === "number") return k;
    const v = src.config.get(k);
    return v?.k === "int" ? v.d.value : undefined;
  };
  const out: Partial<DatasetInfo> = { source: src.name };
  if (spec.features) {
    const dims = spec.featureDims ? spec.featureDims.map(num) : spec.features.shape;
    if (dims.every((x) => x !== undefined && x > 0)) out.features = { dtype: spec.features.dtype, shape: (dims as number[]).map((x) => Dim.const(x)) };
    else bag.error("E0504", span, `${src.name}(): sizes must be positive integers`);
  }
  if (spec.labels) out.labels = { dtype: spec.labels.dtype, shape: spec.labels.shape.map((x) => Dim.const(x)) };
  if (spec.classes !== undefined) out.classes = num(spec.classes);
  const file = src.config.get("path");
  if (file?.k === "str") {
    const p = path.resolve(path.dirname(mod.file), file.v);
    if (!fs.existsSync(p)) bag.warning("W0501", span, `data file ${file.v} does not exist (looked for ${path.relative(process.cwd(), p)})`, { notes: ["`nnc run` will fail until it does"] });
  }
  return out;
}

function checkPreprocess(e: A.Expr, info: DatasetInfo, mod: Module, bag: DiagnosticBag): void {
  const el = scratch(bag);
  const v = el.evalExpr(e, new Env(mod.scope), mod);
  if (v.k === "error") return;
  const items = v.k === "list" ? v.items : [v];
  info.preprocess = [];
  for (const it of items) {
    if (it.k === "error") continue;
    if (it.k !== "def" || it.ref.def.defKind !== "transform") {
      bag.error("E0504", e.span, `\`preprocess\` takes transforms such as scale(1 / 255), standardize, min_max, one_hot; found ${describe(it)}`);
      continue;
    }
    info.preprocess.push(it);
    if (it.ref.def.name.name === "one_hot") {
      if (!info.labels || info.labels.dtype === "f32") bag.error("E0504", e.span, "one_hot needs integer class labels");
      else if (info.classes === undefined) {
        bag.error("E0504", e.span, "one_hot needs the number of classes: add `classes = N` to the dataset");
        info.labels = undefined; // unknown from here on: no echo errors in the train block
      }
      else info.labels = { dtype: "f32", shape: [...info.labels.shape, Dim.const(info.classes)] };
    }
  }
}

export { checkTrain } from "./train-block.js";
import { checkTrain } from "./train-block.js";
export { settingMap, scratch, evalSource, sampleTypes, TRAIN_KEYS, DATASET_KEYS };
