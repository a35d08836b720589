// From LLVM bitcode to a loaded shared library: opt -O3, llc -O3 -mcpu=native, cc -shared (with libgomp).
// Artifacts are cached by a hash of the kernel IR, so an unchanged model never recompiles.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { KProgram } from "../kir/kir.js";
import { programToString } from "../kir/printer.js";
import { renderLlvm } from "./render.js";

/** Bump when the renderer's output changes for the same kernel IR. */
const RENDERER_VERSION = "10";

export class ToolchainError extends Error {
  constructor(message: string, readonly notes: string[] = []) {
    super(message);
  }
}

export interface CompiledLibrary {
  /** The shared library. */
  lib: string;
  /** Whether it came from the cache. */
  cached: boolean;
  /** Where the artifacts live (step.ll, kernels.txt, manifest.json, libstep.so). */
  dir: string;
}

export function cacheRoot(env: Record<string, string | undefined> = process.env): string {
  return env["NNC_CACHE_DIR"] ?? path.join(env["XDG_CACHE_HOME"] ?? path.join(os.homedir(), ".cache"), "nnc");
}

/** The cache key: kernel IR, renderer version and the CPU it is tuned for (-mcpu=native). */
export function programHash(p: KProgram): string {
  const cpu = os.cpus()[0]?.model ?? "unknown";
  return createHash("sha256").update(`${RENDERER_VERSION}\n${cpu}\n${programToString(p)}`).digest("hex").slice(0, 20);
}

const INSTALL: Record<string, string> = {
  opt: "LLVM 14's `opt` (Debian: apt-get install llvm-14, with /usr/bin/opt on the PATH)",
  llc: "LLVM 14's `llc` (Debian: apt-get install llvm-14, with /usr/bin/llc on the PATH)",
  cc: "a C compiler driver to link the library (Debian: apt-get install gcc)",
};

function tool(cmd: string, args: string[], cwd: string): void {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8" });
  if (r.error && (r.error as NodeJS.ErrnoException).code === "ENOENT") {
    throw new ToolchainError(`the CPU backend needs \`${cmd}\`, which is not installed or not on the PATH`, [`install ${INSTALL[cmd] ?? cmd}`, "or train with the reference backend: --backend ref"]);
  }
  if (r.status !== 0) {
    throw new ToolchainError(`\`${cmd} ${args.join(" ")}\` failed (exit ${r.status ?? r.signal})`, (r.stderr || r.stdout || "").trim().split("\n").slice(0, 12));
  }
}

/** Compiles `p` to a shared library under the cache (or `outDir`), unless an identical one is there. */
export function compileProgram(p: KProgram, opts: { outDir?: string; env?: Record<string, string | undefined> } = {}): CompiledLibrary {
  const hash = programHash(p);
  const dir = opts.outDir ?? path.join(cacheRoot(opts.env), hash);
  const lib = path.join(dir, "libstep.so");
  const stamp = path.join(dir, "hash");
  if (fs.existsSync(lib) && fs.existsSync(stamp) && fs.readFileSync(stamp, "utf8") === hash) return { lib, cached: true, dir };
  fs.mkdirSync(dir, { recursive: true });
  // Build in a private folder, then move into place: a crash never leaves a half-written library.
  const work = fs.mkdtempSync(path.join(dir, ".build-"));
  try {
    renderLlvm(p).write(path.join(work, "step.bc"));
    // No SLP vectoriser: our kernels carry their own vectors, and it packed a tile's row addresses
    // (base + offset, one per row) into one vector, then extracted each lane again for its load.
    tool("opt", ["-O3", "-mcpu=native", "--vectorize-slp=false", "step.bc", "-o", "step.opt.bc"], work);
    tool("llc", ["-O3", "-mcpu=native", "-relocation-model=pic", "-filetype=obj", "step.opt.bc", "-o", "step.o"], work);
    // nodelete: unloading the library at exit would unload libgomp under its idle worker threads.
    tool("cc", ["-shared", "-Wl,-z,nodelete", "step.o", "-o", "libstep.so", "-lgomp", "-lm"], work);
    fs.renameSync(path.join(work, "libstep.so"), lib);
    fs.writeFileSync(stamp, hash);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  return { lib, cached: false, dir };
}
