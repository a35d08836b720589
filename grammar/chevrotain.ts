// chevrotain, loaded from the single-file build its package ships. The package's entry point imports
// lodash-es as hundreds of small modules, which took 0.3 s of every `nnc` start; the bundle (the same
// code, lodash included) loads in 20 ms.
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import * as path from "node:path";

type Chevrotain = typeof import("chevrotain");

const entry = createRequire(import.meta.url).resolve("chevrotain");
const bundle = path.join(path.dirname(entry), "..", "chevrotain.mjs");
const chevrotain = (await import(pathToFileURL(bundle).href)) as Chevrotain;

export const { createToken, Lexer, CstParser, VERSION } = chevrotain;
/** The single-file build that was loaded. */
export const bundlePath = bundle;
