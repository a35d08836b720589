// Turns a checked `train` block and its dataset into a plain plan the runtime executes.
// Runs only after `check` reported no errors, so evaluation here cannot fail on user input.
import type * as A from "../parser/ast.js";
import { DiagnosticBag } from "../diag/diagnostic.js";
import type { TensorType } from "../ir/types.js";
import type { ElaboratedModel } from "./model.js";
import { checkDataset, DATASET_KEYS, evalSource, sampleTypes, scratch, settingMap, TRAIN_KEYS } from "./train-check.js";
import { type DefV, evalNamed, monitorAsString } from "./train-block.js";
import { Env, type Module, type Plain, plainArgs, plainScalar } from "./values.js";

export type { Plain };

export interface Spec { name: string; args: Record<string, Plain> }

export interface DataPlan {
  name: string;
  source: Spec;
  /** Declared or source-given per-sample types (labels before one_hot). */
  declared: { features?: { dtype: string; shape: number[] }; labels?: { dtype: string; shape: number[] }; classes?: number };
  classes?: number;
  preprocess: Spec[];
  testSplit: number;
  validationSplit?: number;
  seed: number;
  shuffle: boolean;
  limit?: number;
}

export interface TrainPlan {
  modelName: string;
  model: ElaboratedModel;
  data: DataPlan;
  /** A fraction of the training data, or a separate dataset. */
  validation?: number | DataPlan;
  loss: DefV;
  metrics: DefV[];
  optimizer: Spec;
  schedule?: Spec;
  callbacks: Spec[];
  epochs: number;
  batch: number;
  seed: number;
  shuffle: boolean;
  clipNorm?: number;
  clipValue?: number;
  module: Module;
}

export function specOf(v: DefV): Spec {
  return { name: v.ref.def.name.name, args: plainArgs(v.config) };
}

const concrete = (t: TensorType | undefined) => (t ? { dtype: t.dtype, shape: t.shape.map((d) => d.value ?? -1) } : undefined);

export function trainPlan(mod: Module, models: Map<string, ElaboratedModel>): TrainPlan | undefined {
  const t = mod.program.items.find((i): i is A.TrainDecl => i.kind === "Train");
  if (!t) return undefined;
  const bag = new DiagnosticBag();
  const model = models.get(t.model.name);
  if (!model) return undefined;
  const env = new Env(mod.scope);
  const s = settingMap(t.settings, TRAIN_KEYS, "train", bag);
  const datasets = new Map<string, A.DatasetDecl>();
  for (const item of mod.program.items) if (item.kind === "Dataset") datasets.set(item.name.name, item);
  const dataExpr = t.data ?? s.get("data")?.value;
  if (!dataExpr) return undefined;
  const data = dataPlanOf(dataExpr, mod, datasets, bag);
  if (!data) return undefined;
  const num = (key: string): number | undefined => {
    const e = s.get(key)?.value;
    return e ? (plainScalar(scratch(bag).evalExpr(e, env, mod)) as number | undefined) : undefined;
  };
  const named = (e: A.Expr | undefined, kind: A.DefinitionKind) => (e ? evalNamed(e, kind, mod, env, bag) : undefined);
  const loss = named(s.get("loss")?.value, "loss");
  const opt = named(s.get("optimizer")?.value, "optimizer");
  if (!loss || !opt) return undefined;
  const ms = s.get("metrics")?.value;
  const metrics = (ms ? (ms.kind === "List" ? ms.items : [ms]) : []).map((m) => named(m, "metric")).filter((m): m is DefV => !!m);
  const cbExprs = [...t.calls];
  const cbList = s.get("callbacks")?.value;
  if (cbList) cbExprs.push(...(cbList.kind === "List" ? cbList.items : [cbList]));
  const callbacks = cbExprs.map((c) => named(monitorAsString(c), "callback")).filter((c): c is DefV => !!c).map(specOf);
  const sched = named(s.get("schedule")?.value, "schedule");
  const valE = s.get("validation")?.value;
  let validation: number | DataPlan | undefined;
  if (valE?.kind === "Name" && datasets.has(valE.name)) validation = dataPlanOf(valE, mod, datasets, bag);
  else if (valE) validation = plainScalar(scratch(bag).evalExpr(valE, env, mod)) as number;
  else if (data.validationSplit) validation = data.validationSplit;
  const shuffleE = s.get("shuffle")?.value;
  return {
    modelName: t.model.name, model, data, validation, loss, metrics, optimizer: specOf(opt), schedule: sched ? specOf(sched) : undefined, callbacks,
    epochs: num("epochs") ?? 1, batch: num("batch") ?? 32, seed: num("seed") ?? data.seed,
    shuffle: shuffleE ? plainScalar(scratch(bag).evalExpr(shuffleE, env, mod)) !== false : true,
    clipNorm: num("clip_norm"), clipValue: num("clip_value"), module: mod,
  };
}

function dataPlanOf(e: A.Expr, mod: Module, datasets: Map<string, A.DatasetDecl>, bag: DiagnosticBag): DataPlan | undefined {
  const decl = e.kind === "Name" ? datasets.get(e.name) : undefined;
  if (!decl) {
    const src = evalSource(e, mod, bag);
    if (!src) return undefined;
    const t = sampleTypes(src, e.span, mod, bag);
    return {
      name: src.name, source: { name: src.name, args: plainArgs(src.config) },
      declared: { features: concrete(t.features), labels: concrete(t.labels), classes: t.classes }, classes: t.classes,
      preprocess: [], testSplit: 0, seed: 0, shuffle: true,
    };
  }
  const info = checkDataset(decl, mod, bag);
  if (!info.source) return undefined;
  const s = settingMap(decl.settings, DATASET_KEYS, "dataset", bag);
  const env = new Env(mod.scope);
  const num = (key: string): Plain | undefined => {
    const x = s.get(key)?.value;
    return x ? plainScalar(scratch(bag).evalExpr(x, env, mod)) : undefined;
  };
  const preprocess = (info.preprocess ?? []).map(specOf);
  // The raw label type is the one before one_hot.
  const hot = preprocess.some((p) => p.name === "one_hot");
  const labels = concrete(info.labels);
  const labelsDecl = labels && hot ? { dtype: "i32", shape: labels.shape.slice(0, -1) } : labels;
  return {
    name: decl.name.name, source: { name: info.source, args: plainArgs(info.sourceConfig) },
    declared: { features: concrete(info.features), labels: labelsDecl, classes: info.classes },
    classes: info.classes, preprocess,
    testSplit: (num("test_split") as number | undefined) ?? 0, validationSplit: num("validation_split") as number | undefined,
    seed: (num("seed") as number | undefined) ?? 0, shuffle: num("shuffle") !== false, limit: num("limit") as number | undefined,
  };
}
