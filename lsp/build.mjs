// Builds the extension's files: copies the grammar and language configuration from grammar/
// (their only copy in git) and bundles the client into one CommonJS file for VS Code.
// `node build.mjs` does both; tests import the list of copies.
import { copyFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const extensionDir = path.dirname(fileURLToPath(import.meta.url));
export const repositoryDir = path.dirname(extensionDir);

/** Files taken from grammar/: `from` is relative to the repository, `to` to the extension. */
export const GRAMMAR_COPIES = [
  { from: "grammar/nn.tmLanguage.json", to: "syntaxes/nn.tmLanguage.json" },
  { from: "grammar/language-configuration.json", to: "language-configuration.json" },
];

export const CLIENT_ENTRY = "src/extension.ts";
export const CLIENT_BUNDLE = "out/extension.js";

export function copyGrammarFiles() {
  for (const { from, to } of GRAMMAR_COPIES) {
    const target = path.join(extensionDir, to);
    mkdirSync(path.dirname(target), { recursive: true });
    copyFileSync(path.join(repositoryDir, from), target);
  }
}

/** Bundles the client with its dependencies; `vscode` is provided by the editor at run time. */
export async function bundleClient(outfile = path.join(extensionDir, CLIENT_BUNDLE)) {
  const esbuild = await import("esbuild");
  await esbuild.build({
    entryPoints: [path.join(extensionDir, CLIENT_ENTRY)],
    outfile,
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node18",
    external: ["vscode"],
    sourcemap: true,
    minifyWhitespace: true, // identifiers stay readable in stack traces
    minifySyntax: true,
    logLevel: "warning",
  });
  return outfile;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  copyGrammarFiles();
  const bundle = await bundleClient();
  console.log(`built ${path.relative(process.cwd(), bundle)}`);
}
