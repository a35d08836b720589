// The primitive set of the graph IR and its shape rules. The stdlib builds every layer from these.
import { Dim, numel, type Shape, shapeToString } from "./dim.js";
import { type DType, isFloat, isInt, type TensorType, typeToString } from "./types.js";
import type { Attr } from "./graph.js";

export type ArgKind = "tensor" | "tensors" | "int" | "ints" | "float" | "bool" | "string" | "fn";

export interface PrimParam { name: string; kind: ArgKind; default?: Attr }

export interface PrimError { code: string; message: string; notes?: string[]; fix?: string }
export interface PrimResult {
  type?: TensorType;
  error?: PrimError;
  /** Facts to check at data-binding time. */
  assertions?: { kind: "divisible" | "equal"; lhs: Dim; rhs: Dim; message: string }[];
}

export interface PrimSig {
  name: string;
  doc: string;
  params: PrimParam[];
  infer(ins: TensorType[], attrs: Record<string, Attr>): PrimResult;
}

const ok = (type: TensorType): PrimResult => ({ type });
const fail = (code: string, message: string, extra: Partial<PrimError> = {}): PrimResult => ({ error: { code, message, ...extra } });
const T = (t: TensorType) => typeToString(t);
const dimsOf = (a: Attr | undefined): Dim[] => (Array.isArray(a) ? (a as unknown[]).map((x) => (x instanceof Dim ? x : Dim.const(Number(x)))) : []);
const nums = (a: Attr | undefined): number[] => dimsOf(a).map((d) => d.value ?? NaN);

/** Normalises a possibly negative axis; undefined when out of range. */
export function normAxis(axis: number, rank: number): number | undefined {
  const a = axis < 0 ? axis + rank : axis;
  return Number.isInteger(a) && a >= 0 && a < rank ? a : undefined;
}

/** Numpy broadcasting of two shapes; a string error when they do not fit. */
export function broadcastShapes(a: Shape, b: Shape): Shape | string {
  const n = Math.max(a.length, b.length);
  const out: Shape = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i], y = b[b.length - n + i];
    if (!x) out.push(y!);
    else if (!y) out.push(x);
    else if (x.equals(y)) out.push(x);
    else if (x.value === 1) out.push(y);
    else if (y.value === 1) out.push(x);
    else return `dimension ${i - n} differs: ${x} vs ${y}`;
  }
  return out;
}

const unary = (name: string, doc: string, floatOnly = true): PrimSig => ({
  name, doc, params: [{ name: "x", kind: "tensor" }],
  infer: ([x]) => (floatOnly && !isFloat(x!.dtype) ? fail("E0303", `${name} needs a float tensor, found ${T(x!)}`, { fix: "cast it first: prim.cast(x, \"f32\")" }) : ok(x!)),
});

const binary = (name: string, doc: string, result: "same" | "bool" = "same"): PrimSig => ({
  name, doc, params: [{ name: "a", kind: "tensor" }, { name: "b", kind: "tensor" }],
  infer: ([a, b]) => {
    if (a!.dtype !== b!.dtype) return fail("E0303", `${name}: dtypes differ: ${T(a!)} and ${T(b!)}`, { fix: "cast one side with prim.cast" });
    const s = broadcastShapes(a!.shape, b!.shape);
    if (typeof s === "string") {
      return fail("E0304", `cannot broadcast ${T(a!)} with ${T(b!)}: ${s}`, {
        notes: ["shapes broadcast when, aligned from the right, each pair of dimensions is equal or one of them is 1"],
      });
    }
    return ok({ dtype: result === "bool" ? "bool" : a!.dtype, shape: s });
  },
});

const reduce = (name: string, doc: string): PrimSig => ({
  name, doc,
  params: [{ name: "x", kind: "tensor" }, { name: "axes", kind: "ints", default: [-1] }, { name: "keepdims", kind: "bool", default: false }],
  infer: ([x], at) => {
    const rank = x!.shape.length;
    const axes = new Set<number>();
    // `none` (no list) reduces over every axis.
    const list = Array.isArray(at["axes"]) ? nums(at["axes"]) : x!.shape.map((_, i) => i);
    for (const a of list) {
      const n = normAxis(a, rank);
      if (n === undefined) return fail("E0308", `${name}: axis ${a} is out of range for ${T(x!)}`);
      axes.add(n);
    }
    const shape = x!.shape.flatMap((d, i) => (axes.has(i) ? (at["keepdims"] ? [Dim.const(1)] : []) : [d]));
    return ok({ dtype: x!.dtype, shape });
  },
});

function poolLike(name: string, doc: string, conv: boolean): PrimSig {
  const params: PrimParam[] = conv
    ? [{ name: "x", kind: "tensor" }, { name: "w", kind: "tensor" }, { name: "strides", kind: "ints", default: [1, 1] }, { name: "padding", kind: "string", default: "valid" }]
    : [{ name: "x", kind: "tensor" }, { name: "window", kind: "ints", default: [2, 2] }, { name: "strides", kind: "ints", default: [2, 2] }, { name: "padding", kind: "string", default: "valid" }, { name: "exact", kind: "bool", default: false }];
  return {
    name, doc, params,
    infer: (ins, at) => {
      const x = ins[0]!;
      if (x.shape.length !== 4) {
        return fail("E0302", `${name} expects a 4-D input f32[B, H, W, C], found ${T(x)}`, {
          fix: x.shape.length === 2 ? "reshape the input to [B, H, W, C] first, e.g. `reshape((28, 28, 1))`" : undefined,
        });
      }
      const [b, h, w, c] = x.shape as [Dim, Dim, Dim, Dim];
      let kh: Dim, kw: Dim, outC = c;
      if (conv) {
        const k = ins[1]!;
        if (k.shape.length !== 4) return fail("E0302", `${name}: kernel must be 4-D [KH, KW, C, F], found ${T(k)}`);
        if (!k.shape[2]!.equals(c)) {
          return fail("E0301", `${name}: input has ${c} channels but the kernel expects ${k.shape[2]}`, { notes: [`input ${T(x)}, kernel ${T(k)}`] });
        }
        [kh, kw] = [k.shape[0]!, k.shape[1]!];
        outC = k.shape[3]!;
      } else {
        const win = nums(at["window"]);
        if (win.length !== 2) return fail("E0214", `${name}: window must have two sizes, found ${win.length}`);
        [kh, kw] = [Dim.const(win[0]!), Dim.const(win[1]!)];
      }
      const st = nums(at["strides"]);
      if (st.length !== 2 || st.some((s) => !(s >= 1))) return fail("E0214", `${name}: strides must be two positive integers, found [${st.join(", ")}]`);
      const pad = String(at["padding"]);
      if (pad !== "valid" && pad !== "same") return fail("E0214", `${name}: padding must be "valid" or "same", found "${pad}"`);
      const assertions: PrimResult["assertions"] = [];
      const outDim = (size: Dim, k: Dim, s: number, axis: string): Dim | PrimError => {
        const sd = Dim.const(s);
        if (!conv && at["exact"]) {
          const div = size.divisibleBy(sd);
          if (div === false) return { code: "E0313", message: `${name}: ${axis} = ${size} is not divisible by the stride ${s}, but exact = true asks for exact division`, fix: `pad or crop ${axis} to a multiple of ${s}, or drop exact = true` };
          if (div === undefined) assertions.push({ kind: "divisible", lhs: size, rhs: sd, message: `${name}: ${axis} must be divisible by ${s}` });
        }
        if (pad === "same") return size.ceilDiv(sd);
        const span = size.sub(k);
        const v = span.value;
        if (v !== undefined && v < 0) {
          return { code: "E0309", message: `${name}: window ${k} is larger than the input ${axis} ${size}`, fix: `use padding = "same", a smaller window, or fewer pooling layers before this one` };
        }
        return span.floorDiv(sd).add(Dim.const(1));
      };
      const oh = outDim(h, kh, st[0]!, "height");
      if (!(oh instanceof Dim)) return { error: oh };
      const ow = outDim(w, kw, st[1]!, "width");
      if (!(ow instanceof Dim)) return { error: ow };
      return { type: { dtype: x.dtype, shape: [b, oh, ow, outC] }, assertions };
    },
  };
}

const SIGS: PrimSig[] = [
  unary("neg", "Elementwise −x.", false),
  unary("exp", "Elementwise eˣ."),
  unary("log", "Elementwise natural logarithm."),
  unary("sqrt", "Elementwise square root."),
  unary("abs", "Elementwise |x|.", false),
  unary("sign", "Elementwise sign: −1, 0 or 1.", false),
  unary("tanh", "Elementwise hyperbolic tangent."),
  unary("sigmoid", "Elementwise logistic 1/(1+e⁻ˣ)."),
  binary("add", "a + b with broadcasting."),
  binary("sub", "a − b with broadcasting."),
  binary("mul", "a · b elementwise with broadcasting."),
  binary("div", "a / b elementwise with broadcasting."),
  binary("pow", "aᵇ elementwise with broadcasting."),
  binary("maximum", "Elementwise max(a, b)."),
  binary("minimum", "Elementwise min(a, b)."),
  binary("greater", "a > b → bool.", "bool"),
  binary("greater_equal", "a ≥ b → bool.", "bool"),
  binary("less", "a < b → bool.", "bool"),
  binary("less_equal", "a ≤ b → bool.", "bool"),
  binary("equal", "a == b → bool.", "bool"),
  {
    name: "select", doc: "cond ? a : b elementwise, with broadcasting.",
    params: [{ name: "cond", kind: "tensor" }, { name: "a", kind: "tensor" }, { name: "b", kind: "tensor" }],
    infer: ([c, a, b]) => {
      if (c!.dtype !== "bool") return fail("E0303", `select: condition must be bool, found ${T(c!)}`);
      if (a!.dtype !== b!.dtype) return fail("E0303", `select: branches differ in dtype: ${T(a!)} and ${T(b!)}`);
      const s1 = broadcastShapes(a!.shape, b!.shape);
      const s2 = typeof s1 === "string" ? s1 : broadcastShapes(c!.shape, s1);
      if (typeof s2 === "string") return fail("E0304", `select: cannot broadcast ${T(c!)}, ${T(a!)}, ${T(b!)}: ${s2}`);
      return ok({ dtype: a!.dtype, shape: s2 });
    },
  },
  {
    name: "cast", doc: "Converts to another dtype.",
    params: [{ name: "x", kind: "tensor" }, { name: "dtype", kind: "string" }],
    infer: ([x], at) => {
      const d = String(at["dtype"]);
      if (!["f16", "f32", "f64", "i32", "i64", "bool"].includes(d)) return fail("E0214", `cast: unknown dtype "${d}"`);
      return ok({ dtype: d as DType, shape: x!.shape });
    },
  },
  reduce("sum", "Sum over axes."),
  reduce("mean", "Mean over axes."),
  reduce("max", "Maximum over axes."),
  reduce("min", "Minimum over axes."),
  {
    name: "argmax", doc: "Index of the maximum along an axis → i32.",
    params: [{ name: "x", kind: "tensor" }, { name: "axis", kind: "int", default: -1 }],
    infer: ([x], at) => {
      const a = normAxis(Number(at["axis"]), x!.shape.length);
      if (a === undefined) return fail("E0308", `argmax: axis ${at["axis"]} is out of range for ${T(x!)}`);
      return ok({ dtype: "i32", shape: x!.shape.filter((_, i) => i !== a) });
    },
  },
  {
    name: "matmul", doc: "Matrix product over the last two axes; leading axes broadcast. A rank-1 left side is a row vector.",
    params: [{ name: "a", kind: "tensor" }, { name: "b", kind: "tensor" }],
    infer: ([a, b]) => {
      if (a!.dtype !== b!.dtype) return fail("E0303", `matmul: dtypes differ: ${T(a!)} @ ${T(b!)}`);
      if (a!.shape.length < 1 || b!.shape.length < 2) return fail("E0302", `matmul needs a rank ≥ 1 left side and a rank ≥ 2 right side, found ${T(a!)} @ ${T(b!)}`);
      const aRow = a!.shape.length === 1;
      const as = aRow ? [Dim.const(1), a!.shape[0]!] : a!.shape;
      const k1 = as[as.length - 1]!, k2 = b!.shape[b!.shape.length - 2]!;
      if (!k1.equals(k2)) {
        return fail("E0305", `matmul: inner dimensions differ: ${T(a!)} @ ${T(b!)} (${k1} vs ${k2})`, {
          notes: ["the last dimension of the left side must equal the second-to-last of the right side"],
        });
      }
      const batch = broadcastShapes(as.slice(0, -2), b!.shape.slice(0, -2));
      if (typeof batch === "string") return fail("E0304", `matmul: batch dimensions do not broadcast: ${batch}`);
      const m = as[as.length - 2]!, n = b!.shape[b!.shape.length - 1]!;
      return ok({ dtype: a!.dtype, shape: aRow ? [...batch, n] : [...batch, m, n] });
    },
  },
  {
    name: "reshape", doc: "Same elements, new shape; at most one dimension may be -1 (inferred).",
    params: [{ name: "x", kind: "tensor" }, { name: "shape", kind: "ints" }],
    infer: ([x], at) => {
      const target = dimsOf(at["shape"]);
      const holes = target.filter((d) => d.value === -1).length;
      if (holes > 1) return fail("E0306", "reshape: at most one dimension can be -1");
      const total = numel(x!.shape);
      const known = numel(target.filter((d) => d.value !== -1));
      if (holes === 1) {
        const q = total.exactDiv(known);
        if (!q) {
          const div = total.divisibleBy(known);
          if (div === false) return fail("E0306", `reshape: cannot reshape ${T(x!)} (${total} elements) into ${shapeToString(target)}: ${total} is not divisible by ${known}`);
          const hole = total.floorDiv(known);
          return { type: { dtype: x!.dtype, shape: target.map((d) => (d.value === -1 ? hole : d)) }, assertions: [{ kind: "divisible", lhs: total, rhs: known, message: `reshape of ${T(x!)} into ${shapeToString(target)}` }] };
        }
        return ok({ dtype: x!.dtype, shape: target.map((d) => (d.value === -1 ? q : d)) });
      }
      if (!total.equals(known)) {
        if ((total.isConst && known.isConst) || total.ratio(known) !== undefined) return fail("E0306", `reshape: ${T(x!)} has ${total} elements but ${shapeToString(target)} has ${known}`);
        return { type: { dtype: x!.dtype, shape: target }, assertions: [{ kind: "equal", lhs: total, rhs: known, message: `reshape of ${T(x!)} into ${shapeToString(target)}` }] };
      }
      return ok({ dtype: x!.dtype, shape: target });
    },
  },
  {
    name: "transpose", doc: "Permutes axes.",
    params: [{ name: "x", kind: "tensor" }, { name: "perm", kind: "ints" }],
    infer: ([x], at) => {
      const p = nums(at["perm"]);
      const r = x!.shape.length;
      if (p.length !== r || [...p].sort().some((v, i) => v !== i)) return fail("E0308", `transpose: [${p.join(", ")}] is not a permutation of the ${r} axes of ${T(x!)}`);
      return ok({ dtype: x!.dtype, shape: p.map((i) => x!.shape[i]!) });
    },
  },
  {
    name: "concat", doc: "Joins tensors along an axis; other dimensions must agree.",
    params: [{ name: "xs", kind: "tensors" }, { name: "axis", kind: "int", default: -1 }],
    infer: (xs, at) => {
      if (!xs.length) return fail("E0307", "concat: needs at least one tensor");
      const first = xs[0]!;
      const ax = normAxis(Number(at["axis"]), first.shape.length);
      if (ax === undefined) return fail("E0308", `concat: axis ${at["axis"]} is out of range for ${T(first)}`);
      let sum = Dim.const(0);
      for (const t of xs) {
        if (t.dtype !== first.dtype) return fail("E0303", `concat: dtypes differ: ${T(first)} and ${T(t)}`);
        if (t.shape.length !== first.shape.length) return fail("E0307", `concat: ranks differ: ${T(first)} and ${T(t)}`);
        for (let i = 0; i < t.shape.length; i++) {
          if (i !== ax && !t.shape[i]!.equals(first.shape[i]!)) {
            return fail("E0307", `concat along axis ${ax}: ${T(first)} and ${T(t)} differ in axis ${i} (${first.shape[i]} vs ${t.shape[i]})`, { notes: ["all dimensions except the concatenation axis must be equal"] });
          }
        }
        sum = sum.add(t.shape[ax]!);
      }
      return ok({ dtype: first.dtype, shape: first.shape.map((d, i) => (i === ax ? sum : d)) });
    },
  },
  {
    name: "slice", doc: "x[start:end] along one axis (static bounds).",
    params: [{ name: "x", kind: "tensor" }, { name: "axis", kind: "int" }, { name: "start", kind: "int" }, { name: "end", kind: "int" }],
    infer: ([x], at) => {
      const ax = normAxis(Number(at["axis"]), x!.shape.length);
      if (ax === undefined) return fail("E0308", `slice: axis ${at["axis"]} is out of range for ${T(x!)}`);
      const s = at["start"] instanceof Dim ? at["start"] : Dim.const(Number(at["start"]));
      const e = at["end"] instanceof Dim ? at["end"] : Dim.const(Number(at["end"]));
      const len = e.sub(s);
      const size = x!.shape[ax]!;
      if ((len.value !== undefined && len.value <= 0) || (size.sub(e).value ?? 0) < 0 || (s.value ?? 0) < 0) {
        return fail("E0308", `slice: [${s}:${e}] is not a non-empty range inside axis ${ax} of ${T(x!)}`);
      }
      return ok({ dtype: x!.dtype, shape: x!.shape.map((d, i) => (i === ax ? len : d)) });
    },
  },
  {
    name: "index", doc: "Selects one position along an axis and drops that axis (negative counts from the end).",
    params: [{ name: "x", kind: "tensor" }, { name: "axis", kind: "int" }, { name: "i", kind: "int" }],
    infer: ([x], at) => {
      const ax = normAxis(Number(at["axis"]), x!.shape.length);
      if (ax === undefined) return fail("E0308", `index: axis ${at["axis"]} is out of range for ${T(x!)}`);
      const size = x!.shape[ax]!.value, i = Number(at["i"]);
      if (size !== undefined && (i >= size || i < -size)) return fail("E0308", `index: ${i} is out of range for axis ${ax} of ${T(x!)}`);
      return ok({ dtype: x!.dtype, shape: x!.shape.filter((_, k) => k !== ax) });
    },
  },
  {
    name: "reverse", doc: "Reverses the order along an axis.",
    params: [{ name: "x", kind: "tensor" }, { name: "axis", kind: "int" }],
    infer: ([x], at) => (normAxis(Number(at["axis"]), x!.shape.length) === undefined ? fail("E0308", `reverse: axis ${at["axis"]} is out of range for ${T(x!)}`) : ok(x!)),
  },
  {
    name: "gather", doc: "Rows of a table by integer index: table [V, D], indices i32[...] → [..., D].",
    params: [{ name: "table", kind: "tensor" }, { name: "indices", kind: "tensor" }],
    infer: ([t, i]) => {
      if (!isInt(i!.dtype)) return fail("E0310", `gather: indices must be integers (i32), found ${T(i!)}`, { fix: "declare the input as i32[...] (token ids), or cast with prim.cast(x, \"i32\")" });
      if (t!.shape.length < 1) return fail("E0302", `gather: table must have rank ≥ 1, found ${T(t!)}`);
      return ok({ dtype: t!.dtype, shape: [...i!.shape, ...t!.shape.slice(1)] });
    },
  },
  {
    name: "one_hot", doc: "Integer classes → f32 one-hot vectors along a new last axis.",
    params: [{ name: "indices", kind: "tensor" }, { name: "depth", kind: "int" }],
    infer: ([i], at) => (!isInt(i!.dtype) ? fail("E0310", `one_hot: indices must be integers, found ${T(i!)}`) : ok({ dtype: "f32", shape: [...i!.shape, at["depth"] instanceof Dim ? at["depth"] : Dim.const(Number(at["depth"]))] })),
  },
  poolLike("conv2d", "2-D cross-correlation, NHWC input, kernel [KH, KW, C, F].", true),
  poolLike("max_pool2d", "2-D max pooling, NHWC.", false),
  poolLike("avg_pool2d", "2-D average pooling, NHWC.", false),
  {
    name: "dropout", doc: "Zeroes each element with probability `rate` in training (scaling the rest by 1/(1−rate)); identity in evaluation.",
    params: [{ name: "x", kind: "tensor" }, { name: "rate", kind: "float" }],
    infer: ([x], at) => {
      const r = Number(at["rate"]);
      return r >= 0 && r < 1 ? ok(x!) : fail("E0214", `dropout: rate must be in [0, 1), found ${r}`);
    },
  },
  {
    name: "batch_norm", doc: "Normalises over all axes but the last: batch statistics (and moving-average updates) in training, moving statistics in evaluation.",
    params: [
      { name: "x", kind: "tensor" }, { name: "gamma", kind: "tensor" }, { name: "beta", kind: "tensor" },
      { name: "moving_mean", kind: "tensor" }, { name: "moving_var", kind: "tensor" },
      { name: "momentum", kind: "float", default: 0.99 }, { name: "epsilon", kind: "float", default: 0.001 },
    ],
    infer: (ins) => {
      const x = ins[0]!;
      const c = x.shape[x.shape.length - 1];
      if (!c) return fail("E0302", "batch_norm needs a rank ≥ 1 input");
      for (const p of ins.slice(1)) {
        if (p.shape.length !== 1 || !p.shape[0]!.equals(c)) return fail("E0301", `batch_norm: statistics must be [${c}], found ${T(p)}`);
      }
      return ok(x);
    },
  },
  {
    name: "scan", doc: "Recurrence over axis 1: body(carry [B, S], x_t [B, F]) → carry; returns all carries [B, T, S].",
    params: [{ name: "init", kind: "tensor" }, { name: "xs", kind: "tensor" }, { name: "body", kind: "fn" }],
    // The elaborator checks the body; this rule only states the result.
    infer: ([init, xs]) => {
      if (xs!.shape.length < 2) return fail("E0314", `scan: the sequence must be [B, T, ...], found ${T(xs!)}`);
      return ok({ dtype: init!.dtype, shape: [init!.shape[0]!, xs!.shape[1]!, ...init!.shape.slice(1)] });
    },
  },
  {
    name: "zeros", doc: "A tensor of zeros of a given shape (dimensions may be symbolic).",
    params: [{ name: "shape", kind: "ints" }, { name: "dtype", kind: "string", default: "f32" }],
    infer: (_, at) => ok({ dtype: String(at["dtype"]) as DType, shape: dimsOf(at["shape"]) }),
  },
  {
    name: "const", doc: "A scalar constant (literals in tensor arithmetic become these).",
    params: [{ name: "value", kind: "float" }, { name: "dtype", kind: "string", default: "f32" }],
    infer: (_, at) => ok({ dtype: String(at["dtype"]) as DType, shape: [] }),
  },
  {
    name: "in_top_k", doc: "Whether each label is among the k largest predictions → bool[B].",
    params: [{ name: "predictions", kind: "tensor" }, { name: "labels", kind: "tensor" }, { name: "k", kind: "int", default: 5 }],
    infer: ([p, l]) => {
      if (p!.shape.length !== 2) return fail("E0302", `in_top_k: predictions must be [B, C], found ${T(p!)}`);
      if (!isInt(l!.dtype) || l!.shape.length !== 1) return fail("E0310", `in_top_k: labels must be i32[B], found ${T(l!)}`);
      return ok({ dtype: "bool", shape: [p!.shape[0]!] });
    },
  },
  // ---- Primitives that autodiff and the training lowering introduce (users may call them too). ----
  likeShaped("sum_to", "Sums x over the axes broadcasting added, down to the shape of `like`.", ["x", "like"], [], 0),
  likeShaped("unreduce", "Spreads dy (the result of reducing `like` over `axes`) back over like's shape; divides by the count when mean = true.",
    ["dy", "like"], [{ name: "axes", kind: "ints" }, { name: "keepdims", kind: "bool", default: false }, { name: "mean", kind: "bool", default: false }], 0),
  likeShaped("slice_grad", "Zeros shaped like `like` with dy placed at [start, start + len) along axis.", ["dy", "like"], [{ name: "axis", kind: "int" }, { name: "start", kind: "int" }], 0),
  likeShaped("index_grad", "Zeros shaped like `like` with dy placed at position i along axis.", ["dy", "like"], [{ name: "axis", kind: "int" }, { name: "i", kind: "int" }], 0),
  likeShaped("scatter_add", "Zeros shaped like the table `like`; row indices[p] accumulates dy[p] (the gradient of gather).", ["dy", "indices", "like"], [], 0),
  likeShaped("conv2d_grad_input", "Gradient of conv2d with respect to its input: dy [B, OH, OW, F], w [KH, KW, C, F] → like [B, H, W, C].",
    ["dy", "w", "like"], [{ name: "strides", kind: "ints", default: [1, 1] }, { name: "padding", kind: "string", default: "valid" }], 0),
  likeShaped("conv2d_grad_filter", "Gradient of conv2d with respect to its kernel: x [B, H, W, C], dy [B, OH, OW, F] → like [KH, KW, C, F].",
    ["x", "dy", "like"], [{ name: "strides", kind: "ints", default: [1, 1] }, { name: "padding", kind: "string", default: "valid" }], 1),
  likeShaped("max_pool2d_grad", "Gradient of max_pool2d: each dy goes to the first maximum of its window in x.",
    ["x", "dy"], [{ name: "window", kind: "ints", default: [2, 2] }, { name: "strides", kind: "ints", default: [2, 2] }, { name: "padding", kind: "string", default: "valid" }], 0),
  likeShaped("avg_pool2d_grad", "Gradient of avg_pool2d: each dy is shared by the valid inputs of its window.",
    ["dy", "like"], [{ name: "window", kind: "ints", default: [2, 2] }, { name: "strides", kind: "ints", default: [2, 2] }, { name: "padding", kind: "string", default: "valid" }], 0),
  {
    name: "dropout_mask", doc: "Training only: 0 with probability `rate`, else 1/(1−rate), shaped like `like` (drawn from the step's random stream).",
    params: [{ name: "like", kind: "tensor" }, { name: "rate", kind: "float" }],
    infer: ([x]) => ok({ dtype: "f32", shape: x!.shape }),
  },
  {
    name: "scan_grad", doc: "Backward of scan: runs the step's gradient body from the last step to the first. Outputs d_init, then d_xs and one gradient per captured value (extra outputs).",
    params: [{ name: "init", kind: "tensor" }, { name: "xs", kind: "tensor" }, { name: "ys", kind: "tensor" }, { name: "dys", kind: "tensor" }, { name: "body", kind: "fn" }],
    infer: ([init]) => ok(init!),
  },
];

/** A primitive whose result has the type of one of its inputs (`like`), dtype from input `dtypeFrom`. */
function likeShaped(name: string, doc: string, tensors: string[], extra: PrimParam[], dtypeFrom: number): PrimSig {
  return {
    name, doc,
    params: [...tensors.map((t) => ({ name: t, kind: "tensor" as const })), ...extra],
    infer: (ins) => {
      const like = name === "max_pool2d_grad" ? ins[0]! : ins[tensors.indexOf("like")]!;
      return ok({ dtype: ins[dtypeFrom]!.dtype, shape: like.shape });
    },
  };
}

export const PRIMS: ReadonlyMap<string, PrimSig> = new Map(SIGS.map((s) => [s.name, s]));

/** Compile-time functions under `prim.` that return values, not tensors. */
export const PRIM_META = ["rank", "dim"] as const;
