// `nnc fmt` as a process (node bin/nnc.js against the compiled dist/): in place, --check, --stdout, stdin,
// folders, and files with syntax errors, in a temporary folder.
import { execSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ROOT, spawnCli } from "../run-cli.js";

const MESSY = "model M(x:f32[B,4])->f32[B,2]{\nx|>dense(2)\n}\n";
const TIDY = "model M(x: f32[B, 4]) -> f32[B, 2] {\n  x |> dense(2)\n}\n";
const BROKEN = "model M(x: f32[B, 4]) -> f32[B, 2] {\n  x |> dense(2\n}\n";

let dir: string;
const file = (name: string) => path.join(dir, name);
const write = (name: string, text: string) => {
  fs.mkdirSync(path.dirname(file(name)), { recursive: true });
  fs.writeFileSync(file(name), text);
};
const read = (name: string) => fs.readFileSync(file(name), "utf8");
const nnc = (...args: string[]) => spawnCli(args, dir);

beforeAll(() => {
  if (!fs.existsSync(path.join(ROOT, "dist/src/cli/fmt.js"))) execSync("npx tsc -p .", { cwd: ROOT, stdio: "inherit" });
});
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "nnc-fmt-"));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("nnc fmt", () => {
  it("rewrites files in place, names them, and leaves formatted files alone", () => {
    write("a.nn", MESSY);
    write("b.nn", TIDY);
    const before = fs.statSync(file("b.nn")).mtimeMs;
    const r = nnc("fmt", "a.nn", "b.nn");
    expect(r).toMatchObject({ code: 0, stdout: "formatted a.nn\n", stderr: "" });
    expect(read("a.nn")).toBe(TIDY);
    expect(read("b.nn")).toBe(TIDY);
    expect(fs.statSync(file("b.nn")).mtimeMs).toBe(before);
    // The atomic write leaves no temporary file behind.
    expect(fs.readdirSync(dir).sort()).toEqual(["a.nn", "b.nn"]);
    expect(nnc("fmt", "a.nn")).toMatchObject({ code: 0, stdout: "" });
  });

  it("--check lists the files that would change, exits 1, and writes nothing", () => {
    write("a.nn", MESSY);
    write("b.nn", TIDY);
    const r = nnc("fmt", "--check", "a.nn", "b.nn");
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("a.nn\n");
    expect(r.stderr).toBe("1 file is not formatted; run `nnc fmt` to format\n");
    expect(read("a.nn")).toBe(MESSY);
    expect(nnc("fmt", "--check", "b.nn")).toMatchObject({ code: 0, stdout: "", stderr: "" });
  });

  it("--stdout prints the result and writes nothing", () => {
    write("a.nn", MESSY);
    expect(nnc("fmt", "--stdout", "a.nn")).toMatchObject({ code: 0, stdout: TIDY, stderr: "" });
    expect(read("a.nn")).toBe(MESSY);
  });

  it("formats stdin to stdout with `-`", () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, "bin/nnc.js"), "fmt", "-"], { cwd: dir, input: MESSY, encoding: "utf8" });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(TIDY);
  });

  it("with no file formats every .nn file under the folder, skipping hidden folders and node_modules", () => {
    write("main.nn", MESSY);
    write("lib/blocks.nn", MESSY);
    write(".cache/x.nn", MESSY);
    write("node_modules/p/y.nn", MESSY);
    write("notes.txt", MESSY);
    const r = nnc("fmt");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`formatted ${path.join("lib", "blocks.nn")}\nformatted main.nn\n`);
    expect([read("main.nn"), read("lib/blocks.nn")]).toEqual([TIDY, TIDY]);
    expect([read(".cache/x.nn"), read("node_modules/p/y.nn"), read("notes.txt")]).toEqual([MESSY, MESSY, MESSY]);
  });

  it("reports a file with syntax errors like `nnc check`, leaves it untouched, formats the others, exits 1", () => {
    write("bad.nn", BROKEN);
    write("good.nn", MESSY);
    const r = nnc("fmt", "bad.nn", "good.nn");
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("formatted good.nn\n");
    // Exactly what `nnc check` prints for the file.
    expect(r.stderr).toBe(nnc("check", "bad.nn").stderr);
    expect(r.stderr).toMatch(/^error\[E0002\]: syntax error: expected `\)`, found `\}`\n +--> bad\.nn:3:1\n/);
    expect(read("bad.nn")).toBe(BROKEN);
    expect(read("good.nn")).toBe(TIDY);
    expect(nnc("fmt", "--check", "bad.nn").code).toBe(1);
  });

  it("reports a missing file and a folder without .nn files; rejects --check with --stdout", () => {
    const missing = nnc("fmt", "nope.nn");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("error[E0901]: cannot read nope.nn: no such file or folder");
    fs.mkdirSync(file("empty"));
    expect(nnc("fmt", "empty").stderr).toContain("error[E0900]: no .nn files in empty");
    write("a.nn", MESSY);
    const both = nnc("fmt", "--check", "--stdout", "a.nn");
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("error: option '--check' cannot be used with option '--stdout'");
  });

  it("is listed in the help", () => {
    expect(nnc("--help").stdout).toMatch(/\n {2}fmt \[options\] \[files\.\.\.\] +format \.nn files in place/);
    expect(nnc("fmt", "--help").stdout).toContain("With no file, every .nn file under the working folder is formatted");
  });
});
