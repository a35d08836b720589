// `nnc summary` end to end. Needs the elaborator (model summaries); fails while the checker only parses.
import { execSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, spawnCli } from "../run-cli.js";

let dir = "";

const nnc = (args: string[]) => spawnCli(args, dir);

beforeAll(() => {
  if (!fs.existsSync(path.join(ROOT, "dist/src/cli/main.js"))) execSync("npx tsc -p .", { cwd: ROOT, stdio: "inherit" });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "nnc-summary-"));
  fs.writeFileSync(
    path.join(dir, "mlp.nn"),
    "model Mlp(image: f32[B, 28, 28]) -> f32[B, 10] { image |> flatten |> dense(128, relu) |> dense(10) }\n",
  );
}, 120_000);

afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** The cells of the table row whose first cell is `layer`. */
function row(table: string, layer: string): string[] | undefined {
  for (const line of table.split("\n")) {
    if (!line.startsWith("│")) continue;
    const cells = line.split("│").slice(1, -1).map((c) => c.trim());
    if (cells[0] === layer) return cells;
  }
  return undefined;
}

describe("nnc summary", () => {
  it("prints a Keras-style table for an MLP", () => {
    const r = nnc(["summary", "mlp.nn"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Model: "Mlp"');
    expect(r.stdout).toMatch(/┃ Layer \(type\) +┃ Output Shape +┃ +Param # ┃/);
    expect(row(r.stdout, "flatten (flatten)")).toEqual(["flatten (flatten)", "[B, 784]", "0"]);
    expect(row(r.stdout, "dense (dense)")).toEqual(["dense (dense)", "[B, 128]", "100,480"]);
    expect(row(r.stdout, "dense_1 (dense)")).toEqual(["dense_1 (dense)", "[B, 10]", "1,290"]);
    expect(r.stdout).toContain(" Total params: 101,770");
    expect(r.stdout).toContain(" Trainable params: 101,770");
    expect(r.stdout).toContain(" Non-trainable params: 0");
  });

  it("--model selects by name and --format json prints the summaries", () => {
    const r = nnc(["summary", "mlp.nn", "--model", "Mlp", "--format", "json"]);
    expect(r.code).toBe(0);
    const summaries = JSON.parse(r.stdout) as { model: string; total: number }[];
    expect(summaries).toHaveLength(1);
    expect(summaries[0]).toMatchObject({ model: "Mlp", total: 101770 });
    const bad = nnc(["summary", "mlp.nn", "--model", "Cnn"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("the models in mlp.nn are: Mlp");
  });
});
