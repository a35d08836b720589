// Type facts: what the elaborator computed for one analysis, filed by source position. It is the
// recorder handed to the checker (see src/elab/recorder.ts); editor features read it back by span.
// A span may hold several facts: a layer body is elaborated once per call of the layer.
import type * as A from "../parser/ast.js";
import type { Span } from "../diag/diagnostic.js";
import type { CallRecord, DatasetRecord, ElabRecorder } from "../elab/recorder.js";
import type { V } from "../elab/values.js";

// start and end in one number: a Map lookup without building strings.
const key = (s: Span) => s.start * 0x4000000 + s.end;

function push<T>(m: Map<string, Map<number, T[]>>, span: Span, x: T): void {
  let f = m.get(span.file);
  if (!f) m.set(span.file, (f = new Map()));
  const k = key(span);
  const list = f.get(k);
  if (!list) f.set(k, [x]);
  else if (list[list.length - 1] !== x) list.push(x);
}

export class TypeFacts implements ElabRecorder {
  private values = new Map<string, Map<number, V[]>>();
  private calls = new Map<string, Map<number, CallRecord[]>>();
  private datasetRecords = new Map<A.DatasetDecl, DatasetRecord>();

  value(span: Span, v: V): void {
    push(this.values, span, v);
  }

  call(c: CallRecord): void {
    push(this.calls, c.span, c);
  }

  dataset(d: DatasetRecord): void {
    this.datasetRecords.set(d.decl, d);
  }

  /** Every value the node at exactly this span took (one per elaboration of its code). */
  valuesAt(span: Span): V[] {
    return this.values.get(span.file)?.get(key(span)) ?? [];
  }

  /** The applications of definitions at this call site (or pipeline stage). */
  callsAt(span: Span): CallRecord[] {
    return this.calls.get(span.file)?.get(key(span)) ?? [];
  }

  /** Every call recorded in one file (a span file name as the checker writes it). */
  callsIn(file: string): CallRecord[] {
    return [...(this.calls.get(file)?.values() ?? [])].flat();
  }

  datasetOf(d: A.DatasetDecl): DatasetRecord | undefined {
    return this.datasetRecords.get(d);
  }
}
