// How the extension turns `nnc.server.path` into the `nnc lsp --stdio` process, and the message a
// user sees when there is nothing to start.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findOnPath, INSTALL_HINT, resolveServerLaunch, type FileProbe } from "../../lsp/src/server-command.js";

let dir: string;
let bin: string;
let otherBin: string;

function executable(file: string, mode = 0o755): string {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, "#!/bin/sh\n");
  chmodSync(file, mode);
  return file;
}

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "nnc-server-path-"));
  bin = path.join(dir, "bin");
  otherBin = path.join(dir, "other-bin");
  executable(path.join(bin, "nnc"));
  executable(path.join(bin, "node"));
  executable(path.join(otherBin, "nnc"), 0o644); // not executable: skipped
  executable(path.join(dir, "clone", "bin", "nnc.js"), 0o644);
  executable(path.join(dir, "home", "tools", "nnc"));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const posix = (PATH: string, extra: Partial<Parameters<typeof resolveServerLaunch>[1]> = {}) => ({
  env: { PATH, HOME: path.join(dir, "home") },
  platform: "linux" as const,
  baseDir: dir,
  ...extra,
});

describe("resolveServerLaunch on a POSIX system", () => {
  it("finds the default `nnc` on the PATH and runs it as `nnc lsp --stdio`", () => {
    for (const setting of [undefined, "", "  ", "nnc"]) {
      expect(resolveServerLaunch(setting, posix(`${otherBin}:${bin}`))).toEqual({
        ok: true,
        launch: { command: path.join(bin, "nnc"), args: ["lsp", "--stdio"], shell: false },
      });
    }
  });

  it("says the command was not found and how to install nnc", () => {
    const result = resolveServerLaunch("nnc", posix(otherBin));
    expect(result).toEqual({
      ok: false,
      message: `nnc: cannot start the language server: the command \`nnc\` was not found on the PATH. ${INSTALL_HINT}`,
    });
    expect(INSTALL_HINT).toContain("npm install -g .");
    expect(INSTALL_HINT).toContain("nnc.server.path");
  });

  it("runs a path as given, relative ones from the workspace folder, ~ from the home folder", () => {
    expect(resolveServerLaunch(path.join(bin, "nnc"), posix(""))).toEqual({
      ok: true,
      launch: { command: path.join(bin, "nnc"), args: ["lsp", "--stdio"], shell: false },
    });
    expect(resolveServerLaunch("./bin/nnc", posix(""))).toMatchObject({ ok: true, launch: { command: path.join(bin, "nnc") } });
    expect(resolveServerLaunch("~/tools/nnc", posix(""))).toMatchObject({ ok: true, launch: { command: path.join(dir, "home", "tools", "nnc") } });
  });

  it("runs a .js entry point (bin/nnc.js in a clone) with node from the PATH", () => {
    const script = path.join(dir, "clone", "bin", "nnc.js");
    expect(resolveServerLaunch("clone/bin/nnc.js", posix(bin))).toEqual({
      ok: true,
      launch: { command: path.join(bin, "node"), args: [script, "lsp", "--stdio"], shell: false },
    });
    const noNode = resolveServerLaunch(script, posix(otherBin));
    expect(noNode).toEqual({ ok: false, message: expect.stringContaining("needs `node` (version 20 or later) on the PATH") });
  });

  it("reports a path that names no file, with the resolved location", () => {
    const result = resolveServerLaunch("./missing/nnc", posix(bin));
    expect(result).toEqual({
      ok: false,
      message: `nnc: cannot start the language server: \`nnc.server.path\` is \`./missing/nnc\`, but there is no file at ${path.join(dir, "missing", "nnc")}. ${INSTALL_HINT}`,
    });
  });
});

describe("resolveServerLaunch on Windows", () => {
  // A file system in a table: Windows paths cannot be made on this machine.
  const files = (...present: string[]): FileProbe => ({ isFile: (f) => present.includes(f), isExecutable: () => false });
  const windows = (present: string[], env: Record<string, string>) => ({ env, platform: "win32" as const, baseDir: "C:\\work", files: files(...present) });

  it("finds the npm shim nnc.cmd through PATHEXT (any case of Path) and runs it through a shell", () => {
    const where = windows(["C:\\npm\\nnc", "C:\\npm\\nnc.cmd"], { Path: "C:\\tools;C:\\npm", PATHEXT: ".COM;.EXE;.BAT;.CMD" });
    expect(resolveServerLaunch("nnc", where)).toEqual({
      ok: true,
      launch: { command: '"C:\\npm\\nnc.cmd"', args: ["lsp", "--stdio"], shell: true },
    });
  });

  it("runs an .exe directly and a relative path from the workspace folder", () => {
    const where = windows(["C:\\work\\tools\\nnc.exe"], { Path: "" });
    expect(resolveServerLaunch("tools\\nnc.exe", where)).toEqual({
      ok: true,
      launch: { command: "C:\\work\\tools\\nnc.exe", args: ["lsp", "--stdio"], shell: false },
    });
    expect(findOnPath("nnc", windows(["C:\\npm\\nnc"], { PATH: "C:\\npm" }))).toBeUndefined();
  });
});
