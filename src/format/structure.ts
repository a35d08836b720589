// What the formatter needs from the parse: where statements start (a line that starts one is indented at
// its block's level; any other line is a continuation) and which settings share a block (for `=`
// alignment). It reads chevrotain's CST rather than the AST: CST locations start at a statement's first
// token (an AST expression's span starts inside its grouping parentheses), and the formatter then needs
// no AST at all, which keeps it fast.
import type { CstNode, IToken } from "chevrotain";
import { nnParser } from "../../grammar/parser.js";
import * as T from "../../grammar/tokens.js";
import { DEFINITION_KINDS } from "../parser/ast.js";

export interface Structure {
  /** Source offsets of the first token of every top-level item, block statement, setting and bare call. */
  statementStarts: Set<number>;
  /** Per `train` / `dataset` settings block, the source offsets of its settings' keys. */
  settingBlocks: number[][];
}

/**
 * Parses the code tokens; undefined when the parser reports an error or an item has an unknown kind
 * (the AST builder drops such an item), so the caller falls back to the full front end for diagnostics.
 */
export function parseStructure(codeTokens: IToken[]): Structure | undefined {
  nnParser.input = codeTokens;
  const cst = nnParser.program();
  if (nnParser.errors.length > 0) return undefined;
  const braces = codeTokens.filter((t) => t.tokenType === T.LBrace).map((t) => t.startOffset);
  const walk: Walk = { statementStarts: new Set(), settingBlocks: [], braces };
  return visit(cst, walk) ? { statementStarts: walk.statementStarts, settingBlocks: walk.settingBlocks } : undefined;
}

interface Walk extends Structure {
  /** Offsets of every `{`, in order: statements only live inside braces. */
  braces: number[];
}

/** Whether a `{` lies inside the node: a walk skips the many expression nodes without one. */
function holdsBrace(n: CstNode, braces: number[]): boolean {
  const loc = n.location;
  if (!loc || !Number.isFinite(loc.startOffset) || !Number.isFinite(loc.endOffset ?? NaN)) return true;
  let lo = 0, hi = braces.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (braces[mid]! < loc.startOffset) lo = mid + 1;
    else hi = mid;
  }
  return lo < braces.length && braces[lo]! <= loc.endOffset!;
}

type Child = CstNode | IToken;
const isNode = (c: Child): c is CstNode => (c as CstNode).children !== undefined;
const children = (n: CstNode, key: string): Child[] => n.children[key] ?? [];
const startOf = (c: Child): number => (isNode(c) ? c.location?.startOffset ?? NaN : c.startOffset);

/** Collects statement starts and settings below `n`; false at a definition of an unknown kind. */
function visit(n: CstNode, s: Walk): boolean {
  if (n.name === "topItem" || n.name === "statement" || n.name === "setting") s.statementStarts.add(startOf(n));
  if (n.name === "definition") {
    const kind = children(n, "defKind")[0] as IToken | undefined;
    if (!kind || !(DEFINITION_KINDS as readonly string[]).includes(kind.image)) return false;
  }
  if (n.name === "settingsBlock") {
    for (const call of children(n, "calls")) s.statementStarts.add(startOf(call));
    const keys = children(n, "setting").filter(isNode).map((st) => children(st, "key")[0]);
    s.settingBlocks.push(keys.filter((k): k is Child => !!k).map(startOf));
  }
  if (n.name !== "program" && n.name !== "topItem" && !holdsBrace(n, s.braces)) return true;
  // for-in: Object.values would allocate an array per node.
  for (const key in n.children) {
    for (const c of n.children[key]!) if (isNode(c) && !visit(c, s)) return false;
  }
  return true;
}
