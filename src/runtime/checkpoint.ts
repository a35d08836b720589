// Checkpoints: a directory with weights.safetensors, optimizer.safetensors and meta.json,
// replaced atomically (write a temp directory beside it, then swap by renames).
import * as fs from "node:fs";
import * as path from "node:path";
import { readSafetensors, writeSafetensors } from "./safetensors.js";
import { RuntimeError, type Tensor } from "./tensor.js";

export interface Checkpoint {
  weights: Map<string, Tensor>;
  optimizer: Map<string, Tensor>;
  meta: Record<string, unknown>;
}

const FILES = ["weights.safetensors", "optimizer.safetensors", "meta.json"] as const;

let counter = 0;
const tempName = (dir: string, kind: "tmp" | "old"): string =>
  path.join(path.dirname(dir), `.${path.basename(dir)}.${kind}-${process.pid}-${counter++}`);

/** Writes a file and flushes it to disk. */
export function writeFileSynced(file: string, data: string | Buffer): void {
  const fd = fs.openSync(file, "w");
  try {
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Flushes a directory entry list (best effort: not every platform allows it). */
export function syncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, "r");
    try { fs.fsyncSync(fd); } finally { fs.closeSync(fd); }
  } catch {
    // ignored
  }
}

/** Writes `file` atomically: a synced temp file beside it, then a rename. */
export function writeFileAtomic(file: string, data: string | Buffer): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.tmp-${process.pid}-${counter++}`);
  try {
    writeFileSynced(tmp, data);
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw new RuntimeError(`cannot write ${file}: ${(e as Error).message}`);
  }
  syncDir(path.dirname(file));
}

export function saveCheckpoint(dir: string, ck: Checkpoint): void {
  dir = path.resolve(dir);
  const parent = path.dirname(dir);
  const tmp = tempName(dir, "tmp");
  try {
    fs.mkdirSync(parent, { recursive: true });
    fs.mkdirSync(tmp);
    const model = typeof ck.meta.model === "string" ? ck.meta.model : "";
    writeFileSynced(path.join(tmp, "weights.safetensors"), writeSafetensors(ck.weights, { format: "nnc", model }));
    writeFileSynced(path.join(tmp, "optimizer.safetensors"), writeSafetensors(ck.optimizer, { format: "nnc" }));
    writeFileSynced(path.join(tmp, "meta.json"), JSON.stringify(ck.meta, null, 2) + "\n");
    syncDir(tmp);
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    if (e instanceof RuntimeError) throw e;
    throw new RuntimeError(`cannot write checkpoint ${dir}: ${(e as Error).message}`);
  }
  // Swap: dir → old, tmp → dir, drop old. A crash in between leaves old (recovered by load) or the new one.
  let old: string | undefined;
  try {
    if (fs.existsSync(dir)) {
      old = tempName(dir, "old");
      fs.renameSync(dir, old);
    }
    fs.renameSync(tmp, dir);
    syncDir(parent);
  } catch (e) {
    if (old && !fs.existsSync(dir)) fs.renameSync(old, dir);
    fs.rmSync(tmp, { recursive: true, force: true });
    throw new RuntimeError(`cannot write checkpoint ${dir}: ${(e as Error).message}`);
  }
  if (old) fs.rmSync(old, { recursive: true, force: true });
  // Older copies left by interrupted saves are superseded now.
  for (let stale = findOld(dir); stale; stale = findOld(dir)) fs.rmSync(stale, { recursive: true, force: true });
}

/** A complete previous checkpoint left by an interrupted save, newest first. */
function findOld(dir: string): string | undefined {
  const parent = path.dirname(dir);
  const prefix = `.${path.basename(dir)}.old-`;
  let names: string[];
  try {
    names = fs.readdirSync(parent).filter((n) => n.startsWith(prefix));
  } catch {
    return undefined;
  }
  const full = names
    .map((n) => path.join(parent, n))
    .filter((p) => FILES.every((f) => fs.existsSync(path.join(p, f))))
    .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs);
  return full[0];
}

export function checkpointExists(dir: string): boolean {
  dir = path.resolve(dir);
  if (fs.existsSync(dir)) return fs.existsSync(path.join(dir, "weights.safetensors"));
  return findOld(dir) !== undefined;
}

export function loadCheckpoint(dir: string): Checkpoint {
  dir = path.resolve(dir);
  if (!fs.existsSync(dir)) {
    const old = findOld(dir);
    if (!old) throw new RuntimeError(`no checkpoint at ${dir}`);
    fs.renameSync(old, dir); // recover the checkpoint an interrupted save moved aside
  }
  if (!fs.statSync(dir).isDirectory()) throw new RuntimeError(`no checkpoint at ${dir} (not a directory)`);
  const read = (name: string): Buffer => {
    const file = path.join(dir, name);
    if (!fs.existsSync(file)) throw new RuntimeError(`corrupt checkpoint ${dir}: missing ${name}`);
    return fs.readFileSync(file);
  };
  const weights = readSafetensors(read("weights.safetensors"), path.join(dir, "weights.safetensors")).tensors;
  const optimizer = readSafetensors(read("optimizer.safetensors"), path.join(dir, "optimizer.safetensors")).tensors;
  const metaFile = path.join(dir, "meta.json");
  let meta: unknown;
  try {
    meta = JSON.parse(read("meta.json").toString("utf8"));
  } catch (e) {
    if (e instanceof RuntimeError) throw e;
    throw new RuntimeError(`${metaFile}: corrupt checkpoint metadata (${(e as Error).message})`);
  }
  if (typeof meta !== "object" || meta === null || Array.isArray(meta)) throw new RuntimeError(`${metaFile}: corrupt checkpoint metadata (not a JSON object)`);
  return { weights, optimizer, meta: meta as Record<string, unknown> };
}
