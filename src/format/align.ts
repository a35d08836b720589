// Hand alignment the formatter keeps. The existing files pad settings keys so that `=` lines up, but not
// consistently (train blocks pad to `optimizer`, datasets to 8 or 10 characters or not at all, longer keys
// overflow), so no single column rule would leave them alone. The rule that changes them least: a
// setting keeps its padding before `=` / `:` when that puts the separator in the same column as another
// setting's of the same block; otherwise `=` gets one space before it and `:` none. Trailing comments
// keep their column (shifted with their line's indentation), which keeps comment columns aligned.
import * as T from "../../grammar/tokens.js";
import type { FmtToken } from "./lexer.js";

/**
 * Spaces between each setting key and its separator, for the keys whose padding is kept or set.
 * `settingBlocks` holds the key offsets of each block (from the AST).
 */
export function settingPads(tokens: FmtToken[], settingBlocks: number[][]): Map<FmtToken, number> {
  const keyOffsets = new Set(settingBlocks.flat());
  const indexByStart = new Map<number, number>();
  tokens.forEach((t, i) => keyOffsets.has(t.start) && indexByStart.set(t.start, i));
  const pads = new Map<FmtToken, number>();
  for (const keys of settingBlocks) {
    const entries: { key: FmtToken; sepColumn: number; pad: number; usual: number }[] = [];
    for (const offset of keys) {
      const i = indexByStart.get(offset);
      const key = i === undefined ? undefined : tokens[i];
      const sep = i === undefined ? undefined : tokens[i + 1];
      if (!key || !sep || sep.breaksBefore > 0 || (sep.type !== T.Equals && sep.type !== T.Colon)) continue;
      const pad = sep.start - key.end;
      entries.push({ key, sepColumn: key.image.length + pad, pad, usual: sep.type === T.Equals ? 1 : 0 });
    }
    for (const e of entries) {
      const aligned = e.pad !== e.usual && entries.some((o) => o !== e && o.sepColumn === e.sepColumn);
      pads.set(e.key, aligned ? e.pad : e.usual);
    }
  }
  return pads;
}

/**
 * The column of a trailing `//` comment: where it was, moved by as much as its line's indentation moved,
 * and at least one space after the code.
 */
export function trailingCommentColumn(oldColumn: number, indentShift: number, codeEnd: number): number {
  return Math.max(oldColumn + indentShift, codeEnd + 1);
}
