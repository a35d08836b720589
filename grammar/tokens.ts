// The .nn lexer: token definitions for chevrotain. Order matters: longer and keyword tokens first.
import type { TokenType } from "chevrotain";
import { createToken, Lexer } from "./chevrotain.js";

export const Identifier = createToken({ name: "Identifier", pattern: /[A-Za-z_][A-Za-z0-9_]*/ });

const kw = (word: string): TokenType =>
  createToken({ name: word[0]!.toUpperCase() + word.slice(1), pattern: new RegExp(`${word}\\b`), longer_alt: Identifier, categories: [Keyword] });

export const Keyword = createToken({ name: "Keyword", pattern: Lexer.NA });
export const Import = kw("import");
export const Fn = kw("fn");
export const Layer = kw("layer");
export const Model = kw("model");
export const Let = kw("let");
export const Param = kw("param");
export const State = kw("state");
export const If = kw("if");
export const Else = kw("else");
export const True = kw("true");
export const False = kw("false");
export const None = kw("none");
export const Dataset = kw("dataset");
export const Train = kw("train");
export const On = kw("on");
export const And = kw("and");
export const Or = kw("or");
export const Not = kw("not");

export const DocComment = createToken({ name: "DocComment", pattern: /\/\/\/[^\n\r]*/, group: "docs" });
export const LineComment = createToken({ name: "LineComment", pattern: /\/\/[^\n\r]*/, group: Lexer.SKIPPED });
export const BlockComment = createToken({ name: "BlockComment", pattern: /\/\*[\s\S]*?\*\//, group: Lexer.SKIPPED, line_breaks: true });
export const WhiteSpace = createToken({ name: "WhiteSpace", pattern: /\s+/, group: Lexer.SKIPPED, line_breaks: true });

export const Float = createToken({ name: "Float", pattern: /(?:\d+\.\d*(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+|\.\d+(?:[eE][+-]?\d+)?)/ });
export const Integer = createToken({ name: "Integer", pattern: /\d+/, longer_alt: Float });
export const StringLit = createToken({ name: "StringLit", pattern: /"(?:[^"\\\n\r]|\\.)*"/ });
/** Single-quoted strings are not .nn syntax; lexed so the parser can recover and explain. */
export const SingleQuoted = createToken({ name: "SingleQuoted", pattern: /'[^'\n\r]*'/ });

export const Pipe = createToken({ name: "Pipe", pattern: /\|>/ });
export const Arrow = createToken({ name: "Arrow", pattern: /->/ });
export const FatArrow = createToken({ name: "FatArrow", pattern: /=>/ });
export const Ellipsis = createToken({ name: "Ellipsis", pattern: /\.\.\./ });
export const EqEq = createToken({ name: "EqEq", pattern: /==/ });
export const NotEq = createToken({ name: "NotEq", pattern: /!=/ });
export const LessEq = createToken({ name: "LessEq", pattern: /<=/ });
export const GreaterEq = createToken({ name: "GreaterEq", pattern: />=/ });
export const Less = createToken({ name: "Less", pattern: /</ });
export const Greater = createToken({ name: "Greater", pattern: />/ });
export const Equals = createToken({ name: "Equals", pattern: /=/ });
export const Plus = createToken({ name: "Plus", pattern: /\+/ });
export const Minus = createToken({ name: "Minus", pattern: /-/ });
export const Star = createToken({ name: "Star", pattern: /\*/ });
export const Slash = createToken({ name: "Slash", pattern: /\// });
export const At = createToken({ name: "At", pattern: /@/ });
export const Bar = createToken({ name: "Bar", pattern: /\|/ });
export const Dot = createToken({ name: "Dot", pattern: /\./ });
export const Comma = createToken({ name: "Comma", pattern: /,/ });
export const Colon = createToken({ name: "Colon", pattern: /:/ });
export const Semicolon = createToken({ name: "Semicolon", pattern: /;/ });
export const LParen = createToken({ name: "LParen", pattern: /\(/ });
export const RParen = createToken({ name: "RParen", pattern: /\)/ });
export const LBracket = createToken({ name: "LBracket", pattern: /\[/ });
export const RBracket = createToken({ name: "RBracket", pattern: /]/ });
export const LBrace = createToken({ name: "LBrace", pattern: /{/ });
export const RBrace = createToken({ name: "RBrace", pattern: /}/ });

export const allTokens: TokenType[] = [
  WhiteSpace, DocComment, LineComment, BlockComment,
  Keyword, Import, Fn, Layer, Model, Let, Param, State, If, Else, True, False, None, Dataset, Train, On, And, Or, Not,
  Float, Integer, StringLit, SingleQuoted, Identifier,
  Pipe, Arrow, FatArrow, Ellipsis, EqEq, NotEq, LessEq, GreaterEq, Less, Greater, Equals,
  Plus, Minus, Star, Slash, At, Bar, Dot, Comma, Colon, Semicolon,
  LParen, RParen, LBracket, RBracket, LBrace, RBrace,
];

export const NnLexer = new Lexer(allTokens, { positionTracking: "full", ensureOptimizations: false });
