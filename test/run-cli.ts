// Runs the `nnc` CLI in process, capturing its output (faster than spawning node for every case), or as a
// real process against the compiled dist/ (exit codes, environment, PATH).
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { main } from "../src/cli/main.js";

export const ROOT = path.resolve(__dirname, "..");

/** `node bin/nnc.js …` in `cwd`, with NO_COLOR and `env` added to this process's environment. */
export function spawnCli(args: string[], cwd = ROOT, env: Record<string, string> = {}): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(ROOT, "bin/nnc.js"), ...args], { cwd, encoding: "utf8", env: { ...process.env, NO_COLOR: "1", ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export async function runCli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "", stderr = "";
  const io = { stdout: { write: (s: string) => (stdout += s), isTTY: false }, stderr: { write: (s: string) => (stderr += s), isTTY: false }, env: {} };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}
