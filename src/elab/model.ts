// Elaborates one model definition into a graph: inputs get symbolic dimensions, the body is inlined.
import type * as A from "../parser/ast.js";
import { DiagnosticBag } from "../diag/diagnostic.js";
import { Dim, shapeToString } from "../ir/dim.js";
import { type Graph, newGraph } from "../ir/graph.js";
import { isDType, typeToString } from "../ir/types.js";
import type { ModelSummary } from "../driver.js";
import { Elaborator } from "./elaborate.js";
import { recordTypeDims } from "./recorder.js";
import { evalDim, matchTensorType, typeExprToString } from "./unify.js";
import { Env, intV, type Module, type V } from "./values.js";

export interface ElaboratedModel {
  graph: Graph;
  summary: ModelSummary;
  output?: V;
}

export function elaborateModel(def: A.Definition, mod: Module, bag: DiagnosticBag): ElaboratedModel | undefined {
  const graph = newGraph(def.name.name);
  const el = new Elaborator(bag, graph);
  const env = new Env(mod.scope);
  let ok = true;
  for (const p of def.inputs ?? []) {
    if (!p.type || p.type.kind !== "TensorType") {
      // A missing type is reported by the definition checks (E0105).
      if (p.type) bag.error("E0105", p.span, `model input \`${p.name.name}\` needs a tensor type such as f32[B, 28, 28]`);
      ok = false;
      continue;
    }
    if (!isDType(p.type.dtype)) {
      bag.error("E0214", p.type.span, `unknown element type \`${p.type.dtype}\``, { notes: ["element types: f16, f32, f64, i32, i64, bool"] });
      ok = false;
      continue;
    }
    const shape: Dim[] = [];
    for (const d of p.type.dims) {
      if (d.kind === "DimEllipsis") {
        bag.error("E0302", d.span, "a model input needs a fixed rank; `...` is only for layers", { fix: { message: "name each dimension, e.g. f32[B, 28, 28]" } });
        ok = false;
        continue;
      }
      if (d.kind === "DimName" && !env.has(d.name)) env.set(d.name, intV(Dim.sym(d.name)));
      const v = evalDim(d, env);
      if (!v) {
        bag.error("E0315", d.span, "model input dimensions must be numbers or names", { notes: [`found \`${typeExprToString(p.type)}\``] });
        ok = false;
        continue;
      }
      shape.push(v);
    }
    const val = el.newValue({ dtype: p.type.dtype, shape }, p.name.name);
    graph.inputs.push(val);
    env.set(p.name.name, { k: "tensor", val });
    el.recorder?.value(p.name.span, { k: "tensor", val });
    recordTypeDims(el.recorder, p.type, env);
  }
  if (!ok || !def.body) {
    return undefined;
  }
  const out = el.evalBlock(def.body, env, mod);
  recordTypeDims(el.recorder, def.returnType, env);
  if (out.k === "tensor") {
    graph.outputs.push(out.val);
    if (def.returnType && def.returnType.kind !== "TensorType") {
      bag.error("E0311", def.body.result?.span ?? def.span, `model \`${def.name.name}\` returns ${typeToString(out.val.type)}, but its signature says ${typeExprToString(def.returnType)}`, {
        notes: ["a model returns a tensor, e.g. -> f32[B, 10]"], related: [{ span: def.returnType.span, message: "the declared result type" }],
      });
    } else if (def.returnType?.kind === "TensorType") {
      const m = matchTensorType(def.returnType, out.val.type, env);
      if (m) {
        const want = def.returnType.dims.length;
        bag.error("E0311", def.body.result?.span ?? def.span,
          `model \`${def.name.name}\` returns ${typeToString(out.val.type)}, but its signature says ${typeExprToString(def.returnType)}`, {
            notes: m.notes,
            related: [{ span: def.returnType.span, message: "the declared result type" }],
            fix: out.val.type.shape.length > want ? { message: "insert `flatten` before the first `dense`, so dense layers see [B, features]" } : undefined,
          });
      }
    }
  } else if (out.k !== "error") {
    bag.error("E0311", def.body.result?.span ?? def.span, `a model must return a tensor, found ${out.k}`);
  }
  let trainable = 0, nonTrainable = 0;
  for (const p of graph.params) {
    const n = p.value.type.shape.reduce((a, d) => a * (d.value ?? 0), 1);
    if (p.trainable) trainable += n;
    else nonTrainable += n;
  }
  const summary: ModelSummary = {
    model: def.name.name,
    inputs: graph.inputs.map((v) => ({ name: v.name ?? "", type: typeToString(v.type) })),
    rows: el.rows.map((r) => ({
      name: r.name, type: r.type, outputShape: r.output ? shapeToString(r.output.shape) : "?",
      params: r.trainable + r.nonTrainable, trainable: r.trainable, nonTrainable: r.nonTrainable,
    })),
    total: trainable + nonTrainable, trainable, nonTrainable,
  };
  return { graph, summary, output: out };
}
