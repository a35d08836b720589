// What each builtin data source yields per sample. The parameters and docs live in stdlib/data.nn.
import type { DType } from "../ir/types.js";

export interface SampleSpec {
  /** Per-sample feature type; undefined when the file decides and the dataset must declare it. */
  features?: { dtype: DType; shape: number[] };
  labels?: { dtype: DType; shape: number[] };
  /** Number of classes, or the name of the source parameter that sets it. */
  classes?: number | string;
  /** Source parameters that set feature dimensions (e.g. sine_windows' window). */
  featureDims?: (number | string)[];
}

export const SOURCES: Record<string, SampleSpec> = {
  mnist: { features: { dtype: "f32", shape: [28, 28] }, labels: { dtype: "i32", shape: [] }, classes: 10 },
  csv: { labels: { dtype: "i32", shape: [] } },
  idx: { labels: { dtype: "i32", shape: [] } },
  npy: { labels: { dtype: "i32", shape: [] } },
  moons: { features: { dtype: "f32", shape: [2] }, labels: { dtype: "i32", shape: [] }, classes: 2 },
  circles: { features: { dtype: "f32", shape: [2] }, labels: { dtype: "i32", shape: [] }, classes: 2 },
  xor: { features: { dtype: "f32", shape: [2] }, labels: { dtype: "i32", shape: [] }, classes: 2 },
  spirals: { features: { dtype: "f32", shape: [2] }, labels: { dtype: "i32", shape: [] }, classes: "classes" },
  blobs: { features: { dtype: "f32", shape: [] }, labels: { dtype: "i32", shape: [] }, classes: "classes", featureDims: ["features"] },
  sine_windows: { features: { dtype: "f32", shape: [] }, labels: { dtype: "f32", shape: [1] }, featureDims: [1, "window"] },
  synthetic_images: { features: { dtype: "f32", shape: [] }, labels: { dtype: "i32", shape: [] }, classes: "classes", featureDims: ["height", "width", "channels"] },
  synthetic_sequences: { features: { dtype: "i32", shape: [] }, labels: { dtype: "i32", shape: [] }, classes: 2, featureDims: ["length"] },
  memory_task: { features: { dtype: "f32", shape: [] }, labels: { dtype: "i32", shape: [] }, classes: 2, featureDims: ["length", 1] },
};
