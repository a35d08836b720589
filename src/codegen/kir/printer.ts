// A readable dump of kernel IR: golden tests and `nnc compile --emit kernels` print it.
import type { KExpr, KProgram, KStep, KStmt } from "./kir.js";

const INFIX: Record<string, string> = { add: "+", sub: "-", mul: "*", div: "/", mod: "%", gt: ">", ge: ">=", lt: "<", le: "<=", eq: "==", and: "&&", or: "||" };

export function exprToString(e: KExpr, bufName: (b: number) => string = (b) => `b${b}`): string {
  const p = (x: KExpr) => exprToString(x, bufName);
  switch (e.k) {
    case "const": return e.t === "f32" ? (Number.isInteger(e.v) ? `${e.v}.0` : String(e.v)) : e.t === "bool" ? String(Boolean(e.v)) : String(e.v);
    case "var": return e.name.startsWith("dim:") ? e.name.slice(4) : e.name;
    case "load": return e.lanes ? `${bufName(e.buf)}[${p(e.idx)} +: ${e.lanes}${e.count ? ` < ${p(e.count)}` : ""}]` : `${bufName(e.buf)}[${p(e.idx)}]`;
    case "splat": return `splat${e.lanes}(${p(e.a)})`;
    case "un": return `${e.op}(${p(e.a)})`;
    case "bin": return INFIX[e.op] ? `(${p(e.a)} ${INFIX[e.op]} ${p(e.b)})` : `${e.op}(${p(e.a)}, ${p(e.b)})`;
    case "select": return `(${p(e.c)} ? ${p(e.a)} : ${p(e.b)})`;
    case "cast": return `${e.t}(${p(e.a)})`;
    case "rand": return `rand#${e.stream}(${p(e.idx)})`;
    case "get": return e.name;
  }
}

export function stmtsToString(body: KStmt[], bufName: (b: number) => string, indent = "  "): string[] {
  const out: string[] = [];
  const p = (e: KExpr) => exprToString(e, bufName);
  for (const s of body) {
    switch (s.k) {
      case "for":
        out.push(`${indent}${s.mode === "parallel" ? "parallel " : ""}for ${s.v} < ${p(s.n)}:`);
        out.push(...stmtsToString(s.body, bufName, indent + "  "));
        break;
      case "if":
        out.push(`${indent}if ${p(s.cond)}:`);
        out.push(...stmtsToString(s.body, bufName, indent + "  "));
        break;
      case "store": out.push(`${indent}${bufName(s.buf)}[${p(s.idx)}${s.lanes ? ` +: ${s.lanes}` : ""}${s.count ? ` < ${p(s.count)}` : ""}] ${s.accumulate ? "+=" : "="} ${p(s.value)}`); break;
      case "local": out.push(`${indent}${s.t}${s.lanes ? `x${s.lanes}` : ""} ${s.name} = ${p(s.init)}`); break;
      case "set": out.push(`${indent}${s.name} = ${p(s.value)}`); break;
      case "prefetch": out.push(`${indent}prefetch${s.write ? " for write" : ""} ${bufName(s.buf)}[${p(s.idx)}]`); break;
    }
  }
  return out;
}

function stepToString(s: KStep, bufName: (b: number) => string, indent: string): string[] {
  if (s.k === "seq") return [`${indent}seq ${s.v} < ${exprToString(s.n, bufName)}:`, ...s.body.flatMap((x) => stepToString(x, bufName, indent + "  "))];
  const k = s.kernel;
  return [
    `${indent}kernel ${k.name}  # ${k.origin.ops.join(" ")}${k.origin.lines.length ? `  @ ${k.origin.lines.join(", ")}` : ""}`,
    ...stmtsToString(k.body, bufName, indent + "  "),
  ];
}

/** The whole program: buffers (with arena offsets) and every kernel. */
export function programToString(p: KProgram): string {
  const bufName = (b: number) => p.buffers[b]!.name;
  const lines = [`program ${p.name}(${p.dims.join(", ")})  arena ${p.arenaBytes} bytes`];
  for (const b of p.buffers) lines.push(`  ${b.kind} ${b.name}: ${b.t}[${b.size}]${b.offset !== undefined ? ` @ ${b.offset}` : ""}`);
  if (p.load.length) {
    lines.push("load:");
    for (const s of p.load) lines.push(...stepToString(s, bufName, "  "));
    lines.push("step:");
  }
  for (const s of p.steps) lines.push(...stepToString(s, bufName, ""));
  return lines.join("\n") + "\n";
}

/** One line per kernel: name, fused ops and source lines (`nnc compile --emit kernels`). */
export function kernelList(p: KProgram): string {
  const out: string[] = [];
  const visit = (s: KStep, indent: string) => {
    if (s.k === "seq") {
      out.push(`${indent}seq ${exprToString(s.n)} steps:`);
      s.body.forEach((x) => visit(x, indent + "  "));
      return;
    }
    const k = s.kernel;
    const where = [...(k.origin.scopes.length ? [`[${k.origin.scopes.join(", ")}]`] : []), ...(k.origin.lines.length ? [`(${k.origin.lines.join(", ")})`] : [])];
    // A kernel the compiler adds on its own (the finite check) fuses no graph op.
    const ops = k.origin.ops.length ? `${k.origin.ops.length} op${k.origin.ops.length === 1 ? "" : "s"}: ${k.origin.ops.join(" ")}` : "no graph op";
    out.push(`${indent}${k.name.padEnd(28)} ${ops}${where.length ? `  ${where.join(" ")}` : ""}`);
  };
  if (p.load.length) {
    out.push("load (once per parameter load):");
    p.load.forEach((s) => visit(s, "  "));
    out.push("step:");
  }
  p.steps.forEach((s) => visit(s, ""));
  return out.join("\n") + "\n";
}
