#!/usr/bin/env node
// Thin launcher: the CLI lives in src/cli (compiled to dist/cli).
import { main } from "../dist/src/cli/main.js";
main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
