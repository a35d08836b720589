// One analysis of one document: the front end's result for its current text (diagnostics, AST,
// elaborated models), the type facts the elaborator recorded, and the symbol index of the document,
// of every file it imports and of the stdlib. Editor features only read it.
//
// Query API (offsets are into this document's text; see positions.ts to convert LSP positions):
//   diagnostics                → this file's diagnostics (the checker's, with related locations)
//   program                    → this file's AST (undefined only if the checker could not run)
//   nodeAt(offset)             → the AST path at an offset, outermost first (ast-walk.ts NodeRef)
//   referenceAt(offset)        → the name at an offset and the symbol it declares or refers to
//   definitionAt(offset)       → that symbol (its path and nameSpan say where it is declared)
//   referencesOf(symbol)       → every place naming it in this file, its imports and the stdlib
//   typeAt(offset)             → the innermost node at an offset with recorded values, and them
//   valuesAt(span)             → the values recorded for exactly this node (one per elaboration)
//   callsAt(span)              → layer/fn/model applications at a call site or pipeline stage
//   indexOf(path), sourceOf(path), linesOf(path) → per-file index, text and line table
//   files                      → absolute paths of the local files this document imports
import type * as A from "../parser/ast.js";
import { type Diagnostic, noSpan, type Span } from "../diag/diagnostic.js";
import { check, type FullCheck } from "../checker.js";
import { loadPrelude, type Prelude } from "../elab/modules.js";
import type { CallRecord } from "../elab/recorder.js";
import type { Module, V } from "../elab/values.js";
import { type NodeRef, nodePath } from "./ast-walk.js";
import { LineIndex, spanFilePath } from "./positions.js";
import { indexModule, type ModuleLookup, type NnSymbol, type Reference, SymbolIndex } from "./symbol-index.js";
import { TypeFacts } from "./type-facts.js";

/** A reference together with the file it is in. */
export interface Located extends Reference {
  path: string;
}

/** Where facts about a document's spans can come from besides its own analysis. */
export interface FactSource {
  valuesAt(span: Span): V[];
  callsAt(span: Span): CallRecord[];
  callsIn(): CallRecord[];
}

export interface TypeAt {
  node: NodeRef;
  span: Span;
  values: V[];
}

let stdlibCache: { prelude: Prelude; indices: Map<string, SymbolIndex> } | undefined;

/** The stdlib's symbol indices, built once per process (its files never change while we run). */
export function stdlibIndices(): Map<string, SymbolIndex> {
  const prelude = loadPrelude();
  if (stdlibCache?.prelude === prelude) return stdlibCache.indices;
  const lookup: ModuleLookup = { prelude, userModule: () => undefined };
  const indices = new Map<string, SymbolIndex>();
  for (const m of prelude.modules.values()) {
    const idx = indexModule(m, lookup);
    indices.set(idx.path, idx);
  }
  stdlibCache = { prelude, indices };
  return indices;
}

export class Analysis {
  readonly result: FullCheck;
  readonly facts = new TypeFacts();
  readonly diagnostics: Diagnostic[];
  readonly lines: LineIndex;
  /** Absolute paths of the local files this document imports, directly or not. */
  readonly files = new Set<string>();
  private indices = new Map<string, SymbolIndex>();
  private userModules = new Map<string, Module>();

  /** `overlay`: absolute path → the unsaved text of every open document (imports read it). */
  constructor(readonly uri: string, readonly path: string, readonly text: string, readonly version: number, overlay?: ReadonlyMap<string, string>) {
    this.lines = new LineIndex(text);
    this.result = runCheck(path, text, overlay, this.facts);
    for (const m of this.result.modules) {
      const p = spanFilePath(m.file);
      this.userModules.set(p, m);
      if (p !== path) this.files.add(p);
    }
    this.diagnostics = this.result.diagnostics.filter((d) => spanFilePath(d.span.file) === path);
  }

  get program(): A.Program | undefined {
    return this.result.module?.program;
  }

  /** The span file name the checker uses for this document (its absolute path). */
  get spanFile(): string {
    return this.result.module?.file ?? this.path;
  }

  nodeAt(offset: number): NodeRef[] {
    return this.program ? nodePath(this.program, offset) : [];
  }

  /** The symbol index of a file of this analysis: the document, an imported file or a stdlib file. */
  indexOf(p: string): SymbolIndex | undefined {
    const std = stdlibIndices().get(p);
    if (std) return std;
    let idx = this.indices.get(p);
    if (!idx) {
      const m = this.userModules.get(p);
      if (!m) return undefined;
      const lookup: ModuleLookup = { prelude: loadPrelude(), userModule: (x) => this.userModules.get(x) };
      this.indices.set(p, (idx = indexModule(m, lookup)));
    }
    return idx;
  }

  get index(): SymbolIndex {
    return this.indexOf(this.path) ?? new SymbolIndex(this.path, [], []);
  }

  referenceAt(offset: number): Reference | undefined {
    return this.index.referenceAt(offset);
  }

  definitionAt(offset: number): NnSymbol | undefined {
    return this.referenceAt(offset)?.symbol;
  }

  /** Every place naming `symbol` among the files this analysis knows: the document, its imports, the stdlib. */
  referencesOf(symbol: NnSymbol): Located[] {
    const out: Located[] = [];
    const paths = new Set<string>([this.path, ...this.files]);
    // Local names never leave their file; top-level ones may be used anywhere.
    if (symbol.kind === "definition" || symbol.kind === "file") for (const p of stdlibIndices().keys()) paths.add(p);
    else paths.add(symbol.path);
    for (const p of paths) {
      for (const r of this.indexOf(p)?.referencesTo(symbol.id) ?? []) out.push({ ...r, path: p });
    }
    return out;
  }

  /**
   * Facts about this file that other analyses recorded: a stdlib file opened in the editor shows how
   * the open models use it (set by the workspace; spans are this document's).
   */
  borrowed?: FactSource;

  valuesAt(span: Span): V[] {
    const own = this.facts.valuesAt(span);
    return own.length || !this.borrowed ? own : this.borrowed.valuesAt(span);
  }

  callsAt(span: Span): CallRecord[] {
    const own = this.facts.callsAt(span);
    return own.length || !this.borrowed ? own : this.borrowed.callsAt(span);
  }

  /** Every call recorded in this document. */
  callsIn(): CallRecord[] {
    const own = this.facts.callsIn(this.spanFile);
    return own.length || !this.borrowed ? own : this.borrowed.callsIn();
  }

  /** The innermost node at `offset` that has recorded values. */
  typeAt(offset: number): TypeAt | undefined {
    const nodes = this.nodeAt(offset);
    for (let i = nodes.length - 1; i > 0; i--) {
      const node = nodes[i]!;
      if (node.tag !== "expr" && node.tag !== "ident" && node.tag !== "dim") continue;
      const values = this.valuesAt(node.node.span);
      if (values.length) return { node, span: node.node.span, values };
    }
    return undefined;
  }

  /** The text of a file this analysis read (the document, an import, a stdlib file). */
  sourceOf(p: string): string | undefined {
    if (p === this.path) return this.text;
    for (const [file, text] of this.result.sources) if (spanFilePath(file) === p) return text;
    return undefined;
  }

  private lineCache = new Map<string, LineIndex>();
  linesOf(p: string): LineIndex | undefined {
    if (p === this.path) return this.lines;
    let li = this.lineCache.get(p);
    if (!li) {
      const t = this.sourceOf(p);
      if (t === undefined) return undefined;
      this.lineCache.set(p, (li = new LineIndex(t)));
    }
    return li;
  }
}

function runCheck(file: string, text: string, overlay: ReadonlyMap<string, string> | undefined, facts: TypeFacts): FullCheck {
  try {
    return check(file, text, { overlay, recorder: facts });
  } catch (e) {
    // check() reports its own failures; this catches anything before it could (the stdlib missing).
    const d: Diagnostic = { code: "E9999", severity: "error", message: `internal compiler error: ${(e as Error).message}`, span: noSpan(file) };
    return { entry: file, diagnostics: [d], sources: new Map([[file, text]]), summaries: [], irText: "", models: new Map(), modules: [] };
  }
}
