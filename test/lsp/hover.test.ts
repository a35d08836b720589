// Hover from `nnc lsp`: shapes of expressions and names, layer signatures with their stdlib docs,
// the shapes and parameters of a call, dimension bindings; exact ranges and markdown.
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MarkupContent, Position } from "vscode-languageserver-protocol";
import { fileUri, LspClient, markers, range, ROOT, tempWorkspace } from "./harness.js";

const SOURCE = `/// Projects features to \`k\` outputs.
layer proj(k: int)(x: f32[B, N]) -> f32[B, k] {
  param w: f32[‸N, k] = glorot_uniform
  x ‸@ w
}

layer unused(units: int)(x: f32[B, units]) -> f32[B, units] {
  let h = ‸x |> dense(units)
  h
}

/// Reads digits.
model ‸Mlp(image: f32[‸B, 28, 28]) -> f32[B, 10] {
  let ‸flat = image |> ‸flatten
  let z = flat |> ‸dense(128, activation = relu) |> ‸proj(16)
  prim.‸reshape(‸z, [B, 16]) |> dense(10, ‸activation = relu)
}

layer twice(x: f32[B, N]) -> f32[B, N] {
  let ‸y = x * 2.0
  y
}

model Two(a: f32[B, 3], b: f32[B, 5]) -> f32[B, 8] {
  concatenate([a |> twice, b |> twice])
}

dataset ‸digits {
  source = mnist()
  preprocess = [scale(1 / 255)]
}
‸`;

let client: LspClient;
const m = markers(SOURCE);
let uri: string;
const layers = fs.readFileSync(path.join(ROOT, "stdlib/layers.nn"), "utf8");

/** A stdlib definition's header as the file writes it (up to its body). */
function header(name: string): string {
  const start = layers.indexOf(`layer ${name}(`);
  return layers.slice(start, layers.indexOf(" {", start));
}

async function hover(i: number): Promise<{ value: string; range: unknown } | null> {
  const h = await client.hover(uri, m.cursors[i]!);
  return h && { value: (h.contents as MarkupContent).value, range: h.range };
}

const on = (line: number, start: number, end: number) => range(line, start, line, end);

beforeAll(async () => {
  client = await LspClient.start();
  uri = fileUri(path.join(tempWorkspace(), "hover.nn"));
  expect(await client.openAndWait(uri, m.text)).toEqual([]);
});
afterAll(async () => {
  await client.stop();
});

describe("hover", () => {
  it("shows a stdlib layer's signature, its doc, and this call's shapes and parameters", async () => {
    expect(await hover(7)).toEqual({
      range: on(14, 18, 23),
      value: "```nn\n" + header("dense") + "\n```\n\nFully connected layer: activation(x @ kernel + bias) on the last axis.\n\n---\n\n"
        + "**This call:** `dense(units = 128, activation = relu)`: `x: f32[B, 784]` ⟶ `f32[B, 128]`  \n"
        + "**Parameters:** 100,480 (`kernel: f32[784, 128]`, `bias: f32[128]`)\n\n---\n\n*stdlib/layers.nn*",
    });
  });

  it("treats a bare pipeline stage as a call with its defaults", async () => {
    expect(await hover(6)).toEqual({
      range: on(13, 22, 29),
      value: "```nn\n" + header("flatten") + "\n```\n\nFlattens every axis but the batch: [B, 28, 28] → [B, 784].\n\n---\n\n"
        + "**This call:** `flatten`: `x: f32[B, 28, 28]` ⟶ `f32[B, 784]`\n\n---\n\n*stdlib/layers.nn*",
    });
  });

  it("shows a user layer's doc and the parameters this call creates", async () => {
    expect(await hover(8)).toEqual({
      range: on(14, 51, 55),
      value: "```nn\nlayer proj(k: int)(x: f32[B, N]) -> f32[B, k]\n```\n\nProjects features to `k` outputs.\n\n---\n\n"
        + "**This call:** `proj(k = 16)`: `x: f32[B, 128]` ⟶ `f32[B, 16]`  \n**Parameters:** 2,048 (`w: f32[128, 16]`)",
    });
  });

  it("shows, in a stdlib file opened from disk, how the open documents use its layers", async () => {
    const layersUri = fileUri(path.join(ROOT, "stdlib/layers.nn"));
    expect(await client.openAndWait(layersUri, layers)).toEqual([]);
    const kernel = layers.indexOf("kernel", layers.indexOf("    activation(x @ kernel + bias)"));
    const pos = { line: layers.slice(0, kernel).split("\n").length - 1, character: kernel - layers.lastIndexOf("\n", kernel) - 1 };
    const h = await client.hover(layersUri, pos);
    expect(h).toEqual({
      range: range(pos.line, pos.character, pos.line, pos.character + "kernel".length),
      contents: { kind: "markdown", value: "```nn\n(param) kernel: f32[N, units]\n```\n\n```nn\nf32[784, 128]\nf32[16, 10]\n```\n\none per use of this code (2 different)\n\nin `dense`" },
    });
    await client.close(layersUri);
  });

  it("shows a model's signature, doc and parameter total where it is defined", async () => {
    expect(await hover(3)).toEqual({
      range: on(12, 6, 9),
      value: "```nn\nmodel Mlp(image: f32[B, 28, 28]) -> f32[B, 10]\n```\n\nReads digits.\n\n---\n\n**Parameters:** 102,698 (102,698 trainable)",
    });
  });

  it("shows the shape of a let binding where it is declared and where it is used", async () => {
    expect(await hover(5)).toEqual({ range: on(13, 6, 10), value: "```nn\n(let) flat: f32[B, 784]\n```\n\nin `Mlp`" });
    expect(await hover(10)).toEqual({ range: on(15, 15, 16), value: "```nn\n(let) z: f32[B, 16]\n```\n\nin `Mlp`" });
  });

  it("shows the shape of any expression", async () => {
    expect(await hover(1)).toEqual({ range: on(3, 2, 7), value: "```nn\nf32[B, 16]\n```" });
  });

  it("shows what a dimension name is bound to in a layer, and that a model's batch is symbolic", async () => {
    expect(await hover(0)).toEqual({ range: on(2, 15, 16), value: "```nn\n(dimension) N = 128\n```\n\ndimension of `proj`, bound by `f32[B, N]`" });
    expect(await hover(4)).toEqual({
      range: on(12, 21, 22),
      value: "```nn\n(dimension) B\n```\n\ndimension of `Mlp`, bound by `f32[B, 28, 28]`\n\n"
        + "symbolic: its size is known only when data is bound (the batch size, a sequence length)",
    });
  });

  it("lists each shape of code elaborated once per use", async () => {
    expect(await hover(12)).toEqual({
      range: on(19, 6, 7),
      value: "```nn\n(let) y\n```\n\n```nn\nf32[B, 3]\nf32[B, 5]\n```\n\none per use of this code (2 different)\n\nin `twice`",
    });
  });

  it("falls back to the declared type in a layer nothing uses", async () => {
    expect(await hover(2)).toEqual({ range: on(7, 10, 11), value: "```nn\n(input) x: f32[B, units]\n```\n\nin `unused`" });
  });

  it("shows a named argument's parameter as declared", async () => {
    expect(await hover(11)).toEqual({ range: on(15, 40, 50), value: "```nn\n(parameter) activation: fn = linear\n```\n\nin `dense`" });
  });

  it("documents primitives", async () => {
    expect(await hover(9)).toEqual({
      range: on(15, 7, 14),
      value: "```nn\nprim.reshape(x: tensor, shape: ints)\n```\n\nSame elements, new shape; at most one dimension may be -1 (inferred).",
    });
  });

  it("shows what a dataset yields", async () => {
    expect(await hover(13)).toEqual({
      range: on(27, 8, 14),
      value: "```nn\ndataset digits\n```\n\n---\n\n**Source:** `mnist()`  \n**Features:** `f32[28, 28]` per sample  \n**Labels:** `i32[]` per sample  \n**Classes:** 10",
    });
  });

  it("shows in a train block what the loss and metrics were applied to, and an optimizer's settings", async () => {
    const mnist = fs.readFileSync(path.join(ROOT, "examples/mnist_mlp.nn"), "utf8");
    const u = fileUri(path.join(tempWorkspace(), "mnist_mlp.nn"));
    expect(await client.openAndWait(u, mnist)).toEqual([]);
    const at = (needle: string) => {
      const off = mnist.indexOf(needle, mnist.indexOf("train Mlp")) + 1;
      const before = mnist.slice(0, off).split("\n");
      return { line: before.length - 1, character: before[before.length - 1]!.length };
    };
    const text = async (needle: string) => ((await client.hover(u, at(needle)))!.contents as MarkupContent).value;
    const sections = (md: string) => md.split("\n\n---\n\n");
    expect(sections(await text("sparse_categorical_crossentropy"))[1]).toBe(
      "**This call:** `sparse_categorical_crossentropy(from_logits = true)`: `y_pred: f32[B, 10], y_true: i32[B]` ⟶ `f32[]`");
    // `accuracy` picks the alternative that fits integer labels.
    expect(sections(await text("accuracy"))[1]).toBe("**This call:** `sparse_categorical_accuracy`: `y_pred: f32[B, 10], y_true: i32[B]` ⟶ `f32[]`");
    expect(sections(await text("adam"))[1]).toBe("**Settings:** `lr = 0.001, beta_1 = 0.9, beta_2 = 0.999, epsilon = 1e-7, amsgrad = false, decay = 0.0`");
    expect(sections(await text("Mlp"))).toEqual([
      "```nn\nmodel Mlp(image: f32[B, 28, 28]) -> f32[B, 10]\n```\n\nA two-layer perceptron for 28×28 digits.",
      "**Parameters:** 101,770 (101,770 trainable)",
    ]);
    await client.close(u);
  });

  it("answers null where there is nothing to show", async () => {
    expect(await client.hover(uri, m.cursors[14]!)).toBeNull();
  });

  it("keeps answering in a broken file, for the parts that still elaborate", async () => {
    const b = markers("model Broken(x: f32[B, 4]) -> f32[B, 2] {\n  x |> dense(2\n}\n\nmodel Fine(x: f32[B, 4]) -> f32[B, 2] {\n  x |> ‸dense(2)\n}\n");
    const u = fileUri(path.join(tempWorkspace(), "broken.nn"));
    expect((await client.openAndWait(u, b.text)).map((d) => d.code)).toEqual(["E0002"]);
    const h = await client.hover(u, b.cursors[0]!);
    expect((h!.contents as MarkupContent).value).toContain("**This call:** `dense(units = 2)`: `x: f32[B, 4]` ⟶ `f32[B, 2]`");
  });

  it("answers for a position past the end of the text", async () => {
    const past: Position = { line: 999, character: 0 };
    expect(await client.hover(uri, past)).toBeNull();
  });
});
