// A minimal language server standing in for `nnc lsp --stdio`: it logs what the client sends
// (one JSON object a line, to $FAKE_SERVER_LOG) so a test can see how the extension started it.
import { appendFileSync } from "node:fs";
import { createConnection, ProposedFeatures, TextDocumentSyncKind } from "vscode-languageserver/node";

const log = (entry) => appendFileSync(process.env.FAKE_SERVER_LOG, `${JSON.stringify({ ...entry, pid: process.pid })}\n`);

log({ event: "start", argv: process.argv.slice(2), cwd: process.cwd() });
if (process.env.FAKE_SERVER_MODE === "old-nnc") {
  // What an nnc without the language server does with `nnc lsp`.
  process.stderr.write("error: unknown command 'lsp'\n");
  process.exit(2);
}
process.on("exit", () => log({ event: "exit" }));

const connection = createConnection(ProposedFeatures.all);
connection.onInitialize((params) => {
  log({ event: "initialize", initializationOptions: params.initializationOptions, clientName: params.clientInfo?.name });
  return { capabilities: { textDocumentSync: TextDocumentSyncKind.Incremental } };
});
connection.onDidChangeConfiguration((params) => log({ event: "configuration", settings: params.settings }));
connection.onDidChangeWatchedFiles(() => undefined);
connection.listen();
