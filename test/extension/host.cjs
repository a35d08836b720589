// Runs the bundled extension in a fake editor (fake-vscode.cjs) through a list of steps, then
// prints what happened as JSON: node host.cjs <bundle.js> <steps.json>. The server it starts is
// real: a child process speaking LSP over stdio.
"use strict";
const Module = require("node:module");
const { readFileSync, existsSync } = require("node:fs");
const { createFakeVscode } = require("./fake-vscode.cjs");

const [bundle, stepsFile] = process.argv.slice(2);
const { settings, steps, logLevel } = JSON.parse(readFileSync(stepsFile, "utf8"));
const fake = createFakeVscode(settings, { logLevel });

const load = Module._load;
Module._load = function (request, ...rest) {
  return request === "vscode" ? fake.vscode : load.call(this, request, ...rest);
};

const serverLog = () =>
  existsSync(process.env.FAKE_SERVER_LOG)
    ? readFileSync(process.env.FAKE_SERVER_LOG, "utf8").split("\n").filter(Boolean).map((line) => JSON.parse(line))
    : [];

async function waitFor(event, count, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (serverLog().filter((entry) => entry.event === event).length < count) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${count} × ${event}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function main() {
  const extension = require(bundle);
  const context = { subscriptions: [] };
  for (const step of steps) {
    if (step.op === "activate") await extension.activate(context);
    else if (step.op === "deactivate") await extension.deactivate();
    else if (step.op === "command") await fake.runCommand(step.id);
    else if (step.op === "setSetting") fake.setSetting(step.key, step.value);
    else if (step.op === "waitFor") await waitFor(step.event, step.count);
    else if (step.op === "sleep") await new Promise((resolve) => setTimeout(resolve, step.ms));
    else throw new Error(`unknown step ${JSON.stringify(step)}`);
  }
  for (const disposable of context.subscriptions) disposable.dispose();
  return { exports: Object.keys(extension).sort(), recorded: fake.recorded, server: serverLog() };
}

main().then(
  (result) => {
    process.stdout.write(JSON.stringify(result));
    process.exit(0);
  },
  (error) => {
    process.stdout.write(JSON.stringify({ failure: String(error && error.stack), recorded: fake.recorded, server: serverLog() }));
    process.exit(1);
  },
);
