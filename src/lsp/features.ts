// The editor features the server offers. Each adds its capabilities and registers its handlers;
// a new feature is one module and one line here.
import { hoverFeature } from "./hover.js";
import { inlayHintFeature } from "./inlay-hints.js";
import type { Feature } from "./server.js";

export const FEATURES: Feature[] = [hoverFeature, inlayHintFeature];
