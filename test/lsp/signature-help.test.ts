// Signature help from `nnc lsp`, spoken to over stdio: the callee's parameter list with each
// parameter's place in the label, its doc, and the active parameter (by position or by name).
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SignatureHelp } from "vscode-languageserver-protocol";
import { fileUri, LspClient, markers, ROOT, tempWorkspace } from "./harness.js";

let client: LspClient;
let uri: string;
let opened = false;

beforeAll(async () => {
  uri = fileUri(path.join(tempWorkspace(), "sig.nn"));
  client = await LspClient.start();
});
afterAll(async () => {
  expect(client.errors).toEqual([]);
  await client.stop();
});

async function help(src: string, trigger?: string): Promise<SignatureHelp | null> {
  const m = markers(src);
  if (!opened) await client.open(uri, m.text);
  else await client.change(uri, m.text);
  opened = true;
  const context = trigger ? { triggerKind: 2, triggerCharacter: trigger, isRetrigger: false } : { triggerKind: 1, isRetrigger: false };
  return client.request<SignatureHelp | null>("textDocument/signatureHelp", { textDocument: { uri }, position: m.cursors[0], context });
}

/** The text of each parameter, read from the label by its offsets. */
function parameterTexts(h: SignatureHelp): string[] {
  const sig = h.signatures[0]!;
  return (sig.parameters ?? []).map((p) => (Array.isArray(p.label) ? sig.label.slice(p.label[0], p.label[1]) : String(p.label)));
}

const active = (h: SignatureHelp | null) => {
  const sig = h!.signatures[h!.activeSignature ?? 0]!;
  return parameterTexts(h!)[h!.activeParameter ?? sig.activeParameter ?? 0];
};

const MODEL = (body: string) => `/// Scales by \`k\`.
fn scaled(x: f32[B, N], k: float) -> f32[B, N] { x * k }

model M(x: f32[B, 4]) -> f32[B, 3] {
${body}
}
`;

const DENSE_PARAMS = [
  "units: int", "activation: fn = linear", "use_bias: bool = true", "kernel_initializer: initializer = glorot_uniform",
  "bias_initializer: initializer = zeros", "kernel_regularizer: regularizer = none", "bias_regularizer: regularizer = none",
];

describe("signature help", () => {
  it("shows a layer's configuration with its doc, the first parameter active after `(`", async () => {
    const h = await help(MODEL("  x |> dense(‸"), "(");
    expect(h!.signatures).toHaveLength(1);
    expect(h!.signatures[0]!.label).toBe(`layer dense(${DENSE_PARAMS.join(", ")})`);
    expect(parameterTexts(h!)).toEqual(DENSE_PARAMS);
    expect(h!.signatures[0]!.documentation).toEqual({ kind: "markdown", value: "Fully connected layer: activation(x @ kernel + bias) on the last axis." });
    expect(h!.activeParameter).toBe(0);
  });

  it("moves the active parameter with each comma and to the named argument being written", async () => {
    expect(active(await help(MODEL("  x |> dense(64, ‸"), ","))).toBe("activation: fn = linear");
    expect(active(await help(MODEL("  x |> dense(64, kernel_initializer = he_‸")))).toBe("kernel_initializer: initializer = glorot_uniform");
    expect(active(await help(MODEL("  x |> dense(64, use_bias = false, activation = ‸)")))).toBe("activation: fn = linear");
    // A positional argument after named ones has no parameter.
    expect((await help(MODEL("  x |> dense(units = 3, ‸)")))!.activeParameter).toBe(DENSE_PARAMS.length);
  });

  it("shows a function's inputs with its return type; a piped value fills the first", async () => {
    const direct = await help(MODEL("  scaled(x, ‸)"));
    expect(direct!.signatures[0]!.label).toBe("fn scaled(x: f32[B, N], k: float) -> f32[B, N]");
    expect(direct!.signatures[0]!.documentation).toEqual({ kind: "markdown", value: "Scales by `k`." });
    expect(active(direct)).toBe("k: float");
    expect(active(await help(MODEL("  x |> scaled(‸)")))).toBe("k: float");
  });

  it("shows a configured layer's inputs when it is applied", async () => {
    const h = await help(MODEL("  dense(3)(‸"));
    expect(h!.signatures[0]!.label).toBe("layer dense(…)(x: f32[..., N]) -> f32[..., units]");
    expect(active(h)).toBe("x: f32[..., N]");
  });

  it("stays on the call through nested lists and tuples, and leaves it after `)`", async () => {
    const nested = await help(MODEL("  x |> conv2d(8, (3, ‸"));
    expect(nested!.signatures[0]!.label).toMatch(/^layer conv2d\(filters: int, kernel_size: \[int\]/);
    expect(active(nested)).toBe("kernel_size: [int]");
    const prim = await help(MODEL("  prim.reshape(x, [B, ‸"));
    expect(prim!.signatures[0]!.label).toBe("prim.reshape(x: tensor, shape: ints)");
    expect(active(prim)).toBe("shape: ints");
    expect(await help(MODEL("  x |> dense(3)‸"))).toBeNull();
    expect(await help(MODEL("  x |> ‸"))).toBeNull();
  });

  it("works in train blocks, datasets, and on lines that do not parse", async () => {
    const train = `model M(x: f32[B, 4]) -> f32[B, 3] { x |> dense(3) }\ntrain M on moons() {\n  optimizer = adam(0.01, ‸\n  epochs = )\n}\n`;
    const opt = await help(train, ",");
    expect(opt!.signatures[0]!.label.startsWith("optimizer adam(lr: float = 0.001, beta_1: float = 0.9")).toBe(true);
    expect(active(opt)).toBe("beta_1: float = 0.9");
    expect(active(await help(train.replace("adam(0.01, ", "adam(lr = 0.01, beta_2 = ")))).toBe("beta_2: float = 0.999");
    const source = await help("dataset d = csv(\"x.csv\", ‸");
    expect(source!.signatures[0]!.label).toBe("source csv(path: string, label: string = \"label\", header: bool = true)");
    expect(active(source)).toBe("label: string = \"label\"");
  });

  it("says nothing for a parameter that shadows a definition, nor outside calls", async () => {
    const shadow = "layer l(activation: fn)(x: f32[B, N]) -> f32[B, N] {\n  activation(‸x)\n}\n";
    expect(await help(shadow)).toBeNull();
    expect(await help("model M(x: f32[‸")).toBeNull();
    expect(await help("layer l(units: ‸")).toBeNull();
  });

  it("uses the stdlib's own text for the parameters (multi-line headers collapsed)", async () => {
    const layers = fs.readFileSync(path.join(ROOT, "stdlib/layers.nn"), "utf8");
    expect(layers).toContain("bias_initializer: initializer = zeros,\n");
    const h = await help(MODEL("  x |> dense(‸"));
    expect(parameterTexts(h!)).toContain("bias_initializer: initializer = zeros");
  });
});
