// `nnc compile`: the library, manifest and kernel listing it writes, the content-hash cache, and the
// message when the LLVM tools are missing.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cpuVectorWidth } from "../../src/runtime/cpu/compiled.js";
import { ROOT, spawnCli } from "../run-cli.js";

const temps: string[] = [];
const tempDir = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "nnc-compile-"));
  temps.push(d);
  return d;
};
afterAll(() => temps.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

const nnc = (args: string[], env: Record<string, string> = {}) => spawnCli(args, ROOT, env);

describe("nnc compile", () => {
  const cache = tempDir(), out = tempDir();
  const iris = path.join(ROOT, "examples/iris.nn");

  it("writes libstep.so, manifest.json, kernels.txt and step.ll; --emit kernels lists kernels with their source lines", () => {
    const r = nnc(["compile", iris, "-o", out, "--emit-llvm", "--emit", "kernels"], { NNC_CACHE_DIR: cache });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^Compiled Iris's training step: \d+ steps, \d+ kernels, in \d+\.\d s → /);
    for (const f of ["libstep.so", "manifest.json", "kernels.txt", "step.ll"]) expect(fs.existsSync(path.join(out, f)), f).toBe(true);
    expect(fs.readFileSync(path.join(out, "step.ll"), "utf8")).toContain("define void @nnc_step(");
    // One line per kernel: name, the ops fused into it, and where they came from.
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines.length).toBeGreaterThan(10);
    // With vectors, the load steps (packing the dense kernels) come first.
    expect(lines.find((l) => /^\s*k0_/.test(l))).toMatch(/^\s*k0_matmul(_pack_b)?\s+\d+ ops?: matmul.*\(stdlib\/layers\.nn:\d+/);
    expect(r.stdout).toMatch(/examples\/iris\.nn:\d+|stdlib\//);
  });

  it("the manifest names the entry point, the batch dimension and every input and output buffer by role", () => {
    const m = JSON.parse(fs.readFileSync(path.join(out, "manifest.json"), "utf8"));
    expect(m.format).toBe("nnc-compiled/1");
    expect(m.entry).toContain("nnc_step");
    expect(m.dims).toEqual(["B"]);
    const roles = m.buffers.map((b: { role: string }) => b.role);
    expect(roles).toContain("loss");
    expect(roles).toContain("prediction");
    expect(roles.filter((r: string) => r.startsWith("param:"))).toHaveLength(4);
    expect(roles.filter((r: string) => r.startsWith("new_param:"))).toHaveLength(4);
    expect(m.params.map((p: { shape: string[] }) => p.shape)).toEqual([["4", "8"], ["8"], ["8", "3"], ["3"]]);
  });

  it("with vectors, the manifest names the kept packings of the dense kernels and the load entry that prepares them", () => {
    const m = JSON.parse(fs.readFileSync(path.join(out, "manifest.json"), "utf8"));
    if (cpuVectorWidth() <= 1) return expect(m.load_entry).toBeUndefined();
    expect(m.load_entry).toContain("nnc_load");
    const kept = m.buffers.filter((b: { kind: string }) => b.kind === "state").map((b: { role: string }) => b.role).sort();
    expect(kept).toEqual(["packing:dense.kernel", "packing:dense_1.kernel"]);
  });

  it("an unchanged model is not compiled again (the cache is keyed by the kernel IR's hash)", () => {
    const r = nnc(["compile", iris, "-o", out], { NNC_CACHE_DIR: cache });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(", cached → ");
  });

  it("missing LLVM tools: a clear message naming what to install, exit 1", () => {
    // A PATH with node but without opt/llc.
    const bin = tempDir();
    fs.symlinkSync(process.execPath, path.join(bin, "node"));
    const r = nnc(["compile", iris, "-o", tempDir()], { NNC_CACHE_DIR: tempDir(), PATH: bin });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error: the CPU backend needs `opt`, which is not installed or not on the PATH");
    expect(r.stderr).toContain("note: install LLVM 14's `opt` (Debian: apt-get install llvm-14");
    expect(r.stderr).toContain("--backend ref");
  });

  it("--emit takes kernels or kir", () => {
    const r = nnc(["compile", iris, "--emit", "asm"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--emit is kernels or kir, found "asm"');
  });
});
