// The typed graph IR: the one contract between the front end and every back end.
import type { Span } from "../diag/diagnostic.js";
import type { Dim } from "./dim.js";
import type { TensorType } from "./types.js";

export interface Value {
  id: number;
  type: TensorType;
  /** Source-level name when the value is an input, a parameter or a `let` binding. */
  name?: string;
}

export type Attr = number | string | boolean | number[] | string[] | Dim | Dim[];

export interface IRNode {
  id: number;
  op: string;
  inputs: Value[];
  attrs: Record<string, Attr>;
  output: Value;
  /** Where in the source this node came from. */
  span: Span;
  /** Layer path, e.g. "dense_1" or "bidirectional.lstm". Empty at model level. */
  scope: string;
  /** `scan` only: the step function, run once per time step; `scan_grad`: its gradient step. */
  body?: Graph;
  /** Further results of a multi-result node (only `scan_grad`), after `output`. */
  extraOutputs?: Value[];
}

export interface ParamInfo {
  /** Scoped name, e.g. "dense_1.kernel". */
  name: string;
  value: Value;
  trainable: boolean;
  init: { name: string; args: Record<string, number | string | boolean> };
  regularizer?: { name: string; args: Record<string, number | string | boolean> };
  span: Span;
}

/** A divisibility or equality fact that could not be decided statically: checked when data is bound. */
export interface Assertion {
  kind: "divisible" | "equal";
  lhs: Dim;
  rhs: Dim;
  message: string;
  span: Span;
}

export interface Graph {
  name: string;
  inputs: Value[];
  params: ParamInfo[];
  nodes: IRNode[];
  outputs: Value[];
  assertions: Assertion[];
}

export const newGraph = (name: string): Graph => ({ name, inputs: [], params: [], nodes: [], outputs: [], assertions: [] });
