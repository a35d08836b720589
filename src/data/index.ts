// The data layer of `nnc run`: loading the sources of stdlib/data.nn, preprocessing, splits.
import { loadCsv } from "./csv.js";
import { loadIdx } from "./idx.js";
import { loadMnist } from "./mnist.js";
import { loadNpy } from "./npy.js";
import { GENERATORS } from "./synthetic.js";
import { checkClassRange, conformShape, type DataSet, DataError, type Declared, didYouMean } from "./types.js";

export { type DataSet, DataError, type Declared, numSamples, sampleShape } from "./types.js";
export { subset, splitDataSet } from "./split.js";
export { applyTransforms, type FittedTransform, fitTransforms, restoreTransforms, TRANSFORMS, type TransformSpec, type TransformState } from "./transforms.js";
export { parseCsv, parseNumber } from "./csv.js";
export { parseIdx } from "./idx.js";
export { parseNpy } from "./npy.js";

export const SOURCE_NAMES = ["mnist", "csv", "idx", "npy", ...Object.keys(GENERATORS)];

/**
 * Loads a data source by its stdlib/data.nn name. `args` has the defaults filled in; relative paths resolve
 * against `baseDir` (the `.nn` file's folder); `declared` gives the dataset's declared per-sample types
 * (reshape/validate) and its number of classes (labels outside [0, classes) are errors).
 */
export function loadSource(name: string, args: Record<string, number | string | boolean>, baseDir: string, declared?: Declared): DataSet {
  switch (name) {
    case "mnist": return conform(loadMnist(args), declared);
    case "csv": return loadCsv(args, baseDir, declared);
    case "idx": return loadIdx(args, baseDir, declared);
    case "npy": return loadNpy(args, baseDir, declared);
  }
  const gen = GENERATORS[name];
  if (!gen) {
    const sug = didYouMean(name, SOURCE_NAMES);
    throw new DataError(`unknown data source \`${name}\`${sug ? `; did you mean \`${sug}\`?` : ""}`, undefined, undefined, undefined, [`the sources are ${SOURCE_NAMES.join(", ")}`]);
  }
  return conform(gen(args), declared);
}

/** Builtin sources fix their types; a declared shape with the same size reshapes, another is an error. */
function conform(ds: DataSet, declared?: Declared): DataSet {
  if (!declared) return ds;
  const out = {
    ...ds,
    features: conformShape(ds.features, declared.features?.shape, "features"),
    labels: conformShape(ds.labels, declared.labels?.shape, "labels"),
  };
  checkClassRange(out.labels, declared.classes, undefined);
  return out;
}
