// Shared by the run-* tests: throwaway project folders (removed after the file) and the CLI in process.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll } from "vitest";
import { main } from "../../src/cli/main.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** A temporary folder holding `files` (name → text). */
export function project(files: Record<string, string>, prefix = "nnc-run-"): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  dirs.push(d);
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(d, name), text);
  return d;
}

export async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "", err = "";
  const io = { stdout: { write: (s: string) => (out += s), isTTY: false }, stderr: { write: (s: string) => (err += s), isTTY: false }, env: {} };
  const code = await main(argv, io);
  return { code, out, err };
}

/** Moons with dropout and a schedule: 3 epochs of 4 steps, for resume and interrupt tests. */
export const MOONS = `
model M(x: f32[B, 2]) -> f32[B, 2] {
  x |> dense(12, relu) |> dropout(0.3) |> dense(2)
}
train M on moons(n = 160, noise = 0.1, seed = 3) {
  loss      = sparse_categorical_crossentropy(from_logits = true)
  optimizer = adam(lr = 0.01)
  schedule  = exponential_decay(rate = 0.5, steps = 4)
  epochs    = 3
  batch     = 32
  metrics   = [accuracy]
  validation = 0.2
}
`;
