// The training step on the compiled CPU backend. Parameters, slots and statistics stay in native
// memory: each has an input buffer and an output buffer, and a committed step swaps the two
// (ping-pong), so no weights are copied between steps. The host only writes (or lends) the batch and
// reads scalars. Weights' packings the step keeps up to date itself (KBuffer.follows) are prepared
// again (the program's load steps) only when the parameters did not come from the last committed step.
import type { ParamInfo } from "../../ir/graph.js";
import type { Session } from "../session.js";
import type { StepResult, StepRunner, StepState } from "../step.js";
import type { Rng } from "../rng.js";
import { bindShape } from "../dims.js";
import { castTensor, type Tensor, type TypedArray } from "../tensor.js";
import type { CompiledGraph } from "./compiled.js";
import { storageDType } from "./native.js";

interface Pair {
  name: string;
  kind: "weight" | "slot";
  input: number;
  output: number;
  shape: number[];
}

export class CpuStepRunner implements StepRunner {
  readonly backend = "cpu";
  private readonly pairs: Pair[] = [];
  /** The tensors last handed to the trainer, by name: anything else in the state is copied in first. */
  private readonly handed = new Map<string, Tensor>();
  private readonly inputBuf: (valueId: number) => number;
  /** Non-trainable parameters without a state update: fed every step (they are few and small). */
  private readonly unpaired: ParamInfo[];
  /** The program's kept packings were made from the parameters now in the input buffers (the last step was committed). */
  private packed = false;

  constructor(private readonly s: Session, private readonly c: CompiledGraph) {
    const g = s.step, p = c.program;
    const at = new Map(c.inputs.map((v, i) => [v.id, p.inputs[i]!]));
    this.inputBuf = (id) => at.get(id)!;
    const shape = (v: { type: { shape: { value?: number }[] } }) => v.type.shape.map((d) => d.value!);
    for (const o of g.out.params) this.pairs.push({ name: o.param.name, kind: "weight", input: this.inputBuf(o.param.value.id), output: p.outputs[o.index]!, shape: shape(o.param.value) });
    for (const o of g.out.slots) {
      const slot = g.slots.find((x) => x.name === o.name)!;
      this.pairs.push({ name: o.name, kind: "slot", input: this.inputBuf(slot.value.id), output: p.outputs[o.index]!, shape: shape(slot.value) });
    }
    for (const o of g.out.states) this.pairs.push({ name: o.param.name, kind: "weight", input: this.inputBuf(o.param.value.id), output: p.outputs[o.index]!, shape: shape(o.param.value) });
    const paired = new Set(this.pairs.map((q) => q.input));
    this.unpaired = g.graph.params.filter((x) => !paired.has(this.inputBuf(x.value.id)));
  }

  run(st: StepState, x: Tensor, y: Tensor, lr: number, rng: Rng): StepResult {
    const { s, c } = this;
    const g = s.step, n = c.native;
    const dims = new Map<string, number>();
    bindShape(dims, s.objective.features, x);
    bindShape(dims, s.objective.labels, y);
    // A batch already in the storage type is lent: the step reads it where it lies, no copy.
    const lent = new Map<number, TypedArray>();
    const put = (id: number, t: Tensor, dtype = t.dtype) => {
      const want = storageDType(dtype), buf = this.inputBuf(id);
      if (t.dtype === want && n.canLend(buf, t.data, dims)) lent.set(buf, t.data);
      else n.view(buf, dims).set((t.dtype === want ? t : castTensor(t, want)).data);
    };
    put(s.objective.features.id, x, s.objective.features.type.dtype);
    put(s.objective.labels.id, y, s.objective.labels.type.dtype);
    n.view(this.inputBuf(g.lr.id), dims)[0] = lr;
    n.view(this.inputBuf(g.step.id), dims)[0] = st.step + 1;
    for (const p of this.unpaired) n.view(this.inputBuf(p.value.id), dims).set(st.weights.get(p.name)!.data);
    let packed = this.packed;
    for (const q of this.pairs) {
      const cur = (q.kind === "weight" ? st.weights : st.slots).get(q.name)!;
      if (this.handed.get(q.name) === cur) continue;
      n.view(q.input, dims).set(cur.data);
      if (q.kind === "weight") packed = false;
    }
    if (!packed) n.load();
    // Until this step is committed, the kept packings hold its new weights, not the inputs.
    this.packed = false;
    n.run(dims, Math.floor(rng.next() * 2 ** 32), lent);
    const scalarOut = (i: number) => n.view(c.program.outputs[i]!, dims)[0]!;
    const loss = scalarOut(g.out.loss);
    const logs: Record<string, number> = { loss };
    s.objective.metrics.forEach((m, i) => (logs[m.name] = scalarOut(g.out.metrics[i]!)));
    let bad = Number.isFinite(loss) ? undefined : `loss became ${loss}`;
    // The step's own check (a few flags) first; each parameter is scanned only to name the one that failed.
    const finite = c.program.finite;
    if (!bad && (!finite || !n.allFinite(finite.buf, dims))) {
      const p = g.out.params.find((o) => !n.allFinite(c.program.outputs[o.index]!, dims));
      if (p) bad = `the update made ${p.param.name} non-finite (loss ${loss.toPrecision(4)})`;
    }
    return {
      loss, logs, bad, prediction: c.outputView(g.out.prediction, dims),
      commit: () => {
        for (const q of this.pairs) {
          n.swap(q.input, q.output);
          const t: Tensor = { dtype: "f32", shape: q.shape, data: n.view(q.input, dims) };
          (q.kind === "weight" ? st.weights : st.slots).set(q.name, t);
          this.handed.set(q.name, t);
        }
        this.packed = true;
        st.step++;
      },
    };
  }
}
