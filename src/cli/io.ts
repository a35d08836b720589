// Where the CLI writes and which environment it sees; `main` takes one so tests can run it in-process.
import * as path from "node:path";

export interface OutStream {
  write(s: string): unknown;
  isTTY?: boolean;
}

export interface CliIo {
  stdout: OutStream;
  stderr: OutStream;
  env: Record<string, string | undefined>;
}

export const processIo = (): CliIo => ({
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});

/** Colour on stderr only for a terminal, and never when NO_COLOR is set (https://no-color.org). */
export function stderrColor(io: CliIo): boolean {
  const noColor = io.env["NO_COLOR"];
  return !!io.stderr.isTTY && (noColor === undefined || noColor === "");
}

/** Exit codes, also listed in `nnc --help`. */
export const Exit = {
  ok: 0,
  /** The source has errors (or a file/project could not be found or created). */
  errors: 1,
  /** The command line is wrong: unknown command, flag, or model name. */
  usage: 2,
  /** A bug in nnc. */
  internal: 70,
} as const;

/** A path for messages: relative to the working folder when inside it, else absolute. */
export function displayPath(p: string): string {
  const abs = path.resolve(p);
  const rel = path.relative(process.cwd(), abs);
  if (rel === "") return ".";
  return rel.startsWith("..") || path.isAbsolute(rel) ? abs : rel;
}
