// Runs the `nnc` CLI in process, capturing its output (faster than spawning node for every case).
import { main } from "../src/cli/main.js";

export async function runCli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "", stderr = "";
  const io = { stdout: { write: (s: string) => (stdout += s), isTTY: false }, stderr: { write: (s: string) => (stderr += s), isTTY: false }, env: {} };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}
