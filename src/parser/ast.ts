// The AST: what the CST builder produces and the elaborator consumes. Every node has a span.
import type { Span } from "../diag/diagnostic.js";

export interface Node { span: Span }

export interface Program extends Node {
  kind: "Program";
  file: string;
  items: TopItem[];
}

export type TopItem = ImportDecl | Definition | DatasetDecl | TrainDecl;

export interface ImportDecl extends Node {
  kind: "Import";
  /** "std.data" for a stdlib module, "./blocks.nn" for a local file. */
  path: string;
  isFile: boolean;
  pathSpan: Span;
  names?: Ident[];
}

export interface Ident extends Node { name: string }

/** The kinds a `kind name(...)` definition may have. */
export const DEFINITION_KINDS = [
  "fn", "layer", "model", "loss", "metric", "optimizer", "initializer", "regularizer", "callback", "schedule", "source", "transform",
] as const;
export type DefinitionKind = (typeof DEFINITION_KINDS)[number];

export interface ParamDecl extends Node {
  name: Ident;
  type?: TypeExpr;
  default?: Expr;
}

/** fn / layer / model / loss / metric / optimizer / ... definitions. A missing body means a builtin. */
export interface Definition extends Node {
  kind: "Definition";
  defKind: DefinitionKind;
  name: Ident;
  doc?: string;
  /** Compile-time configuration parameters (first list of a two-list definition). */
  config?: ParamDecl[];
  /** Tensor inputs (the only list of fn/model, the second of layer/loss/metric). */
  inputs?: ParamDecl[];
  returnType?: TypeExpr;
  body?: Block;
  /** `metric accuracy = a | b | c`: the first alternative that type-checks is used. */
  alternatives?: Ident[];
}

export interface Setting extends Node {
  kind: "Setting";
  key: Ident;
  value?: Expr;
  type?: TypeExpr;
}

export interface DatasetDecl extends Node {
  kind: "Dataset";
  name: Ident;
  doc?: string;
  /** `dataset d = moons(n = 500)` */
  source?: Expr;
  settings: Setting[];
}

export interface TrainDecl extends Node {
  kind: "Train";
  model: Ident;
  data?: Expr;
  settings: Setting[];
  /** Bare calls in the block: callbacks such as `early_stopping(patience = 3)`. */
  calls: Expr[];
}

// ---- types ----

export type DimExpr =
  | { kind: "DimNum"; value: number; span: Span }
  | { kind: "DimName"; name: string; span: Span }
  | { kind: "DimBin"; op: "+" | "-" | "*" | "/"; left: DimExpr; right: DimExpr; span: Span }
  | { kind: "DimEllipsis"; span: Span };

export type TypeExpr =
  | { kind: "TensorType"; dtype: string; dims: DimExpr[]; span: Span }
  | { kind: "NamedType"; name: string; span: Span }
  | { kind: "ListType"; element: TypeExpr; span: Span };

// ---- statements and expressions ----

export interface Block extends Node {
  kind: "Block";
  stmts: Stmt[];
  result?: Expr;
}

export type Stmt = LetStmt | ParamStmt | ExprStmt;

export interface LetStmt extends Node { kind: "Let"; name: Ident; type?: TypeExpr; value: Expr }
export interface ParamStmt extends Node {
  kind: "Param";
  trainable: boolean;
  name: Ident;
  doc?: string;
  type?: TypeExpr;
  init?: Expr;
  options: { key: Ident; value: Expr }[];
}
export interface ExprStmt extends Node { kind: "ExprStmt"; expr: Expr }

export interface Arg extends Node { name?: Ident; value: Expr }

export type Expr =
  | { kind: "Num"; value: number; isInt: boolean; span: Span }
  | { kind: "Str"; value: string; span: Span }
  | { kind: "Bool"; value: boolean; span: Span }
  | { kind: "NoneLit"; span: Span }
  | { kind: "Name"; name: string; span: Span }
  | { kind: "Member"; object: Expr; name: Ident; span: Span }
  | { kind: "Index"; object: Expr; index: Expr; span: Span }
  | { kind: "Call"; callee: Expr; args: Arg[]; span: Span }
  | { kind: "Pipe"; input: Expr; stage: Expr; span: Span }
  | { kind: "Binary"; op: string; left: Expr; right: Expr; span: Span }
  | { kind: "Unary"; op: "-" | "not"; operand: Expr; span: Span }
  | { kind: "List"; items: Expr[]; span: Span }
  | { kind: "Lambda"; params: ParamDecl[]; body: Block; span: Span }
  | { kind: "If"; cond: Expr; then: Block; else?: Block; span: Span }
  | { kind: "ErrorExpr"; span: Span };
