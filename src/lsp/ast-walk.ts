// A uniform view of the AST for editor features: every node's children in source order, and the
// path of nodes from a program down to the innermost node at an offset.
import type * as A from "../parser/ast.js";
import type { Span } from "../diag/diagnostic.js";

/** What a bare identifier is in its parent: the AST stores names as plain `Ident`s. */
export type IdentRole =
  | "definition-name" | "dataset-name" | "parameter-name" | "let-name" | "param-name" | "argument-name"
  | "setting-key" | "option-key" | "import-name" | "train-model" | "member-name" | "alternative";

export type NodeRef =
  | { tag: "program"; node: A.Program }
  | { tag: "item"; node: A.TopItem }
  | { tag: "parameter"; node: A.ParamDecl }
  | { tag: "type"; node: A.TypeExpr }
  | { tag: "dim"; node: A.DimExpr }
  | { tag: "block"; node: A.Block }
  | { tag: "stmt"; node: A.Stmt }
  | { tag: "setting"; node: A.Setting }
  | { tag: "argument"; node: A.Arg }
  | { tag: "expr"; node: A.Expr }
  | { tag: "ident"; node: A.Ident; role: IdentRole };

export const spanOf = (r: NodeRef): Span => r.node.span;

const ident = (node: A.Ident, role: IdentRole): NodeRef => ({ tag: "ident", node, role });
const expr = (node: A.Expr): NodeRef => ({ tag: "expr", node });
const type = (node: A.TypeExpr): NodeRef => ({ tag: "type", node });
const block = (node: A.Block): NodeRef => ({ tag: "block", node });

/** The children of a node, in source order; missing parts of recovered trees are simply absent. */
export function childrenOf(r: NodeRef): NodeRef[] {
  const out: NodeRef[] = [];
  const add = (x: NodeRef | undefined) => {
    if (x) out.push(x);
  };
  switch (r.tag) {
    case "program":
      for (const it of r.node.items) out.push({ tag: "item", node: it });
      break;
    case "item": {
      const it = r.node;
      if (it.kind === "Import") for (const n of it.names ?? []) out.push(ident(n, "import-name"));
      else if (it.kind === "Definition") {
        out.push(ident(it.name, "definition-name"));
        for (const p of [...(it.config ?? []), ...(it.inputs ?? [])]) out.push({ tag: "parameter", node: p });
        if (it.returnType) out.push(type(it.returnType));
        if (it.body) out.push(block(it.body));
        for (const a of it.alternatives ?? []) out.push(ident(a, "alternative"));
      } else if (it.kind === "Dataset") {
        out.push(ident(it.name, "dataset-name"));
        if (it.source) out.push(expr(it.source));
        for (const s of it.settings) out.push({ tag: "setting", node: s });
      } else {
        out.push(ident(it.model, "train-model"));
        if (it.data) out.push(expr(it.data));
        for (const s of it.settings) out.push({ tag: "setting", node: s });
        for (const c of it.calls) out.push(expr(c));
      }
      break;
    }
    case "parameter":
      out.push(ident(r.node.name, "parameter-name"));
      if (r.node.type) out.push(type(r.node.type));
      if (r.node.default) out.push(expr(r.node.default));
      break;
    case "type":
      if (r.node.kind === "TensorType") for (const d of r.node.dims) out.push({ tag: "dim", node: d });
      else if (r.node.kind === "ListType") out.push(type(r.node.element));
      break;
    case "dim":
      if (r.node.kind === "DimBin") out.push({ tag: "dim", node: r.node.left }, { tag: "dim", node: r.node.right });
      break;
    case "block":
      for (const s of r.node.stmts) out.push({ tag: "stmt", node: s });
      add(r.node.result && expr(r.node.result));
      break;
    case "stmt": {
      const s = r.node;
      if (s.kind === "Let") {
        out.push(ident(s.name, "let-name"));
        if (s.type) out.push(type(s.type));
        out.push(expr(s.value));
      } else if (s.kind === "Param") {
        out.push(ident(s.name, "param-name"));
        if (s.type) out.push(type(s.type));
        if (s.init) out.push(expr(s.init));
        for (const o of s.options) out.push(ident(o.key, "option-key"), expr(o.value));
      } else out.push(expr(s.expr));
      break;
    }
    case "setting":
      out.push(ident(r.node.key, "setting-key"));
      if (r.node.type) out.push(type(r.node.type));
      if (r.node.value) out.push(expr(r.node.value));
      break;
    case "argument":
      if (r.node.name) out.push(ident(r.node.name, "argument-name"));
      out.push(expr(r.node.value));
      break;
    case "expr":
      exprChildren(r.node, out);
      break;
    case "ident":
      break;
  }
  return out;
}

function exprChildren(e: A.Expr, out: NodeRef[]): void {
  switch (e.kind) {
    case "Member": out.push(expr(e.object), ident(e.name, "member-name")); break;
    case "Index": out.push(expr(e.object), expr(e.index)); break;
    case "Call":
      out.push(expr(e.callee));
      for (const a of e.args) out.push({ tag: "argument", node: a });
      break;
    case "Pipe": out.push(expr(e.input), expr(e.stage)); break;
    case "Binary": out.push(expr(e.left), expr(e.right)); break;
    case "Unary": out.push(expr(e.operand)); break;
    case "List": for (const i of e.items) out.push(expr(i)); break;
    case "Lambda":
      for (const p of e.params) out.push({ tag: "parameter", node: p });
      out.push(block(e.body));
      break;
    case "If":
      out.push(expr(e.cond), block(e.then));
      if (e.else) out.push(block(e.else));
      break;
    default:
      break;
  }
}

/**
 * The nodes containing `offset`, outermost first (the program) to innermost last. A cursor just
 * after a name (offset == end) counts as on it, unless another node starts there.
 */
export function nodePath(program: A.Program, offset: number): NodeRef[] {
  const path: NodeRef[] = [{ tag: "program", node: program }];
  for (;;) {
    const kids = childrenOf(path[path.length - 1]!);
    const inside = kids.find((k) => k.node.span.start <= offset && offset < k.node.span.end);
    const touching = inside ?? kids.find((k) => k.node.span.end === offset && k.node.span.start < offset);
    if (!touching) return path;
    path.push(touching);
  }
}

/** Visits every node below `root` (depth first, in source order); return false to skip a subtree. */
export function walk(root: NodeRef, visit: (r: NodeRef, parent: NodeRef | undefined) => boolean | void): void {
  const go = (r: NodeRef, parent: NodeRef | undefined) => {
    if (visit(r, parent) === false) return;
    for (const k of childrenOf(r)) go(k, r);
  };
  go(root, undefined);
}
