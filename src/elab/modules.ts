// Loading modules: the stdlib prelude (every stdlib/*.nn, always in scope) and local `import "./x.nn"`.
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import type * as A from "../parser/ast.js";
import { DiagnosticBag, type Diagnostic } from "../diag/diagnostic.js";
import { parseSource } from "../parser/parse.js";
import { Env, type Module, suggest } from "./values.js";

/** The stdlib folder: found by walking up from this file (works from src/ and from dist/src/). */
export function stdlibDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const cand = path.join(dir, "stdlib");
    if (fs.existsSync(path.join(cand, "layers.nn"))) return cand;
    dir = path.dirname(dir);
  }
  throw new Error("internal: stdlib folder not found");
}

export interface Prelude {
  env: Env;
  modules: Map<string, Module>;
  sources: Map<string, string>;
  diagnostics: Diagnostic[];
}

let cached: Prelude | undefined;

/** Parses every stdlib file once per process; all their definitions share one scope. */
export function loadPrelude(): Prelude {
  if (cached) return cached;
  const dir = stdlibDir();
  const env = new Env();
  const modules = new Map<string, Module>();
  const sources = new Map<string, string>();
  const bag = new DiagnosticBag();
  for (const f of fs.readdirSync(dir).filter((n) => n.endsWith(".nn")).sort()) {
    const file = path.join(dir, f);
    const text = fs.readFileSync(file, "utf8");
    const rel = `stdlib/${f}`;
    sources.set(rel, text);
    const r = parseSource(text, rel);
    bag.items.push(...r.diagnostics);
    const mod: Module = { name: `std.${f.replace(/\.nn$/, "")}`, file: rel, program: r.program, scope: env, isStdlib: true };
    modules.set(mod.name, mod);
    registerDefinitions(mod, env, bag);
  }
  cached = { env, modules, sources, diagnostics: bag.items };
  return cached;
}

/** Puts a module's definitions into `env`, reporting duplicates. */
export function registerDefinitions(mod: Module, env: Env, bag: DiagnosticBag): void {
  for (const item of mod.program.items) {
    if (item.kind !== "Definition" || item.name.name === "<missing>") continue;
    const prev = env.get(item.name.name);
    if (env.hasOwn(item.name.name) && prev?.k === "def") {
      bag.error("E0101", item.name.span, `\`${item.name.name}\` is defined twice`, {
        related: [{ span: prev.ref.def.name.span, message: "first defined here" }],
      });
      continue;
    }
    env.set(item.name.name, { k: "def", ref: { def: item, module: mod } });
  }
}

/** Loads a user file and, recursively, the local files it imports. */
export class ModuleLoader {
  readonly sources = new Map<string, string>();
  private loaded = new Map<string, Module>();
  private loading = new Set<string>();

  /** `overlay`: absolute path → text to use instead of the disk copy (an editor's unsaved files). */
  constructor(private prelude: Prelude, private bag: DiagnosticBag, private overlay?: ReadonlyMap<string, string>) {}

  /** Every module loaded so far: the entry and the local files it imports. */
  get modules(): Module[] {
    return [...this.loaded.values()];
  }

  load(file: string, text?: string): Module | undefined {
    const key = path.resolve(file);
    const done = this.loaded.get(key);
    if (done) return done;
    if (text === undefined) text = this.overlay?.get(key);
    if (text === undefined) {
      try {
        text = fs.readFileSync(file, "utf8");
      } catch {
        return undefined;
      }
    }
    this.sources.set(file, text);
    const r = parseSource(text, file);
    this.bag.items.push(...r.diagnostics);
    const env = new Env(this.prelude.env);
    const mod: Module = { name: file, file, program: r.program, scope: env, isStdlib: false };
    this.loaded.set(key, mod);
    this.loading.add(key);
    for (const item of r.program.items) if (item.kind === "Import") this.resolveImport(item, mod);
    this.loading.delete(key);
    registerDefinitions(mod, env, this.bag);
    return mod;
  }

  private resolveImport(imp: A.ImportDecl, mod: Module): void {
    if (imp.path === "<missing>") return;
    if (!imp.isFile) {
      const m = this.prelude.modules.get(imp.path);
      if (!m) {
        const s = suggest(imp.path, this.prelude.modules.keys());
        this.bag.error("E0202", imp.pathSpan, `unknown module \`${imp.path}\``, {
          notes: [`stdlib modules: ${[...this.prelude.modules.keys()].join(", ")}`],
          fix: s ? { message: `did you mean \`${s}\`?`, span: imp.pathSpan, replacement: s } : undefined,
        });
        return;
      }
      // The stdlib is always in scope; an import only checks that the names exist there.
      const own = new Set(m.program.items.filter((i): i is A.Definition => i.kind === "Definition").map((d) => d.name.name));
      for (const n of imp.names ?? []) {
        if (!own.has(n.name)) {
          const s = suggest(n.name, own);
          this.bag.error("E0204", n.span, `module \`${imp.path}\` has no \`${n.name}\``, { fix: s ? { message: `did you mean \`${s}\`?`, span: n.span, replacement: s } : undefined });
        }
      }
      return;
    }
    const target = path.resolve(path.dirname(mod.file), imp.path);
    const rel = path.relative(process.cwd(), target) || target;
    if (this.loading.has(target)) {
      this.bag.error("E0203", imp.pathSpan, `import cycle: \`${imp.path}\` imports this file back`);
      return;
    }
    if (!fs.existsSync(target) && !this.loaded.has(target) && !this.overlay?.has(target)) {
      this.bag.error("E0203", imp.pathSpan, `cannot find \`${imp.path}\` (looked for ${rel})`);
      return;
    }
    const other = this.load(rel);
    if (!other) {
      this.bag.error("E0203", imp.pathSpan, `cannot read \`${imp.path}\``);
      return;
    }
    const defs = other.program.items.filter((i): i is A.Definition => i.kind === "Definition");
    const wanted = imp.names ? imp.names : defs.map((d) => d.name);
    for (const n of wanted) {
      const d = defs.find((x) => x.name.name === n.name);
      if (!d) {
        const s = suggest(n.name, defs.map((x) => x.name.name));
        this.bag.error("E0204", n.span, `\`${imp.path}\` has no definition \`${n.name}\``, { fix: s ? { message: `did you mean \`${s}\`?`, span: n.span, replacement: s } : undefined });
        continue;
      }
      mod.scope.set(d.name.name, { k: "def", ref: { def: d, module: other } });
    }
  }
}
