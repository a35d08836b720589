// The node side of bench/peer.py: one long-lived Python process, one JSON line per command and answer.
// Keeping it alive lets nnc and the Python peers alternate in short blocks without paying for
// interpreter start-up or imports between them.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

/** Debian's python3 (where apt's python3-torch lives), unless NNC_BENCH_PYTHON names another. */
const PYTHON = process.env.NNC_BENCH_PYTHON ?? "/usr/bin/python3";

export class Peer {
  constructor(threads = 2) {
    const script = fileURLToPath(new URL("./peer.py", import.meta.url));
    // `threads` for torch and OpenBLAS alike; idle OpenMP threads sleep instead of spinning, so a peer
    // waiting for its next block does not steal the cores nnc is being timed on. nnc's own
    // GOMP_SPINCOUNT (set in process.env when its first library loads) must not reach the peer: with
    // it the peer's libgomp spins despite PASSIVE, and its speed depended on whether nnc had loaded
    // before the peer started. NNC_BENCH_PEER_SPINCOUNT gives the peer a spin on purpose (see README).
    const n = String(threads);
    const { GOMP_SPINCOUNT: _nnc, ...inherited } = process.env;
    const spin = process.env.NNC_BENCH_PEER_SPINCOUNT;
    const env = { ...inherited, OMP_NUM_THREADS: n, OPENBLAS_NUM_THREADS: n, NNC_BENCH_THREADS: n, OMP_WAIT_POLICY: "PASSIVE", ...(spin ? { GOMP_SPINCOUNT: spin } : {}) };
    this.proc = spawn(PYTHON, [script], { env, stdio: ["pipe", "pipe", "inherit"] });
    this.waiting = [];
    this.exited = new Promise((resolve) => this.proc.on("exit", (code) => resolve(code)));
    this.proc.on("exit", (code) => {
      for (const w of this.waiting.splice(0)) w.reject(new Error(`the Python peer exited (code ${code})`));
    });
    this.proc.on("error", (e) => {
      for (const w of this.waiting.splice(0)) w.reject(e);
    });
    createInterface({ input: this.proc.stdout }).on("line", (line) => this.waiting.shift()?.resolve(JSON.parse(line)));
  }

  /** Sends one command; resolves with its answer, rejects with the peer's error. */
  async call(cmd) {
    const answer = await new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.proc.stdin.write(JSON.stringify(cmd) + "\n");
    });
    if (answer.error) throw new Error(answer.error);
    return answer;
  }

  async close() {
    this.proc.stdin.end();
    await this.exited;
  }
}
