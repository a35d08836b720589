// Registers the front end with the driver. (Parse-only until the elaborator lands.)
import * as fs from "node:fs";
import { registerChecker, type CheckResult } from "./driver.js";
import { parseSource } from "./parser/parse.js";

registerChecker((entry, opts): CheckResult => {
  const sources = new Map<string, string>();
  let text = opts.text;
  if (text === undefined) {
    try {
      text = fs.readFileSync(entry, "utf8");
    } catch (e) {
      return {
        entry, sources, summaries: [], irText: "",
        diagnostics: [{ code: "E0901", severity: "error", message: `cannot read ${entry}: ${(e as Error).message}`, span: { file: entry, start: 0, end: 0, line: 1, col: 1, endLine: 1, endCol: 1 } }],
      };
    }
  }
  sources.set(entry, text);
  const r = parseSource(text, entry);
  return { entry, sources, summaries: [], irText: "", diagnostics: r.diagnostics };
});
