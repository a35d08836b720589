// Checks a `train` block: the model exists, the loss fits its output and the labels, names resolve.
import type * as A from "../parser/ast.js";
import { DiagnosticBag, type Span } from "../diag/diagnostic.js";
import { Dim } from "../ir/dim.js";
import { isFloat, isInt, type TensorType, typeToString } from "../ir/types.js";
import type { ElaboratedModel } from "./model.js";
import { type DatasetInfo, evalSource, sampleTypes, scratch, settingMap, TRAIN_KEYS } from "./train-check.js";
import { describe, Env, type Module, suggest, type V } from "./values.js";
import type { ArgIn } from "./args.js";

export function checkTrain(t: A.TrainDecl, mod: Module, models: Map<string, ElaboratedModel>, datasets: Map<string, DatasetInfo>, bag: DiagnosticBag): void {
  const s = settingMap(t.settings, TRAIN_KEYS, "train", bag);
  const env = new Env(mod.scope);
  const model = models.get(t.model.name);
  if (!model && t.model.name !== "<missing>") {
    const def = mod.scope.get(t.model.name);
    if (!def) {
      const sug = suggest(t.model.name, [...models.keys()]);
      bag.error("E0601", t.model.span, `unknown model \`${t.model.name}\``, { fix: sug ? { message: `did you mean \`${sug}\`?`, span: t.model.span, replacement: sug } : undefined });
    } else if (def.k !== "def" || def.ref.def.defKind !== "model") {
      bag.error("E0601", t.model.span, `\`${t.model.name}\` is ${describe(def)}, not a model`);
    }
  }
  // Data: `on <dataset or source>` or `data = ...`.
  const dataExpr = t.data ?? s.get("data")?.value;
  let data: DatasetInfo | undefined;
  if (!dataExpr) bag.error("E0602", t.model.span, "the train block names no data", { fix: { message: `write \`train ${t.model.name} on mnist() { … }\` or add \`data = my_dataset\`` } });
  else if (dataExpr.kind === "Name" && datasets.has(dataExpr.name)) data = datasets.get(dataExpr.name);
  else {
    const src = evalSource(dataExpr, mod, bag);
    if (src) data = { name: src.name, span: dataExpr.span, ...sampleTypes(src, dataExpr.span, mod, bag) };
  }
  if (model && model.graph.inputs.length !== 1 && dataExpr) {
    bag.error("E0603", dataExpr.span, `model \`${model.summary.model}\` takes ${model.graph.inputs.length} inputs, but a dataset feeds one`, {
      notes: ["a trained model takes one input tensor: the features"],
    });
    return;
  }
  const out = model?.graph.outputs[0]?.type;
  const batch = model?.graph.inputs[0]?.type.shape[0] ?? Dim.sym("B");
  // The data must fit the model's input.
  if (model && data?.features) {
    const inp = model.graph.inputs[0]!.type;
    const want: TensorType = { dtype: data.features.dtype, shape: [batch, ...data.features.shape] };
    if (inp.shape.length !== want.shape.length || inp.shape.slice(1).some((d, i) => !d.equals(want.shape[i + 1]!)) || inp.dtype !== want.dtype) {
      bag.error("E0603", dataExpr!.span, `the data yields samples ${typeToString(data.features)}, but model \`${model.summary.model}\` takes ${typeToString(inp)}`, {
        notes: [`a batch of this data is ${typeToString(want)}`],
        fix: inp.shape.length === 2 && data.features.shape.length > 1 ? { message: "flatten inside the model (`x |> flatten |> …`) and declare the input with the data's shape" } : undefined,
      });
    }
  }
  const labels = data?.labels ? { dtype: data.labels.dtype, shape: [batch, ...data.labels.shape] } : undefined;

  // Loss.
  const lossS = s.get("loss");
  if (!lossS?.value) bag.error("E0602", t.model.span, "the train block has no `loss`", { fix: { message: "add e.g. `loss = sparse_categorical_crossentropy(from_logits = true)`" } });
  else {
    const lv = evalNamed(lossS.value, "loss", mod, env, bag);
    if (lv && out && labels) checkLoss(lv, lossS.value.span, out, labels, data!, bag);
  }
  // Optimizer.
  const optS = s.get("optimizer");
  if (!optS?.value) bag.error("E0602", t.model.span, "the train block has no `optimizer`", { fix: { message: "add e.g. `optimizer = adam(lr = 1e-3)`" } });
  else evalNamed(optS.value, "optimizer", mod, env, bag);
  // Scalars.
  for (const [key, kind] of [["epochs", "int"], ["batch", "int"], ["seed", "int"], ["clip_norm", "float"], ["clip_value", "float"], ["shuffle", "bool"]] as const) {
    const st = s.get(key)?.value;
    if (!st) continue;
    const v = scratch(bag).evalExpr(st, env, mod);
    if (v.k === "error") continue;
    const n = v.k === "int" ? v.d.value : v.k === "float" ? v.v : undefined;
    const good = kind === "bool" ? v.k === "bool" : kind === "int" ? v.k === "int" && n !== undefined && (key === "seed" ? n >= 0 : n >= 1) : n !== undefined && n > 0;
    if (!good) bag.error("E0607", st.span, `\`${key}\` must be ${kind === "bool" ? "true or false" : kind === "int" ? (key === "seed" ? "a non-negative integer" : "a positive integer") : "a positive number"}, found ${describe(v)}`);
  }
  const val = s.get("validation")?.value;
  if (val) {
    const v = val.kind === "Name" && datasets.has(val.name) ? undefined : scratch(bag).evalExpr(val, env, mod);
    if (v && v.k !== "error" && !(v.k === "float" && v.v > 0 && v.v < 1)) bag.error("E0607", val.span, `\`validation\` is a fraction in (0, 1) or a dataset name, found ${describe(v)}`);
  }
  const sched = s.get("schedule")?.value;
  if (sched) evalNamed(sched, "schedule", mod, env, bag);
  // Metrics.
  const quantities = ["loss"];
  const ms = s.get("metrics")?.value;
  if (ms) {
    const items = ms.kind === "List" ? ms.items : [ms];
    for (const m of items) {
      const mv = evalNamed(m, "metric", mod, env, bag);
      if (!mv) continue;
      quantities.push(mv.ref.def.name.name);
      if (out && labels) checkMetric(mv, m.span, out, labels, bag);
    }
  }
  const all = [...quantities, ...quantities.map((q) => `val_${q}`)];
  // Callbacks: bare calls in the block, or `callbacks = [...]`.
  const cbs = [...t.calls];
  const cbList = s.get("callbacks")?.value;
  if (cbList) cbs.push(...(cbList.kind === "List" ? cbList.items : [cbList]));
  for (const c of cbs) checkCallback(c, mod, env, all, bag);
}

export type DefV = V & { k: "def" };

/** Evaluates a setting that must name a definition of `kind`; strings ("adam") are accepted too. */
export function evalNamed(e: A.Expr, kind: A.DefinitionKind, mod: Module, env: Env, bag: DiagnosticBag): DefV | undefined {
  const el = scratch(bag);
  const ofKind = () => env.names().filter((n) => { const x = env.get(n); return x?.k === "def" && (x.ref.def.defKind === kind || (kind === "metric" && x.ref.def.defKind === "loss")); });
  // An unknown bare name: suggest among definitions of the expected kind.
  const head = e.kind === "Call" ? e.callee : e;
  if (head.kind === "Name" && !env.get(head.name)) {
    const sug = suggest(head.name, ofKind());
    bag.error("E0201", head.span, `unknown ${kind} \`${head.name}\``, {
      notes: [`${kind}s: ${ofKind().sort().join(", ")}`],
      fix: sug ? { message: `did you mean \`${sug}\`?`, span: head.span, replacement: sug } : undefined,
    });
    return undefined;
  }
  let v: V = e.kind === "Str" ? (env.get(e.value) ?? { k: "error" }) : el.evalExpr(e, env, mod);
  if (e.kind === "Str" && v.k === "error") {
    const sug = suggest(e.value, env.names().filter((n) => { const x = env.get(n); return x?.k === "def" && x.ref.def.defKind === kind; }));
    bag.error("E0604", e.span, `unknown ${kind} "${e.value}"`, { fix: sug ? { message: `did you mean "${sug}"?`, span: e.span, replacement: `"${sug}"` } : undefined });
    return undefined;
  }
  if (v.k === "error") return undefined;
  // Any loss can also be reported as a metric (metrics = [mse]).
  const fits = v.k === "def" && (v.ref.def.defKind === kind || (kind === "metric" && v.ref.def.defKind === "loss"));
  if (!fits || v.k !== "def") {
    const options = env.names().filter((n) => { const x = env.get(n); return x?.k === "def" && x.ref.def.defKind === kind; });
    bag.error("E0604", e.span, `expected ${kind === "optimizer" ? "an" : "a"} ${kind}, found ${describe(v)}`, { notes: [`${kind}s: ${options.sort().join(", ")}`] });
    return undefined;
  }
  if (v.ref.def.config && !v.config) {
    const c = el.configure(v, [], e.span);
    if (!c) return undefined;
    v = { ...v, config: c };
  }
  return v;
}

/** Integer labels are fed to float losses as floats, and [B] labels to [B, 1] outputs as [B, 1]. */
export function adaptLabels(lossInput: A.ParamDecl | undefined, out: TensorType, labels: TensorType): TensorType {
  const want = lossInput?.type?.kind === "TensorType" ? lossInput.type.dtype : undefined;
  if (want && isFloat(want as never) && isInt(labels.dtype)) {
    const last = out.shape[out.shape.length - 1];
    if (labels.shape.length === out.shape.length - 1 && last?.value === 1) return { dtype: "f32", shape: [...labels.shape, Dim.const(1)] };
    return { dtype: "f32", shape: labels.shape };
  }
  return labels;
}

function apply(v: DefV, out: TensorType, labels: TensorType, bag: DiagnosticBag, span: Span): boolean {
  const el = scratch(bag);
  const mk = (t: TensorType): ArgIn => ({ value: { k: "tensor", val: el.newValue(t) }, span });
  const r = el.callValue(v, [mk(out), mk(labels)], span, v.ref.def.name.name);
  return r.k !== "error" && !bag.hasErrors;
}

function checkLoss(v: DefV, span: Span, out: TensorType, labels: TensorType, data: DatasetInfo, bag: DiagnosticBag): void {
  const lab = adaptLabels(v.ref.def.inputs?.[1], out, labels);
  const inner = new DiagnosticBag();
  const name = v.ref.def.name.name;
  if (!apply(v, out, lab, inner, span)) {
    const sparse = isInt(labels.dtype) && out.shape.length === 2 && (out.shape[1]!.value ?? 0) > 1;
    bag.error("E0603", span, `loss \`${name}\` does not fit model output ${typeToString(out)} with labels ${typeToString(labels)}`, {
      notes: inner.items.map((d) => d.message),
      fix: sparse && name === "categorical_crossentropy" ? { message: "integer labels need sparse_categorical_crossentropy (or add one_hot to the dataset's preprocess)" }
        : name === "sparse_categorical_crossentropy" && !isInt(labels.dtype) ? { message: "one-hot labels need categorical_crossentropy" } : undefined,
    });
    return;
  }
  // Class count: a sparse loss's scores must cover every class.
  const c = out.shape[out.shape.length - 1]?.value;
  if (isInt(lab.dtype) && data.classes !== undefined && c !== undefined && c > 1 && c !== data.classes) {
    bag.error("E0603", span, `the model outputs ${c} class scores but the data has ${data.classes} classes`, {
      fix: { message: `make the last layer \`dense(${data.classes})\`` },
    });
  }
}

/** The definitions a metric stands for: itself, or its alternatives (`accuracy = a | b | c`) with default settings. */
export function metricCandidates(v: DefV, span: Span): DefV[] {
  const alts = v.ref.def.alternatives;
  if (!alts) return [v];
  const out: DefV[] = [];
  for (const a of alts) {
    const av = v.ref.module.scope.get(a.name);
    if (av?.k !== "def") continue;
    // An alternative with settings (binary_accuracy's threshold) uses its defaults.
    const config = av.config ?? (av.ref.def.config ? scratch(new DiagnosticBag()).configure(av, [], span) : undefined);
    if (config || !av.ref.def.config) out.push({ ...av, config });
  }
  return out;
}

/** Whether a loss or metric accepts this output and these labels (adapted to its signature). */
export function metricFits(d: DefV, out: TensorType, labels: TensorType, span: Span): boolean {
  return apply(d, out, adaptLabels(d.ref.def.inputs?.[1], out, labels), new DiagnosticBag(), span);
}

function checkMetric(v: DefV, span: Span, out: TensorType, labels: TensorType, bag: DiagnosticBag): void {
  if (metricCandidates(v, span).some((d) => metricFits(d, out, labels, span))) return;
  const alts = v.ref.def.alternatives;
  bag.error("E0605", span, `metric \`${v.ref.def.name.name}\` does not apply to model output ${typeToString(out)} with labels ${typeToString(labels)}`, {
    notes: alts ? [`tried ${alts.map((a) => a.name).join(", ")}`] : [],
    fix: isFloat(labels.dtype) && !alts ? { message: "for regression use mse, mae or rmse" } : undefined,
  });
}

/** `monitor = val_accuracy` names a logged quantity, not a variable: read it as a string. */
export function monitorAsString(c: A.Expr): A.Expr {
  if (c.kind !== "Call") return c;
  return { ...c, args: c.args.map((a) => (a.name?.name === "monitor" && a.value.kind === "Name" ? { ...a, value: { kind: "Str", value: a.value.name, span: a.value.span } } : a)) };
}

function checkCallback(c: A.Expr, mod: Module, env: Env, quantities: string[], bag: DiagnosticBag): void {
  const v = evalNamed(monitorAsString(c), "callback", mod, env, bag);
  if (!v) return;
  const mon = v.config?.get("monitor");
  const arg = c.kind === "Call" ? c.args.find((a) => a.name?.name === "monitor") : undefined;
  if (mon?.k === "str" && !quantities.includes(mon.v)) {
    const sug = suggest(mon.v, quantities);
    bag.error("E0606", arg?.value.span ?? c.span, `\`${mon.v}\` is not a logged quantity`, {
      notes: [`this train block logs: ${quantities.join(", ")}`],
      // The fix keeps the user's spelling: a bare name or a string.
      fix: sug ? { message: `did you mean \`${sug}\`?`, ...(arg ? { span: arg.value.span, replacement: arg.value.kind === "Str" ? `"${sug}"` : sug } : {}) } : undefined,
    });
  }
}
