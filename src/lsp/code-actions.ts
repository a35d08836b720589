// Code actions: quick fixes for the errors the diagnostics already explain. A diagnostic whose fix
// carries a replacement (every "did you mean") is offered as is; shape errors get edits worked out
// from the AST and the recorded types (insert `flatten`, resize the last `dense`); unknown names get
// an import of the file or stdlib module that defines them.
import * as fs from "node:fs";
import * as path from "node:path";
import {
  type CodeAction, CodeActionKind, type CodeActionParams, type Diagnostic as LspDiagnostic, type Range, type TextEdit,
} from "vscode-languageserver/node";
import type * as A from "../parser/ast.js";
import type { Diagnostic } from "../diag/diagnostic.js";
import { loadPrelude } from "../elab/modules.js";
import { parseSource } from "../parser/parse.js";
import type { Analysis } from "./analysis.js";
import { type NodeRef, walk } from "./ast-walk.js";
import { toLspDiagnostic } from "./diagnostics.js";
import { spanFilePath } from "./positions.js";
import type { Feature } from "./server.js";

/** What the fixes need to know beyond the analysis: URIs of files and the unsaved text of open ones. */
export interface ActionContext {
  uriOf(p: string): string;
  overlay(): ReadonlyMap<string, string>;
}

/** One fix before it becomes an LSP action: `exact` fixes (the name exists as written) are preferred. */
interface Fix {
  title: string;
  edits: { start: number; end: number; text: string }[];
  exact?: boolean;
}

/** The quick fixes for this document's diagnostics that touch `range`. */
export function codeActions(a: Analysis, range: Range, ctx: ActionContext): CodeAction[] {
  const out: CodeAction[] = [];
  const from = a.lines.offsetAt(range.start), to = a.lines.offsetAt(range.end);
  for (const d of a.diagnostics) {
    if (d.span.end < from || d.span.start > to) continue;
    const fixes = fixesFor(a, d, ctx);
    if (!fixes.length) continue;
    const lsp = lspDiagnostic(a, d, ctx);
    // One obvious fix is preferred; among several, only those that use a name exactly as written.
    const exact = fixes.filter((f) => f.exact);
    for (const f of fixes) {
      const edits: TextEdit[] = [...f.edits].sort((x, y) => x.start - y.start).map((e) => ({ range: a.lines.range(e.start, e.end), newText: e.text }));
      const preferred = fixes.length === 1 || (exact.length === 1 && exact[0] === f);
      out.push({ title: f.title, kind: CodeActionKind.QuickFix, diagnostics: [lsp], isPreferred: preferred, edit: { changes: { [a.uri]: edits } } });
    }
  }
  return out;
}

/** The diagnostic exactly as the server published it (clients match actions to it). */
function lspDiagnostic(a: Analysis, d: Diagnostic, ctx: ActionContext): LspDiagnostic {
  return toLspDiagnostic(d, a.lines, (span) => {
    const p = spanFilePath(span.file);
    return { uri: ctx.uriOf(p), lines: a.linesOf(p) };
  });
}

function fixesFor(a: Analysis, d: Diagnostic, ctx: ActionContext): Fix[] {
  const fixes: Fix[] = [];
  const named = a.text.slice(d.span.start, d.span.end);
  if (d.code === "E0201" || d.code === "E0601") fixes.push(...localImports(a, named, ctx));
  if (d.code === "E0204") fixes.push(...stdlibImports(a, d));
  const replace = replacementFix(a, d);
  if (replace) fixes.push(replace);
  const message = d.fix?.message ?? "";
  const flatten = /insert `flatten` before (the first )?`(\w+)`/.exec(message);
  if (flatten) fixes.push(...insertFlatten(a, d, flatten[2]!, !!flatten[1]));
  else if (d.code === "E0311") fixes.push(...resizeResult(a, d));
  const classes = /make the last layer `dense\((\d+)\)`/.exec(message);
  if (d.code === "E0603" && classes) fixes.push(...resizeModel(a, Number(classes[1])));
  return fixes;
}

// ---- the checker's own replacement ----

function replacementFix(a: Analysis, d: Diagnostic): Fix | undefined {
  const f = d.fix;
  if (!f?.span || f.replacement === undefined || f.span.file !== d.span.file) return undefined;
  const old = a.text.slice(f.span.start, f.span.end);
  const title = old ? `Replace \`${old}\` with \`${f.replacement}\`` : `Insert \`${f.replacement}\``;
  return { title, edits: [{ start: f.span.start, end: f.span.end, text: f.replacement }] };
}

// ---- shapes ----

/** The top-level definition of this file around an offset. */
function definitionAt(a: Analysis, offset: number): A.Definition | undefined {
  return a.program?.items.find((i): i is A.Definition => i.kind === "Definition" && i.span.start <= offset && offset <= i.span.end);
}

/** A place where a tensor flows into a named layer: `x |> name(…)` or `name(…)(x)`. */
interface Site { input: A.Expr; stage: A.Expr; pipe: boolean }

const calleeName = (e: A.Expr): string | undefined =>
  e.kind === "Name" ? e.name : e.kind === "Call" && e.callee.kind === "Name" ? e.callee.name : undefined;

function sitesOf(def: A.Definition, name: string): Site[] {
  const sites: Site[] = [];
  if (!def.body) return sites;
  walk({ tag: "block", node: def.body }, (r: NodeRef) => {
    if (r.tag !== "expr") return;
    const e = r.node;
    if (e.kind === "Pipe" && calleeName(e.stage) === name) sites.push({ input: e.input, stage: e.stage, pipe: true });
    // `dense(10)(x)`: the configured layer applied to its input.
    if (e.kind === "Call" && e.callee.kind === "Call" && calleeName(e.callee) === name && e.args[0] && !e.args[0].name) {
      sites.push({ input: e.args[0].value, stage: e.callee, pipe: false });
    }
  });
  return sites.sort((x, y) => x.stage.span.start - y.stage.span.start);
}

/** The largest rank the expression had in any elaboration (undefined when it has no tensor value). */
function rankOf(a: Analysis, e: A.Expr): number | undefined {
  const ranks = a.valuesAt(e.span).flatMap((v) => (v.k === "tensor" ? [v.val.type.shape.length] : []));
  return ranks.length ? Math.max(...ranks) : undefined;
}

const declaredRank = (t: A.TypeExpr | undefined): number | undefined =>
  t?.kind === "TensorType" && !t.dims.some((d) => d.kind === "DimEllipsis") ? t.dims.length : undefined;

/**
 * `insert flatten before dense`: at the stage the diagnostic points to, or (for a model's result)
 * before the first use of the layer that sees more axes than the declared result has.
 */
function insertFlatten(a: Analysis, d: Diagnostic, layer: string, first: boolean): Fix[] {
  const def = definitionAt(a, d.span.start);
  if (!def) return [];
  const sites = sitesOf(def, layer);
  let site: Site | undefined;
  if (first) {
    const want = declaredRank(def.returnType);
    site = want === undefined ? undefined : sites.find((s) => (rankOf(a, s.input) ?? 0) > want);
  } else {
    site = sites.find((s) => s.stage.span.start <= d.span.start && d.span.start < s.stage.span.end)
      ?? sites.find((s) => s.input.span.start <= d.span.start && d.span.start < s.input.span.end);
  }
  if (!site) return [];
  const edits = site.pipe
    ? [{ start: site.stage.span.start, end: site.stage.span.start, text: "flatten |> " }]
    : [{ start: site.input.span.start, end: site.input.span.start, text: "flatten(" }, { start: site.input.span.end, end: site.input.span.end, text: ")" }];
  return [{ title: `Insert \`flatten\` before \`${layer}\``, edits }];
}

/** The `dense(…)` call that produces an expression's value, following `let` names in the same body. */
function producingDense(a: Analysis, def: A.Definition, e: A.Expr | undefined): (A.Expr & { kind: "Call" }) | undefined {
  for (let hops = 0; e && hops < 8; hops++) {
    if (e.kind === "Pipe") e = e.stage;
    else if (e.kind === "Call" && e.callee.kind === "Call") e = e.callee;
    else if (e.kind === "Name") {
      const s = a.definitionAt(e.span.start);
      const decl = s?.kind === "let" ? (s.decl as A.LetStmt) : undefined;
      if (!decl || decl.span.start < def.span.start || decl.span.end > def.span.end) return undefined;
      e = decl.value;
    } else return e.kind === "Call" && calleeName(e) === "dense" ? e : undefined;
  }
  return undefined;
}

/** The argument of a `dense` call that sets its units: `units = n` or the first positional one. */
const unitsArg = (call: A.Expr & { kind: "Call" }): A.Arg | undefined =>
  call.args.find((x) => x.name?.name === "units") ?? (call.args[0] && !call.args[0].name ? call.args[0] : undefined);

/** A model whose result has the declared rank but another last dimension, made by `dense(n)`: use the declared size. */
function resizeResult(a: Analysis, d: Diagnostic): Fix[] {
  const def = definitionAt(a, d.span.start);
  const result = def?.body?.result;
  const decl = def?.returnType;
  if (!def || !result || decl?.kind !== "TensorType" || d.span.start !== result.span.start || d.span.end !== result.span.end) return [];
  const last = decl.dims[decl.dims.length - 1];
  const ranks = a.valuesAt(result.span).flatMap((v) => (v.k === "tensor" ? [v.val.type.shape.length] : []));
  if (!last || last.kind === "DimEllipsis" || !ranks.length || ranks.some((r) => r !== decl.dims.length)) return [];
  const call = producingDense(a, def, result);
  const arg = call && unitsArg(call);
  const size = a.text.slice(last.span.start, last.span.end);
  if (!arg) return [];
  const old = a.text.slice(arg.value.span.start, arg.value.span.end);
  if (old === size) return [];
  return [{ title: `Change the size of \`dense\` from ${old} to ${size}`, edits: [{ start: arg.value.span.start, end: arg.value.span.end, text: size }] }];
}

/** The trained model (in this file) has as many outputs as the data has classes: its last `dense` and its declared result. */
function resizeModel(a: Analysis, classes: number): Fix[] {
  const train = a.program?.items.find((i): i is A.TrainDecl => i.kind === "Train");
  const def = a.program?.items.find((i): i is A.Definition => i.kind === "Definition" && i.defKind === "model" && i.name.name === train?.model.name);
  const call = def && producingDense(a, def, def.body?.result);
  const arg = call && unitsArg(call);
  if (!def || !arg) return [];
  const edits = [{ start: arg.value.span.start, end: arg.value.span.end, text: String(classes) }];
  const decl = def.returnType;
  const last = decl?.kind === "TensorType" ? decl.dims[decl.dims.length - 1] : undefined;
  if (last?.kind === "DimNum") edits.push({ start: last.span.start, end: last.span.end, text: String(classes) });
  return [{ title: `Make model \`${def.name.name}\` output ${classes} class scores`, edits }];
}

// ---- imports ----

/** Where a new import line goes: after the last import, else after the file's leading comments. */
function importInsertion(a: Analysis, line: string): { start: number; end: number; text: string } {
  const imports = a.program?.items.filter((i) => i.kind === "Import") ?? [];
  const last = imports[imports.length - 1];
  if (last) {
    const eol = a.text.indexOf("\n", last.span.end);
    return eol < 0 ? { start: a.text.length, end: a.text.length, text: `\n${line}` } : { start: eol + 1, end: eol + 1, text: `${line}\n` };
  }
  let offset = 0;
  // A file's header comment stays first; a `///` doc belongs to the definition below it.
  while (/^[ \t]*\/\/(?!\/)[^\n]*\n/.test(a.text.slice(offset))) offset = a.text.indexOf("\n", offset) + 1;
  const blankNext = /^[ \t]*(\r?\n|$)/.test(a.text.slice(offset));
  return { start: offset, end: offset, text: blankNext ? `${line}\n` : `${line}\n\n` };
}

/** Adds a name to an import's `.{…}` list. */
function addToList(imp: A.ImportDecl, name: string): { start: number; end: number; text: string } | undefined {
  const last = imp.names?.[imp.names.length - 1];
  return last ? { start: last.span.end, end: last.span.end, text: `, ${name}` } : undefined;
}

/** The other `.nn` files of the document's folder (unsaved text where open) that define `name` and do not import it back. */
function filesDefining(a: Analysis, name: string, ctx: ActionContext): string[] {
  const dir = path.dirname(a.path);
  const overlay = ctx.overlay();
  const paths = new Set([...overlay.keys()].filter((p) => path.dirname(p) === dir));
  try {
    for (const f of fs.readdirSync(dir)) if (f.endsWith(".nn")) paths.add(path.join(dir, f));
  } catch {
    // An unsaved document's folder may not exist: only open files can define names then.
  }
  const found: string[] = [];
  for (const p of [...paths].sort()) {
    if (p === a.path) continue;
    let text = overlay.get(p);
    try {
      text ??= fs.readFileSync(p, "utf8");
    } catch {
      continue;
    }
    const outline = outlineOf(p, text);
    if (outline.names.has(name) && !outline.imports.has(a.path)) found.push(p);
  }
  return found;
}

/** What a file defines and which local files it imports; parsed once per text (requests come on every cursor move). */
interface Outline { text: string; names: Set<string>; imports: Set<string> }
const outlines = new Map<string, Outline>();

function outlineOf(p: string, text: string): Outline {
  const known = outlines.get(p);
  if (known?.text === text) return known;
  const items = parseSource(text, p).program.items;
  const outline: Outline = {
    text,
    names: new Set(items.flatMap((i) => (i.kind === "Definition" ? [i.name.name] : []))),
    imports: new Set(items.flatMap((i) => (i.kind === "Import" && i.isFile ? [path.resolve(path.dirname(p), i.path)] : []))),
  };
  outlines.set(p, outline);
  return outline;
}

function localImports(a: Analysis, name: string, ctx: ActionContext): Fix[] {
  if (!/^[A-Za-z_]\w*$/.test(name)) return [];
  const dir = path.dirname(a.path);
  return filesDefining(a, name, ctx).map((p) => {
    const rel = `./${path.relative(dir, p).split(path.sep).join("/")}`;
    const existing = a.program?.items.find((i): i is A.ImportDecl => i.kind === "Import" && i.isFile && path.resolve(dir, i.path) === p);
    const edit = (existing && addToList(existing, name)) ?? importInsertion(a, `import "${rel}".{${name}}`);
    return { title: `Import \`${name}\` from "${rel}"`, edits: [edit], exact: true };
  });
}

/** `import std.data.{dense}`: the stdlib module that does define the name. */
function stdlibImports(a: Analysis, d: Diagnostic): Fix[] {
  const imp = a.program?.items.find((i): i is A.ImportDecl => i.kind === "Import" && !i.isFile && !!i.names?.some((n) => n.span.start === d.span.start));
  const names = imp?.names ?? [];
  const at = names.findIndex((n) => n.span.start === d.span.start);
  if (!imp || at < 0) return [];
  const name = names[at]!.name;
  const fixes: Fix[] = [];
  for (const [mod, m] of loadPrelude().modules) {
    if (mod === imp.path || !m.program.items.some((i) => i.kind === "Definition" && i.name.name === name)) continue;
    const title = `Import \`${name}\` from \`${mod}\``;
    if (names.length === 1) {
      fixes.push({ title, edits: [{ start: imp.pathSpan.start, end: imp.pathSpan.end, text: mod }], exact: true });
      continue;
    }
    // Take the name out of this list (with its comma) and import it from its module.
    const cut = at > 0 ? { start: names[at - 1]!.span.end, end: names[at]!.span.end } : { start: names[0]!.span.start, end: names[1]!.span.start };
    const other = a.program?.items.find((i): i is A.ImportDecl => i.kind === "Import" && !i.isFile && i.path === mod);
    const add = (other && addToList(other, name)) ?? importInsertion(a, `import ${mod}.{${name}}`);
    fixes.push({ title, edits: [{ ...cut, text: "" }, add], exact: true });
  }
  return fixes;
}

export const codeActionFeature: Feature = {
  name: "code actions",
  capabilities: { codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] } },
  register(ctx) {
    ctx.connection.onCodeAction(ctx.guard("code actions", [], (p: CodeActionParams): CodeAction[] => {
      const only = p.context.only;
      if (only && !only.some((k) => k === CodeActionKind.QuickFix || CodeActionKind.QuickFix.startsWith(`${k}.`) || k === "")) return [];
      const a = ctx.workspace.analysis(p.textDocument.uri);
      if (!a) return [];
      return codeActions(a, p.range, { uriOf: (x) => ctx.workspace.uriOf(x), overlay: () => ctx.workspace.overlay() });
    }));
  },
};
