// Graph IR → kernel IR. Decides which values live in memory (materialised) and which are fused into
// their readers, then emits one kernel per materialised value: injective ops inline their producers,
// reductions inline their prologue, heavy ops (matmul, conv) read materialised operands or cheap views.
import type { Diagnostic } from "../../diag/diagnostic.js";
import { Dim, numel, shapesEqual } from "../../ir/dim.js";
import type { Graph, IRNode, Value } from "../../ir/graph.js";
import type { KBuffer, KExpr, KProgram, KStep, KStmt, Kernel, BufferKind } from "../kir/kir.js";
import { bin, c64, cst, dimExpr, flatten, select, sizeExpr, sub } from "../kir/expr.js";
import { intsAttr, ktype, LowerError, strAttr } from "./attrs.js";
import { type ExprCtx, INJECTIVE, injectiveAt, MOVEMENT } from "./injective.js";
import { type Epilogue, gemmTemplate, narrowMatmul } from "./gemm.js";
import { hoistInvariants } from "./hoist.js";
import { splitLoops } from "./loop-split.js";
import { vectorizeLoops } from "./loop-vectorize.js";
import { gemmEpilogue, identityRead, NotIdentity } from "./epilogue.js";
import { NotVectorizable } from "./vectorize.js";
import { planMemory } from "./memory.js";
import { CHECK_PARTS, finiteCheck } from "./finite-check.js";
import { buffersOf, dimsOf, walkStmts } from "../kir/walk.js";
import { convGemmTemplate, poolFusable } from "./conv-gemm.js";
import { argmaxTemplate, nest, type PanelLayout, poolTemplate, reduceTemplate, scatterTemplate, sumToTemplate, type Template } from "./templates.js";

export interface LowerResult {
  program?: KProgram;
  diagnostics: Diagnostic[];
}

/** Ops whose kernels read each operand element many times: operands must be in memory or cheap views. */
/** Ops lowered to a packed GEMM (or, for the input gradient, a GEMM and a gather) that take an epilogue. */
const GEMMS = new Set(["matmul", "conv2d", "conv2d_grad_input", "conv2d_grad_filter"]);
/** Ops whose kernels may store what one elementwise reader makes of their result (an epilogue): the
 * GEMMs, and max pooling's gradient (the relu gradient after it; windows that tile the image only). */
const EPILOGUE_HOSTS = new Set([...GEMMS, "max_pool2d_grad"]);
const HEAVY = new Set(["matmul", "conv2d", "conv2d_grad_input", "conv2d_grad_filter", "max_pool2d", "max_pool2d_grad", "avg_pool2d", "avg_pool2d_grad", "scatter_add"]);
const TEMPLATES: Record<string, (n: IRNode, out: number, ctx: ExprCtx, epilogue?: Epilogue) => Template> = {
  sum: reduceTemplate, mean: reduceTemplate, max: reduceTemplate, min: reduceTemplate,
  sum_to: sumToTemplate, argmax: argmaxTemplate, matmul: gemmTemplate,
  conv2d: convGemmTemplate, conv2d_grad_input: convGemmTemplate, conv2d_grad_filter: convGemmTemplate,
  max_pool2d: poolTemplate, max_pool2d_grad: poolTemplate, avg_pool2d: poolTemplate, avg_pool2d_grad: poolTemplate,
  scatter_add: scatterTemplate,
};

/** Ops the compiled backends can lower today. */
export const LOWERABLE: ReadonlySet<string> = new Set([...INJECTIVE, ...Object.keys(TEMPLATES), "scan", "scan_grad"]);

/** Every node of `g`, including those inside scan bodies. */
function allNodes(g: Graph): IRNode[] {
  return g.nodes.flatMap((n) => [n, ...(n.body ? allNodes(n.body) : [])]);
}

export interface LowerOptions {
  /** f32 lanes of the target's vectors: 16 with AVX-512, 8 with AVX2 (1: none). */
  vectorWidth?: number;
  /**
   * Parameters stay constant between loads (inference): what a template prepares from parameters alone
   * (B's packing) moves to the program's `load` steps, into state buffers, and is not redone every run.
   */
  constantParams?: boolean;
  /** Indices of outputs checked for non-finite values at the end of the program (KProgram.finite). */
  finiteOutputs?: number[];
  /**
   * A training step's parameters (value ids) and the outputs (indices) holding their new values. A
   * weight packed as it lies (a dense kernel's B) whose new value a GEMM epilogue stores (Adam's update
   * fused into the weight gradient) keeps its packing between steps: the packing moves to the load
   * steps, and the epilogue stores the new weight's panels too (KBuffer.follows). W1: the forward's
   * packing of W was 8% of the step, and its product read W's panels from the other core's cache.
   */
  updatedParams?: { param: number; output: number }[];
}

/**
 * Updated parameters whose packing a step may keep: read as B by exactly one matmul, outside any
 * recurrence (parameter value id → id of the output holding the new value).
 */
function keepablePacks(g: Graph, updated: { param: number; output: number }[]): Map<number, number> {
  const readers = new Map<number, number>();
  for (const n of allNodes(g)) if (n.op === "matmul") readers.set(n.inputs[1]!.id, (readers.get(n.inputs[1]!.id) ?? 0) + 1);
  const top = new Set(g.nodes.filter((n) => n.op === "matmul").map((n) => n.inputs[1]!.id));
  const plan = new Map<number, number>();
  for (const u of updated) {
    const out = g.outputs[u.output];
    if (out && readers.get(u.param) === 1 && top.has(u.param)) plan.set(u.param, out.id);
  }
  return plan;
}

export function lowerGraph(g: Graph, opts: LowerOptions = {}): LowerResult {
  const unsupported = allNodes(g).filter((n) => !LOWERABLE.has(n.op));
  if (unsupported.length) {
    const ops = [...new Set(unsupported.map((n) => n.op))];
    return {
      diagnostics: [{
        code: "E1001", severity: "error", span: unsupported[0]!.span,
        message: `the compiled backends cannot lower ${ops.map((o) => `\`${o}\``).join(", ")} yet`,
        notes: ["train with the reference backend: --backend ref"],
      }],
    };
  }
  try {
    const lower = (follow: ReadonlyMap<number, number>) => new Lowering(g, opts.vectorWidth ?? 1, opts.constantParams ?? false, opts.finiteOutputs ?? [], follow);
    // Kept packings are planned from the graph; where an update turned out not to store its weight's
    // panels (not an epilogue), the step is lowered again keeping only those that were stored.
    let plan = opts.constantParams ? new Map<number, number>() : keepablePacks(g, opts.updatedParams ?? []);
    for (;;) {
      const low = lower(plan);
      const program = low.run();
      if (low.followsAll()) return { program, diagnostics: [] };
      plan = low.followedPlan();
    }
  } catch (e) {
    if (!(e instanceof LowerError)) throw e;
    const span = e.node?.span ?? g.nodes[0]?.span;
    return { diagnostics: [{ code: "E1002", severity: "error", message: e.message, span: span! }] };
  }
}

/** ys[:, t] of a [B, T, ...] value: the index of element (b, rest…) at step t. */
/** A max pooling that its convolution computes (see planGuests), with the convolution's epilogue host. */
interface PooledConv {
  conv: IRNode;
  host?: IRNode;
  kh: number;
  kw: number;
}

const stepAt = (t: KExpr, idx: KExpr[]): KExpr[] => [idx[0]!, t, ...idx.slice(1)];

class Lowering {
  private readonly buffers: KBuffer[] = [];
  private readonly bufOf = new Map<number, number>();
  private readonly producer = new Map<number, IRNode>();
  private readonly uses = new Map<number, number>();
  private readonly mat = new Set<number>();
  private readonly steps: KStep[] = [];
  /** Kernels run once per parameter load (constantParams). */
  private readonly loadSteps: KStep[] = [];
  /** Buffer ids of the parameters. */
  private readonly paramBufs = new Set<number>();
  /** Where emitted kernels go: the program, or the body of the `seq` being built. */
  private target: KStep[] = this.steps;
  /** The step lists of the enclosing `seq`s, outermost (the program) first. */
  private readonly levels: KStep[][] = [this.steps];
  /** How deep in scan bodies each value is defined (graph inputs and parameters: 0). */
  private readonly depth = new Map<number, number>();
  private readonly dims = new Set<string>();
  /** Values without a producer whose elements are computed on the fly: scan bodies' inputs. */
  private readonly virtual = new Map<number, (idx: KExpr[]) => KExpr>();
  private streams = 0;
  private kernels = 0;
  private seqs = 0;
  /** Guests (multi-output fusion) by host value id, and the guests' value ids. */
  private readonly guests = new Map<number, IRNode[]>();
  private readonly guest = new Set<number>();
  /** GEMMs (matmul, conv2d) whose only reader kernel computes from their tiles, by that reader's value id. */
  private readonly epilogueOf = new Map<number, IRNode>();
  private readonly deferred = new Set<number>();
  /** Max poolings computed by the convolution they read, by the pooling's value id. */
  private readonly poolOf = new Map<number, PooledConv>();
  /** Output buffers whose finite check a GEMM epilogue does. */
  private readonly finiteClaimed = new Set<number>();
  /** Nodes fused into the kernel being built (for its origin). */
  private fused: IRNode[] = [];

  /** The kept packing each planned output's epilogue must also store (by output value id), and those it did. */
  private readonly followers = new Map<number, PanelLayout>();
  private readonly followed = new Set<number>();

  /** `follow`: parameter value id → id of the output value holding its new value, whose packing is kept. */
  constructor(private readonly g: Graph, private readonly lanes: number, private readonly constantParams: boolean, private readonly finiteOutputs: number[], private readonly follow: ReadonlyMap<number, number>) {}

  /** After run: every packing kept at load is also stored by its weight's update. */
  followsAll(): boolean {
    return [...this.followers.keys()].every((o) => this.followed.has(o));
  }

  /** The plan restricted to the packings whose update stored them. */
  followedPlan(): Map<number, number> {
    return new Map([...this.follow].filter(([, o]) => this.followed.has(o)));
  }

  run(): KProgram {
    const g = this.g;
    this.ctx.lanes = this.lanes;
    const depths = (x: Graph, d: number): void => x.nodes.forEach((n) => {
      for (const v of [n.output, ...(n.extraOutputs ?? [])]) this.depth.set(v.id, d);
      if (n.body) {
        for (const v of n.body.inputs) this.depth.set(v.id, d + 1);
        depths(n.body, d + 1);
      }
    });
    depths(g, 0);
    for (const n of allNodes(g)) {
      this.producer.set(n.output.id, n);
      for (const v of n.inputs) this.uses.set(v.id, (this.uses.get(v.id) ?? 0) + 1);
    }
    // A body's outputs are read once per step by the scan itself.
    for (const n of allNodes(g)) for (const v of n.body?.outputs ?? []) this.uses.set(v.id, (this.uses.get(v.id) ?? 0) + 1);
    const inputs = [...g.inputs, ...g.params.map((p) => p.value)].map((v) => this.bind(v, "input", v.name ?? `in${v.id}`));
    for (const p of g.params) this.paramBufs.add(this.bufOf.get(p.value.id)!);
    // Outputs get host-visible buffers; a value that is an input or listed twice is copied.
    const copies: { from: Value; to: number }[] = [];
    const outputs = g.outputs.map((v, i) => {
      if (this.bufOf.has(v.id)) {
        const to = this.newBuffer(v, "output", `out${i}`);
        copies.push({ from: v, to });
        return to;
      }
      return this.bind(v, "output", `out${i}`);
    });
    this.prepareFinite(outputs);
    this.decide(g);
    this.emitGraph(g);
    for (const c of copies) this.copy(c.from, c.to);
    const finite = this.finiteCheck(outputs);
    const arenaBytes = planMemory(this.buffers, this.steps);
    for (const d of dimsOf([...this.steps, ...this.loadSteps])) this.dims.add(d);
    for (const b of this.buffers) for (const a of b.size.atoms()) this.dims.add(a);
    return { name: g.name, dims: [...this.dims].sort(), buffers: this.buffers, steps: this.steps, load: this.loadSteps, arenaBytes, inputs, outputs, ...(finite ? { finite } : {}) };
  }

  /** The flags of the finite check (slot q: CHECK_PARTS · lanes flags of `finiteOutputs[q]`), which GEMM epilogues may write. */
  private prepareFinite(outputs: number[]): void {
    if (!this.finiteOutputs.length) return;
    const W = Math.max(1, this.lanes);
    const flags = this.buffers.length;
    this.buffers.push({ id: flags, name: "finite", t: "f32", size: Dim.const(this.finiteOutputs.length * CHECK_PARTS * W), kind: "output" });
    const slots = new Map(this.finiteOutputs.map((o, q) => [outputs[o]!, q]));
    const claimed = this.finiteClaimed;
    // Only at the top level: a kernel in a recurrence runs once per step of it.
    this.ctx.finite = { flags, slot: (b) => (claimed.has(b) || this.levels.length > 1 ? undefined : slots.get(b)), claim: (b) => claimed.add(b) };
  }

  /** The last kernel: the finite check of the outputs in `finiteOutputs` no GEMM epilogue checked (finite-check.ts). */
  private finiteCheck(outputs: number[]): KProgram["finite"] {
    const flags = this.ctx.finite?.flags;
    if (flags === undefined) return undefined;
    const checked = this.finiteOutputs.map((o, slot) => ({ buf: outputs[o]!, size: this.buffers[outputs[o]!]!.size, slot })).filter((c) => !this.finiteClaimed.has(c.buf));
    if (checked.length) this.push(finiteCheck(checked, flags, this.lanes), "finite_check", []);
    return { buf: flags, outputs: this.finiteOutputs };
  }

  private newBuffer(v: Value, kind: BufferKind, name: string): number {
    const id = this.buffers.length;
    const size = numel(v.type.shape);
    this.buffers.push({ id, name, t: ktype(v.type.dtype), size, kind });
    return id;
  }

  private bind(v: Value, kind: BufferKind, name: string): number {
    const id = this.newBuffer(v, kind, name);
    this.bufOf.set(v.id, id);
    return id;
  }

  /** Which values of `g` (and of its scan bodies) live in memory. */
  private decide(g: Graph): void {
    // A narrow vector GEMM reads A in place (gemm.ts) when it is in memory: arithmetic producing A (a
    // convolution's bias and relu) is then stored once, by its producer's epilogue, rather than redone
    // while packing. First, so that a reshape of it is a free view rather than a copy. Data movement
    // (a slice, a concat) costs packing no more than a copy would, so it stays inlined.
    for (const n of g.nodes) {
      if (n.op !== "matmul" || this.lanes <= 1 || ktype(n.output.type.dtype) !== "f32" || !narrowMatmul(n, this.lanes)) continue;
      let a = n.inputs[0]!;
      for (let p = this.producer.get(a.id); p?.op === "reshape"; p = this.producer.get(a.id)) a = p.inputs[0]!;
      const p = this.producer.get(a.id);
      if (p && INJECTIVE.has(p.op) && !MOVEMENT.has(p.op) && !this.cheap(a)) this.mat.add(a.id);
    }
    for (const n of g.nodes) {
      const v = n.output;
      if (this.bufOf.has(v.id)) this.mat.add(v.id);
      else if (!INJECTIVE.has(n.op)) this.mat.add(v.id);
      else if ((this.uses.get(v.id) ?? 0) > 1 && !this.cheap(v)) this.mat.add(v.id);
      if (n.body) {
        // The step's result is copied out every step; values of the enclosing graph that the body reads
        // are computed once, outside the loop, unless they are cheap.
        for (const o of n.body.outputs) if (this.producer.has(o.id)) this.mat.add(o.id);
        const inside = new Set([...n.body.inputs, ...allNodes(n.body).map((m) => m.output)].map((x) => x.id));
        for (const m of allNodes(n.body)) for (const u of m.inputs) if (!inside.has(u.id) && !this.cheap(u)) this.mat.add(u.id);
        this.decide(n.body);
      }
    }
    for (const n of g.nodes) {
      if (!HEAVY.has(n.op)) continue;
      // The vector GEMM reads each operand once, to pack it; everything else reads its operands many times.
      if (n.op === "matmul" && this.lanes > 1 && ktype(n.output.type.dtype) === "f32") continue;
      for (const v of n.inputs) if (!this.cheap(v)) this.mat.add(v.id);
    }
  }

  private emitGraph(g: Graph): void {
    this.planGuests(g);
    for (const n of g.nodes) {
      if (n.op === "scan") this.scan(n);
      else if (n.op === "scan_grad") this.scanGrad(n);
      else if (this.mat.has(n.output.id) && !this.guest.has(n.output.id) && !this.deferred.has(n.output.id)) this.emit(n);
    }
  }

  /**
   * Multi-output fusion: an elementwise value in memory whose first reader is an elementwise kernel of
   * the same shape is computed and stored by that reader's kernel (its guest), which then reads it from a
   * register. Adam's new m and v are guests of the update of p: one pass over the weights instead of three.
   * Every other reader comes later, so it finds the stored value.
   */
  private planGuests(g: Graph): void {
    const order = new Map(g.nodes.map((n, i) => [n.output.id, i]));
    const readers = new Map<number, IRNode[]>(), count = new Map<number, number>();
    for (const n of g.nodes) for (const u of n.inputs) {
      if (readers.has(u.id)) readers.get(u.id)!.push(n);
      else readers.set(u.id, [n]);
      count.set(u.id, (count.get(u.id) ?? 0) + 1);
    }
    // The kernels that read v: its materialised readers, and those of readers inlined into kernels.
    const kernels = (v: Value): IRNode[] => (readers.get(v.id) ?? []).flatMap((r) => (this.mat.has(r.output.id) || !INJECTIVE.has(r.op) ? [r] : kernels(r.output)));
    for (const n of g.nodes) {
      const v = n.output;
      if (!INJECTIVE.has(n.op) || !this.mat.has(v.id) || this.virtual.has(v.id)) continue;
      // Read only by this graph's nodes (not by a scan body or the scan's recurrence).
      if (count.get(v.id) !== this.uses.get(v.id)) continue;
      const host = kernels(v).sort((a, b) => order.get(a.output.id)! - order.get(b.output.id)!)[0];
      if (!host || !INJECTIVE.has(host.op) || !shapesEqual(v.type.shape, host.output.type.shape)) continue;
      this.guests.set(host.output.id, [...(this.guests.get(host.output.id) ?? []), n]);
      this.guest.add(v.id);
    }
    const hostOf = new Map<number, IRNode>();
    for (const [id, gs] of this.guests) for (const x of gs) hostOf.set(x.output.id, this.producer.get(id)!);
    // A vector GEMM read by one elementwise kernel of its shape (not a guest) runs as that kernel, at its
    // place in the order, storing the kernel's outputs from its register tiles.
    for (const n of g.nodes) {
      const h = n.output;
      if (!EPILOGUE_HOSTS.has(n.op) || this.lanes <= 1 || ktype(h.type.dtype) !== "f32" || this.bufOf.has(h.id)) continue;
      if (count.get(h.id) !== this.uses.get(h.id)) continue;
      // A guest's kernel is its host's (Adam reads the gradient in m's and v's updates, one kernel).
      const ks = [...new Set(kernels(h).map((r) => hostOf.get(r.output.id) ?? r))];
      const host = ks[0];
      if (ks.length !== 1 || !host || !INJECTIVE.has(host.op) || !this.mat.has(host.output.id) || this.guest.has(host.output.id) || !shapesEqual(h.type.shape, host.output.type.shape)) continue;
      // One GEMM per epilogue: a second product read by the same kernel (x·Wx + h·Wh) goes to memory.
      if (this.epilogueOf.has(host.output.id)) continue;
      this.epilogueOf.set(host.output.id, n);
      this.deferred.add(h.id);
    }
    // A convolution (with its epilogue) read only by a max pooling of whole, non-overlapping windows
    // computes the pooled maxima itself: its full-size output never goes to memory (inference).
    for (const n of g.nodes) {
      if (n.op !== "max_pool2d" || this.lanes <= 1) continue;
      const u = n.inputs[0]!;
      const [kh, kw] = intsAttr(n, "window", [2, 2]) as [number, number];
      const [sh, sw] = intsAttr(n, "strides", [2, 2]);
      if (sh !== kh || sw !== kw || strAttr(n, "padding", "valid") !== "valid") continue;
      if (this.bufOf.has(u.id) || count.get(u.id) !== 1 || this.uses.get(u.id) !== 1 || this.guests.has(u.id)) continue;
      const made = this.producer.get(u.id);
      const conv = this.epilogueOf.get(u.id) ?? made;
      if (!conv || !made || ktype(conv.output.type.dtype) !== "f32" || !poolFusable(conv, kh, kw)) continue;
      this.poolOf.set(n.output.id, { conv, host: made === conv ? undefined : made, kh, kw });
      this.deferred.add(u.id);
      this.deferred.add(conv.output.id);
    }
  }

  /** `n`'s guests and theirs, each after the guests it reads. */
  private guestsOf(n: IRNode): IRNode[] {
    return (this.guests.get(n.output.id) ?? []).flatMap((x) => [...this.guestsOf(x), x]);
  }

  private bufferFor(v: Value): number {
    return this.bufOf.get(v.id) ?? this.bind(v, "temp", `t${v.id}`);
  }

  /** Runs `build` with kernels going into a new `seq` step of `n` iterations named `v`. */
  private seq(n: KExpr, build: (t: KExpr) => void): void {
    const v = `t${this.seqs++}`;
    const body: KStep[] = [];
    const outer = this.target;
    this.target = body;
    this.levels.push(body);
    build({ k: "var", t: "i64", name: v });
    this.levels.pop();
    this.target = outer;
    outer.push({ k: "seq", v, n, body });
  }

  /** Writes `value(idx)` over `shape` into `out` at `place(idx)`: copies, slices of a sequence, accumulation. */
  private fill(name: string, shape: Dim[], out: number, place: (idx: KExpr[]) => KExpr, value: (idx: KExpr[]) => KExpr, accumulate = false): void {
    this.fused = [];
    const body = nest("i", shape.map(dimExpr), (iv) => [{ k: "store", buf: out, idx: place(iv), value: value(iv), accumulate }]);
    this.push({ body, cost: sizeExpr(shape) }, name, this.fused);
  }

  /** scan(init, xs, body): ys[:, t] = body(ys[:, t-1] (init at t = 0), xs[:, t]). */
  private scan(n: IRNode): void {
    const [init, xs] = n.inputs as [Value, Value];
    const body = n.body!;
    const ys = this.bufferFor(n.output);
    const T = dimExpr(xs.type.shape[1]!);
    const [carry, xt] = body.inputs as [Value, Value];
    this.seq(T, (t) => {
      const prev = bin("max", sub(t, c64(1)), c64(0));
      this.virtual.set(carry.id, (idx) => select(bin("eq", t, c64(0)), this.at(init, idx), this.at(n.output, stepAt(prev, idx))));
      this.virtual.set(xt.id, (idx) => this.at(xs, stepAt(t, idx)));
      this.emitGraph(body);
      const res = body.outputs[0]!;
      this.fill("scan_out", res.type.shape, ys, (idx) => flatten(stepAt(t, idx), n.output.type.shape), (idx) => this.at(res, idx));
    });
  }

  /**
   * scan_grad(init, xs, ys, dys; body(carry_prev, x_t, dcarry) → (dcarry_prev, dx_t, dcaps…)): from the
   * last step to the first. The running dcarry lives in d_init's buffer, which ends holding d_init.
   */
  private scanGrad(n: IRNode): void {
    const [init, xs, ys, dys] = n.inputs as [Value, Value, Value, Value];
    const body = n.body!;
    const [dInit, dXs, ...dCaps] = [n.output, ...(n.extraOutputs ?? [])] as [Value, Value, ...Value[]];
    const dc = this.bufferFor(dInit), dx = this.bufferFor(dXs);
    const caps = dCaps.map((v) => this.bufferFor(v));
    const zero = (v: Value, b: number) => this.fill("zero", v.type.shape, b, (idx) => flatten(idx, v.type.shape), () => cst(this.buffers[b]!.t, 0));
    zero(dInit, dc);
    dCaps.forEach((v, i) => zero(v, caps[i]!));
    const T = dimExpr(xs.type.shape[1]!);
    const [carry, xt, dcarry] = body.inputs as [Value, Value, Value];
    const [dPrev, dxt, ...dcapT] = body.outputs as [Value, Value, ...Value[]];
    this.seq(T, (s) => {
      const t = sub(sub(T, c64(1)), s);
      const prev = bin("max", sub(t, c64(1)), c64(0));
      this.virtual.set(carry.id, (idx) => select(bin("eq", t, c64(0)), this.at(init, idx), this.at(ys, stepAt(prev, idx))));
      this.virtual.set(xt.id, (idx) => this.at(xs, stepAt(t, idx)));
      this.virtual.set(dcarry.id, (idx) => bin("add", this.at(dys, stepAt(t, idx)), { k: "load", t: "f32", buf: dc, idx: flatten(idx, dInit.type.shape) }));
      this.emitGraph(body);
      this.fill("scan_dx", dxt.type.shape, dx, (idx) => flatten(stepAt(t, idx), dXs.type.shape), (idx) => this.at(dxt, idx));
      dcapT.forEach((g, i) => this.fill("scan_dcap", g.type.shape, caps[i]!, (idx) => flatten(idx, g.type.shape), (idx) => this.at(g, idx), true));
      // Last: every kernel of this step has read the running dcarry.
      this.fill("scan_dcarry", dPrev.type.shape, dc, (idx) => flatten(idx, dInit.type.shape), (idx) => this.at(dPrev, idx));
    });
  }

  /** A value whose every element costs a load or two: in memory, a constant, or a movement of cheap values. */
  private cheap(v: Value): boolean {
    if (this.mat.has(v.id) || this.bufOf.has(v.id)) return true;
    const n = this.producer.get(v.id);
    return !!n && MOVEMENT.has(n.op) && n.inputs.every((u) => this.cheap(u));
  }

  private readonly ctx: ExprCtx = {
    at: (v, idx) => this.at(v, idx),
    stream: () => ++this.streams,
    lanes: 1,
    scratch: (t, size, name) => {
      const id = this.buffers.length;
      this.buffers.push({ id, name, t, size, kind: "temp" });
      return id;
    },
  };

  private at(v: Value, idx: KExpr[]): KExpr {
    const virt = this.virtual.get(v.id);
    if (virt) return virt(idx);
    const b = this.bufOf.get(v.id);
    if (b !== undefined) return { k: "load", t: this.buffers[b]!.t, buf: b, idx: flatten(idx, v.type.shape) };
    const n = this.producer.get(v.id);
    if (!n) throw new LowerError(`%${v.id} has no producer and no buffer`);
    this.fused.push(n);
    // A reshape of a value in memory reads it at the same flat position.
    const src = n.op === "reshape" ? this.bufOf.get(n.inputs[0]!.id) : undefined;
    if (src !== undefined) return { k: "load", t: this.buffers[src]!.t, buf: src, idx: flatten(idx, v.type.shape) };
    return injectiveAt(n, idx, this.ctx);
  }

  private emit(n: IRNode): void {
    const pooled = this.poolOf.get(n.output.id);
    if (pooled) {
      if (this.emitPooled(n, pooled)) return;
      // The epilogue does not vectorise: the convolution, its epilogue and the pooling, one by one.
      if (!pooled.host) this.emitOne(pooled.conv);
      else if (!this.emitWithEpilogue(pooled.conv, pooled.host, [])) {
        this.emitOne(pooled.conv);
        this.emitOne(pooled.host);
      }
    }
    const guests = this.guestsOf(n);
    const gemm = this.epilogueOf.get(n.output.id);
    if (gemm) {
      if (this.emitWithEpilogue(gemm, n, guests)) return;
      this.emitOne(gemm);
    }
    if (guests.length && this.emitHost(n, guests)) return;
    for (const x of guests) this.emitOne(x);
    this.emitOne(n);
  }

  /** One elementwise kernel computing and storing `n` and its guests; false when a guest is read at another index. */
  private emitHost(n: IRNode, guests: IRNode[]): boolean {
    const v = n.output;
    this.fused = [...guests, n];
    try {
      const body = nest("i", v.type.shape.map(dimExpr), (iv) => {
        const st: KStmt[] = [];
        for (const x of guests) {
          const name = `g${x.output.id}`, t = ktype(x.output.type.dtype);
          st.push({ k: "local", name, t, init: injectiveAt(x, iv, this.ctx) });
          st.push({ k: "store", buf: this.bufferFor(x.output), idx: flatten(iv, v.type.shape), value: { k: "get", t, name } });
          this.virtual.set(x.output.id, identityRead(iv, { k: "get", t, name }));
        }
        return [...st, { k: "store", buf: this.bufferFor(v), idx: flatten(iv, v.type.shape), value: injectiveAt(n, iv, this.ctx) }];
      });
      this.push({ body, cost: sizeExpr(v.type.shape) }, n.op, this.fused);
      return true;
    } catch (e) {
      if (e instanceof NotIdentity) return false;
      throw e;
    } finally {
      for (const x of guests) this.virtual.delete(x.output.id);
    }
  }

  /** The GEMM `gemm` storing `host`'s and its guests' outputs; false when their expressions do not vectorise. */
  private emitWithEpilogue(gemm: IRNode, host: IRNode, guests: IRNode[]): boolean {
    const top = this.levels.length === 1;
    const epilogue = gemmEpilogue({
      h: gemm.output, host, guests, ctx: this.ctx, virtual: this.virtual, bufferFor: (v) => this.bufferFor(v),
      panels: top ? { layout: (v) => this.followers.get(v.id), done: (v) => done.push(v.id) } : undefined,
    });
    // Packings stored by this attempt count only if it succeeds.
    const done: number[] = [];
    this.fused = [gemm];
    const mark = this.buffers.length;
    try {
      const tpl = TEMPLATES[gemm.op]!(gemm, this.bufferFor(host.output), this.ctx, epilogue);
      this.emitTemplate(gemm, tpl, [...this.fused, ...guests, host]);
      for (const id of done) this.followed.add(id);
      return true;
    } catch (e) {
      if (!(e instanceof NotVectorizable || e instanceof NotIdentity)) throw e;
      this.forgetBuffers(mark);
      return false;
    }
  }

  /** Forgets the buffers a failed attempt made (packing scratch would otherwise hold arena space). */
  private forgetBuffers(mark: number): void {
    this.buffers.length = mark;
    for (const [v, b] of this.bufOf) if (b >= mark) this.bufOf.delete(v);
  }

  /** The convolution computing `pool`'s output from its register tiles; false when the epilogue does not fit. */
  private emitPooled(pool: IRNode, { conv, host, kh, kw }: PooledConv): boolean {
    const out = this.bufferFor(pool.output);
    const epilogue = host && gemmEpilogue({ h: conv.output, host, guests: [], ctx: this.ctx, virtual: this.virtual, bufferFor: (v) => this.bufferFor(v) });
    this.fused = [conv];
    const mark = this.buffers.length;
    try {
      const tpl = convGemmTemplate(conv, out, this.ctx, epilogue, { kh, kw, out });
      this.emitTemplate(conv, tpl, [...this.fused, ...(host ? [host] : []), pool]);
      return true;
    } catch (e) {
      if (!(e instanceof NotVectorizable || e instanceof NotIdentity)) throw e;
      this.forgetBuffers(mark);
      return false;
    }
  }

  private emitOne(n: IRNode): void {
    const v = n.output;
    const out = this.bufferFor(v);
    this.fused = [n];
    let tpl: Template;
    const same = n.op === "sum_to" && shapesEqual(n.inputs[0]!.type.shape, n.inputs[1]!.type.shape);
    if (INJECTIVE.has(n.op) || same) {
      const body = nest("i", v.type.shape.map(dimExpr), (iv) => [{ k: "store", buf: out, idx: flatten(iv, v.type.shape), value: same ? this.at(n.inputs[0]!, iv) : injectiveAt(n, iv, this.ctx) }]);
      tpl = { body, cost: sizeExpr(v.type.shape) };
    } else {
      tpl = TEMPLATES[n.op]!(n, out, this.ctx);
    }
    this.emitTemplate(n, tpl, this.fused);
  }

  private emitTemplate(n: IRNode, tpl: Template, fused: IRNode[]): void {
    for (const pre of tpl.before ?? []) {
      if (this.keepPacking(pre, n)) continue;
      if (this.constantParams && this.pushLoad(pre, `${n.op}_${pre.name ?? "pre"}`, n)) continue;
      // Packing a loop-invariant operand (an LSTM's weights) runs once, before the recurrence.
      const level = pre.invariant ? Math.min(this.readDepth(pre.invariant), this.levels.length - 1) : this.levels.length - 1;
      this.push(pre, `${n.op}_${pre.name ?? "pre"}`, [n], this.levels[level]);
    }
    this.push(tpl, `${n.op}`, fused);
  }

  /** A weight's packing that the step keeps up to date (`follow`): it runs at load instead. */
  private keepPacking(pre: Template, n: IRNode): boolean {
    const param = pre.packed && pre.invariant && this.paramBufs.has(this.bufOf.get(pre.invariant.id) ?? -1) ? pre.invariant : undefined;
    if (!param || this.levels.length > 1) return false;
    const out = this.follow.get(param.id);
    if (out === undefined || !this.pushLoad(pre, `${n.op}_${pre.name ?? "pre"}`, n)) return false;
    this.followers.set(out, pre.packed!);
    this.buffers[pre.packed!.buf]!.follows = this.bufOf.get(out)!;
    return true;
  }

  /** The deepest recurrence whose values `v`'s elements read (a transposed weight inlined in a scan body reads only the weight). */
  private readDepth(v: Value): number {
    const n = this.producer.get(v.id);
    if (this.bufOf.has(v.id) || this.virtual.has(v.id) || !n || n.body) return this.depth.get(v.id) ?? 0;
    return Math.max(0, ...n.inputs.map((x) => this.readDepth(x)));
  }

  /**
   * With constant parameters, a template's preparation that reads parameters only (packing a weight)
   * runs at load: its scratch becomes state. False when it reads anything else or draws random numbers.
   */
  private pushLoad(pre: Template, what: string, n: IRNode): boolean {
    const { reads, writes } = buffersOf({ k: "kernel", kernel: { name: what, body: pre.body, cost: pre.cost, origin: { ops: [], lines: [], scopes: [] } } });
    let random = false;
    walkStmts(pre.body, () => {}, (e) => {
      if (e.k === "rand") random = true;
    });
    const scratch = [...writes].map((b) => this.buffers[b]!);
    if (random || !reads.size || ![...reads].every((b) => this.paramBufs.has(b))) return false;
    if (!scratch.every((b) => b.kind === "temp" && !b.size.atoms().length)) return false;
    for (const b of scratch) b.kind = "state";
    this.push(pre, what, [n], this.loadSteps);
    return true;
  }

  private copy(from: Value, to: number): void {
    this.fill("copy", from.type.shape, to, (iv) => flatten(iv, from.type.shape), (iv) => this.at(from, iv));
  }

  private push(t: Template, what: string, nodes: IRNode[], target = this.target): void {
    const uniq = [...new Set(nodes)];
    const lines = [...new Set(uniq.map((n) => `${n.span.file}:${n.span.line}`))];
    // With vector lanes, inner loops are split where their tests change answer and then vectorised.
    const body = this.lanes > 1 ? vectorizeLoops(splitLoops(t.body), this.lanes) : t.body;
    const kernel: Kernel = hoistInvariants({ name: `k${this.kernels++}_${what}`, body, cost: t.cost, origin: { ops: uniq.map((n) => n.op), lines, scopes: [...new Set(uniq.map((n) => n.scope).filter((x) => x))] } });
    target.push({ k: "kernel", kernel });
  }
}
