// The `nnc` command line: wires commander to the command bodies in commands.ts and init.ts.
import "../checker.js"; // side effect: registers the front end with the driver
import * as fs from "node:fs";
import { Command, CommanderError, Option } from "commander";
import { checkCommand, summaryCommand, type Format } from "./commands.js";
import { compileCommand, type CompileFlags } from "./compile.js";
import { runCommand, type RunFlags } from "./run.js";
import { evalCommand, predictCommand } from "./eval-predict.js";
import { initProject } from "./init.js";
import { registerFmtCommand } from "./fmt.js";
import { Exit, processIo, type CliIo } from "./io.js";

/**
 * The "version" of nnc's package.json: ../../../package.json from dist/src/cli/main.js (also found
 * from src/cli/main.ts, two levels up, when the sources run directly, e.g. under vitest).
 */
export function packageVersion(): string {
  for (const rel of ["../../../package.json", "../../package.json"]) {
    try {
      const pkg = JSON.parse(fs.readFileSync(new URL(rel, import.meta.url), "utf8")) as { name?: unknown; version?: unknown };
      if (pkg.name === "nnc" && typeof pkg.version === "string") return pkg.version;
    } catch {
      // not there: try the next place
    }
  }
  return "unknown";
}

const HELP_AFTER = `
With no [file], a command uses the project in the working folder: the "entry" of
nnc.json, else the only .nn file with a \`train\` block. A folder may be given instead
of a file. \`nnc\` with no command prints this help.

Exit status:
  0   success (warnings do not fail)
  1   the source has errors, or no entry file was found
  2   usage error: unknown command, option or model
  70  internal error in nnc (please report it)`;

const hint = (command?: string) => `hint: run \`nnc ${command ? `${command} ` : ""}--help\` for usage`;

const formatOption = () => new Option("--format <format>", "output format").choices(["text", "json"]).default("text");

function buildProgram(io: CliIo, setExit: (code: number) => void): Command {
  const program = new Command("nnc");
  program
    .description("Compiler for the .nn neural-network language")
    .version(packageVersion(), "-V, --version", "print the nnc version")
    .helpOption("-h, --help", "show help")
    .helpCommand("help [command]", "show help for a command")
    .exitOverride()
    .configureOutput({
      writeOut: (s) => void io.stdout.write(s),
      writeErr: (s) => void io.stderr.write(s),
      outputError: (s, write) => write(s),
    })
    .showSuggestionAfterError(true)
    .showHelpAfterError(hint())
    .addHelpText("after", HELP_AFTER);

  program
    .command("check")
    .showHelpAfterError(hint("check"))
    .description("check a .nn file for errors")
    .argument("[file]", ".nn file or project folder")
    .addOption(formatOption())
    .action((file: string | undefined, opts: { format: Format }) => setExit(checkCommand(file, opts, io)));

  program
    .command("summary")
    .showHelpAfterError(hint("summary"))
    .description("check a file and print a Keras-style table of each model's layers and parameters")
    .argument("[file]", ".nn file or project folder")
    .option("--model <name>", "only this model (default: the trained model, else all models)")
    .addOption(formatOption())
    .action((file: string | undefined, opts: { format: Format; model?: string }) => setExit(summaryCommand(file, opts, io)));

  program
    .command("init")
    .showHelpAfterError(hint("init"))
    .description("create a new project (nnc.json and main.nn) in a folder")
    .argument("[dir]", "folder to create the project in", ".")
    .action((dir: string) => setExit(initProject(dir, io)));

  program
    .command("compile")
    .showHelpAfterError(hint("compile"))
    .description("compile the training step to a native library (CPU backend)")
    .option("-o, --out <dir>", "where the library, manifest.json and kernels.txt go (default: runs/<file name>/compiled)")
    .option("--emit-llvm", "also write the LLVM IR (step.ll)")
    .option("--emit <what>", "print the kernel list (kernels) or the whole kernel IR (kir)")
    .argument("[file]", ".nn file or project folder")
    .action((file: string | undefined, opts: CompileFlags) => setExit(compileCommand(file, opts, io)));

  program
    .command("run")
    .showHelpAfterError(hint("run"))
    .description("train the model of the file's `train` block")
    .argument("[file]", ".nn file or project folder")
    .option("--epochs <n>", "override the train block's epochs")
    .option("--batch <n>", "override the train block's batch size")
    .option("--seed <n>", "override the seed (initial weights, shuffling, dropout)")
    .option("--limit <n>", "use only the first n samples of the data (quick trials)")
    .option("--out <dir>", "where checkpoints, history and plot go (default: runs/<file name>)")
    .option("--history <format>", "history file format: csv or json", "csv")
    .option("--resume", "continue from the last checkpoint in the output folder")
    .option("--backend <name>", "cpu (compiled, default) or ref (the reference executor)", "cpu")
    .option("-q, --quiet", "print nothing but errors")
    .action(async (file: string | undefined, opts: RunFlags) => setExit(await runCommand(file, opts, io)));

  program
    .command("eval")
    .showHelpAfterError(hint("eval"))
    .description("loss and metrics of a trained checkpoint on a data split")
    .argument("[file]", ".nn file or project folder")
    .option("--checkpoint <dir>", "checkpoint folder (default: runs/<file name>/checkpoints/best, else last)")
    .option("--out <dir>", "the run folder `nnc run --out` used")
    .option("--split <name>", "test, val or train (default: test when the dataset has one)")
    .option("--batch <n>", "batch size")
    .addOption(new Option("--format <format>", "output format").choices(["text", "json"]).default("text"))
    .option("--backend <name>", "cpu (compiled, default) or ref (the reference executor)", "cpu")
    .action((file: string | undefined, opts: Record<string, string>) => setExit(evalCommand(file, opts, io)));

  program
    .command("predict")
    .showHelpAfterError(hint("predict"))
    .description("run a trained checkpoint on inputs from a .csv or .npy file")
    .argument("[file]", ".nn file or project folder")
    .requiredOption("--input <file>", "inputs: CSV with a header (a label column is ignored) or .npy [N, ...]")
    .option("--output <file>", "write predictions to .csv or .npy (default: CSV on stdout)")
    .option("--checkpoint <dir>", "checkpoint folder (default: runs/<file name>/checkpoints/best, else last)")
    .option("--out <dir>", "the run folder `nnc run --out` used")
    .option("--backend <name>", "cpu (compiled, default) or ref (the reference executor)", "cpu")
    .action((file: string | undefined, opts: Record<string, string>) => setExit(predictCommand(file, opts, io)));

  program
    .command("lsp")
    .showHelpAfterError(hint("lsp"))
    .description("start the language server (LSP over stdin/stdout) for editors")
    .option("--stdio", "talk over stdin/stdout (the default and only transport)")
    .allowUnknownOption() // clients add their own flags, e.g. --clientProcessId=123
    .allowExcessArguments()
    .addHelpText("after", LSP_HELP)
    .action(async () => {
      const { startServer } = await import("../lsp/server.js");
      startServer();
    });

  registerFmtCommand(program, io, setExit);

  return program;
}

const LSP_HELP = `
The VS Code extension in lsp/ starts it for you. Other editors run \`nnc lsp --stdio\`
for files ending in .nn, e.g.
  Neovim (0.11+):  vim.lsp.config("nnc", { cmd = { "nnc", "lsp", "--stdio" }, filetypes = { "nn" } })
                   vim.lsp.enable("nnc")   -- and: vim.filetype.add({ extension = { nn = "nn" } })
  Helix (languages.toml):
                   [language-server.nnc]
                   command = "nnc"
                   args = ["lsp", "--stdio"]
                   [[language]]
                   name = "nn"
                   scope = "source.nn"
                   file-types = ["nn"]
                   language-servers = ["nnc"]
Settings (workspace/configuration section "nnc", or initializationOptions):
  inlayHints.shapes, inlayHints.parameterCounts (booleans, default true)`;

/** Runs `nnc` with `argv` (without node and script) and returns the exit status; never throws. */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  let code: number = Exit.ok;
  try {
    const program = buildProgram(io, (c) => (code = c));
    if (argv.length === 0) {
      program.outputHelp();
      return Exit.ok;
    }
    await program.parseAsync(argv, { from: "user" });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? Exit.ok : Exit.usage;
    const err = e instanceof Error ? e : new Error(String(e));
    io.stderr.write(`internal error: ${err.message}\n${err.stack ?? ""}\nthis is a bug in nnc; please report it\n`);
    return Exit.internal;
  }
}
