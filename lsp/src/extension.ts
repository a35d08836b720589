// The VS Code side of nnc: starts `nnc lsp --stdio` and connects it to `.nn` documents. Every
// language feature lives in the server; this file only starts, restarts and configures it.
import * as vscode from "vscode";
import {
  CloseAction,
  ErrorAction,
  LanguageClient,
  type ErrorHandler,
  type LanguageClientOptions,
  type ServerOptions,
} from "vscode-languageclient/node";
import { resolveServerLaunch, type ServerLaunch } from "./server-command";

const SECTION = "nnc";
const RESTART_COMMAND = "nnc.restartServer";

let client: LanguageClient | undefined;
let watchers: vscode.FileSystemWatcher[] = [];
let output: vscode.LogOutputChannel | undefined;
// Start and stop run one after another, so a restart never overlaps a start still in progress.
let queue: Promise<void> = Promise.resolve();

export function activate(context: vscode.ExtensionContext): Promise<void> {
  output = vscode.window.createOutputChannel("nnc", { log: true });
  context.subscriptions.push(
    output,
    vscode.commands.registerCommand(RESTART_COMMAND, () => restart()),
    vscode.workspace.onDidChangeConfiguration((event) => {
      // Other settings reach the running server through configuration sync; a new path needs a new process.
      if (event.affectsConfiguration(`${SECTION}.server.path`)) void restart();
    }),
  );
  return restart();
}

export function deactivate(): Promise<void> {
  return enqueue(stopClient);
}

function restart(): Promise<void> {
  return enqueue(async () => {
    await stopClient();
    await startClient();
  });
}

function enqueue(step: () => Promise<void>): Promise<void> {
  queue = queue.then(step, step);
  return queue;
}

async function startClient(): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const serverPath = configuredServerPath();
  const resolved = resolveServerLaunch(serverPath, {
    baseDir: folder,
    env: process.env,
    platform: process.platform,
  });
  if (!resolved.ok) {
    reportFailure(resolved.message);
    return;
  }
  const startup = new StartupErrorHandler();
  const started = new LanguageClient(SECTION, "nnc language server", serverOptions(resolved.launch, folder), clientOptions(startup, serverPath));
  try {
    await started.start();
    startup.running(started.createDefaultErrorHandler());
    client = started;
    output?.info(`started: ${describe(resolved.launch)}`);
  } catch (error) {
    disposeWatchers();
    await started.dispose().catch(() => undefined);
    reportFailure(
      `nnc: \`${describe(resolved.launch)}\` did not start the language server (${messageOf(error)}). ` +
        "Check that this nnc is recent enough to have the `lsp` command; the nnc output channel has its log.",
    );
  }
}

/**
 * A server that dies while starting is reported once, by startClient, and not restarted (it would
 * die again); once it runs, crashes are handled as usual (restarted up to 4 times in 3 minutes).
 */
class StartupErrorHandler implements ErrorHandler {
  private afterStart: ErrorHandler | undefined;

  running(handler: ErrorHandler): void {
    this.afterStart = handler;
  }

  error(...args: Parameters<ErrorHandler["error"]>): ReturnType<ErrorHandler["error"]> {
    return this.afterStart ? this.afterStart.error(...args) : { action: ErrorAction.Shutdown, handled: true };
  }

  closed(): ReturnType<ErrorHandler["closed"]> {
    return this.afterStart ? this.afterStart.closed() : { action: CloseAction.DoNotRestart, handled: true };
  }
}

async function stopClient(): Promise<void> {
  const running = client;
  client = undefined;
  disposeWatchers();
  if (running) await running.dispose().catch((error: unknown) => output?.warn(`stopping the server: ${messageOf(error)}`));
}

function serverOptions(launch: ServerLaunch, folder: string | undefined): ServerOptions {
  return { command: launch.command, args: launch.args, options: { cwd: folder, shell: launch.shell } };
}

function clientOptions(errorHandler: ErrorHandler, serverPath: string | undefined): LanguageClientOptions {
  // Files that are not open still matter: an edited import changes its dependants' diagnostics.
  watchers = [vscode.workspace.createFileSystemWatcher("**/*.nn"), vscode.workspace.createFileSystemWatcher("**/nnc.json")];
  return {
    documentSelector: [{ language: "nn" }],
    synchronize: { configurationSection: SECTION, fileEvents: watchers },
    // The server reads the same shape from initializationOptions, didChangeConfiguration's
    // `settings.nnc` and workspace/configuration("nnc"): `{ inlayHints: { shapes, parameterCounts } }`.
    initializationOptions: () => settingsSnapshot(),
    outputChannel: output,
    errorHandler,
    initializationFailedHandler: () => false,
    middleware: {
      workspace: {
        // A new server path means this server is being replaced: it gets no more settings.
        didChangeConfiguration: (sections, next) => (configuredServerPath() === serverPath ? next(sections) : Promise.resolve()),
      },
    },
  };
}

function configuredServerPath(): string | undefined {
  return vscode.workspace.getConfiguration(SECTION).get<string>("server.path");
}

/** The settings the server reads, as plain values for its initializationOptions. */
function settingsSnapshot(): Record<string, unknown> {
  const config = vscode.workspace.getConfiguration(SECTION);
  return {
    inlayHints: {
      shapes: config.get<boolean>("inlayHints.shapes", true),
      parameterCounts: config.get<boolean>("inlayHints.parameterCounts", true),
    },
  };
}

function disposeWatchers(): void {
  for (const watcher of watchers) watcher.dispose();
  watchers = [];
}

function reportFailure(message: string): void {
  output?.error(message);
  const openSettings = "Open Settings";
  const retry = "Retry";
  void vscode.window.showErrorMessage(message, openSettings, retry).then((choice) => {
    if (choice === openSettings) void vscode.commands.executeCommand("workbench.action.openSettings", `${SECTION}.server.path`);
    if (choice === retry) void vscode.commands.executeCommand(RESTART_COMMAND);
  });
}

function describe(launch: ServerLaunch): string {
  return [launch.command, ...launch.args].join(" ");
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
