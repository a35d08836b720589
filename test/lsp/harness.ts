// Test harness for `nnc lsp`: starts the built CLI (`node bin/nnc.js lsp --stdio`, so `npm run build`
// first) as a separate process and talks to it with vscode-languageserver-protocol over its stdio.
//
//   const c = await LspClient.start();               // initialize + initialized
//   const { text, cursors, ranges } = markers("model M(x: f32[B, 4]) { x |> ‸dense(3) }");
//   const diags = await c.openAndWait(uri, text);    // didOpen, then the diagnostics of that version
//   const h = await c.hover(uri, cursors[0]);
//   await c.stop();
//
// Markers: `‸` marks a cursor (removed from the text; `cursors` in order), `«…»` marks a range.
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { StreamMessageReader, StreamMessageWriter } from "vscode-jsonrpc/node";
import {
  ConfigurationRequest, createProtocolConnection, type Diagnostic, DidChangeConfigurationNotification,
  DidChangeTextDocumentNotification, DidCloseTextDocumentNotification, DidOpenTextDocumentNotification, ExitNotification,
  type Hover, HoverRequest, type InitializeParams, InitializedNotification, InitializeRequest, type InitializeResult,
  type InlayHint, InlayHintRequest, type Position, type ProtocolConnection, PublishDiagnosticsNotification,
  type PublishDiagnosticsParams, type Range, RegistrationRequest, ShutdownRequest, type ClientCapabilities,
  LogMessageNotification, type LogMessageParams, MessageType,
} from "vscode-languageserver-protocol";

export const ROOT = path.resolve(__dirname, "../..");

export const CURSOR = "‸";

export interface Marked {
  text: string;
  cursors: Position[];
  /** Offsets of the cursors in `text`. */
  offsets: number[];
  ranges: Range[];
}

/** Removes `‸` and `«…»` markers, returning the clean text and the marked positions. */
export function markers(src: string): Marked {
  let text = "";
  const cursors: Position[] = [], offsets: number[] = [], ranges: Range[] = [], open: Position[] = [];
  let line = 0, character = 0;
  for (const ch of src) {
    if (ch === CURSOR) {
      cursors.push({ line, character });
      offsets.push(text.length);
    } else if (ch === "«") open.push({ line, character });
    else if (ch === "»") ranges.push({ start: open.pop() ?? { line: 0, character: 0 }, end: { line, character } });
    else {
      text += ch;
      if (ch === "\n") {
        line++;
        character = 0;
      } else character += ch.length;
    }
  }
  return { text, cursors, offsets, ranges };
}

export const range = (sl: number, sc: number, el: number, ec: number): Range => ({ start: { line: sl, character: sc }, end: { line: el, character: ec } });

/** A fresh folder with these files (relative name → text); returns its path. */
export function tempWorkspace(files: Record<string, string> = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nnc-lsp-"));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

export const fileUri = (p: string): string => pathToFileURL(p).href;

export interface StartOptions {
  initializationOptions?: unknown;
  /** Answered to workspace/configuration requests (section "nnc"); undefined: the client does not support them. */
  settings?: Record<string, unknown>;
  cwd?: string;
  capabilities?: ClientCapabilities;
  /** The command line after `node bin/nnc.js` (default: lsp --stdio). */
  args?: string[];
}

export class LspClient {
  readonly published: PublishDiagnosticsParams[] = [];
  stderr = "";
  settings?: Record<string, unknown>;
  private waiters: { uri: string; version?: number; resolve: (p: PublishDiagnosticsParams) => void }[] = [];
  private versions = new Map<string, number>();
  private texts = new Map<string, string>();
  exited = false;
  /** window/logMessage notifications (the server logs a failed handler as an error here). */
  readonly logs: LogMessageParams[] = [];
  /** The server's logged errors (failed handlers). */
  get errors(): string[] {
    return this.logs.filter((l) => l.type === MessageType.Error).map((l) => l.message);
  }
  /** How many workspace/inlayHint/refresh requests the server sent. */
  refreshes = 0;

  private constructor(readonly child: ChildProcess, readonly connection: ProtocolConnection) {}

  static async start(opts: StartOptions = {}): Promise<LspClient> {
    const child = spawn(process.execPath, [path.join(ROOT, "bin/nnc.js"), ...(opts.args ?? ["lsp", "--stdio"])], { cwd: opts.cwd ?? ROOT, stdio: ["pipe", "pipe", "pipe"] });
    const connection = createProtocolConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    const c = new LspClient(child, connection);
    c.settings = opts.settings;
    child.stderr!.on("data", (d: Buffer) => (c.stderr += d.toString()));
    child.on("exit", () => (c.exited = true));
    connection.onNotification(PublishDiagnosticsNotification.type, (p) => c.onDiagnostics(p));
    connection.onNotification(LogMessageNotification.type, (p) => c.logs.push(p));
    connection.onRequest(ConfigurationRequest.type, (p) => p.items.map((it) => (it.section === "nnc" ? c.settings ?? null : null)));
    connection.onRequest(RegistrationRequest.type, () => undefined);
    connection.onRequest("workspace/inlayHint/refresh", () => {
      c.refreshes++;
    });
    connection.listen();
    const capabilities: ClientCapabilities = opts.capabilities ?? {
      workspace: { configuration: opts.settings !== undefined, didChangeConfiguration: { dynamicRegistration: true }, inlayHint: { refreshSupport: true } },
      textDocument: { publishDiagnostics: { relatedInformation: true, versionSupport: true }, hover: { contentFormat: ["markdown"] }, inlayHint: {} },
    };
    const params: InitializeParams = {
      processId: process.pid, rootUri: null, capabilities, initializationOptions: opts.initializationOptions, workspaceFolders: null,
    };
    // A server that exits instead of answering fails the start, not a test timeout.
    const exit = new Promise<never>((_, reject) => child.on("exit", (code) => reject(new Error(`nnc lsp exited with ${code}: ${c.stderr}`))));
    c.initializeResult = await Promise.race([connection.sendRequest(InitializeRequest.type, params), exit]);
    await connection.sendNotification(InitializedNotification.type, {});
    return c;
  }

  initializeResult?: InitializeResult;

  private onDiagnostics(p: PublishDiagnosticsParams): void {
    this.published.push(p);
    this.waiters = this.waiters.filter((w) => {
      if (w.uri !== p.uri || (w.version !== undefined && (p.version ?? -1) < w.version)) return true;
      w.resolve(p);
      return false;
    });
  }

  /** The next diagnostics published for `uri` (for `version` or later, when given). */
  waitForDiagnostics(uri: string, version?: number, timeoutMs = 20_000): Promise<Diagnostic[]> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no diagnostics for ${uri} v${version} in ${timeoutMs} ms; stderr: ${this.stderr}`)), timeoutMs);
      this.waiters.push({ uri, version, resolve: (p) => { clearTimeout(timer); resolve(p.diagnostics); } });
    });
  }

  /** The latest diagnostics published for `uri` so far. */
  lastDiagnostics(uri: string): Diagnostic[] | undefined {
    for (let i = this.published.length - 1; i >= 0; i--) if (this.published[i]!.uri === uri) return this.published[i]!.diagnostics;
    return undefined;
  }

  async open(uri: string, text: string, version = 1): Promise<void> {
    this.versions.set(uri, version);
    this.texts.set(uri, text);
    await this.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: "nn", version, text } });
  }

  /** Opens a document and resolves with the diagnostics published for it. */
  async openAndWait(uri: string, text: string, version = 1): Promise<Diagnostic[]> {
    const wait = this.waitForDiagnostics(uri, version);
    await this.open(uri, text, version);
    return wait;
  }

  /** Replaces `range` (the whole text when omitted) with `text`; returns the new version. */
  async change(uri: string, text: string, at?: Range): Promise<number> {
    const version = (this.versions.get(uri) ?? 0) + 1;
    this.versions.set(uri, version);
    const old = this.texts.get(uri) ?? "";
    this.texts.set(uri, at ? applyEdit(old, at, text) : text);
    await this.connection.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri, version }, contentChanges: [at ? { range: at, text } : { text }],
    });
    return version;
  }

  /** Changes a document and resolves with the diagnostics published for the new version. */
  async changeAndWait(uri: string, text: string, at?: Range): Promise<Diagnostic[]> {
    const version = (this.versions.get(uri) ?? 0) + 1;
    const wait = this.waitForDiagnostics(uri, version);
    await this.change(uri, text, at);
    return wait;
  }

  textOf(uri: string): string | undefined {
    return this.texts.get(uri);
  }

  async close(uri: string): Promise<void> {
    this.versions.delete(uri);
    this.texts.delete(uri);
    await this.connection.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri } });
  }

  hover(uri: string, position: Position): Promise<Hover | null> {
    return this.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position });
  }

  inlayHints(uri: string, r: Range): Promise<InlayHint[] | null> {
    return this.connection.sendRequest(InlayHintRequest.type, { textDocument: { uri }, range: r });
  }

  /** New settings, announced the way VS Code does (the server pulls them with workspace/configuration). */
  async setSettings(settings: Record<string, unknown>): Promise<void> {
    this.settings = settings;
    await this.connection.sendNotification(DidChangeConfigurationNotification.type, { settings: null });
  }

  request<R>(method: string, params: unknown): Promise<R> {
    return this.connection.sendRequest(method, params) as Promise<R>;
  }

  async stop(): Promise<void> {
    if (!this.exited) {
      try {
        await Promise.race([this.connection.sendRequest(ShutdownRequest.type), new Promise((r) => setTimeout(r, 2000))]);
        await this.connection.sendNotification(ExitNotification.type);
      } catch {
        // already gone
      }
    }
    await new Promise((r) => setTimeout(r, 50));
    this.connection.dispose();
    if (!this.exited) this.child.kill();
  }
}

/** Applies one LSP edit to a text (positions in UTF-16 code units, like the server). */
export function applyEdit(text: string, r: Range, insert: string): string {
  const offset = (p: Position) => {
    let line = 0, i = 0;
    while (line < p.line && i < text.length) {
      if (text[i] === "\n") line++;
      i++;
    }
    let end = i;
    while (end < text.length && text[end] !== "\n") end++;
    return Math.min(i + p.character, end);
  };
  return text.slice(0, offset(r.start)) + insert + text.slice(offset(r.end));
}
