// Signature help: inside a call's parentheses, the callee's parameter list (the configuration of
// `dense(‸`, the inputs of `dense(10)(‸` or of a function), its `///` doc, and the parameter being
// written: the named argument's, else the argument's position (a piped value is the first input).
// The call is found from the tokens before the cursor, so it works on a line that does not parse.
import type { ParameterInformation, SignatureHelp, SignatureHelpParams, SignatureInformation } from "vscode-languageserver/node";
import { PRIMS } from "../ir/prims.js";
import type { Analysis } from "./analysis.js";
import { callSiteAt, type CallSite, completionContext } from "./completion-context.js";
import { boundList, definitionsInScope, parameterText, sourceOfDef } from "./completion-items.js";
import type { Feature } from "./server.js";

/** The signature of the call around `offset`, or undefined outside a call (or for a callee we do not know). */
export function signatureHelpAt(a: Analysis | undefined, text: string, offset: number): SignatureHelp | undefined {
  const call = callSiteAt(text, offset);
  if (!call) return undefined;
  if (call.callee.startsWith("prim.")) return primSignature(call);
  // A parameter or local of the same name hides the definition (`activation(x)` inside dense).
  if (completionContext(text, call.open).locals.some((l) => l.name === call.callee)) return undefined;
  const d = definitionsInScope(a, undefined).get(call.callee);
  if (!d) return undefined;
  const params = boundList(d.def, call.applied);
  const source = sourceOfDef(d);
  const texts = params.map((p) => parameterText(p, source));
  // A one-list definition called in a pipeline gets the piped value as its first input.
  const shift = call.piped && !call.applied && !d.def.config && params.length > 0 ? 1 : 0;
  const head = call.applied ? `${d.name}(…)` : d.name;
  const ret = d.def.returnType && (call.applied || !d.def.config) && source ? ` -> ${source.slice(d.def.returnType.span.start, d.def.returnType.span.end)}` : "";
  const sig = build(`${d.def.defKind} ${head}`, texts, ret, d.def.doc);
  return { signatures: [sig], activeSignature: 0, activeParameter: activeIndex(call, params.map((p) => p.name.name), shift) };
}

function primSignature(call: CallSite): SignatureHelp | undefined {
  const prim = PRIMS.get(call.callee.slice(5));
  if (!prim) return undefined;
  const sig = build(call.callee, prim.params.map((p) => `${p.name}: ${p.kind}`), "", prim.doc);
  return { signatures: [sig], activeSignature: 0, activeParameter: activeIndex(call, prim.params.map((p) => p.name), 0) };
}

/** `name(a, b) -> t` with each parameter's place in the label. */
function build(head: string, params: string[], ret: string, doc: string | undefined): SignatureInformation {
  let label = `${head}(`;
  const parameters: ParameterInformation[] = [];
  params.forEach((p, i) => {
    if (i > 0) label += ", ";
    parameters.push({ label: [label.length, label.length + p.length] });
    label += p;
  });
  label += `)${ret}`;
  const sig: SignatureInformation = { label, parameters };
  if (doc) sig.documentation = { kind: "markdown", value: doc };
  return sig;
}

/** The named argument being written, else the position of the argument (past the end: none). */
function activeIndex(call: CallSite, names: string[], shift: number): number {
  if (call.currentName) {
    const i = names.indexOf(call.currentName);
    return i >= 0 ? i : names.length;
  }
  // After named arguments, a positional one has no place: nothing is highlighted.
  if (call.named.length) return names.length;
  return call.index + shift;
}

export const signatureHelpFeature: Feature = {
  name: "signature help",
  capabilities: { signatureHelpProvider: { triggerCharacters: ["(", ","], retriggerCharacters: ["="] } },
  register(ctx) {
    ctx.connection.onSignatureHelp(ctx.guard("signature help", null, (p: SignatureHelpParams): SignatureHelp | null => {
      const doc = ctx.documents.get(p.textDocument.uri);
      if (!doc) return null;
      const at = ctx.at(p);
      const text = at?.analysis.text ?? doc.getText();
      return signatureHelpAt(at?.analysis, text, at?.offset ?? doc.offsetAt(p.position)) ?? null;
    }));
  },
};
