// The open documents and their latest analyses. A document is re-analysed when its text changes,
// when a file it imports changes (open or on disk), and when documents open or close (an import
// that could not be found may now resolve). Unsaved text of open files is what imports read.
import type { TextDocument } from "vscode-languageserver-textdocument";
import type { Span } from "../diag/diagnostic.js";
import { loadPrelude } from "../elab/modules.js";
import { Analysis, type FactSource, type Located } from "./analysis.js";
import { pathToUri, stdlibSpanFile, uriToPath } from "./positions.js";
import type { NnSymbol } from "./symbol-index.js";

/** The part of vscode-languageserver's TextDocuments the workspace needs (tests may pass their own). */
export interface DocumentSource {
  get(uri: string): TextDocument | undefined;
  all(): TextDocument[];
}

export class Workspace {
  private analyses = new Map<string, Analysis>();
  private dirty = new Set<string>();

  constructor(private documents: DocumentSource) {}

  /** Only `.nn` documents are ours (a client may send others when its selector is broad). */
  isOurs(uri: string): boolean {
    return /\.nn$/i.test(uri) || uri.startsWith("untitled:");
  }

  /** The open document's own URI for a path (keeps the client's spelling), else a file URI. */
  uriOf(p: string): string {
    for (const d of this.documents.all()) if (uriToPath(d.uri) === p) return d.uri;
    return pathToUri(p);
  }

  /** Unsaved text of every open document, by absolute path. */
  overlay(): Map<string, string> {
    const m = new Map<string, string>();
    for (const d of this.documents.all()) if (this.isOurs(d.uri)) m.set(uriToPath(d.uri), d.getText());
    return m;
  }

  /** The analysis of an open document for its current text, computed now if it is out of date. */
  analysis(uri: string): Analysis | undefined {
    const doc = this.documents.get(uri);
    if (!doc || !this.isOurs(uri)) return undefined;
    const known = this.analyses.get(uri);
    if (known && known.version === doc.version && !this.dirty.has(uri)) return known;
    // Cleared first: a failing analysis must not be retried in a loop (requests retry it anyway).
    this.dirty.delete(uri);
    const a = new Analysis(uri, uriToPath(uri), doc.getText(), doc.version, this.overlay());
    a.borrowed = this.stdlibFacts(a);
    this.analyses.set(uri, a);
    return a;
  }

  /**
   * For a stdlib file open as it is on disk: the facts the other open documents recorded about it
   * (their models' calls elaborate its layers). The checker names stdlib files `stdlib/x.nn`.
   */
  private stdlibFacts(a: Analysis): FactSource | undefined {
    const file = stdlibSpanFile(a.path);
    if (!file || loadPrelude().sources.get(file) !== a.text) return undefined;
    const others = () => [...this.analyses.values()].filter((o) => o !== a && !stdlibSpanFile(o.path));
    const at = (span: Span): Span => ({ ...span, file });
    return {
      valuesAt: (span) => others().flatMap((o) => o.facts.valuesAt(at(span))),
      callsAt: (span) => others().flatMap((o) => o.facts.callsAt(at(span))),
      callsIn: () => others().flatMap((o) => o.facts.callsIn(file)),
    };
  }

  /** The last analysis, even if stale (never computes). */
  lastAnalysis(uri: string): Analysis | undefined {
    return this.analyses.get(uri);
  }

  /** Open documents that import the file at `p`, directly or not. */
  dependantsOf(p: string): string[] {
    return [...this.analyses.values()].filter((a) => a.files.has(p)).map((a) => a.uri);
  }

  /** A document's text changed: it and its dependants need a new analysis. Returns the URIs marked. */
  changed(uri: string): string[] {
    const marked = [uri, ...this.dependantsOf(uriToPath(uri))].filter((u) => this.documents.get(u));
    for (const u of marked) this.dirty.add(u);
    return marked;
  }

  /** A file changed on disk (not open here): its dependants need a new analysis. */
  changedOnDisk(p: string): string[] {
    const marked = this.dependantsOf(p);
    for (const u of marked) this.dirty.add(u);
    return marked;
  }

  /** Documents opened or closed: every open document is re-analysed (imports may resolve differently). */
  all(): string[] {
    const marked = this.documents.all().map((d) => d.uri).filter((u) => this.isOurs(u));
    for (const u of marked) this.dirty.add(u);
    return marked;
  }

  closed(uri: string): void {
    this.analyses.delete(uri);
    this.dirty.delete(uri);
  }

  /** Documents waiting for a new analysis. */
  pending(): string[] {
    return [...this.dirty].filter((u) => this.documents.get(u));
  }

  /** Every current analysis (of open documents). */
  openAnalyses(): Analysis[] {
    return this.documents.all().map((d) => this.analysis(d.uri)).filter((a): a is Analysis => !!a);
  }

  /**
   * Every place naming `symbol` in the open documents, the files they import and the stdlib, each
   * place once (find references and rename across files).
   */
  referencesOf(symbol: NnSymbol): Located[] {
    const seen = new Set<string>();
    const out: Located[] = [];
    for (const a of this.openAnalyses()) {
      for (const r of a.referencesOf(symbol)) {
        const key = `${r.path}#${r.span.start}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push(r);
      }
    }
    return out;
  }
}
