// Go to definition and find references. A name resolves through the symbol index (symbol-index.ts),
// so a definition may be in this document, an imported file or the stdlib (a `file://` URI of
// `stdlib/x.nn`); references are gathered from every open document, the files they import and the
// stdlib, each place once.
import * as fs from "node:fs";
import type { Definition, Location, ReferenceParams, TextDocumentPositionParams } from "vscode-languageserver/node";
import type { Span } from "../diag/diagnostic.js";
import { loadPrelude } from "../elab/modules.js";
import type { Analysis, Located } from "./analysis.js";
import { LineIndex, stdlibSpanFile } from "./positions.js";
import type { Feature, ServerContext } from "./server.js";
import type { NnSymbol } from "./symbol-index.js";
import type { Workspace } from "./workspace.js";

/** Turns spans of any file the workspace knows into LSP locations (line tables are built once per file). */
export class Locator {
  private lines = new Map<string, LineIndex | undefined>();

  /** `analysis`: the one asked first (the request's document). */
  constructor(private workspace: Workspace, private analysis?: Analysis) {}

  /** The line table of a file: from an analysis that read it (unsaved text included), else the stdlib or the disk. */
  linesOf(p: string): LineIndex | undefined {
    if (this.lines.has(p)) return this.lines.get(p);
    let li = this.analysis?.linesOf(p);
    for (const a of li ? [] : this.workspace.openAnalyses()) {
      li = a.linesOf(p);
      if (li) break;
    }
    li ??= readLines(p);
    this.lines.set(p, li);
    return li;
  }

  location(p: string, span: Span): Location | undefined {
    const li = this.linesOf(p);
    return li && { uri: this.workspace.uriOf(p), range: li.spanRange(span) };
  }
}

function readLines(p: string): LineIndex | undefined {
  const std = stdlibSpanFile(p);
  const text = std ? loadPrelude().sources.get(std) : readText(p);
  return text === undefined ? undefined : new LineIndex(text);
}

function readText(p: string): string | undefined {
  try {
    return fs.readFileSync(p, "utf8");
  } catch {
    return undefined;
  }
}

/** Where a symbol is declared: its name (a file symbol, the start of the file). */
export function definitionLocation(loc: Locator, s: NnSymbol): Location | undefined {
  return loc.location(s.path, s.nameSpan);
}

/** Every place naming the symbol in the workspace, in a stable order (file, then position). */
export function referenceLocations(ctx: Pick<ServerContext, "workspace">, loc: Locator, s: NnSymbol, includeDeclaration: boolean): { ref: Located; location: Location }[] {
  const out: { ref: Located; location: Location }[] = [];
  const refs = ctx.workspace.referencesOf(s).filter((r) => includeDeclaration || !r.isDeclaration);
  refs.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : x.span.start - y.span.start));
  for (const ref of refs) {
    const location = loc.location(ref.path, ref.span);
    if (location) out.push({ ref, location });
  }
  return out;
}

export const definitionFeature: Feature = {
  name: "definition",
  capabilities: { definitionProvider: true },
  register(ctx) {
    ctx.connection.onDefinition(ctx.guard("definition", null, (p: TextDocumentPositionParams): Definition | null => {
      const at = ctx.at(p);
      const s = at?.analysis.definitionAt(at.offset);
      if (!at || !s) return null;
      return definitionLocation(new Locator(ctx.workspace, at.analysis), s) ?? null;
    }));
  },
};

export const referencesFeature: Feature = {
  name: "references",
  capabilities: { referencesProvider: true },
  register(ctx) {
    ctx.connection.onReferences(ctx.guard("references", null, (p: ReferenceParams): Location[] | null => {
      const at = ctx.at(p);
      const s = at?.analysis.definitionAt(at.offset);
      if (!at || !s) return null;
      return referenceLocations(ctx, new Locator(ctx.workspace, at.analysis), s, p.context.includeDeclaration).map((r) => r.location);
    }));
  },
};
