// The bundled client (what the .vsix runs) in a fake editor: it starts the configured server as
// `<path> lsp --stdio`, hands it the nnc settings and their changes, restarts it on the command and
// on a new server path, stops it on deactivation, and says clearly why when nothing can start.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { INSTALL_HINT } from "../../lsp/src/server-command.js";
import { extensionBuild, requireExtensionDependencies, ROOT } from "./helpers.js";

const HOST = path.join(ROOT, "test", "extension", "host.cjs");
const FAKE_SERVER = path.join(ROOT, "test", "extension", "fake-server.mjs");
const TRACE = 1; // vscode.LogLevel.Trace

let dir: string;
let bundle: string;
let runs = 0;

interface ServerEvent {
  event: "start" | "initialize" | "configuration" | "exit";
  pid: number;
  argv?: string[];
  initializationOptions?: unknown;
  settings?: unknown;
}

interface HostResult {
  exports?: string[];
  failure?: string;
  recorded: { errors: Array<{ message: string; actions: string[] }>; commands: string[]; log: string[] };
  server: ServerEvent[];
}

type Step =
  | { op: "activate" | "deactivate" }
  | { op: "command"; id: string }
  | { op: "setSetting"; key: string; value: unknown }
  | { op: "waitFor"; event: ServerEvent["event"]; count: number }
  | { op: "sleep"; ms: number };

function runHost(settings: Record<string, unknown>, steps: Step[], options: { env?: Record<string, string>; logLevel?: number } = {}): HostResult {
  const run = ++runs;
  const stepsFile = path.join(dir, `steps-${run}.json`);
  const serverLog = path.join(dir, `server-${run}.log`);
  writeFileSync(stepsFile, JSON.stringify({ settings, steps, logLevel: options.logLevel }));
  const result = spawnSync(process.execPath, [HOST, bundle, stepsFile], {
    encoding: "utf8",
    env: { ...process.env, FAKE_SERVER_LOG: serverLog, ...options.env },
    timeout: 60_000,
  });
  if (!result.stdout) throw new Error(`the host printed nothing (status ${result.status}): ${result.stderr}`);
  return JSON.parse(result.stdout) as HostResult;
}

const pids = (server: ServerEvent[], event: ServerEvent["event"]) => server.filter((e) => e.event === event).map((e) => e.pid);

beforeAll(async () => {
  requireExtensionDependencies();
  dir = mkdtempSync(path.join(tmpdir(), "nnc-extension-"));
  bundle = await (await extensionBuild()).bundleClient(path.join(dir, "out", "extension.js"));
}, 120_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("the bundled VS Code client", () => {
  it("exports activate and deactivate, and bundles everything but the vscode module", () => {
    const text = readFileSync(bundle, "utf8");
    const required = [...text.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]!);
    expect([...new Set(required.filter((name) => !name.startsWith("node:") && !builtinModules.includes(name)))]).toEqual(["vscode"]);
    const result = runHost({}, []);
    expect(result.exports).toEqual(["activate", "deactivate"]);
  });

  it("starts `<nnc.server.path> lsp --stdio`, syncs the nnc settings, restarts and stops the server", () => {
    const settings = {
      "nnc.server.path": FAKE_SERVER,
      "nnc.inlayHints.shapes": false,
      "nnc.inlayHints.parameterCounts": true,
      "nnc.trace.server": "off",
    };
    const result = runHost(settings, [
      { op: "activate" },
      { op: "waitFor", event: "configuration", count: 1 },
      { op: "setSetting", key: "nnc.inlayHints.parameterCounts", value: false },
      { op: "waitFor", event: "configuration", count: 2 },
      { op: "command", id: "nnc.restartServer" },
      { op: "waitFor", event: "initialize", count: 2 },
      { op: "deactivate" },
      { op: "waitFor", event: "exit", count: 2 },
    ]);
    expect(result.failure).toBeUndefined();
    expect(result.recorded.errors).toEqual([]);
    expect(result.recorded.commands).toEqual(["nnc.restartServer"]);

    const [first, second] = pids(result.server, "start");
    expect(first).not.toBe(second);
    expect(result.server.filter((e) => e.event === "start").map((e) => e.argv)).toEqual([
      ["lsp", "--stdio"],
      ["lsp", "--stdio"],
    ]);
    // The first server is gone before the second starts: a restart never runs two at once.
    expect(result.server.map((e) => `${e.event}:${e.pid === first ? 1 : 2}`)).toEqual([
      "start:1",
      "initialize:1",
      "configuration:1",
      "configuration:1",
      "exit:1",
      "start:2",
      "initialize:2",
      "configuration:2",
      "exit:2",
    ]);
    const section = (shapes: boolean, parameterCounts: boolean) => ({
      nnc: { server: { path: FAKE_SERVER }, inlayHints: { shapes, parameterCounts }, trace: { server: "off" } },
    });
    expect(result.server.filter((e) => e.event === "configuration").map((e) => e.settings)).toEqual([
      section(false, true),
      section(false, false),
      section(false, false),
    ]);
    expect(result.server.filter((e) => e.event === "initialize").map((e) => e.initializationOptions)).toEqual([
      { inlayHints: { shapes: false, parameterCounts: true } },
      { inlayHints: { shapes: false, parameterCounts: false } },
    ]);
  });

  it("restarts the server when nnc.server.path changes", () => {
    const copy = path.join(dir, "other-server.mjs");
    writeFileSync(copy, `import ${JSON.stringify(FAKE_SERVER)};\n`);
    const result = runHost({ "nnc.server.path": FAKE_SERVER }, [
      { op: "activate" },
      { op: "waitFor", event: "initialize", count: 1 },
      { op: "setSetting", key: "nnc.inlayHints.shapes", value: false },
      { op: "waitFor", event: "configuration", count: 2 },
      { op: "setSetting", key: "nnc.server.path", value: copy },
      { op: "waitFor", event: "initialize", count: 2 },
      { op: "deactivate" },
      { op: "waitFor", event: "exit", count: 2 },
    ]);
    expect(result.failure).toBeUndefined();
    expect(result.recorded.errors).toEqual([]);
    // A setting other than the path reaches the running server; a new path starts a new one.
    expect(pids(result.server, "start")).toHaveLength(2);
    expect(result.recorded.log.filter((l) => l.startsWith("info: started:"))).toEqual([
      `info: started: ${process.execPath} ${FAKE_SERVER} lsp --stdio`,
      `info: started: ${process.execPath} ${copy} lsp --stdio`,
    ]);
  });

  it("says the command was not found, how to install nnc, and offers the setting, when nnc is not installed", () => {
    const result = runHost({}, [{ op: "activate" }], { env: { PATH: path.join(dir, "empty") } });
    expect(result.failure).toBeUndefined();
    expect(result.server).toEqual([]);
    expect(result.recorded.errors).toEqual([
      {
        message: `nnc: cannot start the language server: the command \`nnc\` was not found on the PATH. ${INSTALL_HINT}`,
        actions: ["Open Settings", "Retry"],
      },
    ]);
  });

  it("reports a server that exits while starting (an nnc without `lsp`) once, and does not restart it", () => {
    const result = runHost({ "nnc.server.path": FAKE_SERVER }, [{ op: "activate" }, { op: "sleep", ms: 300 }], {
      env: { FAKE_SERVER_MODE: "old-nnc" },
    });
    expect(result.failure).toBeUndefined();
    expect(pids(result.server, "start")).toHaveLength(1);
    const ours = result.recorded.errors.filter((e) => e.message.startsWith("nnc: "));
    expect(ours).toEqual([
      {
        message: expect.stringContaining(`nnc: \`${process.execPath} ${FAKE_SERVER} lsp --stdio\` did not start the language server`),
        actions: ["Open Settings", "Retry"],
      },
    ]);
    expect(ours[0]!.message).toContain("recent enough to have the `lsp` command");
    expect(result.recorded.errors.filter((e) => /restart/i.test(e.message))).toEqual([]);
    expect(result.recorded.log).toContain("error: error: unknown command 'lsp'");
  });

  it("logs the protocol by nnc.trace.server when the output channel traces", () => {
    const steps: Step[] = [{ op: "activate" }, { op: "waitFor", event: "initialize", count: 1 }, { op: "deactivate" }];
    const verbose = runHost({ "nnc.server.path": FAKE_SERVER, "nnc.trace.server": "verbose" }, steps, { logLevel: TRACE });
    const initialize = verbose.recorded.log.find((l) => l.startsWith("trace: Sending request 'initialize"));
    expect(initialize).toContain("Params:");
    const messages = runHost({ "nnc.server.path": FAKE_SERVER, "nnc.trace.server": "messages" }, steps, { logLevel: TRACE });
    expect(messages.recorded.log.find((l) => l.startsWith("trace: Sending request 'initialize"))).not.toContain("Params:");
  });
});
