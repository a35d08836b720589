// The analysis query API the editor features build on (in process): name resolution across files and
// into the stdlib, references, type facts, AST paths, calls, and the unsaved-text overlay.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import "../../src/checker.js";
import { Analysis } from "../../src/lsp/analysis.js";
import { describeValue } from "../../src/lsp/describe.js";
import { markers, ROOT } from "./harness.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nnc-analysis-"));
const LAYERS = path.join(ROOT, "stdlib/layers.nn");
const layersText = fs.readFileSync(LAYERS, "utf8");

function analyse(src: string, name = "main.nn", overlay?: Map<string, string>) {
  const m = markers(src);
  const file = path.join(dir, name);
  return { a: new Analysis(`file://${file}`, file, m.text, 1, overlay), m, file };
}
/** The offset of the n-th occurrence of `needle`. */
function nth(text: string, needle: string, n = 0): number {
  let at = -1;
  for (let i = 0; i <= n; i++) at = text.indexOf(needle, at + 1);
  return at;
}

describe("symbol index", () => {
  it("resolves a stdlib layer to its definition in stdlib/layers.nn", () => {
    const { a, m } = analyse("model M(x: f32[B, 4]) -> f32[B, 2] {\n  x |> de‸nse(2)\n}\n");
    const s = a.definitionAt(m.offsets[0]!)!;
    expect([s.kind, s.defKind, s.name, s.path, s.isStdlib]).toEqual(["definition", "layer", "dense", LAYERS, true]);
    expect(s.nameSpan.start).toBe(layersText.indexOf("layer dense(") + "layer ".length);
  });

  it("finds a let binding's declaration and uses", () => {
    const { a, m } = analyse("model M(x: f32[B, 4]) -> f32[B, 4] {\n  let ‸h = x |> dense(4)\n  add(h, ‸h)\n}\n");
    const s = a.definitionAt(m.offsets[1]!)!;
    expect(s.kind).toBe("let");
    expect(a.definitionAt(m.offsets[0]!)).toBe(s);
    expect(a.referencesOf(s).map((r) => [r.span.start, r.isDeclaration])).toEqual([
      [m.offsets[0], true], [nth(m.text, "h", 1), false], [m.offsets[1], false],
    ]);
  });

  it("declares a dimension where an input type first names it, and finds it in types and expressions", () => {
    const src = "layer l(x: f32[B, ‸N]) -> f32[B, N] {\n  param w: f32[N, N] = zeros\n  prim.reshape(x @ w, [B, ‸N])\n}\n";
    const { a, m } = analyse(src);
    const s = a.definitionAt(m.offsets[1]!)!;
    expect([s.kind, s.name, s.container?.name]).toEqual(["dimension", "N", "l"]);
    expect(a.definitionAt(m.offsets[0]!)).toBe(s);
    expect(a.referencesOf(s).map((r) => r.span.start)).toEqual([0, 1, 2, 3, 4].map((i) => nth(m.text, "N", i)));
  });

  it("resolves named arguments to the parameters of the definition called", () => {
    const { a, m } = analyse("model M(x: f32[B, 4]) -> f32[B, 2] {\n  x |> dense(‸units = 2, ‸activation = relu)\n}\n");
    const units = a.definitionAt(m.offsets[0]!)!;
    expect([units.kind, units.name, units.container?.name, units.path]).toEqual(["parameter", "units", "dense", LAYERS]);
    expect(a.definitionAt(m.offsets[1]!)!.nameSpan.start).toBe(layersText.indexOf("activation: fn"));
  });

  it("resolves imported names into the imported file, reading its unsaved text", () => {
    const blocks = path.join(dir, "blocks.nn");
    const overlay = new Map([[blocks, "\nlayer blk(x: f32[B, 8]) -> f32[B, 8] { x |> dense(8) }\n"]]);
    const src = 'import "./blocks.nn".{‸blk}\nmodel M(x: f32[B, 8]) -> f32[B, 8] {\n  x |> ‸blk\n}\n';
    const { a, m } = analyse(src, "imports.nn", overlay);
    expect(a.diagnostics).toEqual([]);
    expect([...a.files]).toEqual([blocks]);
    const s = a.definitionAt(m.offsets[1]!)!;
    expect([s.kind, s.path, s.nameSpan.start]).toEqual(["definition", blocks, overlay.get(blocks)!.indexOf("blk")]);
    expect(a.definitionAt(m.offsets[0]!)).toBe(s);
    expect(a.referencesOf(s).map((r) => [r.path, r.isDeclaration])).toEqual([
      [path.join(dir, "imports.nn"), false], [path.join(dir, "imports.nn"), false], [blocks, true],
    ]);
    const file = a.referenceAt(src.indexOf('"./blocks.nn"') + 3)!.symbol;
    expect([file.kind, file.path]).toEqual(["file", blocks]);
  });

  it("resolves the model, dataset and settings of a train block", () => {
    const src = "model ‸M(x: f32[B, 28, 28]) -> f32[B, 10] { x |> flatten |> dense(10) }\ndataset ‸d { source = mnist() }\n"
      + "train ‸M on ‸d {\n  loss = sparse_categorical_crossentropy(from_logits = true)\n  optimizer = ‸adam(‸lr = 0.01)\n  epochs = 1\n}\n";
    const { a, m } = analyse(src);
    expect(a.definitionAt(m.offsets[2]!)).toBe(a.definitionAt(m.offsets[0]!));
    expect(a.definitionAt(m.offsets[3]!)).toBe(a.definitionAt(m.offsets[1]!));
    expect(a.definitionAt(m.offsets[1]!)!.kind).toBe("dataset");
    expect(a.definitionAt(m.offsets[4]!)!.defKind).toBe("optimizer");
    expect([a.definitionAt(m.offsets[5]!)!.kind, a.definitionAt(m.offsets[5]!)!.container?.name]).toEqual(["parameter", "adam"]);
  });

  it("scopes lambda parameters to the lambda", () => {
    const src = "layer r(x: f32[B, T, 4]) -> f32[B, 4] {\n  prim.scan(prim.zeros([B, 4]), x, fn (‸h, x_t) { ‸h + x_t })\n}\n";
    const { a, m } = analyse(src);
    const h = a.definitionAt(m.offsets[1]!)!;
    expect(h.kind).toBe("lambda-parameter");
    expect(a.definitionAt(m.offsets[0]!)).toBe(h);
  });

  it("indexes every stdlib file once, with references between stdlib definitions", () => {
    const { a } = analyse("model M(x: f32[B, 4]) -> f32[B, 4] { x |> linear }\n");
    const linear = a.referenceAt(a.text.indexOf("linear"))!.symbol;
    const inStdlib = a.referencesOf(linear).filter((r) => r.path.startsWith(path.join(ROOT, "stdlib")));
    // Declared in activations.nn, the default activation of dense and conv2d in layers.nn.
    expect(inStdlib.map((r) => [path.basename(r.path), r.isDeclaration])).toEqual([
      ["activations.nn", true], ["layers.nn", false], ["layers.nn", false],
    ]);
  });
});

describe("type facts and AST queries", () => {
  it("gives the type of the innermost node with values at an offset", () => {
    const { a, m } = analyse("model M(x: f32[B, 28, 28]) -> f32[B, 10] {\n  x |> flatten |> dense(10, relu) ‸|> dense(10)\n}\n");
    const t = a.typeAt(m.offsets[0]!)!;
    expect(t.values.map(describeValue)).toEqual(["f32[B, 10]"]);
    expect(a.text.slice(t.span.start, t.span.end)).toBe("x |> flatten |> dense(10, relu) |> dense(10)");
  });

  it("records each call of a layer with its configuration, shapes and parameters", () => {
    const { a } = analyse("model M(x: f32[B, 784]) -> f32[B, 10] {\n  x |> dense(10)\n}\n");
    const stage = a.nodeAt(a.text.indexOf("dense")).find((n) => n.tag === "expr" && n.node.kind === "Call")!;
    const [call] = a.callsAt(stage.node.span);
    expect(call!.def!.name.name).toBe("dense");
    expect(describeValue(call!.output)).toBe("f32[B, 10]");
    expect(call!.params.map((p) => [p.name, describeValue({ k: "tensor", val: p.value })])).toEqual([["dense.kernel", "f32[784, 10]"], ["dense.bias", "f32[10]"]]);
  });

  it("returns the AST path at an offset, outermost first", () => {
    const { a, m } = analyse("model M(x: f32[B, 4]) -> f32[B, 2] {\n  x |> dense(2, activation = r‸elu)\n}\n");
    const tags = a.nodeAt(m.offsets[0]!).map((n) => (n.tag === "expr" ? n.node.kind : n.tag === "item" ? n.node.kind : n.tag));
    expect(tags).toEqual(["program", "Definition", "block", "Pipe", "Call", "argument", "Name"]);
  });

  it("keeps working on broken text", () => {
    const { a, m } = analyse("model M(x: f32[B, 4]) -> f32[B, 2] {\n  let h = x |> dense(\n  h‸\n");
    expect(a.diagnostics.map((d) => d.code)).toContain("E0002");
    expect(() => a.typeAt(m.offsets[0]!)).not.toThrow();
    expect(() => a.definitionAt(m.offsets[0]!)).not.toThrow();
  });
});
