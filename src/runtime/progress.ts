// Keras-style training progress: "Epoch 3/10" then a redrawn progress bar on a terminal,
// or one summary line per epoch when the output is not a terminal.

export interface ProgressOptions {
  tty: boolean;
  quiet: boolean;
  /** Output sink (default: process.stdout). */
  write?: (s: string) => void;
  /** Clock in milliseconds (default: Date.now). */
  now?: () => number;
  /** Bar width in characters (default 30). */
  width?: number;
}

/** Minimum milliseconds between two redraws of the bar. */
const REDRAW_MS = 100;

/** A metric value as Keras prints it: 4 decimals, or scientific for tiny values. */
export function formatMetric(v: number): string {
  if (Number.isNaN(v)) return "nan";
  if (!Number.isFinite(v)) return v > 0 ? "inf" : "-inf";
  if (v !== 0 && Math.abs(v) < 1e-3) return v.toExponential(4).replace(/e([+-])(\d)$/, "e$10$2");
  return v.toFixed(4);
}

/** ETA in whole seconds, m:ss or h:mm:ss. */
export function formatEta(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const pad = (n: number): string => String(n).padStart(2, "0");
  if (s >= 3600) return `${Math.floor(s / 3600)}:${pad(Math.floor(s / 60) % 60)}:${pad(s % 60)}`;
  if (s >= 60) return `${Math.floor(s / 60)}:${pad(s % 60)}`;
  return `${s}s`;
}

/** Time per step: "1s/step", "14ms/step" or "250us/step". */
export function formatPerStep(ms: number): string {
  if (ms >= 1000) return `${Math.round(ms / 1000)}s/step`;
  if (ms >= 1) return `${Math.round(ms)}ms/step`;
  return `${Math.round(ms * 1000)}us/step`;
}

export function formatLogs(logs: Record<string, number>): string {
  return Object.entries(logs).map(([k, v]) => ` - ${k}: ${formatMetric(v)}`).join("");
}

/** "12/282 [=>....]" with the count right-aligned to the width of the total. */
export function formatBar(current: number, total: number, width = 30): string {
  if (total <= 0) return `${current}/Unknown`;
  const count = `${String(current).padStart(String(total).length)}/${total}`;
  const done = Math.min(width, Math.floor((width * current) / total));
  let bar = "";
  if (done > 0) bar = "=".repeat(done - 1) + (current < total ? ">" : "=");
  return `${count} [${bar}${".".repeat(width - done)}]`;
}

export class TrainProgress {
  private readonly write: (s: string) => void;
  private readonly now: () => number;
  private readonly width: number;
  private steps = 0;
  private current = 0;
  private start = 0;
  private lastDraw = -Infinity;
  /** Length of the bar line currently on screen (0: the cursor is at a line start). */
  private shown = 0;

  constructor(private readonly opts: ProgressOptions) {
    this.write = opts.write ?? ((s) => void process.stdout.write(s));
    this.now = opts.now ?? Date.now;
    this.width = opts.width ?? 30;
  }

  epochStart(epoch: number, epochs: number, steps: number): void {
    this.steps = steps;
    this.current = 0;
    this.start = this.now();
    this.lastDraw = -Infinity;
    this.message(`Epoch ${epoch}/${epochs}`);
  }

  step(step: number, logs: Record<string, number>): void {
    this.current = step;
    if (this.opts.quiet || !this.opts.tty) return;
    const t = this.now();
    const last = this.steps > 0 && step >= this.steps;
    if (!last && t - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = t;
    let line = formatBar(step, this.steps, this.width);
    if (!last && this.steps > 0) {
      const perStep = (t - this.start) / 1000 / Math.max(step, 1);
      line += ` - ETA: ${formatEta(perStep * (this.steps - step))}`;
    }
    this.redraw(line + formatLogs(logs));
  }

  epochEnd(logs: Record<string, number>): void {
    if (this.opts.quiet) return;
    const done = this.current || this.steps;
    const elapsed = this.now() - this.start;
    const line =
      formatBar(done, this.steps, this.width) +
      ` - ${Math.round(elapsed / 1000)}s ${formatPerStep(elapsed / Math.max(done, 1))}` +
      formatLogs(logs);
    if (this.opts.tty) this.redraw(line);
    else this.write(line);
    this.write("\n");
    this.shown = 0;
  }

  message(s: string): void {
    if (this.opts.quiet) return;
    if (this.shown > 0) this.write("\n");
    this.shown = 0;
    this.write(s + "\n");
  }

  /** Rewrites the current terminal line, blanking what is left of a longer previous one. */
  private redraw(line: string): void {
    this.write("\r" + line + " ".repeat(Math.max(0, this.shown - line.length)));
    this.shown = line.length;
  }
}
