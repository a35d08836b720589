// The grammar loads chevrotain from the single-file build its package ships (grammar/chevrotain.ts):
// the package's entry point imports lodash-es as hundreds of modules, 0.3 s of every `nnc` start.
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { bundlePath, createToken, CstParser, Lexer, VERSION } from "../../grammar/chevrotain.js";

describe("chevrotain's single-file build", () => {
  it("is the installed package's own build, of the same version", () => {
    const pkgFile = path.join(path.dirname(createRequire(import.meta.url).resolve("chevrotain")), "..", "..", "package.json");
    const pkg = JSON.parse(fs.readFileSync(pkgFile, "utf8")) as { name: string; version: string };
    expect(pkg.name).toBe("chevrotain");
    expect(VERSION).toBe(pkg.version);
    expect(path.basename(bundlePath)).toBe("chevrotain.mjs");
    // One file: it imports nothing (lodash is inside).
    expect(fs.readFileSync(bundlePath, "utf8")).not.toMatch(/^import .* from /m);
  });

  it("provides what the grammar uses: tokens, a lexer and a CST parser", () => {
    const A = createToken({ name: "A", pattern: /a/ });
    const lexed = new Lexer([A]).tokenize("aa");
    expect(lexed.tokens.map((t) => t.image)).toEqual(["a", "a"]);
    expect(typeof CstParser).toBe("function");
  });
});
