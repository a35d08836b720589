// The server's settings, section "nnc" (the VS Code extension declares the same keys):
//   nnc.inlayHints.shapes           (default true)  the shape after each pipeline stage and `let`
//   nnc.inlayHints.parameterCounts  (default true)  parameters created by each layer call
// Read with workspace/configuration when the client supports it, else from initializationOptions
// `{ inlayHints: { shapes, parameterCounts } }` and didChangeConfiguration's `settings.nnc`.
import type { Connection } from "vscode-languageserver/node";

export interface NncSettings {
  inlayHints: { shapes: boolean; parameterCounts: boolean };
}

export const DEFAULT_SETTINGS: NncSettings = { inlayHints: { shapes: true, parameterCounts: true } };

/** Settings from an untrusted object: unknown or mistyped keys keep their defaults. */
export function readSettings(raw: unknown, base: NncSettings = DEFAULT_SETTINGS): NncSettings {
  const hints = (raw as { inlayHints?: Record<string, unknown> } | null | undefined)?.inlayHints;
  const flag = (v: unknown, d: boolean) => (typeof v === "boolean" ? v : d);
  return {
    inlayHints: {
      shapes: flag(hints?.shapes, base.inlayHints.shapes),
      parameterCounts: flag(hints?.parameterCounts, base.inlayHints.parameterCounts),
    },
  };
}

export class SettingsStore {
  private value: NncSettings = DEFAULT_SETTINGS;
  private fromInit: NncSettings = DEFAULT_SETTINGS;
  private loading: Promise<void> = Promise.resolve();
  private pull = false;

  /** From initialize: the fallback settings, and whether the client answers workspace/configuration. */
  init(initializationOptions: unknown, clientPulls: boolean): void {
    this.fromInit = readSettings(initializationOptions);
    this.value = this.fromInit;
    this.pull = clientPulls;
  }

  /** The current settings; waits for a pending workspace/configuration answer first. */
  async get(): Promise<NncSettings> {
    await this.loading;
    return this.value;
  }

  /** Re-reads the settings (after initialized, and on every didChangeConfiguration). */
  refresh(connection: Connection, pushed?: unknown): Promise<void> {
    const nnc = (pushed as { nnc?: unknown } | null | undefined)?.nnc;
    if (!this.pull) {
      if (nnc !== undefined) this.value = readSettings(nnc, this.fromInit);
      return this.loading;
    }
    this.loading = connection.workspace
      .getConfiguration("nnc")
      .then((raw: unknown) => {
        this.value = readSettings(raw, this.fromInit);
      })
      .catch(() => {
        // A client that fails to answer keeps the settings we had.
      });
    return this.loading;
  }
}
