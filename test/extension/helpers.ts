// Shared by the extension tests: where the extension lives, its build module, and the check that
// its own dependencies are installed (it is a separate npm package: `npm ci --prefix lsp`).
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const EXTENSION_DIR = path.join(ROOT, "lsp");

export interface ExtensionBuild {
  GRAMMAR_COPIES: Array<{ from: string; to: string }>;
  CLIENT_ENTRY: string;
  CLIENT_BUNDLE: string;
  copyGrammarFiles(): void;
  bundleClient(outfile?: string): Promise<string>;
}

export async function extensionBuild(): Promise<ExtensionBuild> {
  return (await import(path.join(EXTENSION_DIR, "build.mjs"))) as ExtensionBuild;
}

export function extensionManifest(): Record<string, any> {
  return JSON.parse(readFileSync(path.join(EXTENSION_DIR, "package.json"), "utf8"));
}

/** Fails with what to run when lsp/node_modules is missing, instead of an obscure import error. */
export function requireExtensionDependencies(): void {
  const needed = ["typescript", "esbuild", "vscode-languageclient", "@types/vscode"];
  const missing = needed.filter((name) => !existsSync(path.join(EXTENSION_DIR, "node_modules", name, "package.json")));
  if (missing.length > 0) {
    throw new Error(
      `the VS Code extension's dependencies are not installed (missing ${missing.join(", ")}): ` +
        "run `npm ci --prefix lsp` (lsp/ is its own npm package with its own package-lock.json)",
    );
  }
}
