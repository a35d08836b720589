// The elaborator: evaluates .nn expressions at compile time, inlining layers into graph IR.
import type * as A from "../parser/ast.js";
import { DiagnosticBag, type Span } from "../diag/diagnostic.js";
import { type Attr, type Graph, type IRNode, newGraph, type Value } from "../ir/graph.js";
import { PRIMS, PRIM_META } from "../ir/prims.js";
import { type TensorType, typeToString } from "../ir/types.js";
import { bindArgs, type ArgIn } from "./args.js";
import { article, attrOf, calleeName, opSymbol, primParamDecl, sameConst } from "./helpers.js";
import { matchTensorType, typeExprToString, typeFromDecl } from "./unify.js";
import { activeRecorder, recordBinding, recordCall } from "./recorder.js";
import { describe, Env, ERR, intV, isCallable, type Module, plainArgs, suggest, type V } from "./values.js";

export interface RowBuilder { name: string; type: string; output?: TensorType; trainable: number; nonTrainable: number }

const BIN_PRIM: Record<string, [string, string]> = {
  "+": ["add", "add"], "-": ["sub", "subtract"], "*": ["mul", "multiply"], "/": ["div", "divide"], "@": ["matmul", "matmul"],
  ">": ["greater", "greater"], ">=": ["greater_equal", "greater_equal"], "<": ["less", "less"], "<=": ["less_equal", "less_equal"], "==": ["equal", "equal"],
};

export class Elaborator {
  private graphs: Graph[] = [];
  private nextId = 0;
  /** Continues numbering after an existing graph's values (passes that extend a model graph). */
  startIdsAt(n: number): void {
    this.nextId = Math.max(this.nextId, n);
  }
  private scopes: string[] = [];
  private counters = new Map<string, Map<string, number>>();
  /** 0 while evaluating a model's own body: calls there become summary rows. */
  private depth = 0;
  private row?: RowBuilder;
  rows: RowBuilder[] = [];
  private callStack: string[] = [];
  readonly recorder = activeRecorder(); // tools' view of what was computed (recorder.ts)
  private muted = 0; // > 0 while evaluating synthetic expressions (primitive defaults)

  /** Bodiless (builtin) losses and metrics have no IR: only train-block checks may apply them. */
  constructor(readonly bag: DiagnosticBag, readonly root: Graph = newGraph("main"), readonly allowBuiltins = false) {
    this.graphs.push(root);
  }

  get graph(): Graph {
    return this.graphs[this.graphs.length - 1]!;
  }

  // ---------- values and nodes ----------

  newValue(type: TensorType, name?: string): Value {
    return { id: this.nextId++, type, name };
  }

  /** Emits a primitive node after checking its shape rule; reports and returns ERR on failure. */
  emit(op: string, inputs: Value[], attrs: Record<string, Attr>, span: Span, body?: Graph): V {
    const sig = PRIMS.get(op)!;
    const r = sig.infer(inputs.map((i) => i.type), attrs);
    if (r.error) {
      this.bag.error(r.error.code, span, r.error.message, { notes: r.error.notes, fix: r.error.fix ? { message: r.error.fix } : undefined });
      return ERR;
    }
    for (const a of r.assertions ?? []) this.graph.assertions.push({ ...a, span });
    const out = this.newValue(r.type!);
    const node: IRNode = { id: out.id, op, inputs, attrs, output: out, span, scope: this.scopes.join("."), body };
    this.graph.nodes.push(node);
    return { k: "tensor", val: out };
  }

  private uniqueName(base: string): string {
    const key = this.scopes.join(".");
    let m = this.counters.get(key);
    if (!m) this.counters.set(key, (m = new Map()));
    const n = m.get(base) ?? 0;
    m.set(base, n + 1);
    return n === 0 ? base : `${base}_${n}`;
  }

  /** Runs `f` as one summary row when at model level (depth 0), and inside a named scope when `scoped`. */
  private withRow(base: string, type: string, scoped: boolean, f: () => V): V {
    const top = this.depth === 0;
    const name = scoped || top ? this.uniqueName(base) : "";
    let row: RowBuilder | undefined;
    const saved = this.row;
    if (top) {
      row = { name, type, trainable: 0, nonTrainable: 0 };
      this.rows.push(row);
      this.row = row;
    }
    if (scoped) this.scopes.push(name);
    this.depth++;
    try {
      const v = f();
      if (row && v.k === "tensor") row.output = v.val.type;
      return v;
    } finally {
      this.depth--;
      if (scoped) this.scopes.pop();
      if (top) this.row = saved;
    }
  }

  // ---------- blocks and statements ----------

  evalBlock(b: A.Block, env: Env, mod: Module): V {
    const local = new Env(env);
    for (const s of b.stmts) {
      if (s.kind === "Let") {
        const v = this.evalExpr(s.value, local, mod);
        if (s.type && v.k === "tensor") this.checkAnnotation(s.type, v, local, s.name.span, `\`${s.name.name}\``);
        recordBinding(this.recorder, s.name.span, v, s.type, local);
        if (local.hasOwn(s.name.name)) this.bag.error("E0101", s.name.span, `\`${s.name.name}\` is already defined in this block`);
        if (v.k === "tensor" && !v.val.name) v.val.name = s.name.name;
        local.set(s.name.name, v);
      } else if (s.kind === "Param") this.declareParam(s, local, mod);
      else this.evalExpr(s.expr, local, mod);
    }
    if (!b.result) {
      this.bag.error("E0402", b.span, "this block has no result expression", { notes: ["the last line of a body is its value, e.g. `x |> dense(10)`"] });
      return ERR;
    }
    return this.evalExpr(b.result, local, mod);
  }

  checkAnnotation(t: A.TypeExpr, v: V, env: Env, span: Span, what: string): void {
    if (t.kind !== "TensorType" || v.k !== "tensor") return;
    const m = matchTensorType(t, v.val.type, env);
    if (m) this.bag.error(m.code, span, `${what}: ${m.message}`, { notes: m.notes });
  }

  private declareParam(s: A.ParamStmt, env: Env, mod: Module): void {
    if (!s.type || s.type.kind !== "TensorType") {
      this.bag.error("E0312", s.span, `parameter \`${s.name.name}\` needs a tensor type such as f32[N, units]`);
      env.set(s.name.name, ERR);
      return;
    }
    const t = typeFromDecl(s.type, env);
    if (typeof t === "string" || t.shape.some((d) => !d.isConst)) {
      this.bag.error("E0312", s.type.span, `the shape of parameter \`${s.name.name}\` must be known at compile time: ${typeof t === "string" ? t : typeToString(t)}`, {
        notes: ["parameter dimensions may use configuration values and input dimensions other than the batch"],
      });
      env.set(s.name.name, ERR);
      return;
    }
    if (t.shape.some((d) => (d.value ?? 1) <= 0)) {
      this.bag.error("E0312", s.type.span, `parameter \`${s.name.name}\` would have shape ${typeToString(t)}: every dimension must be positive`, {
        notes: ["a layer size such as `units` must be at least 1"],
      });
      env.set(s.name.name, ERR);
      return;
    }
    const initV = s.init ? this.evalExpr(s.init, env, mod) : undefined;
    let init: { name: string; args: Record<string, number | string | boolean> } = { name: "zeros", args: {} };
    if (initV) {
      const spec = this.specOf(initV, "initializer", s.init!.span, mod);
      if (spec) init = spec;
    }
    let regularizer: typeof init | undefined;
    for (const o of s.options) {
      const v = this.evalExpr(o.value, env, mod);
      if (o.key.name === "regularizer") {
        if (v.k !== "none") regularizer = this.specOf(v, "regularizer", o.value.span, mod);
      } else this.bag.error("E0211", o.key.span, `unknown parameter option \`${o.key.name}\``, { notes: ["the only option is `regularizer`"] });
    }
    const scope = this.scopes.join(".");
    const val = this.newValue(t, scope ? `${scope}.${s.name.name}` : s.name.name);
    this.root.params.push({ name: val.name!, value: val, trainable: s.trainable, init, regularizer, span: s.span });
    const count = t.shape.reduce((a, d) => a * (d.value ?? 0), 1);
    if (this.row) {
      if (s.trainable) this.row.trainable += count;
      else this.row.nonTrainable += count;
    }
    env.set(s.name.name, { k: "tensor", val });
    recordBinding(this.recorder, s.name.span, { k: "tensor", val }, s.type, env);
  }

  /** Name and plain arguments of an initializer/regularizer/optimizer/... value. */
  specOf(v: V, kind: A.DefinitionKind, span: Span, _mod: Module): { name: string; args: Record<string, number | string | boolean> } | undefined {
    if (v.k === "error") return undefined;
    if (v.k !== "def" || v.ref.def.defKind !== kind) {
      this.bag.error("E0214", span, `expected ${article(kind)} ${kind}, found ${describe(v)}`);
      return undefined;
    }
    return { name: v.ref.def.name.name, args: plainArgs(v.config ?? this.configure(v, [], span)) };
  }

  // ---------- expressions ----------

  evalExpr(e: A.Expr, env: Env, mod: Module): V {
    const v = this.evalExprNow(e, env, mod);
    if (this.recorder && !this.muted) this.recorder.value(e.span, v);
    return v;
  }

  private evalExprNow(e: A.Expr, env: Env, mod: Module): V {
    switch (e.kind) {
      case "Num": return e.isInt ? intV(e.value) : { k: "float", v: e.value };
      case "Str": return { k: "str", v: e.value };
      case "Bool": return { k: "bool", v: e.value };
      case "NoneLit": return { k: "none" };
      case "ErrorExpr": return ERR;
      case "Name": return this.lookup(e.name, e.span, env);
      case "List": return { k: "list", items: e.items.map((i) => this.evalExpr(i, env, mod)) };
      case "Lambda": return { k: "lambda", params: e.params, body: e.body, env, mod };
      case "Member": {
        const o = this.evalExpr(e.object, env, mod);
        if (o.k === "error") return ERR;
        if (o.k === "primns") {
          if (PRIMS.has(e.name.name) || (PRIM_META as readonly string[]).includes(e.name.name)) return { k: "prim", name: e.name.name };
          const s = suggest(e.name.name, [...PRIMS.keys(), ...PRIM_META]);
          this.bag.error("E0205", e.name.span, `\`prim.${e.name.name}\` is not a primitive`, { fix: s ? { message: `did you mean \`prim.${s}\`?`, span: e.name.span, replacement: s } : undefined });
          return ERR;
        }
        this.bag.error("E0205", e.name.span, `${describe(o)} has no member \`${e.name.name}\``);
        return ERR;
      }
      case "Index": {
        const o = this.evalExpr(e.object, env, mod);
        const i = this.evalExpr(e.index, env, mod);
        if (o.k === "error" || i.k === "error") return ERR;
        if (o.k !== "list" || i.k !== "int" || i.d.value === undefined) {
          this.bag.error("E0214", e.span, `only lists can be indexed, by a constant integer; found ${describe(o)}[${describe(i)}]`);
          return ERR;
        }
        const n = i.d.value < 0 ? o.items.length + i.d.value : i.d.value;
        const item = o.items[n];
        if (!item) {
          this.bag.error("E0308", e.index.span, `index ${i.d.value} is out of range for a list of ${o.items.length}`);
          return ERR;
        }
        return item;
      }
      case "If": {
        const c = this.evalExpr(e.cond, env, mod);
        if (c.k === "error") return ERR;
        if (c.k !== "bool") {
          this.bag.error("E0401", e.cond.span, `an \`if\` condition must be a compile-time bool, found ${describe(c)}`, { notes: ["for elementwise choices on tensors use prim.select(cond, a, b)"] });
          return ERR;
        }
        if (c.v) return this.evalBlock(e.then, env, mod);
        if (e.else) return this.evalBlock(e.else, env, mod);
        this.bag.error("E0401", e.span, "an `if` used as a value needs an `else` branch");
        return ERR;
      }
      case "Unary": {
        const v = this.evalExpr(e.operand, env, mod);
        if (v.k === "error") return ERR;
        if (e.op === "not") {
          if (v.k === "bool") return { k: "bool", v: !v.v };
        } else {
          if (v.k === "int") return intV(v.d.neg());
          if (v.k === "float") return { k: "float", v: -v.v };
          if (v.k === "tensor") return this.tensorOp("neg", [v.val], {}, e.span, "negate");
        }
        this.bag.error("E0214", e.span, `\`${e.op}\` does not apply to ${describe(v)}`);
        return ERR;
      }
      case "Binary": return this.binary(e.op, e.left, e.right, e.span, env, mod);
      case "Pipe": return this.pipe(e, env, mod);
      case "Call": return this.call(e, env, mod);
    }
  }

  private lookup(name: string, span: Span, env: Env): V {
    if (name === "prim") return { k: "primns" };
    const v = env.get(name);
    // `loss mean_squared_error = mse`: a one-name alias stands for its target.
    if (v?.k === "def" && v.ref.def.alternatives?.length === 1) return this.lookup(v.ref.def.alternatives[0]!.name, span, v.ref.module.scope);
    if (v) return v;
    const s = suggest(name, env.names());
    this.bag.error("E0201", span, `unknown name \`${name}\``, {
      fix: s ? { message: `did you mean \`${s}\`?`, span, replacement: s } : undefined,
    });
    return ERR;
  }

  private binary(op: string, le: A.Expr, re: A.Expr, span: Span, env: Env, mod: Module): V {
    const l = this.evalExpr(le, env, mod);
    const r = this.evalExpr(re, env, mod);
    if (l.k === "error" || r.k === "error") return ERR;
    if (op === "and" || op === "or") {
      if (l.k === "bool" && r.k === "bool") return { k: "bool", v: op === "and" ? l.v && r.v : l.v || r.v };
    } else if (l.k === "list" && r.k === "list" && op === "+") {
      return { k: "list", items: [...l.items, ...r.items] };
    } else if (l.k === "tensor" || r.k === "tensor") {
      if (op === "!=") {
        const eq = this.binary("==", le, re, span, env, mod);
        return eq.k === "tensor" ? this.tensorOp("sub", [this.constLike(1, eq.val.type.dtype, span), eq.val], {}, span, "not_equal") : eq;
      }
      const p = BIN_PRIM[op];
      if (!p) return this.badOp(op, l, r, span);
      const lt = l.k === "tensor" ? l.val : this.scalarTensor(l, r.k === "tensor" ? r.val.type.dtype : "f32", le.span);
      const rt = r.k === "tensor" ? r.val : this.scalarTensor(r, l.k === "tensor" ? l.val.type.dtype : "f32", re.span);
      if (!lt || !rt) return this.badOp(op, l, r, span);
      return this.tensorOp(p[0], [lt, rt], {}, span, p[1]);
    } else if (l.k === "int" && r.k === "int") {
      switch (op) {
        case "+": return intV(l.d.add(r.d));
        case "-": return intV(l.d.sub(r.d));
        case "*": return intV(l.d.mul(r.d));
        case "/":
          if (r.d.value === 0) { this.bag.error("E0214", span, "division by zero"); return ERR; }
          // Exact quotients stay integers; 1 / 255 is a float; symbolic quotients floor (as in types).
          if (l.d.exactDiv(r.d)) return intV(l.d.exactDiv(r.d)!);
          if (l.d.value !== undefined && r.d.value !== undefined) return { k: "float", v: l.d.value / r.d.value };
          return intV(l.d.floorDiv(r.d));
        case "==": return { k: "bool", v: l.d.equals(r.d) };
        case "!=": return { k: "bool", v: !l.d.equals(r.d) };
      }
      const a = l.d.value, b = r.d.value;
      if (a !== undefined && b !== undefined) {
        if (op === "<") return { k: "bool", v: a < b };
        if (op === "<=") return { k: "bool", v: a <= b };
        if (op === ">") return { k: "bool", v: a > b };
        if (op === ">=") return { k: "bool", v: a >= b };
      }
    } else if ((l.k === "int" || l.k === "float") && (r.k === "int" || r.k === "float")) {
      const a = l.k === "int" ? l.d.value : l.v, b = r.k === "int" ? r.d.value : r.v;
      if (a !== undefined && b !== undefined) {
        switch (op) {
          case "+": return { k: "float", v: a + b };
          case "-": return { k: "float", v: a - b };
          case "*": return { k: "float", v: a * b };
          case "/": return { k: "float", v: a / b };
          case "==": return { k: "bool", v: a === b };
          case "!=": return { k: "bool", v: a !== b };
          case "<": return { k: "bool", v: a < b };
          case "<=": return { k: "bool", v: a <= b };
          case ">": return { k: "bool", v: a > b };
          case ">=": return { k: "bool", v: a >= b };
        }
      }
    } else if (op === "==" || op === "!=") {
      const same = sameConst(l, r);
      if (same !== undefined) return { k: "bool", v: op === "==" ? same : !same };
    }
    return this.badOp(op, l, r, span);
  }

  private badOp(op: string, l: V, r: V, span: Span): V {
    this.bag.error("E0214", span, `\`${op}\` does not apply to ${describe(l)} and ${describe(r)}`);
    return ERR;
  }

  private scalarTensor(v: V, dtype: TensorType["dtype"], span: Span): Value | undefined {
    const n = v.k === "int" ? v.d.value : v.k === "float" ? v.v : undefined;
    if (n === undefined) return undefined;
    return this.constLike(n, dtype, span);
  }

  private constLike(n: number, dtype: TensorType["dtype"], span: Span): Value {
    const r = this.emit("const", [], { value: n, dtype }, span);
    return (r as { val: Value }).val;
  }

  /** A primitive tensor op from an operator; a summary row of its own at model level. */
  private tensorOp(op: string, ins: Value[], attrs: Record<string, Attr>, span: Span, rowName: string, body?: Graph): V {
    if (this.depth === 0) return this.withRow(rowName, opSymbol(op), false, () => this.emit(op, ins, attrs, span, body));
    return this.emit(op, ins, attrs, span, body);
  }

  // ---------- calls ----------

  private evalArgs(args: A.Arg[], env: Env, mod: Module): ArgIn[] {
    return args.map((a) => ({ name: a.name, value: this.evalExpr(a.value, env, mod), span: a.value.span }));
  }

  private call(e: A.Expr & { kind: "Call" }, env: Env, mod: Module): V {
    const callee = this.evalExpr(e.callee, env, mod);
    if (callee.k === "error") {
      this.evalArgs(e.args, env, mod);
      return ERR;
    }
    const args = this.evalArgs(e.args, env, mod);
    return this.callValue(callee, args, e.span, calleeName(e.callee));
  }

  callValue(callee: V, args: ArgIn[], span: Span, name: string): V {
    if (args.some((a) => a.value.k === "error")) return ERR;
    if (callee.k === "def") {
      const d = callee.ref.def;
      // First call of a definition with a configuration list binds the configuration.
      if (d.config && !callee.config) {
        const config = this.configure(callee, args, span);
        return config ? { k: "def", ref: callee.ref, config } : ERR;
      }
      if (!d.inputs) {
        this.bag.error("E0215", span, `${describe(callee)} is already configured and cannot be called again`);
        return ERR;
      }
      return this.apply(callee, args, span);
    }
    if (callee.k === "prim") return this.callPrim(callee.name, args, span);
    if (callee.k === "lambda") return this.apply(callee, args, span);
    this.bag.error("E0215", span, `\`${name}\` is ${describe(callee)}, which cannot be called`);
    return ERR;
  }

  /** Binds a definition's configuration list; reports bad arguments. */
  configure(v: V & { k: "def" }, args: ArgIn[], span: Span): Map<string, V> | undefined {
    const d = v.ref.def;
    const env = new Env(v.ref.module.scope);
    const bound = bindArgs(this, d.config ?? [], args, env, v.ref.module, span, d.name.name);
    if (!bound) return undefined;
    return bound;
  }

  private pipe(e: A.Expr & { kind: "Pipe" }, env: Env, mod: Module): V {
    const input = this.evalExpr(e.input, env, mod);
    const stage = e.stage;
    // Errors about the piped value point at the stage it flows into.
    const inArg: ArgIn = { value: input, span: stage.span };
    if (stage.kind === "Call") {
      const callee = this.evalExpr(stage.callee, env, mod);
      const args = this.evalArgs(stage.args, env, mod);
      if (callee.k === "error" || input.k === "error") return ERR;
      // `x |> dense(10)`: configuration, then input. `x |> f(a)` for a one-list callable means f(x, a).
      if (callee.k === "def" && callee.ref.def.config && !callee.config) {
        const configured = this.callValue(callee, args, stage.span, calleeName(stage.callee));
        return configured.k === "error" ? ERR : this.callValue(configured, [inArg], stage.span, calleeName(stage.callee));
      }
      if (isCallable(callee)) return this.callValue(callee, [inArg, ...args], stage.span, calleeName(stage.callee));
      const made = this.callValue(callee, args, stage.span, calleeName(stage.callee));
      return made.k === "error" ? ERR : this.callValue(made, [inArg], stage.span, calleeName(stage.callee));
    }
    const f = this.evalExpr(stage, env, mod);
    if (f.k === "error" || input.k === "error") return ERR;
    if (f.k === "def" && f.ref.def.config && !f.config) {
      // A bare layer name in a pipeline uses its defaults: `|> batchnorm`.
      const config = this.configure(f, [], stage.span);
      if (!config) return ERR;
      return this.callValue({ k: "def", ref: f.ref, config }, [inArg], stage.span, f.ref.def.name.name);
    }
    if (!isCallable(f) && !(f.k === "def" && f.ref.def.inputs)) {
      this.bag.error("E0215", stage.span, `a pipeline stage must be a layer or function, found ${describe(f)}`);
      return ERR;
    }
    return this.callValue(f, [inArg], stage.span, calleeName(stage));
  }

  /** Applies a layer/model/fn/loss/metric (or lambda) to its inputs by inlining its body. */
  apply(f: V & ({ k: "def" } | { k: "lambda" }), args: ArgIn[], span: Span): V {
    const params = f.k === "def" ? f.ref.def.inputs ?? [] : f.params;
    const mod = f.k === "def" ? f.ref.module : f.mod;
    const env = new Env(f.k === "def" ? f.ref.module.scope : f.env);
    const name = f.k === "def" ? f.ref.def.name.name : "fn";
    if (f.k === "def") for (const [k, v] of f.config ?? []) env.set(k, v);
    if (this.callStack.length > 64 || (f.k === "def" && this.callStack.includes(name) && f.ref.def.defKind !== "fn")) {
      this.bag.error("E0216", span, `\`${name}\` calls itself; recursive layers cannot be elaborated`);
      return ERR;
    }
    const bound = bindArgs(this, params, args, env, mod, span, name, true);
    if (!bound) return ERR;
    for (const [k, v] of bound) env.set(k, v);
    const def = f.k === "def" ? f.ref.def : undefined;
    const run = (): V => {
      if (!def) return this.evalBlock((f as { body: A.Block }).body, env, mod);
      if (!def.body) {
        if (this.allowBuiltins) return this.builtinResult(def, env, span);
        this.bag.error("E0217", span, `\`${name}\` is built into the training loop and cannot be called in a model`, {
          notes: [`use it in a train block: \`metrics = [${name}]\``],
        });
        return ERR;
      }
      this.callStack.push(name);
      const before = this.bag.items.length;
      try {
        const out = this.evalBlock(def.body, env, mod);
        this.redirectLibraryErrors(before, def, span);
        if (out.k === "tensor" && def.returnType?.kind === "TensorType") {
          const m = matchTensorType(def.returnType, out.val.type, env);
          if (m) this.returnMismatch(def, m.message, m.notes, out.val.type, span);
        }
        return out;
      } finally {
        this.callStack.pop();
      }
    };
    const body = this.recorder ? () => recordCall(this.recorder!, this.root, f, bound, env, span, run) : run;
    if (!def) return body();
    const scoped = def.defKind === "layer" || def.defKind === "model";
    return this.withRow(def.name.name, def.name.name, scoped, body);
  }

  /** Errors inside a stdlib body are reported where the user called it, pointing into the library. */
  private redirectLibraryErrors(from: number, def: A.Definition, call: Span): void {
    if (call.file.startsWith("stdlib/")) return;
    for (let i = from; i < this.bag.items.length; i++) {
      const d = this.bag.items[i]!;
      if (!d.span.file.startsWith("stdlib/")) continue;
      // The same complaint about the same call once is enough.
      if (this.bag.items.slice(from, i).some((x) => x.code === d.code && x.span.start === call.start && x.span.file === call.file)) {
        this.bag.items.splice(i--, 1);
        continue;
      }
      this.bag.items[i] = {
        ...d, span: call, message: `in \`${def.name.name}\`: ${d.message}`,
        related: [...(d.related ?? []), { span: d.span, message: `inside \`${def.name.name}\`` }],
      };
    }
  }

  private returnMismatch(def: A.Definition, message: string, notes: string[], actual: TensorType, span: Span): void {
    const decl = def.returnType!;
    const want = decl.kind === "TensorType" ? decl.dims.length : 0;
    const fix = actual.shape.length > want && def.defKind === "model"
      ? { message: "insert `flatten` before the first `dense` so dense layers see [B, features]" }
      : undefined;
    this.bag.error("E0311", def.defKind === "model" ? def.body?.result?.span ?? span : span,
      `${def.defKind} \`${def.name.name}\` returns ${typeToString(actual)}, but its signature says ${typeExprToString(decl)}: ${message}`,
      { notes, fix, related: [{ span: decl.span, message: "the declared result type" }] });
  }

  /** A builtin (bodiless) loss or metric: its signature is checked; the result is its declared type. */
  private builtinResult(def: A.Definition, env: Env, span: Span): V {
    if (def.returnType?.kind !== "TensorType") return { k: "tensor", val: this.newValue({ dtype: "f32", shape: [] }) };
    const t = typeFromDecl(def.returnType, env);
    if (typeof t === "string") {
      this.bag.error("E0315", span, `result of \`${def.name.name}\`: ${t}`);
      return ERR;
    }
    return { k: "tensor", val: this.newValue(t) };
  }

  // ---------- primitives ----------

  private callPrim(name: string, args: ArgIn[], span: Span): V {
    if (name === "rank" || name === "dim") {
      const t = args[0]?.value;
      if (t?.k !== "tensor") {
        this.bag.error("E0214", span, `prim.${name} needs a tensor, found ${t ? describe(t) : "nothing"}`);
        return ERR;
      }
      if (name === "rank") return intV(t.val.type.shape.length);
      const ax = args[1]?.value;
      const r = t.val.type.shape.length;
      const a = ax?.k === "int" && ax.d.value !== undefined ? (ax.d.value < 0 ? ax.d.value + r : ax.d.value) : -1;
      const d = t.val.type.shape[a];
      if (!d) { this.bag.error("E0308", span, `prim.dim: axis is out of range for ${typeToString(t.val.type)}`); return ERR; }
      return intV(d);
    }
    const sig = PRIMS.get(name)!;
    // Numbers passed where a primitive takes a tensor become scalar constants of the tensors' dtype.
    const dtype = args.find((a) => a.value.k === "tensor" && a.value.val.type.dtype !== "bool")?.value as { val: Value } | undefined;
    args = args.map((a, i) => {
      const p = a.name ? sig.params.find((x) => x.name === a.name!.name) : sig.params[i];
      if (p?.kind !== "tensor" || (a.value.k !== "int" && a.value.k !== "float")) return a;
      const t = this.scalarTensor(a.value, dtype?.val.type.dtype ?? "f32", a.span);
      return t ? { ...a, value: { k: "tensor", val: t } } : a;
    });
    this.muted++; // primitive defaults are synthetic expressions spanning the call, not source facts
    const bound = bindArgs(this, sig.params.map((p) => primParamDecl(p, span)), args, new Env(), undefined, span, `prim.${name}`);
    this.muted--;
    if (!bound) return ERR;
    const ins: Value[] = [];
    const attrs: Record<string, Attr> = {};
    let body: Graph | undefined;
    for (const p of sig.params) {
      const v = bound.get(p.name) ?? ERR;
      if (v.k === "error") return ERR;
      if (p.kind === "tensor") ins.push((v as { val: Value }).val);
      else if (p.kind === "tensors") ins.push(...(v as { items: V[] }).items.map((x) => (x as { val: Value }).val));
      else if (p.kind === "fn") continue;
      // `axes = none` means every axis: spelled out so back ends see a plain list.
      else if (p.name === "axes" && v.k === "none") attrs[p.name] = (ins[0]?.type.shape ?? []).map((_, i) => i);
      else attrs[p.name] = attrOf(v);
    }
    if (name === "scan") {
      body = this.scanBody(bound.get("body")!, ins[0]!, ins[1]!, span);
      if (!body) return ERR;
    }
    return this.tensorOp(name, ins, attrs, span, name, body);
  }

  /** Elaborates a scan's step function once, on a carry and one time step. */
  private scanBody(f: V, init: Value, xs: Value, span: Span): Graph | undefined {
    if (xs.type.shape.length < 2) {
      this.bag.error("E0314", span, `scan runs over axis 1 of a [B, T, ...] sequence, found ${typeToString(xs.type)}`);
      return undefined;
    }
    const g = newGraph("scan_step");
    const carry = this.newValue(init.type, "carry");
    const xt = this.newValue({ dtype: xs.type.dtype, shape: [xs.type.shape[0]!, ...xs.type.shape.slice(2)] }, "x_t");
    g.inputs.push(carry, xt);
    this.graphs.push(g);
    let out: V;
    try {
      out = this.callValue(f, [{ value: { k: "tensor", val: carry }, span }, { value: { k: "tensor", val: xt }, span }], span, "scan body");
    } finally {
      this.graphs.pop();
    }
    if (out.k !== "tensor") {
      if (out.k !== "error") this.bag.error("E0314", span, `a scan step must return the new carry tensor, found ${describe(out)}`);
      return undefined;
    }
    if (out.val.type.dtype !== init.type.dtype || out.val.type.shape.length !== init.type.shape.length || out.val.type.shape.some((d, i) => !d.equals(init.type.shape[i]!))) {
      this.bag.error("E0314", span, `a scan step must return a carry of the same type as the initial one: expected ${typeToString(init.type)}, found ${typeToString(out.val.type)}`);
      return undefined;
    }
    g.outputs.push(out.val);
    return g;
  }
}
