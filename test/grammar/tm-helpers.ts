// Loads grammar/nn.tmLanguage.json into vscode-textmate (the engine VS Code uses, on the oniguruma
// wasm build) and tokenises whole documents with it.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import vsctm from "vscode-textmate";
import onig from "vscode-oniguruma";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const GRAMMAR_PATH = `${ROOT}grammar/nn.tmLanguage.json`;

/** One TextMate token, with offsets into its line and into the whole document. */
export interface TmToken {
  line: number;
  start: number;
  end: number;
  offset: number;
  text: string;
  scopes: string[];
}

let loaded: Promise<vsctm.IGrammar> | undefined;

export function loadGrammar(): Promise<vsctm.IGrammar> {
  loaded ??= (async () => {
    const wasm = readFileSync(`${ROOT}node_modules/vscode-oniguruma/release/onig.wasm`);
    await onig.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
    const grammarText = readFileSync(GRAMMAR_PATH, "utf8");
    const registry = new vsctm.Registry({
      onigLib: Promise.resolve({
        createOnigScanner: (patterns: string[]) => new onig.OnigScanner(patterns),
        createOnigString: (s: string) => new onig.OnigString(s),
      }),
      loadGrammar: async (scopeName: string) => (scopeName === "source.nn" ? vsctm.parseRawGrammar(grammarText, GRAMMAR_PATH) : null),
    });
    const grammar = await registry.loadGrammar("source.nn");
    if (!grammar) throw new Error("grammar source.nn did not load");
    return grammar;
  })();
  return loaded;
}

/** Every token of `source`, line by line, carrying the rule stack across lines as an editor does. */
export function tokenizeDocument(grammar: vsctm.IGrammar, source: string): { tokens: TmToken[]; openAtEnd: boolean } {
  const tokens: TmToken[] = [];
  let stack = vsctm.INITIAL;
  let lineOffset = 0;
  source.split("\n").forEach((line, lineNo) => {
    const result = grammar.tokenizeLine(line, stack);
    for (const t of result.tokens) {
      const end = Math.min(t.endIndex, line.length);
      if (end <= t.startIndex) continue;
      tokens.push({ line: lineNo, start: t.startIndex, end, offset: lineOffset + t.startIndex, text: line.slice(t.startIndex, end), scopes: t.scopes });
    }
    stack = result.ruleStack;
    lineOffset += line.length + 1;
  });
  return { tokens, openAtEnd: stack.depth > 1 };
}
