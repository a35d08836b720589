// Offsets ↔ LSP positions, spans → ranges, and the file a span names → a path and a URI.
// Our spans hold offsets into JavaScript strings, which count UTF-16 code units like LSP positions do.
import * as path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Position, Range } from "vscode-languageserver/node";
import type { Span } from "../diag/diagnostic.js";
import { loadPrelude, stdlibDir } from "../elab/modules.js";

/** Line starts of one text, for offset ↔ line/character conversions. */
export class LineIndex {
  private starts: number[] = [0];

  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      // \r\n, \n and a lone \r each end a line, as in the LSP specification.
      if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) this.starts.push(i + 1);
    }
  }

  get lineCount(): number {
    return this.starts.length;
  }

  positionAt(offset: number): Position {
    const off = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0, hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= off) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: off - this.starts[lo]! };
  }

  offsetAt(p: Position): number {
    if (p.line < 0) return 0;
    if (p.line >= this.starts.length) return this.text.length;
    const start = this.starts[p.line]!;
    const next = p.line + 1 < this.starts.length ? this.starts[p.line + 1]! : this.text.length;
    // A position past the end of its line means the end of the line (before its line break).
    let end = next;
    while (end > start && (this.text[end - 1] === "\n" || this.text[end - 1] === "\r")) end--;
    return Math.min(start + Math.max(0, p.character), end);
  }

  range(start: number, end: number): Range {
    return { start: this.positionAt(start), end: this.positionAt(Math.max(start, end)) };
  }

  spanRange(s: Span): Range {
    return this.range(s.start, s.end);
  }
}

/** The absolute path of the file a span names: stdlib spans say `stdlib/x.nn`, imports are relative to the working folder. */
export function spanFilePath(file: string): string {
  if (file.startsWith("stdlib/") && loadPrelude().sources.has(file)) return path.join(stdlibDir(), file.slice("stdlib/".length));
  return path.resolve(file);
}

/** The span file name a stdlib path has inside the checker (`stdlib/layers.nn`), if it is one. */
export function stdlibSpanFile(absPath: string): string | undefined {
  const rel = path.relative(stdlibDir(), absPath);
  if (rel.startsWith("..") || path.isAbsolute(rel) || rel.includes(path.sep)) return undefined;
  const key = `stdlib/${rel}`;
  return loadPrelude().sources.has(key) ? key : undefined;
}

const UNTITLED = path.join(path.sep, "__nnc_untitled__");

/** A document URI → the path the checker uses for it (untitled documents get a stable made-up path). */
export function uriToPath(uri: string): string {
  if (uri.startsWith("file:")) {
    try {
      return path.normalize(fileURLToPath(uri));
    } catch {
      // fall through to a made-up path
    }
  }
  return path.join(UNTITLED, `${encodeURIComponent(uri)}.nn`);
}

/** A path → a file URI (documents the editor has open keep their own URI, see Workspace.uriOf). */
export function pathToUri(p: string): string {
  if (p.startsWith(UNTITLED + path.sep)) return decodeURIComponent(path.basename(p).replace(/\.nn$/, ""));
  return pathToFileURL(p).href;
}
