// Keras-style model summary tables.
import type { ModelSummary } from "../driver.js";

/** 101770 → "101,770" (independent of the locale). */
export function formatCount(n: number): string {
  const neg = n < 0;
  const digits = String(Math.abs(Math.trunc(n)));
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return neg ? `-${grouped}` : grouped;
}

/**
 * Renders one summary:
 *   Model: "Mlp"
 *   ┏━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━┳━━━━━━━━━┓
 *   ┃ Layer (type)    ┃ Output Shape ┃ Param # ┃
 *   ┡━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━╇━━━━━━━━━┩
 *   │ dense (dense)   │ [B, 128]     │ 100,480 │
 *   └─────────────────┴──────────────┴─────────┘
 *    Total params: 100,480
 *    Trainable params: 100,480
 *    Non-trainable params: 0
 * Columns are as wide as their widest cell; "Param #" is right-aligned. No trailing newline.
 */
export function renderSummaryTable(s: ModelSummary): string {
  const head = ["Layer (type)", "Output Shape", "Param #"];
  const rows = s.rows.map((r) => [`${r.name} (${r.type})`, r.outputShape, formatCount(r.params)]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const rightAligned = [false, false, true];
  const cells = (cs: string[]) => cs.map((c, i) => (rightAligned[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)));
  const rule = (l: string, fill: string, mid: string, r: string) => l + widths.map((w) => fill.repeat(w + 2)).join(mid) + r;
  const line = (sep: string, cs: string[]) => `${sep} ${cells(cs).join(` ${sep} `)} ${sep}`;
  const out = [
    `Model: "${s.model}"`,
    rule("┏", "━", "┳", "┓"),
    line("┃", head),
    rule("┡", "━", "╇", "┩"),
    ...rows.map((r) => line("│", r)),
    rule("└", "─", "┴", "┘"),
    ` Total params: ${formatCount(s.total)}`,
    ` Trainable params: ${formatCount(s.trainable)}`,
    ` Non-trainable params: ${formatCount(s.nonTrainable)}`,
  ];
  return out.join("\n");
}
