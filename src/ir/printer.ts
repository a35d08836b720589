// Text form of the graph IR, used in golden tests and `nnc check --emit ir`.
import type { Attr, Graph, Value } from "./graph.js";
import { Dim } from "./dim.js";
import { typeToString } from "./types.js";

const v = (x: Value) => `%${x.id}`;

function attrToString(a: Attr): string {
  if (a instanceof Dim) return a.toString();
  if (Array.isArray(a)) return `[${(a as unknown[]).map((x) => (x instanceof Dim ? x.toString() : JSON.stringify(x))).join(", ")}]`;
  return JSON.stringify(a);
}

export function printGraph(g: Graph, indent = ""): string {
  const lines: string[] = [];
  const ins = g.inputs.map((x) => `${v(x)}${x.name ? ` "${x.name}"` : ""}: ${typeToString(x.type)}`).join(", ");
  lines.push(`${indent}graph ${g.name}(${ins}) {`);
  for (const p of g.params) {
    const init = Object.keys(p.init.args).length ? `${p.init.name}(${fmtArgs(p.init.args)})` : p.init.name;
    const reg = p.regularizer ? ` reg=${p.regularizer.name}(${fmtArgs(p.regularizer.args)})` : "";
    lines.push(`${indent}  ${p.trainable ? "param" : "state"} ${v(p.value)} "${p.name}": ${typeToString(p.value.type)} = ${init}${reg}`);
  }
  for (const n of g.nodes) {
    const attrs = Object.entries(n.attrs).map(([k, a]) => `${k}=${attrToString(a)}`).join(", ");
    const args = n.inputs.map(v).join(", ");
    const loc = `${n.span.line}:${n.span.col}`;
    const scope = n.scope ? ` @${n.scope}` : "";
    const extra = (n.extraOutputs ?? []).map((x) => `, ${v(x)}: ${typeToString(x.type)}`).join("");
    lines.push(`${indent}  ${v(n.output)}: ${typeToString(n.output.type)}${extra} = ${n.op}(${args}${attrs ? (args ? "; " : "") + attrs : ""})${scope}  # ${loc}`);
    if (n.body) lines.push(printGraph(n.body, indent + "    "));
  }
  for (const a of g.assertions) lines.push(`${indent}  assert ${a.kind}(${a.lhs}, ${a.rhs})  # ${a.message}`);
  lines.push(`${indent}  return ${g.outputs.map(v).join(", ")}`);
  lines.push(`${indent}}`);
  return lines.join("\n");
}

function fmtArgs(a: Record<string, number | string | boolean>): string {
  return Object.entries(a).map(([k, x]) => `${k}=${JSON.stringify(x)}`).join(", ");
}
