// `nnc lsp` on the command line: its help says how other editors start it; it starts with or
// without --stdio (and ignores flags clients add), and exits when the client closes its input.
import { spawn } from "node:child_process";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../run-cli.js";
import { fileUri, LspClient, ROOT, tempWorkspace } from "./harness.js";

describe("nnc lsp", () => {
  it("explains how to start the server from other editors", async () => {
    const r = await runCli(["lsp", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Usage: nnc lsp [options]");
    expect(r.stdout).toContain('Other editors run `nnc lsp --stdio`');
    expect(r.stdout).toContain('vim.lsp.config("nnc", { cmd = { "nnc", "lsp", "--stdio" }, filetypes = { "nn" } })');
    expect(r.stdout).toContain('args = ["lsp", "--stdio"]');
    expect(r.stdout).toContain("inlayHints.shapes, inlayHints.parameterCounts");
  });

  it("is listed in the top-level help", async () => {
    expect((await runCli(["--help"])).stdout).toMatch(/\n {2}lsp \[options\] +start the language server/);
  });

  it("serves without --stdio and with flags clients add", async () => {
    for (const args of [["lsp"], ["lsp", "--stdio", "--clientProcessId=1"]]) {
      const c = await LspClient.start({ args });
      try {
        expect(c.initializeResult?.capabilities.hoverProvider).toBe(true);
        const uri = fileUri(path.join(tempWorkspace(), "a.nn"));
        expect((await c.openAndWait(uri, "model M(x: f32[B, 4]) { x |> nope }\n")).map((d) => d.code)).toEqual(["E0201"]);
      } finally {
        await c.stop();
      }
    }
  });

  it("exits when its input closes", async () => {
    const child = spawn(process.execPath, [path.join(ROOT, "bin/nnc.js"), "lsp", "--stdio"], { stdio: ["pipe", "pipe", "pipe"] });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    child.stdin.end();
    expect(typeof (await exited)).toBe("number");
  });
});
