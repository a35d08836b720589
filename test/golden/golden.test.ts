// Golden files: the AST of every example and stdlib file, and the IR (plus summary rows) of every example
// and of the stdlib-usage fixtures. Readable files in __golden__/; regenerate with `npx vitest run test/golden -u`
// and read the diff. The IR verifier runs on every model graph (the project rule: after each pass).
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import type { ModelSummary } from "../../src/driver.js";
import { check } from "../../src/checker.js";
import { printGraph } from "../../src/ir/printer.js";
import { parseSource } from "../../src/parser/parse.js";
import { checkAndVerify, type Checked, errorsOf, ROOT } from "../ir/helpers.js";

const GOLDEN = path.join(ROOT, "test/golden/__golden__");
const nnFiles = (dir: string) => fs.readdirSync(path.join(ROOT, dir)).filter((n) => n.endsWith(".nn")).sort();
const EXAMPLES = nnFiles("examples");
const STDLIB = nnFiles("stdlib");
const USAGE_DIR = "test/fixtures/stdlib-usage";
const base = (f: string) => f.replace(/\.nn$/, "");

// ---------- AST text ----------

const isSpan = (o: Record<string, unknown>): boolean =>
  typeof o["file"] === "string" && typeof o["start"] === "number" && typeof o["line"] === "number" && typeof o["endCol"] === "number";

/** Key order: `kind` first, `span` last, the rest alphabetical. */
const keyRank = (k: string) => (k === "kind" ? 0 : k === "span" ? 2 : 1);
const byKey = (a: string, b: string) => keyRank(a) - keyRank(b) || (a < b ? -1 : a > b ? 1 : 0);

/** Spans become "line:col-endLine:endCol"; object keys in a stable order; `undefined` fields are dropped. */
function normalize(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(normalize);
  if (x === null || typeof x !== "object") return x;
  const o = x as Record<string, unknown>;
  if (isSpan(o)) return `${o["line"]}:${o["col"]}-${o["endLine"]}:${o["endCol"]}`;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o).sort(byKey)) if (o[k] !== undefined) out[k] = normalize(o[k]);
  return out;
}

function astText(rel: string): string {
  const r = parseSource(fs.readFileSync(path.join(ROOT, rel), "utf8"), rel);
  expect(r.diagnostics.map((d) => `${d.code} ${d.span.line}:${d.span.col} ${d.message}`), `parse diagnostics of ${rel}`).toEqual([]);
  return `${JSON.stringify(normalize(r.program), null, 2)}\n`;
}

// ---------- IR text ----------

function summaryText(s: ModelSummary): string {
  const rows = [["layer", "type", "output", "params", "trainable", "non-trainable"]];
  for (const r of s.rows) rows.push([r.name, r.type, r.outputShape, String(r.params), String(r.trainable), String(r.nonTrainable)]);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = rows.map((r) => `  ${r.map((c, i) => c.padEnd(widths[i]!)).join("  ")}`.trimEnd());
  const ins = s.inputs.map((i) => `${i.name}: ${i.type}`).join(", ");
  return [`summary ${s.model}(${ins})`, ...lines, `  total ${s.total}, trainable ${s.trainable}, non-trainable ${s.nonTrainable}`].join("\n");
}

function irText(r: Checked): string {
  const parts: string[] = [];
  for (const [name, m] of r.models) {
    parts.push(`// ---- model ${name} ----`, printGraph(m.graph), "", summaryText(m.summary), "");
  }
  return parts.join("\n");
}

/** Checks a file: no errors, every model graph passes the IR verifier. */
function checked(rel: string): Checked {
  const r = checkAndVerify(path.join(ROOT, rel));
  expect(errorsOf(r), `errors in ${rel}`).toEqual([]);
  return r;
}

// ---------- tests ----------

describe("examples", () => {
  for (const f of EXAMPLES) {
    it(`${f}: AST`, async () => {
      await expect(astText(`examples/${f}`)).toMatchFileSnapshot(path.join(GOLDEN, `${base(f)}.ast.txt`));
    });
    it(`${f}: IR and summary`, async () => {
      const r = checked(`examples/${f}`);
      expect(r.models.size).toBeGreaterThan(0);
      await expect(irText(r)).toMatchFileSnapshot(path.join(GOLDEN, `${base(f)}.ir.txt`));
    });
  }
});

describe("stdlib", () => {
  it("every stdlib file has a usage fixture", () => {
    expect(nnFiles(USAGE_DIR)).toEqual(STDLIB);
  });
  for (const f of STDLIB) {
    it(`${f}: AST`, async () => {
      await expect(astText(`stdlib/${f}`)).toMatchFileSnapshot(path.join(GOLDEN, `std.${base(f)}.ast.txt`));
    });
    it(`${f}: usage fixture checks with zero errors and verifiable IR`, () => {
      checked(`${USAGE_DIR}/${f}`);
    });
    it(`${f}: usage fixture names every definition of the file`, () => {
      const defs = parseSource(fs.readFileSync(path.join(ROOT, "stdlib", f), "utf8"), f).program.items
        .flatMap((i) => (i.kind === "Definition" ? [i.name.name] : []));
      const usage = fs.readFileSync(path.join(ROOT, USAGE_DIR, f), "utf8").replace(/\/\/[^\n]*/g, "");
      expect(defs.filter((d) => !new RegExp(`\\b${d}\\b`).test(usage))).toEqual([]);
    });
    it(`${f}: IR of the usage fixture`, async () => {
      // Errors and verifier problems fail the test above; the golden still records what was produced.
      const r = check(path.join(ROOT, USAGE_DIR, f));
      await expect(irText(r)).toMatchFileSnapshot(path.join(GOLDEN, `std.${base(f)}.ir.txt`));
    });
  }
});
