// CST → AST. Defensive: after error recovery any child may be missing, so every access is optional.
import type { CstNode, IToken } from "chevrotain";
import type { Span } from "../diag/diagnostic.js";
import { DiagnosticBag } from "../diag/diagnostic.js";
import * as A from "./ast.js";

type Children = Record<string, (CstNode | IToken)[] | undefined>;

const isToken = (x: CstNode | IToken | undefined): x is IToken => !!x && (x as IToken).image !== undefined;

export class AstBuilder {
  constructor(private file: string, private docs: IToken[], private diags: DiagnosticBag) {}

  tokenSpan(t: IToken): Span {
    const ok = Number.isFinite(t.startOffset) && t.startOffset >= 0;
    const start = ok ? t.startOffset : 0;
    const end = ok && Number.isFinite(t.endOffset) ? (t.endOffset as number) + 1 : start;
    const fin = (n: number | undefined, d: number) => (n !== undefined && Number.isFinite(n) ? n : d);
    const line = fin(t.startLine, 1), col = fin(t.startColumn, 1);
    return { file: this.file, start, end, line, col, endLine: fin(t.endLine, line), endCol: fin(t.endColumn, col - 1) + 1 };
  }

  nodeSpan(n: CstNode): Span {
    const l = n.location;
    if (!l || !Number.isFinite(l.startOffset) || !Number.isFinite(l.endOffset ?? NaN)) {
      // Recovered nodes may lack a location: use the first token we can find.
      const t = firstToken(n);
      return t ? this.tokenSpan(t) : { file: this.file, start: 0, end: 0, line: 1, col: 1, endLine: 1, endCol: 1 };
    }
    return {
      file: this.file, start: l.startOffset, end: (l.endOffset as number) + 1,
      line: l.startLine ?? 1, col: l.startColumn ?? 1, endLine: l.endLine ?? 1, endCol: (l.endColumn ?? 0) + 1,
    };
  }

  private ident(t: IToken | undefined, fallback: Span): A.Ident {
    if (!t || t.isInsertedInRecovery) return { name: "<missing>", span: t ? this.tokenSpan(t) : fallback };
    return { name: t.image, span: this.tokenSpan(t) };
  }

  /** The `///` lines directly above `line`, joined. */
  private docFor(line: number): string | undefined {
    const lines: string[] = [];
    let want = line - 1;
    for (let i = this.docs.length - 1; i >= 0; i--) {
      const d = this.docs[i]!;
      if ((d.startLine ?? 0) > want) continue;
      if (d.startLine !== want) break;
      lines.unshift(d.image.replace(/^\/\/\/ ?/, ""));
      want--;
    }
    return lines.length ? lines.join("\n") : undefined;
  }

  program(n: CstNode): A.Program {
    const items: A.TopItem[] = [];
    for (const ti of nodes(n.children, "topItem")) {
      const c = ti.children as Children;
      const inner = (["importDecl", "datasetDecl", "trainDecl", "definition"] as const)
        .map((k) => nodes(c, k)[0]).find((x) => x);
      if (!inner) continue;
      const item = this.topItem(inner);
      if (item) items.push(item);
    }
    return { kind: "Program", file: this.file, items, span: this.nodeSpan(n) };
  }

  private topItem(n: CstNode): A.TopItem | undefined {
    switch (n.name) {
      case "importDecl": return this.importDecl(n);
      case "datasetDecl": return this.datasetDecl(n);
      case "trainDecl": return this.trainDecl(n);
      case "definition": return this.definition(n);
    }
    return undefined;
  }

  private importDecl(n: CstNode): A.ImportDecl {
    const c = n.children as Children;
    const span = this.nodeSpan(n);
    const str = tokens(c, "StringLit")[0];
    const dotted = nodes(c, "dottedName")[0];
    let path = "<missing>";
    let pathSpan = span;
    if (str) {
      path = unquote(str.image);
      pathSpan = this.tokenSpan(str);
    } else if (dotted) {
      path = tokens(dotted.children, "Identifier").map((t) => t.image).join(".");
      pathSpan = this.nodeSpan(dotted);
    }
    const names = tokens(c, "names").map((t) => this.ident(t, span));
    return { kind: "Import", path, isFile: !!str, pathSpan, names: names.length ? names : undefined, span };
  }

  private definition(n: CstNode): A.Definition | undefined {
    const c = n.children as Children;
    const span = this.nodeSpan(n);
    const kindTok = tokens(c, "defKind")[0];
    const name = this.ident(tokens(c, "name")[0], span);
    const kindName = kindTok?.image ?? "<missing>";
    if (!(A.DEFINITION_KINDS as readonly string[]).includes(kindName)) {
      this.diags.error("E0102", kindTok ? this.tokenSpan(kindTok) : span,
        `unknown definition kind \`${kindName}\``, {
          notes: [`a top-level item starts with one of: import, dataset, train, ${A.DEFINITION_KINDS.join(", ")}`],
        });
      return undefined;
    }
    const defKind = kindName as A.DefinitionKind;
    const lists = nodes(c, "lists").map((l) => this.paramList(l));
    const def: A.Definition = { kind: "Definition", defKind, name, span, doc: this.docFor(span.line) };
    const inputFirst = defKind === "fn" || defKind === "model" || defKind === "loss" || defKind === "metric" || defKind === "layer";
    if (lists.length === 2) {
      def.config = lists[0];
      def.inputs = lists[1];
      if (defKind === "fn" || defKind === "model") {
        this.diags.error("E0103", span, `a ${defKind} takes one parameter list, found two`, {
          fix: { message: `use \`layer\` for a definition with configuration and inputs` },
        });
      }
    } else if (lists.length === 1) {
      if (inputFirst) def.inputs = lists[0];
      else def.config = lists[0];
    } else if (inputFirst && !tokens(c, "alternatives").length && name.name !== "<missing>") {
      this.diags.error("E0104", name.span, `${defKind} \`${name.name}\` needs a parameter list`);
    }
    const rt = nodes(c, "returnType")[0];
    if (rt) def.returnType = this.typeExpr(rt);
    const body = nodes(c, "body")[0];
    if (body) def.body = this.block(body);
    const alts = tokens(c, "alternatives");
    if (alts.length) def.alternatives = alts.map((t) => this.ident(t, span));
    return def;
  }

  private paramList(n: CstNode): A.ParamDecl[] {
    return nodes(n.children, "paramDecl").map((p) => {
      const c = p.children as Children;
      const span = this.nodeSpan(p);
      const t = nodes(c, "typeExpr")[0];
      const d = nodes(c, "default")[0];
      return { name: this.ident(tokens(c, "Identifier")[0], span), type: t ? this.typeExpr(t) : undefined, default: d ? this.expr(d) : undefined, span };
    });
  }

  typeExpr(n: CstNode): A.TypeExpr {
    const c = n.children as Children;
    const span = this.nodeSpan(n);
    const el = nodes(c, "element")[0];
    if (tokens(c, "listOpen").length) {
      return { kind: "ListType", element: el ? this.typeExpr(el) : { kind: "NamedType", name: "<missing>", span }, span };
    }
    const name = tokens(c, "typeName")[0]?.image ?? "<missing>";
    if (tokens(c, "dimsOpen").length) {
      return { kind: "TensorType", dtype: name, dims: nodes(c, "dims").map((d) => this.dimItem(d)), span };
    }
    return { kind: "NamedType", name, span };
  }

  private dimItem(n: CstNode): A.DimExpr {
    const c = n.children as Children;
    const e = tokens(c, "Ellipsis")[0];
    if (e) return { kind: "DimEllipsis", span: this.tokenSpan(e) };
    const add = nodes(c, "dimAdd")[0];
    return add ? this.dimBinary(add) : { kind: "DimName", name: "<missing>", span: this.nodeSpan(n) };
  }

  private dimBinary(n: CstNode): A.DimExpr {
    const c = n.children as Children;
    const operands = nodes(c, "operands");
    const ops = tokens(c, "ops");
    const sub = (x: CstNode): A.DimExpr => (x.name === "dimAtom" ? this.dimAtom(x) : this.dimBinary(x));
    if (!operands.length) return { kind: "DimName", name: "<missing>", span: this.nodeSpan(n) };
    let left = sub(operands[0]!);
    for (let i = 1; i < operands.length; i++) {
      const right = sub(operands[i]!);
      const op = (ops[i - 1]?.image ?? "+") as "+" | "-" | "*" | "/";
      left = { kind: "DimBin", op, left, right, span: { ...left.span, end: right.span.end, endLine: right.span.endLine, endCol: right.span.endCol } };
    }
    return left;
  }

  private dimAtom(n: CstNode): A.DimExpr {
    const c = n.children as Children;
    const i = tokens(c, "Integer")[0];
    if (i) return { kind: "DimNum", value: Number(i.image), span: this.tokenSpan(i) };
    const id = tokens(c, "Identifier")[0];
    if (id) return { kind: "DimName", name: id.isInsertedInRecovery ? "<missing>" : id.image, span: this.tokenSpan(id) };
    const inner = nodes(c, "dimAdd")[0];
    return inner ? this.dimBinary(inner) : { kind: "DimName", name: "<missing>", span: this.nodeSpan(n) };
  }

  block(n: CstNode): A.Block {
    const c = n.children as Children;
    const span = this.nodeSpan(n);
    const stmts: A.Stmt[] = [];
    for (const s of nodes(c, "statement")) {
      const sc = s.children as Children;
      const l = nodes(sc, "letStmt")[0];
      const p = nodes(sc, "paramStmt")[0];
      const e = nodes(sc, "expr")[0];
      if (l) stmts.push(this.letStmt(l));
      else if (p) stmts.push(this.paramStmt(p));
      else if (e) stmts.push({ kind: "ExprStmt", expr: this.expr(e), span: this.nodeSpan(e) });
    }
    // The last expression statement is the block's value.
    let result: A.Expr | undefined;
    const last = stmts[stmts.length - 1];
    if (last && last.kind === "ExprStmt") {
      stmts.pop();
      result = last.expr;
    }
    return { kind: "Block", stmts, result, span };
  }

  private letStmt(n: CstNode): A.LetStmt {
    const c = n.children as Children;
    const span = this.nodeSpan(n);
    const t = nodes(c, "typeExpr")[0];
    const v = nodes(c, "expr")[0];
    return { kind: "Let", name: this.ident(tokens(c, "Identifier")[0], span), type: t ? this.typeExpr(t) : undefined, value: v ? this.expr(v) : { kind: "ErrorExpr", span }, span };
  }

  private paramStmt(n: CstNode): A.ParamStmt {
    const c = n.children as Children;
    const span = this.nodeSpan(n);
    const t = nodes(c, "typeExpr")[0];
    const init = nodes(c, "init")[0];
    const keys = tokens(c, "optionKeys");
    const vals = nodes(c, "optionValues");
    return {
      kind: "Param",
      trainable: tokens(c, "keyword")[0]?.image !== "state",
      name: this.ident(tokens(c, "name")[0], span),
      doc: this.docFor(span.line),
      type: t ? this.typeExpr(t) : undefined,
      init: init ? this.expr(init) : undefined,
      options: keys.map((k, i) => ({ key: this.ident(k, span), value: vals[i] ? this.expr(vals[i]!) : { kind: "ErrorExpr" as const, span } })),
      span,
    };
  }

  private datasetDecl(n: CstNode): A.DatasetDecl {
    const c = n.children as Children;
    const span = this.nodeSpan(n);
    const src = nodes(c, "source")[0];
    const sb = nodes(c, "settingsBlock")[0];
    return {
      kind: "Dataset", name: this.ident(tokens(c, "name")[0], span), doc: this.docFor(span.line),
      source: src ? this.expr(src) : undefined, settings: sb ? this.settings(sb).settings : [], span,
    };
  }

  private trainDecl(n: CstNode): A.TrainDecl {
    const c = n.children as Children;
    const span = this.nodeSpan(n);
    const data = nodes(c, "data")[0];
    const sb = nodes(c, "settingsBlock")[0];
    const s = sb ? this.settings(sb) : { settings: [], calls: [] };
    return { kind: "Train", model: this.ident(tokens(c, "model")[0], span), data: data ? this.expr(data) : undefined, settings: s.settings, calls: s.calls, span };
  }

  private settings(n: CstNode): { settings: A.Setting[]; calls: A.Expr[] } {
    const c = n.children as Children;
    const settings = nodes(c, "setting").map((s): A.Setting => {
      const sc = s.children as Children;
      const span = this.nodeSpan(s);
      const v = nodes(sc, "value")[0];
      const t = nodes(sc, "type")[0];
      return { kind: "Setting", key: this.ident(tokens(sc, "key")[0], span), value: v ? this.expr(v) : undefined, type: t ? this.typeExpr(t) : undefined, span };
    });
    const calls = nodes(c, "calls").map((e) => this.expr(e));
    return { settings, calls };
  }

  // ---- expressions ----

  expr(n: CstNode): A.Expr {
    switch (n.name) {
      case "expr": return this.chain(n, (input, stage, span) => ({ kind: "Pipe", input, stage, span }));
      case "orExpr": case "andExpr": case "cmpExpr": case "addExpr": case "mulExpr":
        return this.chain(n, (left, right, span, op) => ({ kind: "Binary", op: op ?? "?", left, right, span }));
      case "unaryExpr": return this.unary(n);
      case "postfixExpr": return this.postfix(n);
      default: return { kind: "ErrorExpr", span: this.nodeSpan(n) };
    }
  }

  private chain(n: CstNode, make: (l: A.Expr, r: A.Expr, span: Span, op?: string) => A.Expr): A.Expr {
    const c = n.children as Children;
    const operands = nodes(c, "operands");
    const ops = tokens(c, "ops");
    if (!operands.length) return { kind: "ErrorExpr", span: this.nodeSpan(n) };
    let left = this.expr(operands[0]!);
    for (let i = 1; i < operands.length; i++) {
      const right = this.expr(operands[i]!);
      const span: Span = { ...left.span, end: right.span.end, endLine: right.span.endLine, endCol: right.span.endCol };
      left = make(left, right, span, ops[i - 1]?.image);
    }
    return left;
  }

  private unary(n: CstNode): A.Expr {
    const c = n.children as Children;
    const op = tokens(c, "op")[0];
    const operand = nodes(c, "operand")[0];
    const inner: A.Expr = operand ? this.expr(operand) : { kind: "ErrorExpr", span: this.nodeSpan(n) };
    if (!op) return inner;
    // Fold a minus on a number literal into the literal.
    if (op.image === "-" && inner.kind === "Num") return { ...inner, value: -inner.value, span: this.nodeSpan(n) };
    return { kind: "Unary", op: op.image === "not" ? "not" : "-", operand: inner, span: this.nodeSpan(n) };
  }

  private postfix(n: CstNode): A.Expr {
    const c = n.children as Children;
    const prim = nodes(c, "primary")[0];
    let e: A.Expr = prim ? this.primary(prim) : { kind: "ErrorExpr", span: this.nodeSpan(n) };
    // Suffixes (calls and `.member`) in source order.
    const calls = nodes(c, "suffixes");
    const dots = tokens(c, "suffixes");
    const members = tokens(c, "members");
    const indexes = nodes(c, "indexes");
    const dotToks = dots.filter((d) => d.image === ".");
    const bracketToks = dots.filter((d) => d.image === "[");
    const suffixes: { offset: number; call?: CstNode; member?: IToken; index?: CstNode; open?: IToken }[] = [
      ...calls.map((call) => ({ offset: call.location?.startOffset ?? 0, call })),
      ...dotToks.map((d, i) => ({ offset: d.startOffset, member: members[i] })),
      ...bracketToks.map((b, i) => ({ offset: b.startOffset, index: indexes[i], open: b })),
    ].sort((a, b) => a.offset - b.offset);
    for (const s of suffixes) {
      if (s.call) {
        const callSpan = this.nodeSpan(s.call);
        const span: Span = { ...e.span, end: callSpan.end, endLine: callSpan.endLine, endCol: callSpan.endCol };
        e = { kind: "Call", callee: e, args: this.args(s.call), span };
      } else if (s.open) {
        const index: A.Expr = s.index ? this.expr(s.index) : { kind: "ErrorExpr", span: this.tokenSpan(s.open) };
        e = { kind: "Index", object: e, index, span: { ...e.span, end: index.span.end + 1, endLine: index.span.endLine, endCol: index.span.endCol + 1 } };
      } else {
        const name = this.ident(s.member, e.span);
        e = { kind: "Member", object: e, name, span: { ...e.span, end: name.span.end, endLine: name.span.endLine, endCol: name.span.endCol } };
      }
    }
    return e;
  }

  private args(n: CstNode): A.Arg[] {
    return nodes(n.children, "arg").map((a) => {
      const c = a.children as Children;
      const span = this.nodeSpan(a);
      const nameTok = tokens(c, "name")[0];
      const v = nodes(c, "expr")[0];
      return { name: nameTok ? this.ident(nameTok, span) : undefined, value: v ? this.expr(v) : { kind: "ErrorExpr", span }, span };
    });
  }

  private primary(n: CstNode): A.Expr {
    const c = n.children as Children;
    const span = this.nodeSpan(n);
    const tok = (k: string) => tokens(c, k)[0];
    let t: IToken | undefined;
    if ((t = tok("Float"))) return { kind: "Num", value: Number(t.image), isInt: false, span };
    if ((t = tok("Integer"))) return { kind: "Num", value: Number(t.image), isInt: true, span };
    if ((t = tok("StringLit"))) return { kind: "Str", value: unquote(t.image), span };
    if (tok("True")) return { kind: "Bool", value: true, span };
    if (tok("False")) return { kind: "Bool", value: false, span };
    if (tok("None")) return { kind: "NoneLit", span };
    if ((t = tok("Identifier"))) {
      return t.isInsertedInRecovery ? { kind: "ErrorExpr", span } : { kind: "Name", name: t.image, span };
    }
    const inner = nodes(c, "expr");
    if (inner.length > 1) return { kind: "List", items: inner.map((i) => this.expr(i)), span };
    if (inner[0]) return this.expr(inner[0]);
    const list = nodes(c, "listExpr")[0];
    if (list) return { kind: "List", items: nodes(list.children, "items").map((i) => this.expr(i)), span };
    const lam = nodes(c, "lambda")[0];
    if (lam) {
      const pl = nodes(lam.children, "paramList")[0];
      const b = nodes(lam.children, "block")[0];
      return { kind: "Lambda", params: pl ? this.paramList(pl) : [], body: b ? this.block(b) : { kind: "Block", stmts: [], span }, span };
    }
    const ife = nodes(c, "ifExpr")[0];
    if (ife) return this.ifExpr(ife);
    return { kind: "ErrorExpr", span };
  }

  private ifExpr(n: CstNode): A.Expr {
    const c = n.children as Children;
    const span = this.nodeSpan(n);
    const cond = nodes(c, "cond")[0];
    const then = nodes(c, "then")[0];
    const elseIf = nodes(c, "elseIf")[0];
    const elseB = nodes(c, "else")[0];
    let elseBlock: A.Block | undefined;
    if (elseIf) {
      const e = this.ifExpr(elseIf);
      elseBlock = { kind: "Block", stmts: [], result: e, span: e.span };
    } else if (elseB) elseBlock = this.block(elseB);
    return {
      kind: "If", cond: cond ? this.expr(cond) : { kind: "ErrorExpr", span },
      then: then ? this.block(then) : { kind: "Block", stmts: [], span }, else: elseBlock, span,
    };
  }
}

function nodes(c: Children | undefined, key: string): CstNode[] {
  return ((c?.[key] ?? []) as (CstNode | IToken)[]).filter((x): x is CstNode => !isToken(x));
}
function tokens(c: Children | undefined, key: string): IToken[] {
  return ((c?.[key] ?? []) as (CstNode | IToken)[]).filter(isToken);
}
function firstToken(n: CstNode): IToken | undefined {
  let best: IToken | undefined;
  for (const arr of Object.values(n.children)) {
    for (const x of arr ?? []) {
      const t = isToken(x) ? x : firstToken(x);
      if (t && Number.isFinite(t.startOffset) && (!best || t.startOffset < best.startOffset)) best = t;
    }
  }
  return best;
}
function unquote(s: string): string {
  if (s.length < 2) return "";
  return s.slice(1, -1).replace(/\\(.)/g, (_, ch: string) => (ch === "n" ? "\n" : ch === "t" ? "\t" : ch));
}
