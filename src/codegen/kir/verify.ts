// The kernel-IR verifier: every renderer may assume what it checks (bound variables, declared locals,
// well-typed expressions, buffers that exist, inputs never written, parallel loops only outermost).
import type { KExpr, KProgram, KStep, KStmt, KType } from "./kir.js";
import { buffersOf, kernelsOf } from "./walk.js";

const COMPARE = new Set(["gt", "ge", "lt", "le", "eq"]);

export function verifyProgram(p: KProgram): string[] {
  const errors: string[] = [];
  const dims = new Set(p.dims.map((d) => `dim:${d}`));
  for (const b of p.buffers) if (b.kind === "temp" && b.offset === undefined) errors.push(`temp ${b.name} has no arena offset`);
  const inputs = new Set(p.inputs);

  const checkKernel = (name: string, body: KStmt[], seqVars: Set<string>) => {
    const err = (m: string) => errors.push(`${name}: ${m}`);
    const locals = new Map<string, KType>();
    const expr = (e: KExpr, vars: Set<string>): void => {
      switch (e.k) {
        case "var":
          if (!vars.has(e.name) && !dims.has(e.name) && !seqVars.has(e.name)) err(`unbound variable ${e.name}`);
          return;
        case "get":
          if (!locals.has(e.name)) err(`local ${e.name} read before it is declared`);
          else if (locals.get(e.name) !== e.t) err(`local ${e.name} is ${locals.get(e.name)}, read as ${e.t}`);
          return;
        case "load":
          if (!p.buffers[e.buf]) err(`load from unknown buffer ${e.buf}`);
          else if (p.buffers[e.buf]!.t !== e.t) err(`load of ${p.buffers[e.buf]!.name} (${p.buffers[e.buf]!.t}) typed ${e.t}`);
          if (e.idx.t !== "i64") err("a buffer index must be i64");
          if (e.count) {
            if (!e.lanes) err("a lane count needs a vector load");
            if (e.count.t !== "i64") err("a lane count must be i64");
            expr(e.count, vars);
          }
          return expr(e.idx, vars);
        case "un": case "splat": return expr(e.a, vars);
        case "cast": return expr(e.a, vars);
        case "rand": return expr(e.idx, vars);
        case "bin":
          if (e.a.t !== e.b.t) err(`${e.op} mixes ${e.a.t} and ${e.b.t}`);
          if (COMPARE.has(e.op) && e.t !== "bool") err(`${e.op} must give bool`);
          expr(e.a, vars);
          return expr(e.b, vars);
        case "select":
          if (e.c.t !== "bool") err("select needs a bool condition");
          if (e.a.t !== e.b.t) err(`select branches are ${e.a.t} and ${e.b.t}`);
          expr(e.c, vars); expr(e.a, vars); expr(e.b, vars);
          return;
        case "const": return;
      }
    };
    const stmts = (ss: KStmt[], vars: Set<string>, top: boolean) => {
      for (const s of ss) {
        switch (s.k) {
          case "for": {
            if (s.mode === "parallel" && !(top && s === ss[ss.length - 1] && ss.slice(0, -1).every((x) => x.k === "local"))) err(`parallel loop ${s.v} is not the kernel's last outermost statement after locals only`);
            if (vars.has(s.v)) err(`loop variable ${s.v} shadows another`);
            expr(s.n, vars);
            stmts(s.body, new Set([...vars, s.v]), false);
            break;
          }
          case "if":
            if (s.cond.t !== "bool") err("if needs a bool condition");
            expr(s.cond, vars);
            stmts(s.body, vars, false);
            break;
          case "store": {
            const b = p.buffers[s.buf];
            if (!b) err(`store to unknown buffer ${s.buf}`);
            else {
              if (inputs.has(s.buf)) err(`store to input buffer ${b.name}`);
              if (b.t !== s.value.t) err(`store of ${s.value.t} into ${b.name} (${b.t})`);
            }
            if (s.count) {
              if (!s.lanes) err("a lane count needs a vector store");
              if (s.count.t !== "i64") err("a lane count must be i64");
              expr(s.count, vars);
            }
            expr(s.idx, vars);
            expr(s.value, vars);
            break;
          }
          case "local":
            if (s.init.t !== s.t) err(`local ${s.name} is ${s.t}, initialised with ${s.init.t}`);
            expr(s.init, vars);
            locals.set(s.name, s.t);
            break;
          case "set":
            if (!locals.has(s.name)) err(`set of undeclared local ${s.name}`);
            else if (locals.get(s.name) !== s.value.t) err(`local ${s.name} is ${locals.get(s.name)}, set to ${s.value.t}`);
            expr(s.value, vars);
            break;
          case "prefetch":
            if (!p.buffers[s.buf]) err(`prefetch of unknown buffer ${s.buf}`);
            if (s.idx.t !== "i64") err("a buffer index must be i64");
            expr(s.idx, vars);
            break;
        }
      }
    };
    stmts(body, new Set(), true);
  };

  const step = (s: KStep, seqVars: Set<string>) => {
    if (s.k === "seq") {
      const inner = new Set([...seqVars, s.v]);
      s.body.forEach((x) => step(x, inner));
    } else checkKernel(s.kernel.name, s.kernel.body, seqVars);
  };
  p.steps.forEach((s) => step(s, new Set()));
  p.load.forEach((s) => step(s, new Set()));
  // Load kernels read parameters and write state only; steps only read state.
  const kinds = (ks: KStep[], f: (reads: Set<number>, writes: Set<number>) => void) => ks.forEach((s) => {
    const { reads, writes } = buffersOf(s);
    f(reads, writes);
  });
  kinds(p.load, (reads, writes) => {
    for (const b of reads) if (p.buffers[b]!.kind !== "input") errors.push(`load step reads ${p.buffers[b]!.name}, which is not an input`);
    for (const b of writes) if (p.buffers[b]!.kind !== "state") errors.push(`load step writes ${p.buffers[b]!.name}, which is not state`);
  });
  kinds(p.steps, (_, writes) => {
    for (const b of writes) if (p.buffers[b]!.kind === "state" && p.buffers[b]!.follows === undefined) errors.push(`a step writes state ${p.buffers[b]!.name}`);
  });
  // State that follows an output is written by the kernels that write that output, and only by them.
  const writers = (buf: number) => kernelsOf(p.steps).filter((k) => buffersOf({ k: "kernel", kernel: k }).writes.has(buf)).map((k) => k.name);
  for (const b of p.buffers) {
    if (b.follows === undefined) continue;
    if (b.kind !== "state") errors.push(`${b.name} follows an output but is not state`);
    else if (writers(b.id).join() !== writers(b.follows).join()) errors.push(`${b.name} is written by ${writers(b.id).join(", ") || "no kernel"}, not by the writers of ${p.buffers[b.follows]!.name}`);
  }
  return errors;
}
