// Turns the `nnc.server.path` setting into the process that runs `nnc lsp --stdio`. Kept free of
// the `vscode` module so it can be tested outside the editor.
import { statSync, type Stats } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** What the language client spawns. */
export interface ServerLaunch {
  command: string;
  args: string[];
  /** Windows runs `.cmd` / `.bat` shims (what `npm install -g` makes) only through a shell. */
  shell: boolean;
}

export type LaunchResult = { ok: true; launch: ServerLaunch } | { ok: false; message: string };

export interface LaunchEnvironment {
  /** Relative paths in the setting are resolved against this folder (the first workspace folder). */
  baseDir?: string;
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  /** How files are looked at; the real file system unless a test says otherwise. */
  files?: FileProbe;
}

export interface FileProbe {
  isFile(file: string): boolean;
  isExecutable(file: string): boolean;
}

const realFiles: FileProbe = {
  isFile: (file) => statOf(file)?.isFile() ?? false,
  isExecutable: (file) => ((statOf(file)?.mode ?? 0) & 0o111) !== 0,
};

export const DEFAULT_SERVER_PATH = "nnc";
export const SERVER_ARGS: readonly string[] = ["lsp", "--stdio"];

export const INSTALL_HINT =
  "Install nnc so that `nnc` is on the PATH (in a clone of the nnc repository: `npm ci && npm run build && npm install -g .`), " +
  "or set `nnc.server.path` to the nnc executable or to `bin/nnc.js` in the clone.";

/** A `.js` entry point (the repository's `bin/nnc.js`) is run with `node`, which works on every platform. */
const SCRIPT_EXTENSIONS = [".js", ".mjs", ".cjs"];

export function resolveServerLaunch(setting: string | undefined, where: LaunchEnvironment): LaunchResult {
  const configured = (setting ?? "").trim() || DEFAULT_SERVER_PATH;
  if (!looksLikePath(configured, where.platform)) {
    const found = findOnPath(configured, where);
    if (!found) {
      return fail(`the command \`${configured}\` was not found on the PATH. ${INSTALL_HINT}`);
    }
    return { ok: true, launch: launchOf(found, where.platform) };
  }
  const file = absolutePath(configured, where);
  if (!(where.files ?? realFiles).isFile(file)) {
    return fail(`\`nnc.server.path\` is \`${configured}\`, but there is no file at ${file}. ${INSTALL_HINT}`);
  }
  const pathApi = where.platform === "win32" ? path.win32 : path.posix;
  if (SCRIPT_EXTENSIONS.includes(pathApi.extname(file).toLowerCase())) {
    const node = findOnPath("node", where);
    if (!node) {
      return fail(`\`nnc.server.path\` is the script ${file}, which needs \`node\` (version 20 or later) on the PATH, and none was found.`);
    }
    return { ok: true, launch: { ...launchOf(node, where.platform), args: [file, ...SERVER_ARGS] } };
  }
  return { ok: true, launch: launchOf(file, where.platform) };
}

/** The first executable called `name` in the PATH's folders (with the PATHEXT endings on Windows). */
export function findOnPath(name: string, where: LaunchEnvironment): string | undefined {
  const { env, platform } = where;
  const files = where.files ?? realFiles;
  const pathApi = platform === "win32" ? path.win32 : path.posix;
  const folders = (envValue(env, "PATH", platform) ?? "").split(platform === "win32" ? ";" : ":").filter((d) => d !== "");
  // Windows runs only files with an executable ending: `npm install -g` also writes an extensionless sh script.
  const pathExt = (envValue(env, "PATHEXT", platform) ?? ".COM;.EXE;.BAT;.CMD").split(";").filter((e) => e !== "");
  const endings = platform === "win32" && pathApi.extname(name) === "" ? pathExt : [""];
  for (const folder of folders) {
    for (const ending of endings) {
      const candidate = pathApi.join(folder, name + ending.toLowerCase());
      if (files.isFile(candidate) && (platform === "win32" || files.isExecutable(candidate))) return candidate;
    }
  }
  return undefined;
}

function launchOf(command: string, platform: NodeJS.Platform): ServerLaunch {
  const viaShell = platform === "win32" && /\.(cmd|bat)$/i.test(command);
  // Through a shell the command is one string: quote it so spaces in the folder survive.
  return { command: viaShell ? `"${command}"` : command, args: [...SERVER_ARGS], shell: viaShell };
}

function looksLikePath(setting: string, platform: NodeJS.Platform): boolean {
  return setting.includes("/") || (platform === "win32" && setting.includes("\\")) || setting.startsWith("~");
}

function absolutePath(setting: string, where: LaunchEnvironment): string {
  const pathApi = where.platform === "win32" ? path.win32 : path.posix;
  const home = where.env.HOME ?? where.env.USERPROFILE ?? os.homedir();
  const expanded = setting === "~" || setting.startsWith("~/") ? pathApi.join(home, setting.slice(1)) : setting;
  return pathApi.resolve(where.baseDir ?? process.cwd(), expanded);
}

/** Windows spells the PATH variable in any case (`Path` is common). */
function envValue(env: NodeJS.ProcessEnv, key: string, platform: NodeJS.Platform): string | undefined {
  if (platform !== "win32") return env[key];
  const actual = Object.keys(env).find((k) => k.toUpperCase() === key);
  return actual === undefined ? undefined : env[actual];
}

function statOf(file: string): Stats | undefined {
  try {
    return statSync(file);
  } catch {
    return undefined;
  }
}

function fail(reason: string): LaunchResult {
  return { ok: false, message: `nnc: cannot start the language server: ${reason}` };
}
