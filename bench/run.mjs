#!/usr/bin/env node
// nnc against PyTorch, numpy and ONNX Runtime. Usage (after `npm run build`, see bench/README.md):
//   node bench/run.mjs [C] [W0] [W1] [W2] [W3] [W4] [--rounds N] [--block SECONDS] [--threads N] [--json FILE]
// With no workload named, all run. Contenders of a workload take turns in timed blocks (nnc, peer,
// nnc, peer, …) so the machine's drifting speed hits both alike; each round gives one nnc ÷ peer
// ratio, and the table shows their median (and range) next to the median absolute rates.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

// ---------------------------------------------------------------- command line

const argv = process.argv.slice(2);
const usage = (msg) => {
  console.error(`error: ${msg}\nusage: node bench/run.mjs [C] [W0] [W1] [W2] [W3] [W4] [--rounds N] [--block SECONDS] [--threads N] [--json FILE]`);
  process.exit(2);
};
const option = (name) => {
  const i = argv.indexOf(name);
  return i < 0 ? undefined : argv.splice(i, 2)[1];
};
const flag = (name, dflt, integer = false) => {
  const s = option(name);
  if (s === undefined) return dflt;
  const v = Number(s);
  if (!(v > 0) || (integer && !Number.isInteger(v))) usage(`${name} takes a positive ${integer ? "integer" : "number"}, found ${s}`);
  return v;
};
const ROUNDS = flag("--rounds", 7, true);
const BLOCK = flag("--block", 1.0);
const THREADS = flag("--threads", 2, true);
/** Where to write every round's raw rates as JSON (optional). */
const JSON_OUT = option("--json");
const ALL = ["C", "W0", "W1", "W2", "W3", "W4"];
const chosen = argv.length ? argv.map((a) => a.toUpperCase()) : ALL;
for (const w of chosen) if (!ALL.includes(w)) usage(`unknown workload ${w}; choose from ${ALL.join(" ")}`);

// Before anything loads libgomp (nnc's compiled steps use it, and read this once): nnc gets the same
// thread count as the peers. The modules are imported after this line for that reason. The wait policy
// is left to nnc (what `nnc run` gets); the header reports the one in force after the run.
process.env.OMP_NUM_THREADS = String(THREADS);
if (!fs.existsSync(new URL("../dist/src/cli/run.js", import.meta.url))) usage("dist/ is missing: run `npm run build` first");
const { ROOT, nncTrainer, nncInference, nncGemm, coldCompile, timeNncRun } = await import("./nnc.mjs");
const { Peer } = await import("./peer.mjs");
const { loadOrt, ortInference } = await import("./ort.mjs");

// ---------------------------------------------------------------- timing

/** A block of a synchronous (nnc) or promise-returning (ONNX Runtime) step: whole steps until `seconds`. */
const localBlock = (step) => async (seconds) => {
  let steps = 0;
  const t0 = performance.now();
  for (;;) {
    await step();
    steps++;
    const dt = (performance.now() - t0) / 1000;
    if (dt >= seconds) return { steps, seconds: dt };
  }
};

/** A block timed inside the Python peer (the pipe's latency is outside the measurement). */
const peerBlock = (peer, id) => (seconds) => peer.call({ op: "block", id, seconds });

/**
 * Rounds of one block per contender, in turn. A contender: { name, perStep (samples or GFLOP per step),
 * block }. Returns each contender's rate per round.
 */
async function interleave(contenders) {
  const rates = new Map(contenders.map((c) => [c.name, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (const c of contenders) {
      const { steps, seconds } = await c.block(BLOCK);
      rates.get(c.name).push((steps * c.perStep) / seconds);
    }
  }
  return rates;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b), m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const num = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toPrecision(3));
const ratioText = (a, b) => {
  const rs = a.map((x, i) => x / b[i]);
  return `${median(rs).toFixed(2)}× (${Math.min(...rs).toFixed(2)}–${Math.max(...rs).toFixed(2)})`;
};

// ---------------------------------------------------------------- results

const rows = [];
const notes = [];
/** Every round's rate per contender, for --json. */
const raw = [];
const say = (s) => process.stderr.write(s + "\n");

/**
 * One table row per peer: nnc's median rate (or why there is none), the peer's, and the median of the
 * per-round ratios. `nnc` is a contender, or a string saying why nnc has no figure.
 */
async function compare(workload, config, unit, nnc, peers) {
  const contenders = typeof nnc === "string" ? peers : [nnc, ...peers];
  say(`  ${workload} ${config}: ${contenders.map((c) => c.name).join(" ⇄ ")}, ${ROUNDS} rounds of ${BLOCK} s blocks`);
  const rates = await interleave(contenders);
  raw.push({ workload, config, unit, rates: Object.fromEntries(rates) });
  const nncRates = typeof nnc === "string" ? undefined : rates.get(nnc.name);
  for (const p of peers) {
    rows.push({
      workload, config, unit,
      nnc: nncRates ? num(median(nncRates)) : nnc,
      peer: p.name,
      peerRate: num(median(rates.get(p.name))),
      ratio: nncRates ? ratioText(nncRates, rates.get(p.name)) : "n/a",
    });
  }
  return rates;
}

/** A nnc contender, or the error's text when nnc cannot build it (reported verbatim in the table). */
function tryNnc(make) {
  try {
    return make();
  } catch (e) {
    const msg = String(e?.message ?? e).split("\n")[0];
    notes.push(`nnc failed: ${msg}`);
    return `failed: ${msg}`;
  }
}

/** Sets up a contender inside the Python peer (model, data, 3 warm-up steps). */
async function pyContender(peer, name, setup, perStep) {
  const id = `${name}-${rows.length}-${Math.random()}`;
  await peer.call({ op: "setup", id, ...setup });
  return { name, perStep, block: peerBlock(peer, id), drop: () => peer.call({ op: "drop", id }) };
}

async function withPeers(peers, fn) {
  try {
    await fn();
  } finally {
    for (const p of peers) await p.drop?.();
  }
}

// ---------------------------------------------------------------- workloads

const WORKLOADS = {
  /** Cold compile of the CNN (empty cache) and a cached `nnc run` from process start to its first step. */
  async C() {
    const cold = coldCompile("examples/cifar10_cnn.nn");
    rows.push({ workload: "C", config: "cifar10_cnn cold compile", unit: "s", nnc: (cold.compileMs / 1000).toFixed(2), peer: "—", peerRate: "—", ratio: "—" });
    notes.push(`cold compile: session (parse, check, data, autodiff) ${(cold.sessionMs / 1000).toFixed(2)} s, then stepRunner ${(cold.compileMs / 1000).toFixed(2)} s: "${cold.message}"`);
    await timeNncRun("examples/cifar10_cnn.nn", ["--epochs", "1", "--limit", "64"]); // fills the default cache
    const runs = [];
    for (let i = 0; i < 3; i++) runs.push(await timeNncRun("examples/cifar10_cnn.nn", ["--epochs", "1", "--limit", "64"]));
    const med = (k) => (median(runs.map((r) => r[k])) / 1000).toFixed(2);
    rows.push({ workload: "C", config: "nnc run → first step starts", unit: "s", nnc: med("epoch"), peer: "—", peerRate: "—", ratio: "—" });
    rows.push({ workload: "C", config: "nnc run → first step done", unit: "s", nnc: med("progress"), peer: "—", peerRate: "—", ratio: "—" });
    notes.push(`cached nnc run (median of 3, --epochs 1 --limit 64): header ${med("header")} s, "Epoch 1/1" ${med("epoch")} s, first progress line (1 step + validation) ${med("progress")} s, exit ${med("exit")} s; header: "${runs[0].firstLine}"`);
  },

  /** GEMM GFLOP/s: numpy and torch.mm against nnc's generated matmul, then against its training step. */
  async W0(peer) {
    for (const train of [false, true]) {
      for (const n of [512, 1024, 2048]) {
        const nnc = tryNnc(() => {
          const g = nncGemm(n, { train });
          for (let i = 0; i < 2; i++) g.step();
          return { name: "nnc", perStep: g.flopsPerStep / 1e9, block: localBlock(g.step) };
        });
        const peers = [
          await pyContender(peer, "numpy", { kind: "gemm_numpy", n }, (2 * n ** 3) / 1e9),
          await pyContender(peer, "torch.mm", { kind: "gemm_torch", n }, (2 * n ** 3) / 1e9),
        ];
        const what = train ? `train step ${n}×${n}×${n} (x@W, xᵀ@dy)` : `${n}×${n}×${n}`;
        await withPeers(peers, () => compare("W0", what, "GFLOP/s", nnc, peers));
      }
    }
  },

  /** MLP 784 → 512 relu → 10, Adam, batches 128 and 32: PyTorch and numpy by hand. */
  async W1(peer) {
    for (const batch of [128, 32]) {
      const nnc = tryNnc(() => trainContender("bench/models/w1_mlp.nn", batch));
      const peers = [
        await pyContender(peer, "torch", { kind: "torch_mlp", batch }, batch),
        await pyContender(peer, "numpy", { kind: "numpy_mlp", batch }, batch),
      ];
      await withPeers(peers, () => compare("W1", `mlp batch ${batch}`, "samples/s", nnc, peers));
    }
  },

  /** The CIFAR-10 CNN of examples/cifar10_cnn.nn, batch 64, Adam. */
  async W2(peer) {
    const nnc = tryNnc(() => trainContender("examples/cifar10_cnn.nn", 64, "uniform"));
    const peers = [await pyContender(peer, "torch", { kind: "torch_cnn", batch: 64 }, 64)];
    await withPeers(peers, () => compare("W2", "cnn batch 64", "samples/s", nnc, peers));
  },

  /** Embedding → LSTM(64) over 200 steps → dense → sigmoid, binary cross-entropy, batch 64, Adam. */
  async W3(peer) {
    const nnc = tryNnc(() => trainContender("bench/models/w3_lstm.nn", 64));
    const peers = [await pyContender(peer, "torch", { kind: "torch_lstm", batch: 64 }, 64)];
    await withPeers(peers, () => compare("W3", "lstm T=200 batch 64", "samples/s", nnc, peers));
  },

  /** Inference at batch 256 of W1's and W2's models: nnc (compiled, forward only), ONNX Runtime and PyTorch. */
  async W4(peer) {
    const ort = loadOrt();
    if (!ort) notes.push("W4: onnxruntime-node is not installed under bench/.deps (see bench/README.md); ONNX Runtime skipped");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nnc-bench-onnx-"));
    try {
      for (const [model, kind] of [["mlp", "torch_mlp"], ["cnn", "torch_cnn"]]) {
        const batch = 256;
        const nnc = tryNnc(() => ({ name: "nnc", perStep: batch, block: localBlock(nncInference(model, batch).step) }));
        const peers = [];
        if (ort) {
          const exp = await peer.call({ op: "export_onnx", kind, batch, path: path.join(dir, `${model}.onnx`) });
          const o = await ortInference(ort, exp.path, exp.input_shape, THREADS);
          for (let i = 0; i < 3; i++) await o.step();
          peers.push({ name: `onnxruntime ${o.version}`, perStep: batch, block: localBlock(o.step) });
        }
        peers.push(await pyContender(peer, "torch", { kind: `infer_${kind}`, batch }, batch));
        await withPeers(peers, async () => {
          const rates = await compare("W4", `${model} inference batch ${batch}`, "samples/s", nnc, peers);
          if (peers.length === 2) notes.push(`W4 ${model}: onnxruntime ÷ torch per round, median ${ratioText(rates.get(peers[0].name), rates.get("torch"))}`);
        });
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
};

/** nnc training-step contender: compile (or load from the cache), then 3 warm-up steps. */
function trainContender(file, batch, features = "normal") {
  const t = nncTrainer(file, batch, features);
  for (let i = 0; i < 3; i++) t.step();
  return { name: "nnc", perStep: batch, block: localBlock(t.step) };
}

// ---------------------------------------------------------------- main

/** Output of a git command in the repository, or undefined outside a git checkout. */
function git(...args) {
  try {
    return execFileSync("git", args, { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return undefined;
  }
}

function printTable() {
  const head = { workload: "workload", config: "config", unit: "unit", nnc: "nnc", peer: "peer", peerRate: "peer", ratio: "nnc ÷ peer, median (range)" };
  const cols = Object.keys(head);
  const width = Object.fromEntries(cols.map((k) => [k, Math.max(...[head, ...rows].map((r) => String(r[k]).length))]));
  const line = (r) => cols.map((k) => String(r[k]).padEnd(width[k])).join("  ").trimEnd();
  console.log(line(head));
  console.log(cols.map((k) => "-".repeat(width[k])).join("  "));
  for (const r of rows) console.log(line(r));
  if (notes.length) console.log("\n" + notes.map((n) => `- ${n}`).join("\n"));
}

const started = performance.now();
const peer = new Peer(THREADS);
const header = [];
try {
  const info = await peer.call({ op: "info" });
  const ort = loadOrt();
  const dirty = git("status", "--porcelain", "--", "src") ? " (src modified)" : "";
  header.push(`nnc ${git("rev-parse", "--short", "HEAD") ?? "(not a git checkout)"}${dirty}; node ${process.version}; ` +
    `python ${info.python}, torch ${info.torch} (${info.torch_threads} threads), numpy ${info.numpy}; onnxruntime-node ${ort?.env.versions?.node ?? "not installed"}`);
  for (const w of ALL.filter((x) => chosen.includes(x))) {
    say(`${w} …`);
    try {
      await WORKLOADS[w](peer);
    } catch (e) {
      // One broken workload (a peer's error, a failed spawn) must not lose the others' figures.
      notes.push(`${w} failed: ${String(e?.message ?? e).split("\n")[0]}`);
      say(`  ${w} failed: ${e?.stack ?? e}`);
    }
  }
} finally {
  await peer.close();
}
// Read after the run: nnc sets OMP_WAIT_POLICY or GOMP_SPINCOUNT itself when loading its first library if the user did not.
header.push(`${os.cpus()[0]?.model} × ${os.cpus().length}; ${THREADS} threads each; for nnc OMP_WAIT_POLICY ${process.env.OMP_WAIT_POLICY ?? "unset"}, GOMP_SPINCOUNT ${process.env.GOMP_SPINCOUNT ?? "unset"}, for the peers PASSIVE${process.env.NNC_BENCH_PEER_SPINCOUNT ? ` with GOMP_SPINCOUNT ${process.env.NNC_BENCH_PEER_SPINCOUNT}` : ""}; ${ROUNDS} rounds of ${BLOCK} s blocks per contender`);
console.log(header.join("\n") + "\n");
printTable();
console.log(`\nTotal ${((performance.now() - started) / 1000).toFixed(0)} s.`);
if (JSON_OUT) fs.writeFileSync(JSON_OUT, JSON.stringify({ header, rows, notes, raw }, null, 2) + "\n");
