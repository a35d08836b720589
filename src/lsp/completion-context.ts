// Where the cursor is, for completion and signature help, read from the text before it alone: the
// line being typed rarely parses, so this works on the token stream (lexed afresh, brackets matched
// by hand) and never on the AST. The result names the position (after `|>`, inside a call, a setting
// of a `train` block, a type, …) and what the position needs to know (the callee, the setting key).
import * as T from "../../grammar/tokens.js";
import { DTYPES, type ItemKind, lexicalState, OPENERS, Scan } from "./completion-scan.js";

export type { ItemKind };

/** A call whose parentheses hold the cursor. */
export interface CallSite {
  /** `dense`, or `prim.reshape`. */
  callee: string;
  /** `dense(10)(‸`: the configured layer applied to its inputs. */
  applied: boolean;
  /** `x |> f(‸`: the piped value is the first input. */
  piped: boolean;
  /** Names of the named arguments written so far (the current one excluded). */
  named: string[];
  /** How many arguments come before the current one. */
  index: number;
  /** `units = ‸`: the named argument being written. */
  currentName?: string;
  /** Offset of the `(`. */
  open: number;
}

export type Position =
  | { kind: "none" }
  | { kind: "top-level" }
  | { kind: "import-module"; path: string }
  | { kind: "import-names"; module: string; isFile: boolean; given: string[] }
  | { kind: "import-file"; typed: string; start: number }
  | { kind: "type"; dtypesOnly: boolean }
  | { kind: "dims" }
  | { kind: "pipe" }
  | { kind: "member"; object: string }
  | { kind: "call"; call: CallSite }
  | { kind: "argument-value"; call: CallSite; name: string }
  | { kind: "statement" }
  | { kind: "expression" }
  | { kind: "after-block" }
  | { kind: "train-model" }
  | { kind: "train-on" }
  | { kind: "train-data" }
  | { kind: "train-setting"; given: string[] }
  | { kind: "train-value"; key: string; inList: boolean }
  | { kind: "dataset-option"; given: string[] }
  | { kind: "dataset-value"; key: string; inList: boolean }
  | { kind: "dataset-source" };

/** A name declared in the current definition before the cursor, found from tokens. */
export interface LocalName {
  name: string;
  kind: "parameter" | "let" | "param" | "state" | "dimension";
  /** Offset of the name where it is declared. */
  offset: number;
  /** A parameter declared `: int` (usable as a dimension). */
  isInt?: boolean;
}

export interface CompletionContext {
  position: Position;
  /** The identifier being typed, up to the cursor, and where it starts. */
  prefix: string;
  prefixStart: number;
  /** The kind of top-level item the cursor is in. */
  item: ItemKind;
  /** Names declared in the current definition before the cursor. */
  locals: LocalName[];
}

/** Where the cursor at `offset` is. */
export function completionContext(text: string, offset: number): CompletionContext {
  const before = text.slice(0, offset);
  const word = /[A-Za-z_][A-Za-z0-9_]*$/.exec(before);
  const prefix = word?.[0] ?? "";
  const prefixStart = offset - prefix.length;
  const scan = new Scan(text, prefixStart);
  const ctx: CompletionContext = { position: { kind: "none" }, prefix, prefixStart, item: scan.itemKind, locals: [] };
  if (scan.itemKind === "definition") ctx.locals = localNames(scan);
  const lexical = lexicalState(before);
  // A word glued to a number (`1e5`, `0.5`) is part of the number.
  const inNumber = /[0-9]$|[0-9]\.$/.test(text.slice(0, prefixStart));
  if (lexical.state === "string") ctx.position = stringPosition(scan, lexical.start, before);
  else if (lexical.state === "code" && !inNumber) ctx.position = position(scan, prefixStart);
  return ctx;
}

/** Inside a string: only an import's path is completed. */
function stringPosition(scan: Scan, quote: number, before: string): Position {
  const n = scan.tokens.length;
  // The string's own text lexes as tokens too: the import keyword is the last one before the quote.
  let j = n - 1;
  while (j >= 0 && scan.tokens[j]!.startOffset >= quote) j--;
  if (scan.is(j, T.Import) && scan.depth[j] === 0) return { kind: "import-file", typed: before.slice(quote + 1), start: quote + 1 };
  return { kind: "none" };
}

function position(scan: Scan, cursor: number): Position {
  const n = scan.tokens.length;
  const last = n - 1;
  const firstOnLine = n === 0 || /[\n\r]/.test(scan.text.slice(scan.tokens[last]!.endOffset! + 1, cursor));
  if (scan.is(last, T.Dot) && scan.is(last - 1, T.Identifier) && scan.tokens[last - 1]!.image === "prim") return { kind: "member", object: "prim" };
  if (scan.stack.length === 0) return topLevel(scan, firstOnLine);
  if (scan.itemKind === "import") return importNames(scan);
  const open = scan.stack[scan.stack.length - 1]!;
  const opener = scan.tokens[open]!.tokenType;
  const outer = scan.stack[0]!;
  const inHeader = scan.itemKind === "definition" && !scan.is(outer, T.LBrace);
  if (opener === T.LBracket) return bracketPosition(scan, open);
  if (opener === T.LParen) {
    if (inHeader && scan.stack.length === 1) return headerPosition(scan);
    // A lambda's parameters are being named.
    if (scan.is(open - 1, T.Fn)) return { kind: "none" };
    const call = callSite(scan, open);
    if (call) return argumentPosition(scan, call);
    return expressionPosition(scan, false);
  }
  // A brace: the item's own block or a block inside a body.
  if (scan.stack.length === 1 && scan.itemKind === "train") return blockSetting(scan, open, "train", firstOnLine);
  if (scan.stack.length === 1 && scan.itemKind === "dataset") return blockSetting(scan, open, "dataset", firstOnLine);
  if (scan.itemKind !== "definition") return { kind: "none" };
  return expressionPosition(scan, firstOnLine);
}

function topLevel(scan: Scan, firstOnLine: boolean): Position {
  const n = scan.tokens.length;
  // A word alone on its line starts an item, unless the line above ends mid-item (`dataset d =`).
  if (n === 0 || (firstOnLine && !scan.is(n - 1, T.Equals) && !scan.is(n - 1, T.Arrow))) return { kind: "top-level" };
  if (scan.itemClosed) return { kind: "none" };
  const head = scan.itemStart;
  const after = scan.tokens.slice(head + 1).map((t) => t.tokenType);
  switch (scan.itemKind) {
    case "import": {
      const path = scan.tokens.slice(head + 1).map((t) => t.image).join("");
      return /^(?:[A-Za-z_][A-Za-z0-9_]*\.)*$/.test(path) ? { kind: "import-module", path } : { kind: "none" };
    }
    case "train":
      if (after.length === 0) return { kind: "train-model" };
      if (after.length === 1 && after[0] === T.Identifier) return { kind: "train-on" };
      if (after.length === 2 && after[1] === T.On) return { kind: "train-data" };
      return { kind: "none" };
    case "dataset":
      return after.length === 2 && after[1] === T.Equals ? { kind: "dataset-source" } : { kind: "none" };
    case "definition":
      if (scan.is(n - 1, T.Arrow)) return { kind: "type", dtypesOnly: false };
      if (scan.is(n - 1, T.Equals)) return { kind: "expression" };
      if (scan.is(n - 1, T.Bar)) return { kind: "expression" };
      return { kind: "none" };
    default:
      return { kind: "none" };
  }
}

/** `import std.data.{‸` or `import "./x.nn".{a, ‸`. */
function importNames(scan: Scan): Position {
  const open = scan.stack[scan.stack.length - 1]!;
  if (!scan.is(open, T.LBrace) || !scan.is(open - 1, T.Dot)) return { kind: "none" };
  const head = scan.tokens.slice(scan.itemStart + 1, open - 1);
  const given = scan.inside(open).map((j) => scan.tokens[j]!).filter((t) => t.tokenType === T.Identifier).map((t) => t.image);
  if (head.length === 1 && head[0]!.tokenType === T.StringLit) return { kind: "import-names", module: JSON.parse(head[0]!.image) as string, isFile: true, given };
  return { kind: "import-names", module: head.map((t) => t.image).join(""), isFile: false, given };
}

/** In a definition's parameter list: names are being declared; after `:` a type, after `=` a default. */
function headerPosition(scan: Scan): Position {
  const last = scan.tokens.length - 1;
  if (scan.is(last, T.Colon)) return { kind: "type", dtypesOnly: false };
  if (scan.is(last, T.Equals)) return { kind: "expression" };
  return { kind: "none" };
}

/** `f32[‸` is a type's dimensions; other brackets are lists (a `train` block's metrics, a dataset's preprocessing). */
function bracketPosition(scan: Scan, open: number): Position {
  const before = scan.tokens[open - 1];
  if (before?.tokenType === T.Identifier && DTYPES.has(before.image)) return { kind: "dims" };
  if (scan.is(open - 1, T.Colon)) return { kind: "type", dtypesOnly: false };
  const below = scan.stack[scan.stack.length - 2];
  if (below !== undefined && scan.stack.length === 2 && scan.is(below, T.LBrace) && (scan.itemKind === "train" || scan.itemKind === "dataset")) {
    const line = scan.lineAt(open, scan.depth[below]! + 1);
    const key = line.length >= 2 && scan.is(line[1]!, T.Equals) ? scan.tokens[line[0]!]!.image : undefined;
    if (!key || !listStart(scan)) return { kind: "none" };
    return scan.itemKind === "train" ? { kind: "train-value", key, inList: true } : { kind: "dataset-value", key, inList: true };
  }
  if (scan.itemKind !== "definition") return { kind: "none" };
  return listStart(scan) ? { kind: "expression" } : { kind: "none" };
}

/** The cursor starts a list element: right after `[` or `,`. */
function listStart(scan: Scan): boolean {
  const last = scan.tokens.length - 1;
  return scan.is(last, T.LBracket) || scan.is(last, T.Comma);
}

/** The call whose `(` is at `open`, if it is one (not a tuple, a lambda's parameters or a group). */
export function callSiteAt(text: string, offset: number): CallSite | undefined {
  const scan = new Scan(text, offset);
  // The innermost call around the cursor, through any lists inside it (`reshape(x, [B, ‸`).
  for (let k = scan.stack.length - 1; k >= 0; k--) {
    const open = scan.stack[k]!;
    if (scan.is(open, T.LBrace)) return undefined;
    if (!scan.is(open, T.LParen)) continue;
    if (k === 0 && scan.itemKind === "definition") return undefined;
    const call = callSite(scan, open);
    if (call) return call;
  }
  return undefined;
}

function callSite(scan: Scan, open: number): CallSite | undefined {
  let j = open - 1;
  let applied = false;
  if (scan.is(j, T.RParen)) {
    // `dense(10)(‸`: the callee is the call that configured it.
    const d = scan.depth[j]!;
    let k = j - 1;
    while (k >= 0 && !(scan.depth[k] === d && scan.is(k, T.LParen))) k--;
    j = k - 1;
    applied = true;
  }
  if (!scan.is(j, T.Identifier)) return undefined;
  let callee = scan.tokens[j]!.image;
  let first = j;
  if (scan.is(j - 1, T.Dot) && scan.is(j - 2, T.Identifier)) {
    callee = `${scan.tokens[j - 2]!.image}.${callee}`;
    first = j - 2;
  }
  const args = splitArgs(scan, open);
  const current = args.pop() ?? [];
  const named = args.map((a) => namedArg(scan, a)).filter((x): x is string => !!x);
  const currentName = namedArg(scan, current);
  return { callee, applied, piped: scan.is(first - 1, T.Pipe), named, index: args.length, currentName, open: scan.tokens[open]!.startOffset };
}

/** The arguments inside a call so far, each as the indices of its tokens at the call's depth. */
function splitArgs(scan: Scan, open: number): number[][] {
  const args: number[][] = [[]];
  for (const j of scan.inside(open)) {
    if (scan.is(j, T.Comma)) args.push([]);
    else args[args.length - 1]!.push(j);
  }
  return args;
}

function namedArg(scan: Scan, arg: number[]): string | undefined {
  return arg.length >= 2 && scan.is(arg[0]!, T.Identifier) && scan.is(arg[1]!, T.Equals) ? scan.tokens[arg[0]!]!.image : undefined;
}

function argumentPosition(scan: Scan, call: CallSite): Position {
  const last = scan.tokens.length - 1;
  if (scan.is(last, T.LParen) || scan.is(last, T.Comma)) return { kind: "call", call };
  if (call.currentName && scan.is(last, T.Equals)) return { kind: "argument-value", call, name: call.currentName };
  return expressionPosition(scan, false);
}

/** A setting line of a `train` or `dataset` block. */
function blockSetting(scan: Scan, open: number, block: "train" | "dataset", firstOnLine: boolean): Position {
  const given = settingKeys(scan, open);
  if (firstOnLine || scan.tokens.length - 1 === open) {
    return block === "train" ? { kind: "train-setting", given } : { kind: "dataset-option", given };
  }
  const line = scan.lineAt(scan.tokens.length, scan.depth[open]! + 1);
  if (line.length === 2 && scan.is(line[0]!, T.Identifier) && scan.is(line[1]!, T.Colon)) return { kind: "type", dtypesOnly: true };
  if (line.length === 2 && scan.is(line[0]!, T.Identifier) && scan.is(line[1]!, T.Equals)) {
    const key = scan.tokens[line[0]!]!.image;
    return block === "train" ? { kind: "train-value", key, inList: false } : { kind: "dataset-value", key, inList: false };
  }
  return { kind: "none" };
}

/** Keys already set in the block opened at `open` (`key =` or `key :` at the start of a line). */
function settingKeys(scan: Scan, open: number): string[] {
  const ins = scan.inside(open);
  const keys: string[] = [];
  ins.forEach((j, i) => {
    const next = ins[i + 1];
    if (scan.newlineBefore(j) && scan.is(j, T.Identifier) && next !== undefined && (scan.is(next, T.Equals) || scan.is(next, T.Colon))) keys.push(scan.tokens[j]!.image);
  });
  return keys;
}

/** In a body: a statement's start, after `|>`, after an operator, or nowhere useful. */
function expressionPosition(scan: Scan, firstOnLine: boolean): Position {
  const last = scan.tokens.length - 1;
  const t = scan.tokens[last];
  if (!t) return { kind: "statement" };
  if (t.tokenType === T.Pipe) return { kind: "pipe" };
  if (t.tokenType === T.Colon) return { kind: "type", dtypesOnly: false };
  if (t.tokenType === T.RBrace) return firstOnLine ? { kind: "statement" } : { kind: "after-block" };
  if (firstOnLine || t.tokenType === T.LBrace) return { kind: "statement" };
  // After a complete operand the user is not starting a name (`x ‸`): nothing to offer.
  const operand = [T.Identifier, T.Integer, T.Float, T.StringLit, T.RParen, T.RBracket, T.True, T.False, T.None];
  if (operand.includes(t.tokenType)) return { kind: "none" };
  if (t.tokenType === T.Dot || t.tokenType === T.Arrow || t.tokenType === T.Fn) return { kind: "none" };
  return { kind: "expression" };
}

/** Names the current definition declares before the cursor: parameters, lets, params, dimension names. */
function localNames(scan: Scan): LocalName[] {
  const out: LocalName[] = [];
  const seen = new Set<string>();
  const add = (j: number, kind: LocalName["kind"], isInt = false) => {
    const t = scan.tokens[j]!;
    const key = `${kind}:${t.image}`;
    if (seen.has(key) || t.image === "<missing>") return;
    seen.add(key);
    out.push({ name: t.image, kind, offset: t.startOffset, isInt });
  };
  const openerAt = (j: number): number | undefined => {
    // The innermost bracket around token j.
    for (let k = j - 1; k >= scan.itemStart; k--) if (scan.depth[k]! < scan.depth[j]! && OPENERS.has(scan.tokens[k]!.tokenType)) return k;
    return undefined;
  };
  for (let j = scan.itemStart + 1; j < scan.tokens.length; j++) {
    const t = scan.tokens[j]!;
    const next = scan.tokens[j + 1];
    if ((t.tokenType === T.Let || t.tokenType === T.Param || t.tokenType === T.State) && next?.tokenType === T.Identifier) {
      add(j + 1, t.tokenType === T.Let ? "let" : t.tokenType === T.Param ? "param" : "state");
    } else if (t.tokenType === T.Identifier && next?.tokenType === T.Colon && scan.depth[j]! > 0) {
      const o = openerAt(j);
      if (o !== undefined && scan.is(o, T.LParen)) add(j, "parameter", scan.tokens[j + 2]?.image === "int");
    } else if (t.tokenType === T.Identifier && DTYPES.has(t.image) && next?.tokenType === T.LBracket) {
      const d = scan.depth[j + 1]! + 1;
      for (let k = j + 2; k < scan.tokens.length && scan.depth[k]! >= d; k++) {
        if (scan.is(k, T.Identifier)) add(k, "dimension");
      }
    }
  }
  // Lambda parameters: `fn (h, x_t) {`.
  for (let j = scan.itemStart + 1; j < scan.tokens.length; j++) {
    if (!scan.is(j, T.Fn) || !scan.is(j + 1, T.LParen)) continue;
    // Names directly in the list, not in their types (`fn (h: f32[B, N])`); typed ones were found above.
    const d = scan.depth[j + 1]! + 1;
    for (let k = j + 2; k < scan.tokens.length && scan.depth[k]! >= d; k++) {
      if (scan.depth[k] === d && scan.is(k, T.Identifier) && !scan.is(k + 1, T.Colon) && !scan.is(k - 1, T.Colon)) add(k, "parameter");
    }
  }
  return out;
}
