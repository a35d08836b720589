// Registry of reference kernels, one per primitive.
import type { Kernel } from "../kernel.js";
import { SCAN_KERNELS } from "./scan.js";

export const KERNELS = new Map<string, Kernel>([...SCAN_KERNELS]);
