// ONNX Runtime (onnxruntime-node, installed under bench/.deps, never in the project's package.json).
import * as fs from "node:fs";
import { createRequire } from "node:module";

const deps = new URL("./.deps/package.json", import.meta.url);

/** The onnxruntime-node module, or null when bench/.deps has not been installed (see README.md). */
export function loadOrt() {
  if (!fs.existsSync(deps)) return null;
  try {
    return createRequire(deps)("onnxruntime-node");
  } catch {
    return null;
  }
}

/**
 * A timed forward pass of the ONNX file at `modelPath` on a fixed random input of `shape`. Settings match
 * the PyTorch peer: `threads` intra-op threads, denormals as zero, and idle threads that sleep instead of spin
 * (ORT spins by default, which would steal the cores from whichever contender runs next).
 */
export async function ortInference(ort, modelPath, shape, threads = 2) {
  const session = await ort.InferenceSession.create(modelPath, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: "sequential",
    graphOptimizationLevel: "all",
    extra: { session: { intra_op: { allow_spinning: "0" }, set_denormal_as_zero: "1" } },
  });
  const size = shape.reduce((a, b) => a * b, 1);
  const x = new ort.Tensor("float32", Float32Array.from({ length: size }, () => Math.random()), shape);
  const feeds = { [session.inputNames[0]]: x };
  return { step: () => session.run(feeds), version: ort.env.versions?.node ?? "?" };
}
