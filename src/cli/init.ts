// `nnc init`: scaffolds a project (nnc.json + main.nn).
import * as fs from "node:fs";
import * as path from "node:path";
import { MANIFEST } from "../driver.js";
import { displayPath, Exit, type CliIo } from "./io.js";

export const INIT_ENTRY = "main.nn";

export const INIT_SOURCE = `/// A small classifier on the two-moons data set.
model Classifier(x: f32[B, 2]) -> f32[B, 2] {
  x |> dense(16, relu) |> dense(16, relu) |> dense(2)
}

train Classifier on moons(n = 1000, noise = 0.1) {
  loss      = sparse_categorical_crossentropy(from_logits = true)
  optimizer = adam(lr = 0.01)
  epochs    = 20
  batch     = 32
  metrics   = [accuracy]
}
`;

export const INIT_MANIFEST = JSON.stringify({ entry: INIT_ENTRY }, null, 2) + "\n";

/** Writes nnc.json and main.nn into `dir` (created if missing); refuses to overwrite either. */
export function initProject(dir: string, io: CliIo): number {
  const abs = path.resolve(process.cwd(), dir);
  const show = displayPath;
  const files: [string, string][] = [
    [path.join(abs, MANIFEST), INIT_MANIFEST],
    [path.join(abs, INIT_ENTRY), INIT_SOURCE],
  ];
  const existing = files.filter(([f]) => fs.existsSync(f)).map(([f]) => show(f));
  if (existing.length) {
    io.stderr.write(
      `error: not initializing: ${existing.join(" and ")} already exist${existing.length === 1 ? "s" : ""}\n` +
        `  (nnc init never overwrites files; pick an empty folder: nnc init <dir>)\n`,
    );
    return Exit.errors;
  }
  try {
    fs.mkdirSync(abs, { recursive: true });
    for (const [f, text] of files) fs.writeFileSync(f, text, { flag: "wx" });
  } catch (e) {
    io.stderr.write(`error: cannot create the project in ${show(abs)}: ${(e as Error).message}\n`);
    return Exit.errors;
  }
  const rel = show(abs);
  const lines = [...files.map(([f]) => `created ${show(f)}`), "", "next steps:"];
  if (rel !== ".") lines.push(`  cd ${/\s/.test(rel) ? JSON.stringify(rel) : rel}`);
  lines.push("  nnc check      # type-check main.nn", "  nnc summary    # show the model's layers and parameter counts");
  io.stdout.write(lines.join("\n") + "\n");
  return Exit.ok;
}
