// A stand-in for the `vscode` module, enough for the extension and vscode-languageclient to start,
// talk to and stop a real server process outside the editor. It records what a user would see
// (error messages, registered commands) and lets a test change settings. Every API it does not
// model answers with an inert object that can be called, constructed and disposed.
"use strict";

function inert(name) {
  const target = function () {};
  return new Proxy(target, {
    get(_, key) {
      if (key === "then" || key === Symbol.iterator || key === Symbol.asyncIterator) return undefined;
      if (key === Symbol.toPrimitive) return () => name;
      return inert(`${name}.${String(key)}`);
    },
    apply: () => inert(`${name}()`),
    construct: () => inert(`new ${name}`),
  });
}

/** An object whose listed members are real and whose other members are inert. */
function partial(name, members) {
  return new Proxy(members, { get: (target, key) => (key in target ? target[key] : inert(`${name}.${String(key)}`)) });
}

class Disposable {
  constructor(onDispose) {
    this.onDispose = onDispose;
  }
  static from(...items) {
    return new Disposable(() => items.forEach((d) => d.dispose()));
  }
  dispose() {
    this.onDispose?.();
    this.onDispose = undefined;
  }
}

class EventEmitter {
  constructor() {
    this.listeners = new Set();
    this.event = (listener) => {
      this.listeners.add(listener);
      return new Disposable(() => this.listeners.delete(listener));
    };
  }
  fire(value) {
    for (const listener of [...this.listeners]) listener(value);
  }
  dispose() {
    this.listeners.clear();
  }
}

/**
 * Settings as VS Code keeps them: flat dotted keys, read through getConfiguration(section).get(key),
 * where reading a prefix ("nnc") gives the nested object of everything under it.
 */
function createSettings(initial) {
  const values = new Map(Object.entries(initial));
  const read = (full) => {
    if (values.has(full)) return values.get(full);
    let nested;
    for (const [key, value] of values) {
      if (!key.startsWith(`${full}.`)) continue;
      nested ??= {};
      const parts = key.slice(full.length + 1).split(".");
      let node = nested;
      for (const part of parts.slice(0, -1)) node = node[part] ??= {};
      node[parts[parts.length - 1]] = value;
    }
    return nested;
  };
  return {
    values,
    getConfiguration(section) {
      const full = (key) => (section ? `${section}.${key}` : key);
      return {
        get: (key, fallback) => read(full(key)) ?? fallback,
        has: (key) => read(full(key)) !== undefined,
        inspect: () => undefined,
        update: async () => undefined,
      };
    },
  };
}

const LogLevel = { Off: 0, Trace: 1, Debug: 2, Info: 3, Warning: 4, Error: 5 };

function createFakeVscode(initialSettings, { logLevel = 3 } = {}) {
  const recorded = { errors: [], warnings: [], commands: [], executed: [], log: [] };
  const settings = createSettings(initialSettings);
  const commandHandlers = new Map();
  const configurationChanged = new EventEmitter();
  const noEvent = () => new Disposable();

  const outputChannel = (name) => {
    const channel = { name, logLevel, onDidChangeLogLevel: noEvent };
    for (const level of ["trace", "debug", "info", "warn", "error", "append", "appendLine", "replace"]) {
      channel[level] = (...parts) => recorded.log.push(`${level}: ${parts.map(String).join(" ")}`);
    }
    for (const method of ["clear", "show", "hide", "dispose"]) channel[method] = () => undefined;
    return channel;
  };

  const vscode = partial("vscode", {
    __esModule: true,
    version: "1.91.0",
    Disposable,
    EventEmitter,
    LogLevel,
    Uri: {
      file: (fsPath) => ({ scheme: "file", fsPath, path: fsPath, toString: () => `file://${fsPath}` }),
      parse: (text) => ({ scheme: text.split(":")[0], toString: () => text }),
    },
    env: partial("vscode.env", { language: "en", appName: "fake-vscode", machineId: "test", sessionId: "test" }),
    window: partial("vscode.window", {
      createOutputChannel: (name) => outputChannel(name),
      showErrorMessage: async (message, ...actions) => {
        recorded.errors.push({ message, actions: actions.filter((a) => typeof a === "string") });
        return undefined;
      },
      showWarningMessage: async (message) => {
        recorded.warnings.push(message);
        return undefined;
      },
      showInformationMessage: async () => undefined,
      visibleTextEditors: [],
      activeTextEditor: undefined,
      tabGroups: { all: [], onDidChangeTabs: noEvent, onDidChangeTabGroups: noEvent },
      onDidChangeVisibleTextEditors: noEvent,
      onDidChangeActiveTextEditor: noEvent,
    }),
    workspace: partial("vscode.workspace", {
      workspaceFolders: undefined,
      textDocuments: [],
      notebookDocuments: [],
      getConfiguration: (section) => settings.getConfiguration(section),
      onDidChangeConfiguration: configurationChanged.event,
      onDidOpenTextDocument: noEvent,
      onDidCloseTextDocument: noEvent,
      onDidChangeTextDocument: noEvent,
      onDidSaveTextDocument: noEvent,
      onWillSaveTextDocument: noEvent,
      createFileSystemWatcher: (pattern) => ({ pattern, onDidCreate: noEvent, onDidChange: noEvent, onDidDelete: noEvent, dispose() {} }),
    }),
    commands: partial("vscode.commands", {
      registerCommand: (id, handler) => {
        recorded.commands.push(id);
        commandHandlers.set(id, handler);
        return new Disposable(() => commandHandlers.delete(id));
      },
      executeCommand: async (id, ...args) => {
        recorded.executed.push(id);
        return commandHandlers.get(id)?.(...args);
      },
    }),
  });

  return {
    vscode,
    recorded,
    runCommand: (id) => commandHandlers.get(id)?.(),
    /** Changes a setting the way the settings editor does, then tells every listener. */
    setSetting(key, value) {
      settings.values.set(key, value);
      configurationChanged.fire({ affectsConfiguration: (section) => key === section || key.startsWith(`${section}.`) });
    },
  };
}

module.exports = { createFakeVscode, LogLevel };
