// `nnc lsp`: the language server over stdio. It keeps the open documents (incremental sync),
// re-analyses them shortly after each edit (and their dependants), publishes diagnostics, and
// dispatches requests to the feature modules listed in features.ts. Every handler is guarded: an
// exception is logged and answered with an empty result, so the server never stops answering.
import {
  type ClientCapabilities, type Connection, createConnection, DidChangeConfigurationNotification,
  DidChangeWatchedFilesNotification, FileChangeType, type InitializeParams, type InitializeResult, ProposedFeatures,
  type ServerCapabilities, StreamMessageReader, StreamMessageWriter, TextDocuments, TextDocumentSyncKind,
  type TextDocumentPositionParams,
} from "vscode-languageserver/node";
import { TextDocument } from "vscode-languageserver-textdocument";
import "../checker.js"; // side effect: registers the front end with the driver
import type { Analysis } from "./analysis.js";
import { toLspDiagnostic } from "./diagnostics.js";
import { FEATURES } from "./features.js";
import { spanFilePath, uriToPath } from "./positions.js";
import { SettingsStore } from "./settings.js";
import { Workspace } from "./workspace.js";

/** Quiet time after an edit before re-checking: coalesces bursts of keystrokes, short enough to feel live. */
export const DEBOUNCE_MS = 15;

export interface ServerContext {
  connection: Connection;
  documents: TextDocuments<TextDocument>;
  workspace: Workspace;
  settings: SettingsStore;
  /** What the client said it supports (set by initialize). */
  client(): ClientCapabilities;
  /** Wraps a handler: an exception is logged and answered with `fallback`. */
  guard<P, R>(name: string, fallback: R, f: (params: P) => R | Promise<R>): (params: P) => Promise<R>;
  /** The current analysis of the document a request is about, and the request's offset into it. */
  at(params: TextDocumentPositionParams): { analysis: Analysis; offset: number } | undefined;
}

/** One editor feature: the capabilities it adds and the handlers it registers. */
export interface Feature {
  name: string;
  capabilities: ServerCapabilities;
  register(ctx: ServerContext): void;
}

export function startServer(input: NodeJS.ReadableStream = process.stdin, output: NodeJS.WritableStream = process.stdout): Connection {
  const connection = createConnection(ProposedFeatures.all, new StreamMessageReader(input), new StreamMessageWriter(output));
  const documents = new TextDocuments(TextDocument);
  const settings = new SettingsStore();
  let clientCaps: ClientCapabilities = {};
  const published = new Map<string, Analysis>();
  const workspace = new Workspace(documents);

  const log = (what: string, e: unknown) => {
    const err = e instanceof Error ? e : new Error(String(e));
    connection.console.error(`nnc lsp: ${what} failed: ${err.stack ?? err.message}`);
  };
  const guard = <P, R>(name: string, fallback: R, f: (params: P) => R | Promise<R>) => async (params: P): Promise<R> => {
    try {
      return await f(params);
    } catch (e) {
      log(name, e);
      return fallback;
    }
  };

  const publish = (a: Analysis) => {
    const locate = (span: { file: string }) => {
      const p = spanFilePath(span.file);
      return { uri: workspace.uriOf(p), lines: a.linesOf(p) };
    };
    const diagnostics = a.diagnostics.map((d) => toLspDiagnostic(d, a.lines, locate));
    published.set(a.uri, a);
    void connection.sendDiagnostics({ uri: a.uri, version: a.version, diagnostics });
  };

  // Re-checks one pending document per turn of the event loop, so requests are answered in between.
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    timer = undefined;
    try {
      const next = workspace.pending()[0];
      if (next) {
        const a = workspace.analysis(next);
        if (a) publish(a);
      }
      // Analyses made for a request (hover before the debounce ran) are published too.
      for (const d of documents.all()) {
        const a = workspace.lastAnalysis(d.uri);
        if (a && published.get(d.uri) !== a && a.version === d.version) publish(a);
      }
    } catch (e) {
      log("checking", e);
    }
    if (workspace.pending().length) timer = setTimeout(flush, 0);
  };
  const schedule = (delay = DEBOUNCE_MS) => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(flush, delay);
  };

  const ctx: ServerContext = {
    connection, documents, workspace, settings, guard,
    client: () => clientCaps,
    at(params) {
      const doc = documents.get(params.textDocument.uri);
      const analysis = doc && workspace.analysis(doc.uri);
      if (!doc || !analysis) return undefined;
      if (published.get(doc.uri) !== analysis) schedule(0);
      return { analysis, offset: analysis.lines.offsetAt(params.position) };
    },
  };

  connection.onInitialize((params: InitializeParams): InitializeResult => {
    clientCaps = params.capabilities ?? {};
    settings.init(params.initializationOptions, !!clientCaps.workspace?.configuration);
    let capabilities: ServerCapabilities = { textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental } };
    for (const f of FEATURES) capabilities = { ...capabilities, ...f.capabilities };
    return { capabilities, serverInfo: { name: "nnc", version: "0.1.0" } };
  });

  connection.onInitialized(() => {
    void guard("initialized", undefined, async () => {
      if (clientCaps.workspace?.didChangeConfiguration?.dynamicRegistration) {
        await connection.client.register(DidChangeConfigurationNotification.type, { section: "nnc" });
      }
      if (clientCaps.workspace?.didChangeWatchedFiles?.dynamicRegistration) {
        await connection.client.register(DidChangeWatchedFilesNotification.type, { watchers: [{ globPattern: "**/*.nn" }] });
      }
      await settings.refresh(connection);
    })(undefined);
  });

  connection.onDidChangeConfiguration(
    guard("configuration", undefined, async (p: { settings?: unknown }) => {
      await settings.refresh(connection, p.settings);
      if (clientCaps.workspace?.inlayHint?.refreshSupport) await connection.languages.inlayHint.refresh();
    }),
  );

  connection.onDidChangeWatchedFiles(
    guard("watched files", undefined, (p: { changes: { uri: string; type: FileChangeType }[] }) => {
      for (const c of p.changes) {
        if (documents.get(c.uri)) continue;
        // A file appearing or vanishing can change how any import resolves.
        if (c.type === FileChangeType.Changed) workspace.changedOnDisk(uriToPath(c.uri));
        else workspace.all();
      }
      schedule();
    }),
  );

  documents.onDidOpen(guard("open", undefined, () => {
    workspace.all();
    schedule(0);
  }));
  documents.onDidChangeContent(guard("change", undefined, (e: { document: TextDocument }) => {
    workspace.changed(e.document.uri);
    schedule();
  }));
  documents.onDidClose(guard("close", undefined, (e: { document: TextDocument }) => {
    workspace.closed(e.document.uri);
    published.delete(e.document.uri);
    void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
    workspace.all();
    schedule();
  }));

  for (const f of FEATURES) {
    try {
      f.register(ctx);
    } catch (e) {
      log(`registering ${f.name}`, e);
    }
  }

  // Last line of defence: nothing that escapes a handler may take the server down.
  process.on("uncaughtException", (e) => log("a handler", e));
  process.on("unhandledRejection", (e) => log("a handler", e));

  documents.listen(connection);
  connection.listen();
  return connection;
}
