// Registers the front end with the driver: load → parse → elaborate models → check datasets and training.
import * as path from "node:path";
import * as fs from "node:fs";
import type * as A from "./parser/ast.js";
import { type Diagnostic, DiagnosticBag, noSpan, sortDiagnostics } from "./diag/diagnostic.js";
import { registerChecker, type CheckResult } from "./driver.js";
import { loadPrelude, ModuleLoader } from "./elab/modules.js";
import type { Module } from "./elab/values.js";
import { elaborateModel, type ElaboratedModel } from "./elab/model.js";
import { checkDefinitionShapes } from "./elab/definitions.js";
import { checkDatasetsAndTraining } from "./elab/train-check.js";
import { printGraph } from "./ir/printer.js";
import { type ElabRecorder, withRecorder } from "./elab/recorder.js";

export type FullCheck = CheckResult & {
  models: Map<string, ElaboratedModel>;
  module?: Module;
  /** Every user module read: the entry and the local files it imports (recursively). */
  modules: Module[];
};

export interface CheckExtras {
  /** Absolute path → unsaved text to read instead of the file on disk (imported files too). */
  overlay?: ReadonlyMap<string, string>;
  /** Receives what the elaborator computed (the language server's type facts). */
  recorder?: ElabRecorder;
}

export function check(entry: string, text?: string, extras: CheckExtras = {}): FullCheck {
  return withRecorder(extras.recorder, () => checkNow(entry, text, extras.overlay));
}

function checkNow(entry: string, text: string | undefined, overlay: ReadonlyMap<string, string> | undefined): FullCheck {
  const bag = new DiagnosticBag();
  const prelude = loadPrelude();
  const loader = new ModuleLoader(prelude, bag, overlay);
  if (text === undefined) text = overlay?.get(path.resolve(entry));
  const models = new Map<string, ElaboratedModel>();
  const sources = new Map<string, string>(prelude.sources);
  let module: Module | undefined;
  const result = (): FullCheck => {
    for (const [k, v] of loader.sources) sources.set(k, v);
    return {
      entry, sources, models, module, modules: loader.modules,
      diagnostics: sortDiagnostics(dropCascades(bag.items, items)),
      summaries: [...models.values()].map((m) => m.summary),
      trainedModel,
      // Printed on demand: editors re-check on every keystroke and never read it.
      get irText() {
        return [...models.values()].map((m) => printGraph(m.graph)).join("\n\n");
      },
    };
  };
  let trainedModel: string | undefined;
  let items: A.TopItem[] = [];
  if (text === undefined && !fs.existsSync(entry)) {
    bag.error("E0901", noSpan(entry), `cannot read ${entry}: no such file`);
    return result();
  }
  try {
    // Errors inside the stdlib itself are reported too (they would otherwise surface far away).
    bag.items.push(...prelude.diagnostics);
    const mod = loader.load(entry, text);
    if (!mod) {
      bag.error("E0901", noSpan(entry), `cannot read ${entry}`);
      return result();
    }
    items = mod.program.items;
    module = mod;
    checkDefinitionShapes(mod, bag);
    for (const item of mod.program.items) {
      if (item.kind !== "Definition" || item.defKind !== "model" || item.name.name === "<missing>") continue;
      const m = elaborateModel(item, mod, bag);
      if (m) models.set(item.name.name, m);
    }
    const train = mod.program.items.find((i): i is A.TrainDecl => i.kind === "Train");
    trainedModel = train?.model.name;
    checkDatasetsAndTraining(mod, models, bag);
  } catch (e) {
    // Never throw on user input: an internal failure becomes a diagnostic.
    bag.error("E9999", noSpan(entry), `internal compiler error: ${(e as Error).message}`, {
      notes: [((e as Error).stack ?? "").split("\n").slice(1, 4).join("\n"), "please report this with the .nn file that caused it"],
    });
  }
  return result();
}

/** Inside an item with a syntax error, later errors are usually its echoes: keep only the syntax ones. */
function dropCascades(ds: Diagnostic[], items: A.TopItem[]): Diagnostic[] {
  const broken = items.filter((it) => ds.some((d) => isSyntax(d) && d.span.file === it.span.file && d.span.start >= it.span.start && d.span.start <= it.span.end));
  return ds.filter((d) => isSyntax(d) || d.code === "E9999" || !broken.some((it) => d.span.file === it.span.file && d.span.start >= it.span.start && d.span.end <= it.span.end + 1));
}
const isSyntax = (d: Diagnostic) => d.code === "E0001" || d.code === "E0002";

registerChecker((entry, opts) => check(path.normalize(entry), opts.text, { overlay: opts.overlay }));
