// The `nnc` command line, run as a process (node bin/nnc.js …) against the compiled dist/.
import { execSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, spawnCli } from "../run-cli.js";

const temps: string[] = [];

function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "nnc-cli-"));
  temps.push(d);
  return d;
}

const nnc = (args: string[], cwd = ROOT) => spawnCli(args, cwd);

beforeAll(() => {
  if (!fs.existsSync(path.join(ROOT, "dist/src/cli/main.js"))) execSync("npx tsc -p .", { cwd: ROOT, stdio: "inherit" });
}, 120_000);

afterAll(() => {
  for (const d of temps) fs.rmSync(d, { recursive: true, force: true });
});

const BAD = "model M(x: f32[B, 3]) { x |> dense(  }\n";

describe("nnc (program)", () => {
  it("--version prints the package version", () => {
    const version = (JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string }).version;
    const r = nnc(["--version"]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(version);
  });

  it("--help lists every command and the exit codes", () => {
    const r = nnc(["--help"]);
    expect(r.code).toBe(0);
    for (const c of ["check", "summary", "init", "compile", "run"]) expect(r.stdout).toMatch(new RegExp(`^  ${c} `, "m"));
    expect(r.stdout).toContain("Exit status:");
  });

  it("prints help and exits 0 with no command", () => {
    const r = nnc([]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Usage: nnc");
  });

  it("rejects an unknown command with a suggestion and a hint (exit 2)", () => {
    const r = nnc(["chek"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("error: unknown command 'chek'");
    expect(r.stderr).toContain("Did you mean check?");
    expect(r.stderr).toContain("run `nnc --help`");
  });

  it("rejects unknown flags and bad option values (exit 2)", () => {
    const r = nnc(["check", "--frobnicate"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown option '--frobnicate'");
    expect(r.stderr).toContain("run `nnc check --help`");
    const f = nnc(["check", "--format", "xml", "x.nn"]);
    expect(f.code).toBe(2);
    expect(f.stderr).toContain("Allowed choices are text, json");
  });
});

describe("nnc check", () => {
  it("reports a syntax error rustc-style on stderr (exit 1)", () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, "bad.nn"), BAD);
    const r = nnc(["check", "bad.nn"], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error[E0002]");
    expect(r.stderr).toMatch(/^ +--> bad\.nn:1:\d+$/m);
    expect(r.stderr).toContain(` 1 | ${BAD.trimEnd()}`);
    expect(r.stderr).toMatch(/^ +\| +\^+/m);
    expect(r.stderr).toMatch(/^error: could not check bad\.nn: \d+ errors?$/m);
    expect(r.stderr).not.toContain("\x1b[");
    expect(r.stdout).toBe("");
  });

  it("--format json prints one JSON document on stdout", () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, "bad.nn"), BAD);
    const r = nnc(["check", "bad.nn", "--format", "json"], dir);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as { file: string; diagnostics: { code: string; file: string; line: number; col: number }[] };
    expect(doc.file).toBe("bad.nn");
    expect(doc.diagnostics[0]).toMatchObject({ code: "E0002", severity: "error", file: "bad.nn", line: 1 });
  });

  it("says clearly when the file does not exist (exit 1)", () => {
    const dir = tempDir();
    const r = nnc(["check", "missing.nn"], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("cannot read missing.nn: no such file");
  });

  it("with no file in a folder without a project, points at `nnc init` (exit 1)", () => {
    const r = nnc(["check"], tempDir());
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("no entry point");
    expect(r.stderr).toContain("nnc init");
  });
});

describe("nnc init", () => {
  it("scaffolds nnc.json and main.nn, refuses a second time, and check finds the entry", () => {
    const dir = tempDir();
    const proj = path.join(dir, "proj");
    const r = nnc(["init", "proj"], dir);
    expect(r.code).toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(proj, "nnc.json"), "utf8"))).toEqual({ entry: "main.nn" });
    const main = fs.readFileSync(path.join(proj, "main.nn"), "utf8");
    expect(main).toContain("model Classifier(x: f32[B, 2]) -> f32[B, 2] {");
    expect(main).toContain("train Classifier on moons(n = 1000, noise = 0.1) {");
    expect(r.stdout).toContain("created proj/nnc.json");
    expect(r.stdout).toContain("created proj/main.nn");
    expect(r.stdout).toContain("nnc check");
    expect(r.stdout).toContain("nnc summary");

    const again = nnc(["init"], proj);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("already exist");
    expect(fs.readFileSync(path.join(proj, "main.nn"), "utf8")).toBe(main);

    const check = nnc(["check"], proj);
    expect(check.stderr).toBe("");
    expect(check.code).toBe(0);
    expect(check.stdout).toMatch(/^ok: main\.nn \(\d+ models?, 0 errors\)$/m);

    const json = nnc(["check", "--format", "json"], proj);
    expect(JSON.parse(json.stdout)).toEqual({ file: "main.nn", diagnostics: [] });
  });

  it("compile builds the project's training step into runs/main/compiled; run trains it", () => {
    const dir = tempDir();
    expect(nnc(["init"], dir).code).toBe(0);
    const c = nnc(["compile"], dir);
    expect(c.code, c.stderr).toBe(0);
    expect(c.stderr).toMatch(/^Compiled \w+'s training step: \d+ steps, \d+ kernels, (cached|in \d+\.\d s) → runs\/main\/compiled$/m);
    expect(fs.existsSync(path.join(dir, "runs", "main", "compiled", "libstep.so"))).toBe(true);
    const r = nnc(["run", "main.nn", "--epochs", "1", "--out", "out"], dir);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Epoch 1\/1$/m);
    expect(fs.existsSync(path.join(dir, "out", "checkpoints", "last", "weights.safetensors"))).toBe(true);
    expect(fs.existsSync(path.join(dir, "out", "history.csv"))).toBe(true);
  });

  it("compile stops at front-end errors (exit 1)", () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, "bad.nn"), BAD);
    const r = nnc(["compile", "bad.nn"], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error[E0002]");
    expect(r.stderr).not.toContain("Compiled");
  });
});

describe("nnc summary (errors)", () => {
  it("prints the errors and exits 1 when the file does not check", () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, "bad.nn"), BAD);
    const r = nnc(["summary", "bad.nn"], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error[E0002]");
  });

  it("rejects an unknown --model (exit 2)", () => {
    const dir = tempDir();
    expect(nnc(["init"], dir).code).toBe(0);
    const r = nnc(["summary", "--model", "Nope"], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("no model named 'Nope'");
  });
});

describe("main (in-process)", () => {
  it("colours diagnostics only on a terminal without NO_COLOR", async () => {
    const { main } = await import("../../src/cli/main.js");
    const dir = tempDir();
    const file = path.join(dir, "bad.nn");
    fs.writeFileSync(file, BAD);
    const run = async (isTTY: boolean, env: Record<string, string>) => {
      let err = "";
      const code = await main(["check", file], { stdout: { write: () => true }, stderr: { isTTY, write: (s: string) => (err += s) }, env });
      expect(code).toBe(1);
      return err;
    };
    expect(await run(true, {})).toContain("\x1b[1;31merror[E0002]");
    expect(await run(true, { NO_COLOR: "1" })).not.toContain("\x1b[");
    expect(await run(false, {})).not.toContain("\x1b[");
  });

  it("turns an exception inside a command into `internal error` and exit 70", async () => {
    const { main } = await import("../../src/cli/main.js");
    const { registerChecker } = await import("../../src/driver.js");
    registerChecker(() => {
      throw new Error("boom");
    });
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, "x.nn"), "model M(x: f32[B, 1]) -> f32[B, 1] { x }\n");
    let out = "";
    let err = "";
    const code = await main(["check", path.join(dir, "x.nn")], {
      stdout: { write: (s: string) => (out += s) },
      stderr: { write: (s: string) => (err += s) },
      env: {},
    });
    expect(code).toBe(70);
    expect(err).toMatch(/^internal error: boom\n.*Error: boom/s);
    expect(out).toBe("");
  });
});
