// Kernel IR → LLVM IR, built with llvm-bindings. Each kernel becomes `<k>_body(frame, lo, hi)` over
// its outermost loop's range and, when parallel, `<k>_par(frame)`, which libgomp runs on every thread
// with its share of that range. `nnc_step(bufs, arena, dims, seed)` runs the whole program: one native call;
// `nnc_load` (same arguments) runs the program's load steps, once each time parameters are loaded.
import llvm from "llvm-bindings";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import type { KExpr, KProgram, KStep, KStmt, KType, Kernel } from "../kir/kir.js";
import { dimExpr } from "../kir/expr.js";
import { kernelsOf, walkStmts } from "../kir/walk.js";
import { prelude } from "./prelude.js";
import { TEMP_ALIGN } from "../lower/memory.js";

/** Frame slots (i64 each): buffer table, dimension array, seed, then `seq` indices. */
const FRAME_BUFS = 0, FRAME_DIMS = 1, FRAME_SEED = 2, FRAME_SEQ = 3, FRAME_SLOTS = 16;
/** Kernels below this many scalar operations run on the calling thread: a parallel region costs microseconds. */
export const PARALLEL_THRESHOLD = 1 << 15;

type L = typeof llvm;

export interface RenderedModule {
  /** Bitcode written to `path`. */
  write(path: string): void;
  /** Textual LLVM IR (`--emit-llvm`). */
  text(): string;
}

export function loadLlvm(): L {
  // llvm-bindings is CommonJS with a native addon; load it lazily so the front end never needs it.
  return createRequire(import.meta.url)("llvm-bindings") as L;
}

export function renderLlvm(p: KProgram, triple?: string): RenderedModule {
  const r = new Renderer(loadLlvm(), p, vectorWidthOf(p));
  r.render();
  // Without a triple and data layout opt knows no vector registers, and its loop vectoriser finds
  // every loop "not beneficial": the host's are set so elementwise loops vectorise.
  const host = hostTarget();
  r.mod.setTargetTriple(triple ?? host.triple);
  if (!triple) r.mod.setDataLayout(host.layout);
  // verifyModule returns true when the module is broken.
  if (r.llvm.verifyModule(r.mod)) throw new Error(`internal error: LLVM rejected the module for ${p.name}`);
  return { write: (path) => r.llvm.WriteBitcodeToFile(r.mod, path), text: () => r.mod.print() };
}

/**
 * The triple and data layout `llc` uses on this machine (Linux: the CPU backend links gcc's libgomp).
 * Written out because llvm-bindings' TargetMachine returns an empty data layout.
 */
function hostTarget(): { triple: string; layout: string } {
  return process.arch === "arm64"
    ? { triple: "aarch64-unknown-linux-gnu", layout: "e-m:e-i8:8:32-i16:16:32-i64:64-i128:128-n32:64-S128" }
    : { triple: "x86_64-pc-linux-gnu", layout: "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-f80:128-n8:16:32:64-S128" };
}

/** The widest vector any kernel uses (its `lanes`); 0 when none. */
function vectorWidthOf(p: KProgram): number {
  let w = 0;
  for (const k of kernelsOf([...p.steps, ...p.load])) {
    walkStmts(k.body, (x) => {
      if ((x.k === "store" || x.k === "local") && x.lanes) w = Math.max(w, x.lanes);
    }, (e) => {
      if ((e.k === "load" && e.lanes) || e.k === "splat") w = Math.max(w, e.lanes ?? 0);
    });
  }
  return w;
}

class Renderer {
  readonly ctx: llvm.LLVMContext;
  readonly mod: llvm.Module;
  readonly b: llvm.IRBuilder;
  private readonly T: { f32: llvm.Type; i32: llvm.IntegerType; i64: llvm.IntegerType; i8: llvm.IntegerType; i1: llvm.IntegerType; void: llvm.Type; i8p: llvm.PointerType; i64p: llvm.PointerType };
  private readonly gompParallel: llvm.FunctionCallee;
  private readonly threadNum: llvm.FunctionCallee;
  private readonly numThreads: llvm.FunctionCallee;
  private readonly prefetch: llvm.FunctionCallee;
  private readonly bodyTy: llvm.FunctionType;
  private readonly parTy: llvm.FunctionType;
  // Per-function state.
  private fn!: llvm.Function;
  private frame!: llvm.Value;
  private vars = new Map<string, llvm.Value>();
  private locals = new Map<string, { ptr: llvm.Value; t: KType; ty: llvm.Type; vec: boolean }>();
  private bufPtrs = new Map<number, llvm.Value>();
  private dimVals = new Map<string, llvm.Value>();

  private readonly vec?: { ty: llvm.Type; splat: llvm.Function; load: llvm.Function; store: llvm.Function; loadN: llvm.Function; storeN: llvm.Function };
  private readonly ftz: { on: llvm.Function; restore: llvm.Function };
  /** Each `seq` index's nesting depth: its slot in the frame is FRAME_SEQ + depth. */
  private readonly seqDepth = new Map<string, number>();

  constructor(readonly llvm: L, private readonly p: KProgram, width: number) {
    this.ctx = new llvm.LLVMContext();
    this.mod = new llvm.Module(p.name, this.ctx);
    const depths = (steps: KStep[], d: number): void => steps.forEach((s) => {
      if (s.k === "seq") {
        this.seqDepth.set(s.v, d);
        depths(s.body, d + 1);
      }
    });
    depths(p.steps, 0);
    depths(p.load, 0);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nnc-prelude-"));
    try {
      fs.writeFileSync(path.join(dir, "prelude.ll"), prelude(width, process.arch === "x64"));
      const pre = llvm.parseIRFile(path.join(dir, "prelude.ll"), new llvm.SMDiagnostic(), this.ctx);
      // A prelude that does not parse comes back null, and linking null would crash the process.
      if (!pre) throw new Error("internal error: the prelude is not valid LLVM IR");
      if (llvm.Linker.linkModules(this.mod, pre)) throw new Error("internal error: cannot link the prelude");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    this.ftz = { on: this.mod.getFunction("nnc_ftz_on")!, restore: this.mod.getFunction("nnc_ftz_restore")! };
    if (width > 1) {
      const splat = this.mod.getFunction("nnc_splat")!;
      const f = (name: string) => this.mod.getFunction(name)!;
      this.vec = { ty: splat.getReturnType(), splat, load: f("nnc_vload"), store: f("nnc_vstore"), loadN: f("nnc_vload_n"), storeN: f("nnc_vstore_n") };
    }
    this.b = new llvm.IRBuilder(this.ctx);
    const c = this.ctx;
    this.T = {
      f32: llvm.Type.getFloatTy(c), i32: llvm.Type.getInt32Ty(c), i64: llvm.Type.getInt64Ty(c), i8: llvm.Type.getInt8Ty(c),
      i1: llvm.Type.getInt1Ty(c), void: llvm.Type.getVoidTy(c), i8p: llvm.Type.getInt8PtrTy(c), i64p: llvm.Type.getInt64PtrTy(c),
    };
    const T = this.T;
    this.bodyTy = llvm.FunctionType.get(T.void, [T.i64p, T.i64, T.i64], false);
    this.parTy = llvm.FunctionType.get(T.void, [T.i8p], false);
    this.gompParallel = this.mod.getOrInsertFunction("GOMP_parallel", llvm.FunctionType.get(T.void, [llvm.PointerType.getUnqual(this.parTy), T.i8p, T.i32, T.i32], false));
    this.threadNum = this.mod.getOrInsertFunction("omp_get_thread_num", llvm.FunctionType.get(T.i32, [], false));
    this.numThreads = this.mod.getOrInsertFunction("omp_get_num_threads", llvm.FunctionType.get(T.i32, [], false));
    this.prefetch = this.mod.getOrInsertFunction("llvm.prefetch.p0i8", llvm.FunctionType.get(T.void, [T.i8p, T.i32, T.i32, T.i32], false));
  }

  render(): void {
    const fns = new Map<Kernel, { body: llvm.Function; par?: llvm.Function }>();
    for (const k of kernelsOf([...this.p.steps, ...this.p.load])) fns.set(k, this.kernel(k));
    this.entry("nnc_step", this.p.steps, fns, true);
    // Always defined, so every library has both entry points. Load kernels use no temps (no arena).
    this.entry("nnc_load", this.p.load, fns, false);
  }

  // ---- types and constants ----

  private regTy(t: KType): llvm.Type {
    return t === "f32" ? this.T.f32 : t === "i32" ? this.T.i32 : t === "i64" ? this.T.i64 : this.T.i1;
  }
  private memTy(t: KType): llvm.Type {
    return t === "bool" ? this.T.i8 : this.regTy(t);
  }
  private i64(v: number): llvm.Value {
    return this.llvm.ConstantInt.get(this.T.i64, v, true);
  }
  private i32(v: number): llvm.Value {
    return this.llvm.ConstantInt.get(this.T.i32, v >>> 0, false);
  }
  private constant(t: KType, v: number): llvm.Value {
    if (t === "f32") return this.llvm.ConstantFP.get(this.T.f32, v);
    if (t === "bool") return this.llvm.ConstantInt.get(this.T.i1, v ? 1 : 0, false);
    return this.llvm.ConstantInt.get(this.regTy(t) as llvm.IntegerType, v, true);
  }
  private intrinsic(id: number, args: llvm.Value[]): llvm.Value {
    const f = this.llvm.Intrinsic.getDeclaration(this.mod, id, [args[0]!.getType()]);
    return this.b.CreateCall(f, args);
  }

  // ---- functions ----

  private begin(fn: llvm.Function, frame: llvm.Value, uses: KStmt[]): void {
    this.fn = fn;
    this.frame = frame;
    this.vars = new Map();
    this.locals = new Map();
    this.bufPtrs = new Map();
    this.dimVals = new Map();
    // Everything a kernel needs from the frame is loaded once, in the entry block.
    const bufs = new Set<number>(), dims = new Set<string>(), seqs = new Set<string>(), locals = new Map<string, { t: KType; lanes: number }>();
    walkStmts(uses, (s) => {
      if (s.k === "store" || s.k === "prefetch") bufs.add(s.buf);
      if (s.k === "local") locals.set(s.name, { t: s.t, lanes: s.lanes ?? 1 });
    }, (e) => {
      if (e.k === "load") bufs.add(e.buf);
      if (e.k === "var" && e.name.startsWith("dim:")) dims.add(e.name.slice(4));
      if (e.k === "var" && this.seqDepth.has(e.name)) seqs.add(e.name);
    });
    const table = this.b.CreateIntToPtr(this.slot(FRAME_BUFS), llvm_ptr(this.llvm, this.T.i8p));
    for (const id of bufs) {
      const raw = this.b.CreateLoad(this.T.i8p, this.b.CreateInBoundsGEP(this.T.i8p, table, [this.i64(id)]));
      this.bufPtrs.set(id, this.b.CreateBitCast(raw, llvm_ptr(this.llvm, this.memTy(this.p.buffers[id]!.t))));
    }
    for (const d of dims) this.dimVals.set(d, this.dim(d));
    // Recurrence indices too: a load of the frame inside a loop could alias the stores, which would
    // keep every index that uses them from being seen as loop-invariant (no vectorising).
    for (const v of seqs) this.vars.set(v, this.slot(FRAME_SEQ + this.seqDepth.get(v)!));
    for (const [name, l] of locals) {
      const ty = l.lanes > 1 ? this.vec!.ty : this.regTy(l.t);
      this.locals.set(name, { ptr: this.b.CreateAlloca(ty, null, name), t: l.t, ty, vec: l.lanes > 1 });
    }
  }

  private slot(i: number): llvm.Value {
    return this.b.CreateLoad(this.T.i64, this.b.CreateInBoundsGEP(this.T.i64, this.frame, [this.i64(i)]));
  }
  private dim(name: string): llvm.Value {
    const at = this.p.dims.indexOf(name);
    if (at < 0) throw new Error(`internal error: dimension ${name} is not a program dimension`);
    const ptr = this.b.CreateIntToPtr(this.slot(FRAME_DIMS), this.T.i64p);
    return this.b.CreateLoad(this.T.i64, this.b.CreateInBoundsGEP(this.T.i64, ptr, [this.i64(at)]));
  }

  private newFn(name: string, ty: llvm.FunctionType): llvm.Function {
    const fn = this.llvm.Function.Create(ty, this.llvm.Function.LinkageTypes.InternalLinkage, name, this.mod);
    this.b.SetInsertPoint(this.llvm.BasicBlock.Create(this.ctx, "entry", fn));
    return fn;
  }

  /** The kernel's body over [lo, hi) of its outermost loop, and its thread entry when it is parallel. */
  private kernel(k: Kernel): { body: llvm.Function; par?: llvm.Function } {
    const body = this.newFn(`${k.name}_body`, this.bodyTy);
    this.begin(body, body.getArg(0), k.body);
    const outer = parallelLoop(k);
    if (outer) {
      this.stmts(k.body.slice(0, -1));
      this.loop(outer.v, body.getArg(1), body.getArg(2), outer.body);
    } else {
      this.stmts(k.body);
    }
    this.b.CreateRetVoid();
    if (!outer) return { body };
    const par = this.newFn(`${k.name}_par`, this.parTy);
    this.begin(par, this.b.CreateBitCast(par.getArg(0), this.T.i64p), []);
    const n = this.expr(outer.n);
    const tid = this.b.CreateSExt(this.b.CreateCall(this.threadNum, []), this.T.i64);
    const nth = this.b.CreateSExt(this.b.CreateCall(this.numThreads, []), this.T.i64);
    const lo = this.b.CreateSDiv(this.b.CreateMul(n, tid), nth);
    const hi = this.b.CreateSDiv(this.b.CreateMul(n, this.b.CreateAdd(tid, this.i64(1))), nth);
    const mode = this.b.CreateCall(this.ftz.on, []);
    this.b.CreateCall(body, [this.frame, lo, hi]);
    this.b.CreateCall(this.ftz.restore, [mode]);
    this.b.CreateRetVoid();
    return { body, par };
  }

  /** `name(bufs, arena, dims, seed)` running `steps` in order. */
  private entry(name: string, steps: KStep[], fns: Map<Kernel, { body: llvm.Function; par?: llvm.Function }>, temps: boolean): void {
    const T = this.T;
    const ty = this.llvm.FunctionType.get(T.void, [llvm_ptr(this.llvm, T.i8p), T.i8p, T.i64p, T.i64], false);
    const fn = this.llvm.Function.Create(ty, this.llvm.Function.LinkageTypes.ExternalLinkage, name, this.mod);
    this.b.SetInsertPoint(this.llvm.BasicBlock.Create(this.ctx, "entry", fn));
    const frameArr = this.b.CreateAlloca(T.i64, this.i64(FRAME_SLOTS), "frame");
    const put = (i: number, v: llvm.Value) => this.b.CreateStore(v, this.b.CreateInBoundsGEP(T.i64, frameArr, [this.i64(i)]));
    put(FRAME_BUFS, this.b.CreatePtrToInt(fn.getArg(0), T.i64));
    put(FRAME_DIMS, this.b.CreatePtrToInt(fn.getArg(2), T.i64));
    put(FRAME_SEED, fn.getArg(3));
    this.fn = fn;
    this.frame = frameArr;
    this.vars = new Map();
    this.dimVals = new Map();
    for (const d of this.p.dims) this.dimVals.set(d, this.dim(d));
    // Temps point into the arena, each rounded up to a cache line (planMemory leaves the slack).
    const arenaAt = this.b.CreatePtrToInt(fn.getArg(1), T.i64);
    for (const buf of this.p.buffers) {
      if (buf.kind !== "temp" || !temps) continue;
      const off = this.expr(dimExpr(buf.offset!));
      const at = this.b.CreateAdd(arenaAt, this.b.CreateAdd(off, this.i64(TEMP_ALIGN - 1)));
      const ptr = this.b.CreateIntToPtr(this.b.CreateAnd(at, this.i64(-TEMP_ALIGN)), T.i8p);
      this.b.CreateStore(ptr, this.b.CreateInBoundsGEP(T.i8p, fn.getArg(0), [this.i64(buf.id)]));
    }
    const frameI8 = this.b.CreateBitCast(frameArr, T.i8p);
    const mode = this.b.CreateCall(this.ftz.on, []);
    const run = (s: KStep): void => {
      if (s.k === "seq") {
        const slot = FRAME_SEQ + this.seqDepth.get(s.v)!;
        this.loop(s.v, this.i64(0), this.expr(s.n), [], () => {
          put(slot, this.vars.get(s.v)!);
          s.body.forEach(run);
        });
        return;
      }
      const f = fns.get(s.kernel)!;
      const outer = parallelLoop(s.kernel);
      if (!outer) {
        this.b.CreateCall(f.body, [frameArr, this.i64(0), this.i64(0)]);
        return;
      }
      const n = this.expr(outer.n);
      const big = this.b.CreateICmpSGE(this.expr(s.kernel.cost), this.i64(PARALLEL_THRESHOLD));
      const thenBB = this.llvm.BasicBlock.Create(this.ctx, "par", fn), elseBB = this.llvm.BasicBlock.Create(this.ctx, "serial", fn), done = this.llvm.BasicBlock.Create(this.ctx, "next", fn);
      this.b.CreateCondBr(this.b.CreateAnd(big, this.b.CreateICmpSGT(n, this.i64(1))), thenBB, elseBB);
      this.b.SetInsertPoint(thenBB);
      this.b.CreateCall(this.gompParallel, [f.par!, frameI8, this.i32(0), this.i32(0)]);
      this.b.CreateBr(done);
      this.b.SetInsertPoint(elseBB);
      this.b.CreateCall(f.body, [frameArr, this.i64(0), n]);
      this.b.CreateBr(done);
      this.b.SetInsertPoint(done);
    };
    steps.forEach(run);
    this.b.CreateCall(this.ftz.restore, [mode]);
    this.b.CreateRetVoid();
  }

  // ---- statements ----

  /** for v in [lo, hi): body — or `inner` instead of statements. */
  private loop(v: string, lo: llvm.Value, hi: llvm.Value, body: KStmt[], inner?: () => void): void {
    const pre = this.b.GetInsertBlock()!;
    const head = this.llvm.BasicBlock.Create(this.ctx, `${v}.head`, this.fn);
    const bodyBB = this.llvm.BasicBlock.Create(this.ctx, `${v}.body`, this.fn);
    const exit = this.llvm.BasicBlock.Create(this.ctx, `${v}.exit`, this.fn);
    this.b.CreateBr(head);
    this.b.SetInsertPoint(head);
    const phi = this.b.CreatePHI(this.T.i64, 2, v);
    phi.addIncoming(lo, pre);
    this.b.CreateCondBr(this.b.CreateICmpSLT(phi, hi), bodyBB, exit);
    this.b.SetInsertPoint(bodyBB);
    const saved = this.vars.get(v);
    this.vars.set(v, phi);
    if (inner) inner();
    else this.stmts(body);
    const next = this.b.CreateAdd(phi, this.i64(1));
    phi.addIncoming(next, this.b.GetInsertBlock()!);
    this.b.CreateBr(head);
    this.b.SetInsertPoint(exit);
    if (saved) this.vars.set(v, saved);
    else this.vars.delete(v);
  }

  private stmts(body: KStmt[]): void {
    for (const s of body) {
      switch (s.k) {
        case "for": this.loop(s.v, this.i64(0), this.expr(s.n), s.body); break;
        case "if": {
          const then = this.llvm.BasicBlock.Create(this.ctx, "then", this.fn), after = this.llvm.BasicBlock.Create(this.ctx, "endif", this.fn);
          this.b.CreateCondBr(this.expr(s.cond), then, after);
          this.b.SetInsertPoint(then);
          this.stmts(s.body);
          this.b.CreateBr(after);
          this.b.SetInsertPoint(after);
          break;
        }
        case "prefetch": {
          const at = this.b.CreateInBoundsGEP(this.memTy(this.p.buffers[s.buf]!.t), this.bufPtrs.get(s.buf)!, [this.expr(s.idx)]);
          // rw, locality 3 (keep in every level), data cache.
          this.b.CreateCall(this.prefetch, [this.b.CreateBitCast(at, this.T.i8p), this.i32(s.write ? 1 : 0), this.i32(3), this.i32(1)]);
          break;
        }
        case "local": case "set": {
          const l = this.locals.get(s.name)!;
          this.b.CreateStore(this.expr(s.k === "local" ? s.init : s.value), l.ptr);
          break;
        }
        case "store": {
          const t = this.p.buffers[s.buf]!.t;
          if (s.lanes && s.lanes > 1) {
            const at = this.b.CreateInBoundsGEP(this.T.f32, this.bufPtrs.get(s.buf)!, [this.expr(s.idx)]);
            let v = this.expr(s.value);
            const n = s.count && this.expr(s.count);
            if (s.accumulate) v = this.b.CreateFAdd(n ? this.b.CreateCall(this.vec!.loadN, [at, n]) : this.b.CreateCall(this.vec!.load, [at]), v);
            if (n) this.b.CreateCall(this.vec!.storeN, [at, v, n]);
            else this.b.CreateCall(this.vec!.store, [at, v]);
            break;
          }
          const ptr = this.b.CreateInBoundsGEP(this.memTy(t), this.bufPtrs.get(s.buf)!, [this.expr(s.idx)]);
          let v = this.expr(s.value);
          if (s.accumulate) v = this.arith("add", t, this.fromMem(t, this.b.CreateLoad(this.memTy(t), ptr)), v);
          this.b.CreateStore(t === "bool" ? this.b.CreateZExt(v, this.T.i8) : v, ptr);
          break;
        }
      }
    }
  }

  // ---- expressions ----

  private fromMem(t: KType, v: llvm.Value): llvm.Value {
    return t === "bool" ? this.b.CreateICmpNE(v, this.llvm.ConstantInt.get(this.T.i8, 0, false)) : v;
  }

  expr(e: KExpr): llvm.Value {
    const b = this.b;
    switch (e.k) {
      case "const": return this.constant(e.t, e.v);
      case "var": {
        if (e.name.startsWith("dim:")) return this.dimVals.get(e.name.slice(4)) ?? this.dim(e.name.slice(4));
        const v = this.vars.get(e.name);
        if (v) return v;
        const seq = this.seqDepth.get(e.name);
        if (seq !== undefined) return this.slot(FRAME_SEQ + seq);
        throw new Error(`internal error: unknown variable ${e.name}`);
      }
      case "get": {
        const l = this.locals.get(e.name)!;
        return b.CreateLoad(l.ty, l.ptr);
      }
      case "splat": return b.CreateCall(this.vec!.splat, [this.expr(e.a)]);
      case "load": {
        const t = this.p.buffers[e.buf]!.t;
        if (e.lanes && e.lanes > 1) {
          const at = b.CreateInBoundsGEP(this.T.f32, this.bufPtrs.get(e.buf)!, [this.expr(e.idx)]);
          return e.count ? b.CreateCall(this.vec!.loadN, [at, this.expr(e.count)]) : b.CreateCall(this.vec!.load, [at]);
        }
        const ptr = b.CreateInBoundsGEP(this.memTy(t), this.bufPtrs.get(e.buf)!, [this.expr(e.idx)]);
        return this.fromMem(t, b.CreateLoad(this.memTy(t), ptr));
      }
      case "un": return this.unary(e.op, e.a.t, this.expr(e.a), this.isVector(e.a));
      case "bin": {
        const quotient = this.divSqrtPlus(e);
        if (quotient) return quotient;
        // a·b + c as one fused multiply-add (llvm.fmuladd: the backend fuses where the CPU can).
        if (e.op === "add" && e.t === "f32") {
          const [m, c] = e.a.k === "bin" && e.a.op === "mul" ? [e.a, e.b] : e.b.k === "bin" && e.b.op === "mul" ? [e.b, e.a] : [];
          if (m && m.k === "bin") {
            const x = this.expr(m.a), y = this.expr(m.b), z = this.expr(c!);
            return b.CreateCall(this.llvm.Intrinsic.getDeclaration(this.mod, this.llvm.Intrinsic.fmuladd, [x.getType()]), [x, y, z]);
          }
        }
        return this.arith(e.op, e.a.t, this.expr(e.a), this.expr(e.b));
      }
      case "select": return b.CreateSelect(this.expr(e.c), this.expr(e.a), this.expr(e.b));
      case "cast": return this.convert(e.a.t, e.t, this.expr(e.a));
      case "rand": return this.rand(e.stream, this.expr(e.idx));
    }
  }

  private unary(op: string, t: KType, a: llvm.Value, vec: boolean): llvm.Value {
    const b = this.b, I = this.llvm.Intrinsic;
    const f = t === "f32";
    // Float constants take the operand's shape: a scalar, or a splat for vector lanes.
    const k = (x: number): llvm.Value => (vec ? b.CreateCall(this.vec!.splat, [this.constant("f32", x)]) : this.constant("f32", x));
    const one = () => k(1);
    switch (op) {
      case "neg": return f ? b.CreateFNeg(a) : b.CreateNeg(a);
      case "not": return b.CreateNot(a);
      case "exp": return this.exp(t, a, vec);
      case "log": return this.intrinsic(I.log, [a]);
      case "sqrt": return this.intrinsic(I.sqrt, [a]);
      case "abs": return f ? this.intrinsic(I.fabs, [a]) : b.CreateSelect(b.CreateICmpSLT(a, this.constant(t, 0)), b.CreateNeg(a), a);
      case "sign": {
        if (!f) return b.CreateSelect(b.CreateICmpSGT(a, this.constant(t, 0)), this.constant(t, 1), b.CreateSelect(b.CreateICmpSLT(a, this.constant(t, 0)), this.constant(t, -1), a));
        return b.CreateSelect(b.CreateFCmpOGT(a, this.constant(t, 0)), one(), b.CreateSelect(b.CreateFCmpOLT(a, this.constant(t, 0)), this.constant(t, -1), a));
      }
      case "sigmoid": return b.CreateFDiv(one(), b.CreateFAdd(one(), this.exp(t, b.CreateFNeg(a), vec)));
      case "tanh": {
        // tanh(x) = sign(x)·(1 − e^(−2|x|)) / (1 + e^(−2|x|)): no overflow for large |x|. Near 0 that
        // difference cancels, so |x| < 0.1 uses the series x − x³/3 + 2x⁵/15 (error < 1e-7 relative).
        const ax = this.intrinsic(I.fabs, [a]);
        const e2 = this.exp(t, b.CreateFMul(k(-2), ax), vec);
        const m = this.intrinsic(I.copysign, [b.CreateFDiv(b.CreateFSub(one(), e2), b.CreateFAdd(one(), e2)), a]);
        const x2 = b.CreateFMul(a, a);
        const poly = b.CreateFMul(a, b.CreateFAdd(one(), b.CreateFMul(x2, b.CreateFAdd(k(-1 / 3), b.CreateFMul(x2, k(2 / 15))))));
        return b.CreateSelect(b.CreateFCmpOLT(ax, k(0.1)), poly, m);
      }
    }
    throw new Error(`internal error: unary ${op}`);
  }

  /** Whether an expression is a vector: it reads a vector load, splat or local (vectorize() builds them so). */
  private isVector(e: KExpr): boolean {
    switch (e.k) {
      case "load": return !!e.lanes;
      case "splat": return true;
      case "get": return this.locals.get(e.name)?.vec ?? false;
      case "un": return this.isVector(e.a);
      case "bin": return this.isVector(e.a) || this.isVector(e.b);
      case "select": return this.isVector(e.a) || this.isVector(e.b);
      default: return false;
    }
  }

  /**
   * x / (√v + c), c a positive constant, on vectors: the prelude's nnc_div_sqrt_plus (estimates refined
   * to about 1 ulp, quotient-prelude.ts) where the target has it; undefined otherwise.
   */
  private divSqrtPlus(e: KExpr): llvm.Value | undefined {
    const fast = this.mod.getFunction("nnc_div_sqrt_plus");
    if (!fast || e.k !== "bin" || e.op !== "div" || e.t !== "f32" || !this.isVector(e)) return undefined;
    const d = e.b;
    if (d.k !== "bin" || d.op !== "add") return undefined;
    const positive = (x: KExpr): boolean => (x.k === "const" && x.v > 0) || (x.k === "splat" && positive(x.a));
    const [root, c] = d.a.k === "un" && d.a.op === "sqrt" ? [d.a, d.b] : d.b.k === "un" && d.b.op === "sqrt" ? [d.b, d.a] : [undefined, undefined];
    if (!root || root.k !== "un" || !c || !positive(c)) return undefined;
    const vec = (x: KExpr) => (this.isVector(x) ? this.expr(x) : this.b.CreateCall(this.vec!.splat, [this.expr(x)]));
    return this.b.CreateCall(fast, [vec(e.a), vec(root.a), vec(c)]);
  }

  /** e^a for f32 scalars and vectors by the prelude's polynomial (it inlines and vectorises), else llvm.exp. */
  private exp(t: KType, a: llvm.Value, vec: boolean): llvm.Value {
    if (t !== "f32") return this.intrinsic(this.llvm.Intrinsic.exp, [a]);
    return this.b.CreateCall(this.mod.getFunction(vec ? "nnc_expv" : "nnc_expf")!, [a]);
  }

  private arith(op: string, t: KType, a: llvm.Value, c: llvm.Value): llvm.Value {
    const b = this.b;
    if (t === "f32") {
      switch (op) {
        case "add": return b.CreateFAdd(a, c);
        case "sub": return b.CreateFSub(a, c);
        case "mul": return b.CreateFMul(a, c);
        case "div": return b.CreateFDiv(a, c);
        case "mod": return b.CreateFRem(a, c);
        case "pow": return this.intrinsic(this.llvm.Intrinsic.pow, [a, c]);
        // NaN on either side propagates, as Math.max does: a when a > b or a is NaN, else b.
        case "max": return b.CreateSelect(b.CreateOr(b.CreateFCmpOGT(a, c), b.CreateFCmpUNE(a, a)), a, c);
        case "min": return b.CreateSelect(b.CreateOr(b.CreateFCmpOLT(a, c), b.CreateFCmpUNE(a, a)), a, c);
        case "gt": return b.CreateFCmpOGT(a, c);
        case "ge": return b.CreateFCmpOGE(a, c);
        case "lt": return b.CreateFCmpOLT(a, c);
        case "le": return b.CreateFCmpOLE(a, c);
        case "eq": return b.CreateFCmpOEQ(a, c);
      }
    } else {
      switch (op) {
        case "add": return b.CreateAdd(a, c);
        case "sub": return b.CreateSub(a, c);
        case "mul": return b.CreateMul(a, c);
        // Division by zero must not trap: the divisor is made 1 first (the lowering selects 0 for that case).
        case "div": return b.CreateSDiv(a, b.CreateSelect(b.CreateICmpEQ(c, this.constant(t, 0)), this.constant(t, 1), c));
        case "mod": return b.CreateSRem(a, b.CreateSelect(b.CreateICmpEQ(c, this.constant(t, 0)), this.constant(t, 1), c));
        case "max": return b.CreateSelect(b.CreateICmpSGT(a, c), a, c);
        case "min": return b.CreateSelect(b.CreateICmpSLT(a, c), a, c);
        case "gt": return b.CreateICmpSGT(a, c);
        case "ge": return b.CreateICmpSGE(a, c);
        case "lt": return b.CreateICmpSLT(a, c);
        case "le": return b.CreateICmpSLE(a, c);
        case "eq": return b.CreateICmpEQ(a, c);
        case "and": return b.CreateAnd(a, c);
        case "or": return b.CreateOr(a, c);
        case "pow": return b.CreateFPToSI(this.intrinsic(this.llvm.Intrinsic.pow, [b.CreateSIToFP(a, this.T.f32), b.CreateSIToFP(c, this.T.f32)]), this.regTy(t));
      }
    }
    throw new Error(`internal error: ${op} on ${t}`);
  }

  private convert(from: KType, to: KType, a: llvm.Value): llvm.Value {
    const b = this.b;
    if (from === to) return a;
    if (to === "bool") return from === "f32" ? b.CreateFCmpUNE(a, this.constant("f32", 0)) : b.CreateICmpNE(a, this.constant(from, 0));
    if (to === "f32") return from === "bool" ? b.CreateUIToFP(a, this.T.f32) : b.CreateSIToFP(a, this.T.f32);
    if (from === "f32") return b.CreateFPToSI(a, this.regTy(to));
    if (from === "bool") return b.CreateZExt(a, this.regTy(to));
    return b.CreateIntCast(a, this.regTy(to), true);
  }

  /** A counter-based uniform draw: lowbias32 hashes of (seed, stream) and the element's index. */
  private rand(stream: number, idx: llvm.Value): llvm.Value {
    const b = this.b;
    const hash = (x: llvm.Value) => {
      x = b.CreateXor(x, b.CreateLShr(x, this.i32(16)));
      x = b.CreateMul(x, this.i32(0x7feb352d));
      x = b.CreateXor(x, b.CreateLShr(x, this.i32(15)));
      x = b.CreateMul(x, this.i32(0x846ca68b));
      return b.CreateXor(x, b.CreateLShr(x, this.i32(16)));
    };
    const seed = b.CreateTrunc(this.slot(FRAME_SEED), this.T.i32);
    const key = hash(b.CreateAdd(seed, this.i32(Math.imul(stream, 0x9e3779b9))));
    const h = hash(b.CreateXor(b.CreateTrunc(idx, this.T.i32), key));
    return b.CreateFMul(b.CreateUIToFP(b.CreateLShr(h, this.i32(8)), this.T.f32), this.constant("f32", 1 / 16777216));
  }
}

function llvm_ptr(l: L, t: llvm.Type): llvm.PointerType {
  return l.PointerType.getUnqual(t);
}

/** The kernel's outermost parallel loop, if it has one: its last statement, after hoisted locals only. */
function parallelLoop(k: Kernel): Extract<KStmt, { k: "for" }> | undefined {
  const last = k.body[k.body.length - 1];
  return last?.k === "for" && last.mode === "parallel" && k.body.slice(0, -1).every((s) => s.k === "local") ? last : undefined;
}

