// Highlighting agrees with the compiler's own lexer on every example and stdlib file: each lexer
// token gets the TextMate scope its kind calls for (keywords keyword scopes, numbers numeric ones,
// operators operator ones...), and identifiers do in the places where their role is plain from the
// tokens around them (definition names, calls, dimensions, types, named arguments).
import { readdirSync, readFileSync } from "node:fs";
import type { IToken } from "chevrotain";
import { beforeAll, describe, expect, it } from "vitest";
import { NnLexer } from "../../grammar/tokens.js";
import { loadGrammar, ROOT, tokenizeDocument, type TmToken } from "./tm-helpers.js";
import type vsctm from "vscode-textmate";

const nnFiles = (dir: string) =>
  readdirSync(`${ROOT}${dir}`)
    .filter((n) => n.endsWith(".nn"))
    .sort()
    .map((n) => `${dir}/${n}`);
const FILES = [...nnFiles("examples"), ...nnFiles("stdlib")];

/** The scope (a prefix of one of the token's scopes) each kind of lexer token must carry. */
const BY_TOKEN_TYPE: Record<string, string[]> = {
  Import: ["keyword.control.import.nn"],
  Let: ["storage.type.let.nn"],
  Param: ["storage.type.param.nn"],
  State: ["storage.type.state.nn"],
  If: ["keyword.control.conditional.nn"],
  Else: ["keyword.control.conditional.nn"],
  True: ["constant.language.boolean.nn"],
  False: ["constant.language.boolean.nn"],
  None: ["constant.language.none.nn"],
  Dataset: ["storage.type.dataset.nn"],
  Train: ["keyword.other.train.nn"],
  On: ["keyword.control.on.nn"],
  And: ["keyword.operator.logical.nn"],
  Or: ["keyword.operator.logical.nn"],
  Not: ["keyword.operator.logical.nn"],
  // `fn`, `layer` and `model` are also type names in parameter lists (`activation: fn`).
  Fn: ["storage.type.fn.nn", "support.type.primitive.nn"],
  Layer: ["storage.type.layer.nn", "support.type.primitive.nn"],
  Model: ["storage.type.model.nn", "support.type.primitive.nn"],
  Float: ["constant.numeric.float.nn"],
  Integer: ["constant.numeric.integer.nn"],
  StringLit: ["string.quoted.double.nn"],
  DocComment: ["comment.line.documentation.nn"],
  Pipe: ["keyword.operator.pipe.nn"],
  Arrow: ["keyword.operator.arrow.nn"],
  FatArrow: ["keyword.operator.arrow.nn"],
  Ellipsis: ["keyword.operator.ellipsis.nn"],
  EqEq: ["keyword.operator.comparison.nn"],
  NotEq: ["keyword.operator.comparison.nn"],
  LessEq: ["keyword.operator.comparison.nn"],
  GreaterEq: ["keyword.operator.comparison.nn"],
  Less: ["keyword.operator.comparison.nn"],
  Greater: ["keyword.operator.comparison.nn"],
  Equals: ["keyword.operator.assignment.nn"],
  Plus: ["keyword.operator.arithmetic.nn"],
  Minus: ["keyword.operator.arithmetic.nn"],
  Star: ["keyword.operator.arithmetic.nn"],
  Slash: ["keyword.operator.arithmetic.nn"],
  At: ["keyword.operator.matmul.nn"],
  Bar: ["keyword.operator.union.nn"],
  Dot: ["punctuation.accessor.nn"],
  Comma: ["punctuation.separator."],
  Colon: ["punctuation.separator.type.nn"],
  Semicolon: ["punctuation.terminator.statement.nn"],
  LParen: ["punctuation."],
  RParen: ["punctuation."],
  LBracket: ["punctuation."],
  RBracket: ["punctuation."],
  LBrace: ["punctuation."],
  RBrace: ["punctuation."],
};

const DTYPES = new Set(["f16", "f32", "f64", "i32", "i64", "bool"]);

/** What an identifier must be scoped as, from its neighbours; undefined where any scope will do. */
function identifierRole(tokens: IToken[], i: number, depth: number[], inTensorType: boolean[], importLine: boolean[]): { role: string; scopes: string[] } | undefined {
  const tok = tokens[i]!;
  const prev = tokens[i - 1];
  const prevPrev = tokens[i - 2];
  const next = tokens[i + 1];
  const type = (t: IToken | undefined) => t?.tokenType.name;
  const startsLine = !prev || prev.endLine! < tok.startLine!;
  if (importLine[i]) return { role: "import path or name", scopes: ["entity.name.namespace.nn", "variable.other.readwrite.alias.nn"] };
  if (depth[i] === 0 && startsLine && type(next) === "Identifier") return { role: "definition kind", scopes: ["storage.type."] };
  if (depth[i - 1] === 0 && prev && (type(prev) === "Identifier" || type(prev) === "Layer" || type(prev) === "Model" || type(prev) === "Fn")) {
    const prevStartsLine = i < 2 || prevPrev!.endLine! < prev.startLine!;
    if (prevStartsLine) return { role: "definition name", scopes: ["entity.name."] };
  }
  if (type(prev) === "Dataset" || type(prev) === "Train") return { role: "dataset or trained model", scopes: ["entity.name.type."] };
  if (tok.image === "prim" && type(next) === "Dot") return { role: "prim namespace", scopes: ["support.module.prim.nn"] };
  if (type(prev) === "Dot" && prevPrev?.image === "prim") return { role: "primitive", scopes: ["support.function.prim.nn"] };
  if (type(prev) === "Let") return { role: "let binding", scopes: ["variable.other.readwrite.nn"] };
  if (type(prev) === "Param" || type(prev) === "State") return { role: "parameter declaration", scopes: ["variable.other.member.nn"] };
  if (DTYPES.has(tok.image) && type(next) === "LBracket") return { role: "dtype", scopes: ["support.type.dtype.nn"] };
  if (inTensorType[i]) return { role: "dimension", scopes: ["variable.other.dimension.nn"] };
  if (type(next) === "LParen") return { role: "call", scopes: ["entity.name.function."] };
  if (type(prev) === "Colon" || (type(prev) === "LBracket" && type(prevPrev) === "Colon")) {
    return { role: "type", scopes: ["support.type.", "entity.name.type."] };
  }
  if (type(next) === "Equals" || type(next) === "Colon") return { role: "parameter or setting name", scopes: ["variable.parameter.", "variable.other.property.nn"] };
  return undefined;
}

/** Bracket depth before each token, whether it sits inside a tensor type's `[...]`, and whether it is on an import line. */
function context(tokens: IToken[]): { depth: number[]; inTensorType: boolean[]; importLine: boolean[] } {
  const depth: number[] = [];
  const inTensorType: boolean[] = [];
  const importLine: boolean[] = [];
  let level = 0;
  const tensorOpenedAt: number[] = [];
  let importUntilLine = -1;
  tokens.forEach((tok, i) => {
    const name = tok.tokenType.name;
    if (name === "Import") importUntilLine = tok.startLine!;
    importLine.push(tok.startLine === importUntilLine && name !== "Import");
    if (["RParen", "RBracket", "RBrace"].includes(name)) {
      level--;
      if (name === "RBracket" && tensorOpenedAt[tensorOpenedAt.length - 1] === level) tensorOpenedAt.pop();
    }
    depth.push(level);
    inTensorType.push(tensorOpenedAt.length > 0 && name === "Identifier");
    if (["LParen", "LBracket", "LBrace"].includes(name)) {
      if (name === "LBracket" && i > 0 && DTYPES.has(tokens[i - 1]!.image)) tensorOpenedAt.push(level);
      level++;
    }
  });
  return { depth, inTensorType, importLine };
}

function scopeProblems(source: string, tm: TmToken[]): string[] {
  const lexed = NnLexer.tokenize(source);
  const problems = lexed.errors.map((e) => `lexer error: ${e.message}`);
  const docs = lexed.groups.docs ?? [];
  const tokens = [...lexed.tokens, ...docs].sort((a, b) => a.startOffset - b.startOffset);
  const code = lexed.tokens;
  const { depth, inTensorType, importLine } = context(code);
  const roleOf = new Map<IToken, { role: string; scopes: string[] }>();
  code.forEach((tok, i) => {
    if (tok.tokenType.name !== "Identifier") return;
    const role = identifierRole(code, i, depth, inTensorType, importLine);
    if (role) roleOf.set(tok, role);
  });
  const covered = new Array<boolean>(source.length).fill(false);
  for (const tok of tokens) {
    const start = tok.startOffset;
    const end = tok.endOffset! + 1;
    for (let k = start; k < end; k++) covered[k] = true;
    const expected = roleOf.get(tok) ?? (tok.tokenType.name === "Identifier" ? undefined : { role: tok.tokenType.name, scopes: BY_TOKEN_TYPE[tok.tokenType.name] ?? ["<no rule>"] });
    if (!expected) continue;
    const where = `${tok.startLine}:${tok.startColumn} ${JSON.stringify(tok.image)} (${expected.role})`;
    const overlapping = tm.filter((t) => t.offset < end && t.offset + t.text.length > start);
    for (const t of overlapping) {
      const outside = source.slice(t.offset, Math.max(t.offset, start)) + source.slice(Math.min(end, t.offset + t.text.length), t.offset + t.text.length);
      if (outside.trim() !== "") problems.push(`${where}: TextMate token ${JSON.stringify(t.text)} runs past it`);
      if (!t.scopes.some((s) => expected.scopes.some((want) => s.startsWith(want)))) {
        problems.push(`${where}: ${JSON.stringify(t.text)} has [${t.scopes.slice(1).join(", ")}], wanted ${expected.scopes.join(" or ")}`);
      }
    }
  }
  // What the lexer skips is whitespace or comments: comments must be scoped as such.
  for (const t of tm) {
    for (let k = t.offset; k < t.offset + t.text.length; k++) {
      if (!covered[k] && source[k]!.trim() !== "" && !t.scopes.some((s) => s.startsWith("comment."))) {
        problems.push(`offset ${k} ${JSON.stringify(source[k])} is outside every lexer token but not in a comment: [${t.scopes.join(", ")}]`);
        break;
      }
    }
  }
  return problems;
}

let grammar: vsctm.IGrammar;
beforeAll(async () => {
  grammar = await loadGrammar();
});

describe("the TextMate grammar agrees with the lexer", () => {
  it("covers the examples and the standard library", () => {
    expect(FILES.filter((f) => f.startsWith("examples/")).length).toBeGreaterThan(10);
    expect(FILES.filter((f) => f.startsWith("stdlib/")).length).toBeGreaterThan(5);
  });

  for (const file of FILES) {
    it(file, () => {
      const source = readFileSync(`${ROOT}${file}`, "utf8");
      const { tokens, openAtEnd } = tokenizeDocument(grammar, source);
      expect(scopeProblems(source, tokens)).toEqual([]);
      expect(tokens.filter((t) => t.scopes.some((s) => s.startsWith("invalid."))).map((t) => `${t.line}:${t.start} ${t.text}`)).toEqual([]);
      expect(openAtEnd, "a rule is still open at the end of the file").toBe(false);
    });
  }

  it("finds a keyword that is not highlighted as one", () => {
    // The check itself: a grammar that scoped `train` as plain text would be caught.
    const source = "train Mlp on digits {\n  epochs = 5\n}\n";
    const { tokens } = tokenizeDocument(grammar, source);
    const stripped = tokens.map((t) => (t.text === "train" ? { ...t, scopes: ["source.nn"] } : t));
    expect(scopeProblems(source, stripped)).toEqual([expect.stringContaining('"train" (Train)')]);
  });
});
