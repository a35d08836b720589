// The .nn grammar as a chevrotain CST parser. Error recovery is on: a broken file still yields a CST.
import type { CstNode } from "chevrotain";
import { CstParser } from "./chevrotain.js";
import * as T from "./tokens.js";

export class NnParser extends CstParser {
  constructor() {
    super(T.allTokens, { recoveryEnabled: true, maxLookahead: 3, nodeLocationTracking: "full" });
    this.performSelfAnalysis();
  }

  program = this.RULE("program", () => {
    this.MANY(() => this.SUBRULE(this.topItem));
  });

  topItem = this.RULE("topItem", () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.importDecl) },
      { ALT: () => this.SUBRULE(this.datasetDecl) },
      { ALT: () => this.SUBRULE(this.trainDecl) },
      { ALT: () => this.SUBRULE(this.definition) },
    ]);
    this.OPTION(() => this.CONSUME(T.Semicolon));
  });

  importDecl = this.RULE("importDecl", () => {
    this.CONSUME(T.Import);
    this.OR([
      { ALT: () => this.CONSUME(T.StringLit) },
      { ALT: () => this.SUBRULE(this.dottedName) },
    ]);
    this.OPTION(() => {
      this.CONSUME(T.Dot);
      this.CONSUME(T.LBrace);
      this.CONSUME(T.Identifier, { LABEL: "names" });
      this.MANY(() => {
        this.CONSUME(T.Comma);
        this.CONSUME2(T.Identifier, { LABEL: "names" });
      });
      this.CONSUME(T.RBrace);
    });
  });

  dottedName = this.RULE("dottedName", () => {
    this.CONSUME(T.Identifier);
    this.MANY({
      GATE: () => this.LA(2).tokenType === T.Identifier,
      DEF: () => {
        this.CONSUME(T.Dot);
        this.CONSUME2(T.Identifier);
      },
    });
  });

  definition = this.RULE("definition", () => {
    this.OR([
      { ALT: () => this.CONSUME(T.Fn, { LABEL: "defKind" }) },
      { ALT: () => this.CONSUME(T.Layer, { LABEL: "defKind" }) },
      { ALT: () => this.CONSUME(T.Model, { LABEL: "defKind" }) },
      { ALT: () => this.CONSUME(T.Identifier, { LABEL: "defKind" }) },
    ]);
    this.CONSUME2(T.Identifier, { LABEL: "name" });
    this.OPTION(() => {
      this.SUBRULE(this.paramList, { LABEL: "lists" });
      this.OPTION2(() => this.SUBRULE2(this.paramList, { LABEL: "lists" }));
    });
    this.OPTION3(() => {
      this.CONSUME(T.Arrow);
      this.SUBRULE(this.typeExpr, { LABEL: "returnType" });
    });
    this.OPTION4(() => {
      this.OR2([
        { ALT: () => this.SUBRULE(this.block, { LABEL: "body" }) },
        {
          ALT: () => {
            this.CONSUME(T.Equals);
            this.CONSUME3(T.Identifier, { LABEL: "alternatives" });
            this.MANY(() => {
              this.CONSUME(T.Bar);
              this.CONSUME4(T.Identifier, { LABEL: "alternatives" });
            });
          },
        },
      ]);
    });
  });

  paramList = this.RULE("paramList", () => {
    this.CONSUME(T.LParen);
    this.OPTION(() => {
      this.SUBRULE(this.paramDecl);
      this.MANY({
        GATE: () => this.LA(2).tokenType !== T.RParen,
        DEF: () => {
          this.CONSUME(T.Comma);
          this.SUBRULE2(this.paramDecl);
        },
      });
      this.OPTION2(() => this.CONSUME2(T.Comma));
    });
    this.CONSUME(T.RParen);
  });

  paramDecl = this.RULE("paramDecl", () => {
    this.CONSUME(T.Identifier);
    this.OPTION(() => {
      this.CONSUME(T.Colon);
      this.SUBRULE(this.typeExpr);
    });
    this.OPTION2(() => {
      this.CONSUME(T.Equals);
      this.SUBRULE(this.expr, { LABEL: "default" });
    });
  });

  typeExpr = this.RULE("typeExpr", () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.LBracket, { LABEL: "listOpen" });
          this.SUBRULE(this.typeExpr, { LABEL: "element" });
          this.CONSUME(T.RBracket);
        },
      },
      {
        ALT: () => {
          this.OR2([
            { ALT: () => this.CONSUME(T.Identifier, { LABEL: "typeName" }) },
            { ALT: () => this.CONSUME(T.Fn, { LABEL: "typeName" }) },
            { ALT: () => this.CONSUME(T.Layer, { LABEL: "typeName" }) },
            { ALT: () => this.CONSUME(T.Model, { LABEL: "typeName" }) },
          ]);
          this.OPTION(() => {
            this.CONSUME2(T.LBracket, { LABEL: "dimsOpen" });
            this.OPTION2(() => {
              this.SUBRULE(this.dimItem, { LABEL: "dims" });
              this.MANY(() => {
                this.CONSUME(T.Comma);
                this.SUBRULE2(this.dimItem, { LABEL: "dims" });
              });
            });
            this.CONSUME2(T.RBracket);
          });
        },
      },
    ]);
  });

  dimItem = this.RULE("dimItem", () => {
    this.OR([
      { ALT: () => this.CONSUME(T.Ellipsis) },
      { ALT: () => this.SUBRULE(this.dimAdd) },
    ]);
  });

  dimAdd = this.RULE("dimAdd", () => {
    this.SUBRULE(this.dimMul, { LABEL: "operands" });
    this.MANY(() => {
      this.OR([{ ALT: () => this.CONSUME(T.Plus, { LABEL: "ops" }) }, { ALT: () => this.CONSUME(T.Minus, { LABEL: "ops" }) }]);
      this.SUBRULE2(this.dimMul, { LABEL: "operands" });
    });
  });

  dimMul = this.RULE("dimMul", () => {
    this.SUBRULE(this.dimAtom, { LABEL: "operands" });
    this.MANY(() => {
      this.OR([{ ALT: () => this.CONSUME(T.Star, { LABEL: "ops" }) }, { ALT: () => this.CONSUME(T.Slash, { LABEL: "ops" }) }]);
      this.SUBRULE2(this.dimAtom, { LABEL: "operands" });
    });
  });

  dimAtom = this.RULE("dimAtom", () => {
    this.OR([
      { ALT: () => this.CONSUME(T.Integer) },
      { ALT: () => this.CONSUME(T.Identifier) },
      {
        ALT: () => {
          this.CONSUME(T.LParen);
          this.SUBRULE(this.dimAdd);
          this.CONSUME(T.RParen);
        },
      },
    ]);
  });

  block = this.RULE("block", () => {
    this.CONSUME(T.LBrace);
    this.MANY(() => {
      this.SUBRULE(this.statement);
      this.OPTION(() => this.CONSUME(T.Semicolon));
    });
    this.CONSUME(T.RBrace);
  });

  statement = this.RULE("statement", () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.letStmt) },
      { ALT: () => this.SUBRULE(this.paramStmt) },
      { ALT: () => this.SUBRULE(this.expr) },
    ]);
  });

  letStmt = this.RULE("letStmt", () => {
    this.CONSUME(T.Let);
    this.CONSUME(T.Identifier);
    this.OPTION(() => {
      this.CONSUME(T.Colon);
      this.SUBRULE(this.typeExpr);
    });
    this.CONSUME(T.Equals);
    this.SUBRULE(this.expr);
  });

  paramStmt = this.RULE("paramStmt", () => {
    this.OR([
      { ALT: () => this.CONSUME(T.Param, { LABEL: "keyword" }) },
      { ALT: () => this.CONSUME(T.State, { LABEL: "keyword" }) },
    ]);
    this.CONSUME(T.Identifier, { LABEL: "name" });
    this.CONSUME(T.Colon);
    this.SUBRULE(this.typeExpr);
    this.OPTION(() => {
      this.CONSUME(T.Equals);
      this.SUBRULE(this.expr, { LABEL: "init" });
      this.MANY(() => {
        this.CONSUME(T.Comma);
        this.CONSUME2(T.Identifier, { LABEL: "optionKeys" });
        this.CONSUME2(T.Equals);
        this.SUBRULE2(this.expr, { LABEL: "optionValues" });
      });
    });
  });

  datasetDecl = this.RULE("datasetDecl", () => {
    this.CONSUME(T.Dataset);
    this.CONSUME(T.Identifier, { LABEL: "name" });
    this.OPTION(() => {
      this.CONSUME(T.Equals);
      this.SUBRULE(this.expr, { LABEL: "source" });
    });
    this.OPTION2(() => this.SUBRULE(this.settingsBlock));
  });

  trainDecl = this.RULE("trainDecl", () => {
    this.CONSUME(T.Train);
    this.CONSUME(T.Identifier, { LABEL: "model" });
    this.OPTION(() => {
      this.CONSUME(T.On);
      this.SUBRULE(this.expr, { LABEL: "data" });
    });
    this.SUBRULE(this.settingsBlock);
  });

  settingsBlock = this.RULE("settingsBlock", () => {
    this.CONSUME(T.LBrace);
    this.MANY(() => {
      this.OR([
        {
          GATE: () => this.LA(2).tokenType === T.Equals || this.LA(2).tokenType === T.Colon,
          ALT: () => this.SUBRULE(this.setting),
        },
        { ALT: () => this.SUBRULE(this.expr, { LABEL: "calls" }) },
      ]);
      this.OPTION(() => this.CONSUME(T.Semicolon));
    });
    this.CONSUME(T.RBrace);
  });

  setting = this.RULE("setting", () => {
    this.OR([
      { ALT: () => this.CONSUME(T.Identifier, { LABEL: "key" }) },
      { ALT: () => this.CONSUME(T.Model, { LABEL: "key" }) },
    ]);
    this.OR2([
      {
        ALT: () => {
          this.CONSUME(T.Equals);
          this.SUBRULE(this.expr, { LABEL: "value" });
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Colon);
          this.SUBRULE(this.typeExpr, { LABEL: "type" });
        },
      },
    ]);
  });

  // ---- expressions, lowest precedence first ----

  expr = this.RULE("expr", () => {
    this.SUBRULE(this.orExpr, { LABEL: "operands" });
    this.MANY(() => {
      this.CONSUME(T.Pipe);
      this.SUBRULE2(this.orExpr, { LABEL: "operands" });
    });
  });

  orExpr = this.RULE("orExpr", () => {
    this.SUBRULE(this.andExpr, { LABEL: "operands" });
    this.MANY(() => {
      this.CONSUME(T.Or, { LABEL: "ops" });
      this.SUBRULE2(this.andExpr, { LABEL: "operands" });
    });
  });

  andExpr = this.RULE("andExpr", () => {
    this.SUBRULE(this.cmpExpr, { LABEL: "operands" });
    this.MANY(() => {
      this.CONSUME(T.And, { LABEL: "ops" });
      this.SUBRULE2(this.cmpExpr, { LABEL: "operands" });
    });
  });

  cmpExpr = this.RULE("cmpExpr", () => {
    this.SUBRULE(this.addExpr, { LABEL: "operands" });
    this.OPTION(() => {
      this.OR([
        { ALT: () => this.CONSUME(T.EqEq, { LABEL: "ops" }) },
        { ALT: () => this.CONSUME(T.NotEq, { LABEL: "ops" }) },
        { ALT: () => this.CONSUME(T.LessEq, { LABEL: "ops" }) },
        { ALT: () => this.CONSUME(T.GreaterEq, { LABEL: "ops" }) },
        { ALT: () => this.CONSUME(T.Less, { LABEL: "ops" }) },
        { ALT: () => this.CONSUME(T.Greater, { LABEL: "ops" }) },
      ]);
      this.SUBRULE2(this.addExpr, { LABEL: "operands" });
    });
  });

  addExpr = this.RULE("addExpr", () => {
    this.SUBRULE(this.mulExpr, { LABEL: "operands" });
    // A `-` that starts a new line starts a new expression (`-prim.mean(…)` as a block's result).
    this.MANY({ GATE: () => !(this.LA(1).tokenType === T.Minus && this.onNewLine()), DEF: () => {
      this.OR([{ ALT: () => this.CONSUME(T.Plus, { LABEL: "ops" }) }, { ALT: () => this.CONSUME(T.Minus, { LABEL: "ops" }) }]);
      this.SUBRULE2(this.mulExpr, { LABEL: "operands" });
    } });
  });

  /** Whether the next token starts a line (so it cannot continue the previous expression). */
  private onNewLine(): boolean {
    const prev = this.LA(0), next = this.LA(1);
    return !!prev && Number.isFinite(prev.endLine) && (next.startLine ?? 0) > (prev.endLine ?? 0);
  }

  mulExpr = this.RULE("mulExpr", () => {
    this.SUBRULE(this.unaryExpr, { LABEL: "operands" });
    this.MANY(() => {
      this.OR([
        { ALT: () => this.CONSUME(T.Star, { LABEL: "ops" }) },
        { ALT: () => this.CONSUME(T.Slash, { LABEL: "ops" }) },
        { ALT: () => this.CONSUME(T.At, { LABEL: "ops" }) },
      ]);
      this.SUBRULE2(this.unaryExpr, { LABEL: "operands" });
    });
  });

  unaryExpr = this.RULE("unaryExpr", () => {
    this.OR([
      {
        ALT: () => {
          this.OR2([{ ALT: () => this.CONSUME(T.Minus, { LABEL: "op" }) }, { ALT: () => this.CONSUME(T.Not, { LABEL: "op" }) }]);
          this.SUBRULE(this.unaryExpr, { LABEL: "operand" });
        },
      },
      { ALT: () => this.SUBRULE(this.postfixExpr, { LABEL: "operand" }) },
    ]);
  });

  postfixExpr = this.RULE("postfixExpr", () => {
    this.SUBRULE(this.primary);
    // `(` or `[` on a new line begins a new expression rather than a call or an index.
    this.MANY({ GATE: () => !((this.LA(1).tokenType === T.LParen || this.LA(1).tokenType === T.LBracket) && this.onNewLine()), DEF: () => {
      this.OR([
        { ALT: () => this.SUBRULE(this.callArgs, { LABEL: "suffixes" }) },
        {
          ALT: () => {
            this.CONSUME(T.Dot, { LABEL: "suffixes" });
            this.CONSUME(T.Identifier, { LABEL: "members" });
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.LBracket, { LABEL: "suffixes" });
            this.SUBRULE(this.expr, { LABEL: "indexes" });
            this.CONSUME(T.RBracket);
          },
        },
      ]);
    } });
  });

  callArgs = this.RULE("callArgs", () => {
    this.CONSUME(T.LParen);
    this.OPTION(() => {
      this.SUBRULE(this.arg);
      this.MANY({
        GATE: () => this.LA(2).tokenType !== T.RParen,
        DEF: () => {
          this.CONSUME(T.Comma);
          this.SUBRULE2(this.arg);
        },
      });
      this.OPTION2(() => this.CONSUME2(T.Comma));
    });
    this.CONSUME(T.RParen);
  });

  arg = this.RULE("arg", () => {
    this.OPTION({
      GATE: () => this.LA(2).tokenType === T.Equals,
      DEF: () => {
        this.CONSUME(T.Identifier, { LABEL: "name" });
        this.CONSUME(T.Equals);
      },
    });
    this.SUBRULE(this.expr);
  });

  primary = this.RULE("primary", () => {
    this.OR([
      { ALT: () => this.CONSUME(T.Float) },
      { ALT: () => this.CONSUME(T.Integer) },
      { ALT: () => this.CONSUME(T.StringLit) },
      { ALT: () => this.CONSUME(T.True) },
      { ALT: () => this.CONSUME(T.False) },
      { ALT: () => this.CONSUME(T.None) },
      { ALT: () => this.CONSUME(T.Identifier) },
      { ALT: () => this.CONSUME(T.Model, { LABEL: "Identifier" }) },
      {
        ALT: () => {
          // `(a)` groups; `(a, b)` is a tuple, the same as the list `[a, b]`.
          this.CONSUME(T.LParen);
          this.SUBRULE(this.expr);
          this.MANY(() => {
            this.CONSUME(T.Comma);
            this.SUBRULE2(this.expr);
          });
          this.CONSUME(T.RParen);
        },
      },
      { ALT: () => this.SUBRULE(this.listExpr) },
      { ALT: () => this.SUBRULE(this.lambda) },
      { ALT: () => this.SUBRULE(this.ifExpr) },
    ]);
  });

  listExpr = this.RULE("listExpr", () => {
    this.CONSUME(T.LBracket);
    this.OPTION(() => {
      this.SUBRULE(this.expr, { LABEL: "items" });
      this.MANY({
        GATE: () => this.LA(2).tokenType !== T.RBracket,
        DEF: () => {
          this.CONSUME(T.Comma);
          this.SUBRULE2(this.expr, { LABEL: "items" });
        },
      });
      this.OPTION2(() => this.CONSUME2(T.Comma));
    });
    this.CONSUME(T.RBracket);
  });

  lambda = this.RULE("lambda", () => {
    this.CONSUME(T.Fn);
    this.SUBRULE(this.paramList);
    this.SUBRULE(this.block);
  });

  ifExpr = this.RULE("ifExpr", () => {
    this.CONSUME(T.If);
    this.SUBRULE(this.expr, { LABEL: "cond" });
    this.SUBRULE(this.block, { LABEL: "then" });
    this.OPTION(() => {
      this.CONSUME(T.Else);
      this.OR([
        { ALT: () => this.SUBRULE2(this.ifExpr, { LABEL: "elseIf" }) },
        { ALT: () => this.SUBRULE2(this.block, { LABEL: "else" }) },
      ]);
    });
  });
}

/** One shared parser instance: chevrotain parsers are reusable once `input` is reset. */
export const nnParser = new NnParser();
export type { CstNode };
