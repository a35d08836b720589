// Name resolution for editor features: every declaration in a file (top-level definitions and
// datasets, parameters, lets, `param`/`state` declarations, lambda parameters, dimension names bound
// in types) and every name that refers to one, resolved across imported files and into the stdlib.
//
// It follows the elaborator's scoping without elaborating: a definition's configuration parameters,
// then its inputs (dimension names are declared where they first appear in an input type), then its
// body's blocks; top-level names come from the module's scope (its own definitions, imports, the
// stdlib). Named arguments refer to the parameters of the definition called.
import * as path from "node:path";
import type * as A from "../parser/ast.js";
import type { Span } from "../diag/diagnostic.js";
import type { Module } from "../elab/values.js";
import type { Prelude } from "../elab/modules.js";
import { spanFilePath } from "./positions.js";

export type SymbolKind =
  | "definition" | "dataset" | "parameter" | "input" | "let" | "param" | "state" | "dimension" | "lambda-parameter" | "file";

export interface NnSymbol {
  /** Stable across analyses while the text is unchanged: `<absolute path>#<offset of the name>`. */
  id: string;
  name: string;
  kind: SymbolKind;
  /** For definitions: layer, model, fn, loss, … */
  defKind?: A.DefinitionKind;
  /** The absolute path of the file that declares it. */
  path: string;
  /** Where the name is written in its declaration (for a file: the start of that file). */
  nameSpan: Span;
  /** The whole declaration (a definition, a parameter, a `let` statement, …). */
  declSpan: Span;
  /** The definition (or dataset) it is declared in, for everything but top-level declarations. */
  container?: NnSymbol;
  decl?: A.Definition | A.DatasetDecl | A.ParamDecl | A.LetStmt | A.ParamStmt;
  /** `///` documentation. */
  doc?: string;
  isStdlib: boolean;
}

export interface Reference {
  /** The name as written at this place. */
  span: Span;
  symbol: NnSymbol;
  /** True where the symbol is declared (its name in the declaration). */
  isDeclaration: boolean;
}

/** Symbols and references of one file. */
export class SymbolIndex {
  private sorted: Reference[];

  constructor(readonly path: string, readonly symbols: NnSymbol[], readonly references: Reference[]) {
    this.sorted = [...references].sort((a, b) => a.span.start - b.span.start);
  }

  /** The reference (or declaration) whose name is at `offset`; a cursor just after a name counts. */
  referenceAt(offset: number): Reference | undefined {
    let touching: Reference | undefined;
    for (const r of this.sorted) {
      if (r.span.start > offset) break;
      if (offset < r.span.end) return r;
      if (offset === r.span.end) touching = r;
    }
    return touching;
  }

  /** Every place in this file that names the symbol with this id, its declaration included. */
  referencesTo(id: string): Reference[] {
    return this.sorted.filter((r) => r.symbol.id === id);
  }
}

// One symbol object per declaring name node: stdlib ASTs are shared by every analysis, so their
// symbols are too; a user file's AST (and so its symbols) lives as long as its analysis.
const symbolCache = new WeakMap<A.Ident, NnSymbol>();

export function declare(kind: SymbolKind, name: A.Ident, declSpan: Span, extra: Partial<NnSymbol> = {}): NnSymbol {
  let s = symbolCache.get(name);
  if (s) return s;
  const p = spanFilePath(name.span.file);
  s = { id: `${p}#${name.span.start}`, name: name.name, kind, path: p, nameSpan: name.span, declSpan, isStdlib: name.span.file.startsWith("stdlib/"), ...extra };
  symbolCache.set(name, s);
  return s;
}

export function definitionSymbol(d: A.Definition): NnSymbol {
  return declare("definition", d.name, d.span, { defKind: d.defKind, decl: d, doc: d.doc });
}

function parameterSymbol(p: A.ParamDecl, owner: NnSymbol | undefined, kind: SymbolKind): NnSymbol {
  return declare(kind, p.name, p.span, { decl: p, container: owner });
}

/** The parameter a named argument `name = …` of a call to `d` refers to. */
export function parameterOf(d: A.Definition, name: string, configured: boolean): A.ParamDecl | undefined {
  const lists = configured || !d.config ? [d.inputs ?? []] : [d.config, d.inputs ?? []];
  for (const l of lists) {
    const p = l.find((x) => x.name.name === name);
    if (p) return p;
  }
  return undefined;
}

export function parameterSymbolOf(d: A.Definition, p: A.ParamDecl): NnSymbol {
  return parameterSymbol(p, definitionSymbol(d), d.config?.includes(p) ? "parameter" : "input");
}

function fileSymbol(absPath: string, label: string): NnSymbol {
  const span: Span = { file: absPath, start: 0, end: 0, line: 1, col: 1, endLine: 1, endCol: 1 };
  return { id: `${absPath}#file`, name: label, kind: "file", path: absPath, nameSpan: span, declSpan: span, isStdlib: false };
}

class Scope {
  private names = new Map<string, NnSymbol>();
  constructor(readonly parent?: Scope, readonly owner?: NnSymbol) {}
  get(name: string): NnSymbol | undefined {
    return this.names.get(name) ?? this.parent?.get(name);
  }
  set(s: NnSymbol): void {
    this.names.set(s.name, s);
  }
}

/** Where imported names live: the prelude's modules and every user module of the analysis. */
export interface ModuleLookup {
  prelude: Prelude;
  /** The loaded user module for an absolute path. */
  userModule(absPath: string): Module | undefined;
}

/** Builds the index of one module. */
export function indexModule(mod: Module, lookup: ModuleLookup): SymbolIndex {
  return new Indexer(mod, lookup).run();
}

class Indexer {
  private symbols: NnSymbol[] = [];
  private refs: Reference[] = [];
  private datasets = new Map<string, NnSymbol>();

  constructor(private mod: Module, private lookup: ModuleLookup) {}

  run(): SymbolIndex {
    const items = this.mod.program.items;
    for (const it of items) {
      if (it.kind === "Dataset" && it.name.name !== "<missing>") this.datasets.set(it.name.name, declare("dataset", it.name, it.span, { decl: it, doc: it.doc }));
    }
    for (const it of items) {
      if (it.kind === "Import") this.importDecl(it);
      else if (it.kind === "Definition") this.definition(it);
      else if (it.kind === "Dataset") this.dataset(it);
      else this.train(it);
    }
    return new SymbolIndex(spanFilePath(this.mod.file), this.symbols, this.refs);
  }

  private ref(span: Span, symbol: NnSymbol): void {
    this.refs.push({ span, symbol, isDeclaration: false });
  }

  private decl(name: A.Ident, symbol: NnSymbol, scope?: Scope): void {
    if (name.name === "<missing>") return;
    this.symbols.push(symbol);
    this.refs.push({ span: name.span, symbol, isDeclaration: true });
    scope?.set(symbol);
  }

  /** A top-level name: the module's scope holds its definitions, imports and the stdlib. */
  private topLevel(name: string): NnSymbol | undefined {
    const v = this.mod.scope.get(name);
    return v?.k === "def" ? definitionSymbol(v.ref.def) : undefined;
  }

  private resolve(name: string, scope: Scope | undefined): NnSymbol | undefined {
    return scope?.get(name) ?? this.topLevel(name);
  }

  private importDecl(imp: A.ImportDecl): void {
    if (imp.path === "<missing>") return;
    let defs: A.Definition[] = [];
    if (imp.isFile) {
      const target = path.resolve(path.dirname(spanFilePath(this.mod.file)), imp.path);
      this.ref(imp.pathSpan, fileSymbol(target, imp.path));
      defs = definitionsOf(this.lookup.userModule(target));
    } else {
      const m = this.lookup.prelude.modules.get(imp.path);
      if (m) this.ref(imp.pathSpan, fileSymbol(spanFilePath(m.file), imp.path));
      defs = definitionsOf(m);
    }
    for (const n of imp.names ?? []) {
      const d = defs.find((x) => x.name.name === n.name);
      if (d) this.ref(n.span, definitionSymbol(d));
    }
  }

  private definition(d: A.Definition): void {
    const owner = definitionSymbol(d);
    this.decl(d.name, owner);
    const scope = new Scope(undefined, owner);
    for (const p of d.config ?? []) {
      if (p.default) this.expr(p.default, scope);
      this.type(p.type, scope, false);
      this.decl(p.name, parameterSymbol(p, owner, "parameter"), scope);
    }
    for (const p of d.inputs ?? []) this.input(p, scope, owner, "input");
    this.type(d.returnType, scope, true);
    if (d.body) this.block(d.body, scope);
    for (const a of d.alternatives ?? []) {
      const s = this.topLevel(a.name);
      if (s) this.ref(a.span, s);
    }
  }

  private input(p: A.ParamDecl, scope: Scope, owner: NnSymbol | undefined, kind: SymbolKind): void {
    // Dimension names are bound by the input's type, then the input itself.
    this.type(p.type, scope, true);
    if (p.default) this.expr(p.default, scope);
    this.decl(p.name, parameterSymbol(p, owner, kind), scope);
  }

  /** Dimension names in a type: references when bound, else (where types bind names) declarations. */
  private type(t: A.TypeExpr | undefined, scope: Scope, binds: boolean): void {
    if (!t) return;
    if (t.kind === "ListType") return this.type(t.element, scope, binds);
    if (t.kind !== "TensorType") return;
    const visit = (d: A.DimExpr): void => {
      if (d.kind === "DimBin") {
        visit(d.left);
        visit(d.right);
      } else if (d.kind === "DimName" && d.name !== "<missing>") {
        const known = scope.get(d.name);
        if (known) this.ref(d.span, known);
        else if (binds) {
          const name: A.Ident = identOf(d);
          this.decl(name, declare("dimension", name, t.span, { container: scope.owner }), scope);
        }
      }
    };
    t.dims.forEach(visit);
  }

  private block(b: A.Block, parent: Scope): void {
    const scope = new Scope(parent, parent.owner);
    for (const s of b.stmts) {
      if (s.kind === "Let") {
        this.expr(s.value, scope);
        this.type(s.type, scope, true);
        this.decl(s.name, declare("let", s.name, s.span, { decl: s, container: scope.owner }), scope);
      } else if (s.kind === "Param") {
        this.type(s.type, scope, false);
        if (s.init) this.expr(s.init, scope);
        for (const o of s.options) this.expr(o.value, scope);
        this.decl(s.name, declare(s.trainable ? "param" : "state", s.name, s.span, { decl: s, doc: s.doc, container: scope.owner }), scope);
      } else this.expr(s.expr, scope);
    }
    if (b.result) this.expr(b.result, scope);
  }

  private expr(e: A.Expr, scope: Scope | undefined): void {
    switch (e.kind) {
      case "Name": {
        const s = e.name === "prim" ? undefined : this.resolve(e.name, scope);
        if (s) this.ref(e.span, s);
        return;
      }
      case "Member": return this.expr(e.object, scope);
      case "Index": this.expr(e.object, scope); return this.expr(e.index, scope);
      case "Call":
        this.expr(e.callee, scope);
        this.namedArgs(e, scope);
        for (const a of e.args) this.expr(a.value, scope);
        return;
      case "Pipe": this.expr(e.input, scope); return this.expr(e.stage, scope);
      case "Binary": this.expr(e.left, scope); return this.expr(e.right, scope);
      case "Unary": return this.expr(e.operand, scope);
      case "List": for (const i of e.items) this.expr(i, scope); return;
      case "Lambda": {
        const inner = new Scope(scope, scope?.owner);
        for (const p of e.params) this.input(p, inner, scope?.owner, "lambda-parameter");
        return this.block(e.body, inner);
      }
      case "If":
        this.expr(e.cond, scope);
        this.block(e.then, scope ?? new Scope());
        if (e.else) this.block(e.else, scope ?? new Scope());
        return;
      default:
        return;
    }
  }

  /** `dense(64, activation = relu)`: `activation` names a parameter of `dense`. */
  private namedArgs(call: A.Expr & { kind: "Call" }, scope: Scope | undefined): void {
    const configured = call.callee.kind === "Call";
    const head = configured ? (call.callee as A.Expr & { kind: "Call" }).callee : call.callee;
    if (head.kind !== "Name") return;
    const s = this.resolve(head.name, scope);
    const d = s?.kind === "definition" ? (s.decl as A.Definition) : undefined;
    if (!d) return;
    for (const a of call.args) {
      if (!a.name) continue;
      const p = parameterOf(d, a.name.name, configured);
      if (p) this.ref(a.name.span, parameterSymbolOf(d, p));
    }
  }

  private dataset(d: A.DatasetDecl): void {
    const sym = this.datasets.get(d.name.name);
    if (sym && sym.decl === d) this.decl(d.name, sym);
    if (d.source) this.expr(d.source, undefined);
    for (const s of d.settings) if (s.value) this.expr(s.value, undefined);
  }

  private train(t: A.TrainDecl): void {
    const m = this.topLevel(t.model.name);
    if (m) this.ref(t.model.span, m);
    // Data and validation may name datasets, which live beside the definitions.
    const scope = new Scope();
    for (const s of this.datasets.values()) scope.set(s);
    if (t.data) this.expr(t.data, scope);
    for (const s of t.settings) if (s.value) this.expr(s.value, scope);
    for (const c of t.calls) this.expr(c, scope);
  }
}

function definitionsOf(m: Module | undefined): A.Definition[] {
  return (m?.program.items ?? []).filter((i): i is A.Definition => i.kind === "Definition");
}

// Dimension names are DimExpr nodes, not Idents: one Ident per node keeps their symbols stable.
const dimIdents = new WeakMap<A.DimExpr, A.Ident>();
function identOf(d: A.DimExpr & { kind: "DimName" }): A.Ident {
  let id = dimIdents.get(d);
  if (!id) dimIdents.set(d, (id = { name: d.name, span: d.span }));
  return id;
}
