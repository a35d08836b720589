// Structural checks of the graph IR: run after each pass in tests, so a pass that breaks the IR fails loudly.
import type { Graph, IRNode, Value } from "./graph.js";
import { PRIMS } from "./prims.js";
import { type TensorType, typesEqual, typeToString } from "./types.js";

/**
 * Checks that `g` is well formed: values are defined once and before use (scan bodies may also use values
 * of the enclosing graphs), every op is a primitive whose shape rule reproduces the node's output type,
 * scan bodies are step functions (carry, x_t) → carry, outputs are defined and parameters have constant
 * shapes. Returns the problems found, each prefixed with the graph path; empty when the graph is fine.
 */
export function verifyGraph(g: Graph): string[] {
  const problems: string[] = [];
  if (!g.outputs.length) problems.push(`${g.name}: the graph has no outputs`);
  verifyIn(g, new Map(), new Set(), g.name, problems);
  return problems;
}

const show = (v: Value | undefined) => (v ? `%${v.id}` : "%?");

/**
 * `outer`: values visible from enclosing graphs (id → value); `seen`: every id defined anywhere so far
 * (ids must be unique across nested graphs too, since a body may refer to outer values by id).
 */
function verifyIn(g: Graph, outer: ReadonlyMap<number, Value>, seen: Set<number>, where: string, problems: string[]): void {
  const report = (msg: string) => problems.push(`${where}: ${msg}`);
  const scope = new Map(outer);
  const define = (v: Value, what: string) => {
    if (!v || typeof v.id !== "number" || !v.type) {
      report(`${what} is not a value`);
      return;
    }
    if (seen.has(v.id)) report(`value ${show(v)} (${what}) is defined more than once`);
    seen.add(v.id);
    scope.set(v.id, v);
  };
  const use = (v: Value | undefined, what: string) => {
    if (!v) {
      report(`${what} is missing`);
      return;
    }
    const def = scope.get(v.id);
    if (!def) report(`${what} uses ${show(v)} before it is defined`);
    else if (def !== v && !typesEqual(def.type, v.type)) {
      report(`${what} uses ${show(v)} as ${typeToString(v.type)}, but it is defined as ${typeToString(def.type)}`);
    }
  };

  for (const v of g.inputs) define(v, `input ${v?.name ?? ""}`.trim());
  for (const p of g.params) {
    define(p.value, `param "${p.name}"`);
    const bad = p.value?.type?.shape.filter((d) => !d.isConst) ?? [];
    if (bad.length) report(`param "${p.name}" has a non-constant shape ${typeToString(p.value.type)}`);
    if (p.value?.name !== undefined && p.value.name !== p.name) report(`param "${p.name}" names its value "${p.value.name}"`);
  }

  for (const n of g.nodes) {
    const label = `node ${show(n.output)} = ${n.op}`;
    if (n.id !== n.output?.id) report(`${label}: node id ${n.id} differs from its output id`);
    n.inputs.forEach((v, i) => use(v, `${label} (input ${i})`));
    checkNode(n, label, report);
    if (n.op === "scan") checkScan(n, label, scope, seen, `${where}/${label}`, report, problems);
    else if (n.op === "scan_grad") {
      if (!n.body) report(`${label}: scan_grad needs its gradient body`);
      else verifyIn(n.body, scope, seen, `${where}/${label}`, problems);
    } else if (n.body) report(`${label}: only scan nodes have a body`);
    if (n.extraOutputs && n.op !== "scan_grad") report(`${label}: only scan_grad has several results`);
    define(n.output, label);
    n.extraOutputs?.forEach((v, i) => define(v, `${label} (result ${i + 1})`));
  }

  g.outputs.forEach((v, i) => use(v, `output ${i}`));
}

/** Re-runs the op's shape rule on the node's inputs and compares with the recorded output type. */
function checkNode(n: IRNode, label: string, report: (m: string) => void): void {
  const sig = PRIMS.get(n.op);
  if (!sig) {
    report(`${label}: unknown op \`${n.op}\``);
    return;
  }
  if (!n.output?.type || n.inputs.some((v) => !v?.type)) return;
  let r;
  try {
    r = sig.infer(n.inputs.map((v) => v.type), n.attrs);
  } catch (e) {
    report(`${label}: the shape rule threw: ${(e as Error).message}`);
    return;
  }
  if (r.error) report(`${label}: the shape rule rejects the node: ${r.error.code} ${r.error.message}`);
  else if (!r.type) report(`${label}: the shape rule gives no type`);
  else if (!typesEqual(r.type, n.output.type)) {
    report(`${label}: output is ${typeToString(n.output.type)}, but the shape rule gives ${typeToString(r.type)}`);
  }
}

function checkScan(
  n: IRNode, label: string, scope: ReadonlyMap<number, Value>, seen: Set<number>, where: string,
  report: (m: string) => void, problems: string[],
): void {
  const body = n.body;
  if (!body) {
    report(`${label}: scan has no body`);
    return;
  }
  const [init, xs] = n.inputs;
  if (n.inputs.length !== 2 || !init?.type || !xs?.type) {
    report(`${label}: scan takes 2 inputs (init, xs), found ${n.inputs.length}`);
    return;
  }
  if (body.inputs.length !== 2) report(`${label}: scan body takes ${body.inputs.length} inputs, expected 2 (carry, x_t)`);
  else {
    const [carry, xt] = body.inputs as [Value, Value];
    expectType(report, `${label}: scan body carry`, carry?.type, init.type);
    if (xs.type.shape.length >= 2) {
      const step: TensorType = { dtype: xs.type.dtype, shape: [xs.type.shape[0]!, ...xs.type.shape.slice(2)] };
      expectType(report, `${label}: scan body x_t`, xt?.type, step);
    }
  }
  if (body.outputs.length !== 1) report(`${label}: scan body has ${body.outputs.length} outputs, expected 1 (the new carry)`);
  else expectType(report, `${label}: scan body output`, body.outputs[0]?.type, init.type);
  if (body.params.length) report(`${label}: scan body declares params; they belong to the model graph`);
  verifyIn(body, scope, seen, where, problems);
}

function expectType(report: (m: string) => void, what: string, got: TensorType | undefined, want: TensorType): void {
  if (!got) report(`${what} is missing`);
  else if (!typesEqual(got, want)) report(`${what} is ${typeToString(got)}, expected ${typeToString(want)}`);
}
