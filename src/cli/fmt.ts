// `nnc fmt`: formats .nn files in place, checks them (--check) or prints them (--stdout).
import * as fs from "node:fs";
import * as path from "node:path";
import { Option, type Command } from "commander";
import { noSpan, type Diagnostic } from "../diag/diagnostic.js";
import { renderDiagnostics } from "../diag/render.js";
import { formatSource } from "../format/format.js";
import { writeFileAtomic } from "../runtime/checkpoint.js";
import { displayPath, Exit, stderrColor, type CliIo } from "./io.js";

export interface FmtFlags {
  check?: boolean;
  stdout?: boolean;
}

const FMT_HELP = `
With no file, every .nn file under the working folder is formatted; a folder
argument means every .nn file under it (folders starting with "." and
node_modules are skipped). \`-\` reads a source from stdin and prints the result.

Formatting keeps every comment and line break; it sets indentation and the
spaces between tokens. A file with syntax errors is reported and left as it is.

Exit status: 0 done (or, with --check, nothing to change); 1 a file has syntax
errors or cannot be read, or --check found files to format; 2 usage error.`;

export function registerFmtCommand(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command("fmt")
    .showHelpAfterError("hint: run `nnc fmt --help` for usage")
    .description("format .nn files in place (comments and line breaks are kept)")
    .argument("[files...]", ".nn files or folders (default: every .nn file under the working folder); - for stdin")
    .addOption(new Option("--check", "write nothing; list the files that would change and exit 1 if any").conflicts("stdout"))
    .option("--stdout", "print the formatted sources instead of writing the files")
    .addHelpText("after", FMT_HELP)
    .action((files: string[], opts: FmtFlags) => setExit(fmtCommand(files, opts, io)));
}

/** Formats, checks or prints the given files and folders; returns the exit code. */
export function fmtCommand(args: string[], flags: FmtFlags, io: CliIo): number {
  if (args.includes("-")) {
    if (args.length > 1) {
      io.stderr.write("error: `-` (stdin) cannot be combined with files\n");
      return Exit.usage;
    }
    return formatStdin(flags, io);
  }
  const problems: Diagnostic[] = [];
  const files: string[] = [];
  for (const arg of args.length ? args : ["."]) collectFiles(arg, files, problems);
  let failed = problems.length > 0;
  if (problems.length) io.stderr.write(renderDiagnostics(problems, new Map(), { color: stderrColor(io) }));
  let unformatted = 0;
  for (const file of files) {
    const shown = displayPath(file);
    let text: string;
    try {
      text = fs.readFileSync(file, "utf8");
    } catch (e) {
      io.stderr.write(`error: cannot read ${shown}: ${(e as Error).message}\n`);
      failed = true;
      continue;
    }
    const r = formatSource(text, shown);
    if (r.diagnostics.length) {
      io.stderr.write(renderDiagnostics(r.diagnostics, new Map([[shown, text]]), { color: stderrColor(io), file: shown }));
      failed = true;
      continue;
    }
    if (flags.stdout) io.stdout.write(r.text);
    else if (r.changed && flags.check) {
      io.stdout.write(`${shown}\n`);
      unformatted++;
    } else if (r.changed) {
      try {
        const mode = fs.statSync(file).mode;
        writeFileAtomic(file, r.text);
        fs.chmodSync(file, mode);
      } catch (e) {
        io.stderr.write(`error: ${(e as Error).message}\n`);
        failed = true;
        continue;
      }
      io.stdout.write(`formatted ${shown}\n`);
    }
  }
  if (unformatted) io.stderr.write(`${unformatted} file${unformatted === 1 ? " is" : "s are"} not formatted; run \`nnc fmt\` to format\n`);
  return failed || unformatted ? Exit.errors : Exit.ok;
}

function formatStdin(flags: FmtFlags, io: CliIo): number {
  const text = fs.readFileSync(0, "utf8");
  const r = formatSource(text, "<stdin>");
  if (r.diagnostics.length) {
    io.stderr.write(renderDiagnostics(r.diagnostics, new Map([["<stdin>", text]]), { color: stderrColor(io), file: "<stdin>" }));
    return Exit.errors;
  }
  if (flags.check) return r.changed ? Exit.errors : Exit.ok;
  io.stdout.write(r.text);
  return Exit.ok;
}

/** Adds `arg` (a file) or the .nn files under it (a folder) to `files`, in name order. */
function collectFiles(arg: string, files: string[], problems: Diagnostic[]): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(arg);
  } catch {
    problems.push({ code: "E0901", severity: "error", message: `cannot read ${arg}: no such file or folder`, span: noSpan(arg) });
    return;
  }
  if (!stat.isDirectory()) {
    files.push(arg);
    return;
  }
  const before = files.length;
  try {
    walk(arg, files);
  } catch (e) {
    problems.push({ code: "E0900", severity: "error", message: `cannot read folder ${displayPath(arg)}: ${(e as Error).message}`, span: noSpan(arg) });
    return;
  }
  if (files.length === before) {
    problems.push({ code: "E0900", severity: "error", message: `no .nn files in ${displayPath(arg)}`, span: noSpan(arg) });
  }
}

function walk(dir: string, files: string[]): void {
  const entries = fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (!e.name.startsWith(".") && e.name !== "node_modules") walk(full, files);
    } else if (e.isFile() && e.name.endsWith(".nn")) {
      files.push(full);
    }
  }
}
