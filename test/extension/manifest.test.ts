// The VS Code extension's manifest (lsp/package.json) is consistent with the grammar in grammar/,
// the build step that copies it, the client source, and the settings the server reads.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { EXTENSION_DIR, ROOT, extensionBuild, extensionManifest, requireExtensionDependencies, type ExtensionBuild } from "./helpers.js";

const manifest = extensionManifest();
const grammar = JSON.parse(readFileSync(path.join(ROOT, "grammar", "nn.tmLanguage.json"), "utf8"));
let build: ExtensionBuild;

beforeAll(async () => {
  build = await extensionBuild();
});

/** A path in the manifest ("./syntaxes/nn.tmLanguage.json") relative to the extension folder. */
const inExtension = (p: string) => path.posix.normalize(p).replace(/^\.\//, "");

describe("lsp/package.json", () => {
  it("names the extension, its publisher, VS Code version and entry point", () => {
    expect(manifest).toMatchObject({ name: "nnc-vscode", publisher: "nnc", license: "MIT" });
    expect(manifest.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(manifest.engines.vscode).toMatch(/^\^1\.\d+\.\d+$/);
    expect(inExtension(manifest.main)).toBe(build.CLIENT_BUNDLE);
    expect(build.CLIENT_ENTRY).toBe("src/extension.ts");
    expect(existsSync(path.join(EXTENSION_DIR, build.CLIENT_ENTRY))).toBe(true);
    expect(manifest.activationEvents).toEqual(["onLanguage:nn"]);
  });

  it("types VS Code's API no newer than the oldest VS Code it accepts", () => {
    const engine = manifest.engines.vscode.replace("^", "");
    const types = manifest.devDependencies["@types/vscode"].replace(/^[~^]/, "");
    expect(types.split(".").slice(0, 2)).toEqual(engine.split(".").slice(0, 2));
  });

  it("contributes the nn language with its configuration and grammar", () => {
    expect(manifest.contributes.languages).toEqual([
      { id: "nn", aliases: ["NN", "nn"], extensions: [".nn"], configuration: "./language-configuration.json" },
    ]);
    expect(manifest.contributes.grammars).toEqual([{ language: "nn", scopeName: grammar.scopeName, path: "./syntaxes/nn.tmLanguage.json" }]);
    expect(grammar.scopeName).toBe("source.nn");
  });

  it("takes every file it references from the build's copies of grammar/ or from lsp/", () => {
    const referenced = [
      manifest.main,
      ...manifest.contributes.languages.map((l: { configuration: string }) => l.configuration),
      ...manifest.contributes.grammars.map((g: { path: string }) => g.path),
      ...(manifest.icon ? [manifest.icon] : []),
    ].map(inExtension);
    const copied = new Map(build.GRAMMAR_COPIES.map((c) => [c.to, c.from]));
    for (const file of referenced) {
      if (file === build.CLIENT_BUNDLE) continue; // made by bundleClient, checked in activation.test.ts
      const source = copied.get(file);
      if (source) expect(existsSync(path.join(ROOT, source)), `${file} is copied from ${source}`).toBe(true);
      else expect(existsSync(path.join(EXTENSION_DIR, file)), `${file} exists in lsp/`).toBe(true);
    }
    expect([...copied.values()].sort()).toEqual(["grammar/language-configuration.json", "grammar/nn.tmLanguage.json"]);
  });

  it("declares exactly the nnc settings, with their types and defaults", () => {
    const properties = manifest.contributes.configuration.properties;
    expect(Object.keys(properties).sort()).toEqual([
      "nnc.inlayHints.parameterCounts",
      "nnc.inlayHints.shapes",
      "nnc.server.path",
      "nnc.trace.server",
    ]);
    expect(properties["nnc.server.path"]).toMatchObject({ type: "string", default: "nnc" });
    expect(properties["nnc.inlayHints.shapes"]).toMatchObject({ type: "boolean", default: true });
    expect(properties["nnc.inlayHints.parameterCounts"]).toMatchObject({ type: "boolean", default: true });
    expect(properties["nnc.trace.server"]).toMatchObject({ type: "string", enum: ["off", "messages", "verbose"], default: "off" });
    for (const [key, property] of Object.entries<{ markdownDescription?: string }>(properties)) {
      expect(property.markdownDescription, key).toMatch(/\S/);
    }
  });

  it("contributes the restart command, and the client registers it", () => {
    expect(manifest.contributes.commands).toEqual([{ command: "nnc.restartServer", title: "Restart Language Server", category: "nnc" }]);
    const client = readFileSync(path.join(EXTENSION_DIR, "src", "extension.ts"), "utf8");
    expect(client).toContain('"nnc.restartServer"');
  });

  it("locks exactly the dependencies it declares", () => {
    const lock = JSON.parse(readFileSync(path.join(EXTENSION_DIR, "package-lock.json"), "utf8"));
    expect(lock.name).toBe(manifest.name);
    expect(lock.packages[""].dependencies).toEqual(manifest.dependencies);
    expect(lock.packages[""].devDependencies).toEqual(manifest.devDependencies);
    expect(Object.keys(manifest.dependencies)).toEqual(["vscode-languageclient"]);
    expect(Object.keys(manifest.devDependencies).sort()).toEqual(["@types/node", "@types/vscode", "@vscode/vsce", "esbuild", "typescript"]);
  });
});

describe("the build's copies of grammar/", () => {
  it("are byte-for-byte the files in grammar/", () => {
    build.copyGrammarFiles();
    for (const { from, to } of build.GRAMMAR_COPIES) {
      expect(readFileSync(path.join(EXTENSION_DIR, to)), `${to} vs ${from}`).toEqual(readFileSync(path.join(ROOT, from)));
    }
  });

  it("and every other build output are ignored by git, so grammar/ stays the only copy", () => {
    const outputs = [...build.GRAMMAR_COPIES.map((c) => c.to), build.CLIENT_BUNDLE, "node_modules/x", "nnc-vscode-0.1.0.vsix"];
    for (const output of outputs) {
      const result = spawnSync("git", ["check-ignore", "-q", path.join("lsp", output)], { cwd: ROOT });
      expect(result.status, `lsp/${output} is ignored`).toBe(0);
    }
    const source = spawnSync("git", ["check-ignore", "-q", "lsp/src/extension.ts"], { cwd: ROOT });
    expect(source.status, "lsp/src/extension.ts is not ignored").toBe(1);
  });

  it("leave sources and dependencies out of the .vsix (the client is bundled)", () => {
    const ignored = readFileSync(path.join(EXTENSION_DIR, ".vscodeignore"), "utf8").split("\n").map((l) => l.trim());
    expect(ignored).toEqual(expect.arrayContaining(["src/**", "node_modules/**", "tsconfig.json", "build.mjs"]));
    expect(ignored).not.toContain("out/**");
  });
});

describe("the client source", () => {
  it("type-checks with lsp/tsconfig.json", () => {
    requireExtensionDependencies();
    const tsc = path.join(EXTENSION_DIR, "node_modules", "typescript", "bin", "tsc");
    const result = spawnSync(process.execPath, [tsc, "-p", path.join(EXTENSION_DIR, "tsconfig.json"), "--noEmit"], { encoding: "utf8" });
    expect(`${result.stdout}${result.stderr}`).toBe("");
    expect(result.status).toBe(0);
  });
});

describe("vsce", () => {
  it("packages the built extension: manifest, README, LICENSE, grammar copies and the bundled client", async () => {
    requireExtensionDependencies();
    build.copyGrammarFiles();
    await build.bundleClient();
    const vsce = path.join(EXTENSION_DIR, "node_modules", ".bin", "vsce");
    const listed = spawnSync(vsce, ["ls", "--no-dependencies"], { cwd: EXTENSION_DIR, encoding: "utf8" });
    expect(listed.status, listed.stderr).toBe(0);
    expect(listed.stdout.split("\n").filter(Boolean).sort()).toEqual(
      ["LICENSE", "README.md", "package.json", build.CLIENT_BUNDLE, ...build.GRAMMAR_COPIES.map((c) => c.to)].sort(),
    );
    const dir = mkdtempSync(path.join(tmpdir(), "nnc-vsix-"));
    try {
      const vsix = path.join(dir, "nnc.vsix");
      const packaged = spawnSync(vsce, ["package", "--no-dependencies", "--allow-missing-repository", "--out", vsix], {
        cwd: EXTENSION_DIR,
        encoding: "utf8",
      });
      expect(packaged.status, `${packaged.stdout}${packaged.stderr}`).toBe(0);
      expect(readFileSync(vsix).subarray(0, 2).toString("latin1")).toBe("PK"); // a zip archive
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
