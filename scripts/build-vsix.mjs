#!/usr/bin/env node
// Builds the VS Code extension package: installs lsp/'s locked dependencies, type-checks and
// bundles the client, copies the grammar files from grammar/, runs `vsce package`, and prints
// the path of the .vsix. Needs only the npm registry (for `npm ci`).
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const repositoryDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const extensionDir = path.join(repositoryDir, "lsp");
const manifest = JSON.parse(readFileSync(path.join(extensionDir, "package.json"), "utf8"));
const vsixName = `${manifest.name}-${manifest.version}.vsix`;
const npm = process.platform === "win32" ? "npm.cmd" : "npm";

/** Runs a step in lsp/, its output going to stderr so stdout carries only the .vsix path. */
function step(title, command, args) {
  console.error(`build-vsix: ${title}`);
  execFileSync(command, args, { cwd: extensionDir, stdio: ["ignore", process.stderr, process.stderr], shell: process.platform === "win32" });
}

step("installing the extension's dependencies (npm ci)", npm, ["ci", "--no-audit", "--no-fund"]);
step("type-checking the client", npm, ["run", "typecheck"]);
step("copying the grammar files and bundling the client", process.execPath, ["build.mjs"]);
step(`packaging ${vsixName}`, path.join(extensionDir, "node_modules", ".bin", process.platform === "win32" ? "vsce.cmd" : "vsce"), [
  "package",
  "--no-dependencies", // the client is bundled: the package needs none of node_modules
  "--allow-missing-repository",
  "--out",
  vsixName,
]);

const vsix = path.join(extensionDir, vsixName);
if (!existsSync(vsix)) {
  console.error(`build-vsix: vsce finished but ${vsix} is missing`);
  process.exit(1);
}
console.log(path.relative(process.cwd(), vsix) || vsix);
