// The editor features the server offers. Each adds its capabilities and registers its handlers;
// a new feature is one module and one line here.
import { codeActionFeature } from "./code-actions.js";
import { hoverFeature } from "./hover.js";
import { inlayHintFeature } from "./inlay-hints.js";
import { definitionFeature, referencesFeature } from "./navigation.js";
import { renameFeature } from "./rename.js";
import { documentSymbolFeature, workspaceSymbolFeature } from "./symbols.js";
import { semanticTokensFeature } from "./semantic-tokens.js";
import { foldingFeature } from "./folding.js";
import { formattingFeature } from "./formatting.js";
import { completionFeature } from "./completion.js";
import { signatureHelpFeature } from "./signature-help.js";
import type { Feature } from "./server.js";

export const FEATURES: Feature[] = [
  hoverFeature, inlayHintFeature,
  definitionFeature, referencesFeature,
  renameFeature,
  documentSymbolFeature, workspaceSymbolFeature,
  semanticTokensFeature,
  foldingFeature,
  formattingFeature,
  codeActionFeature,
  completionFeature,
  signatureHelpFeature,
];
