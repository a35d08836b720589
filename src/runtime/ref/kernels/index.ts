// Registry of reference kernels, one per primitive.
import type { Kernel } from "../kernel.js";
import { CONV_KERNELS } from "./conv.js";
import { ELEMENTWISE_KERNELS } from "./elementwise.js";
import { MATMUL_KERNELS } from "./matmul.js";
import { MISC_KERNELS } from "./misc.js";
import { REDUCE_KERNELS } from "./reduce.js";
import { SCAN_KERNELS } from "./scan.js";
import { SHAPE_KERNELS } from "./shape.js";

export const KERNELS = new Map<string, Kernel>([
  ...ELEMENTWISE_KERNELS,
  ...REDUCE_KERNELS,
  ...MATMUL_KERNELS,
  ...SHAPE_KERNELS,
  ...CONV_KERNELS,
  ...MISC_KERNELS,
  ...SCAN_KERNELS,
]);
