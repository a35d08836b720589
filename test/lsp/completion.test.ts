// Completion from `nnc lsp`, spoken to over stdio: each position's items (exact labels, kinds,
// insert texts and details where they matter) and the absence of items that do not fit there.
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CompletionItem, CompletionItemKind, type CompletionList, InsertTextFormat } from "vscode-languageserver-protocol";
import { fileUri, LspClient, markers, range, ROOT, tempWorkspace } from "./harness.js";

let client: LspClient;
let dir: string;
let uri: string;
let opened = false;

beforeAll(async () => {
  dir = tempWorkspace({ "blocks.nn": "layer block(x: f32[B, N]) -> f32[B, N] { x }\n", "nested/more.nn": "", "data.csv": "a,b\n" });
  uri = fileUri(path.join(dir, "main.nn"));
  client = await LspClient.start({ cwd: dir });
});
afterAll(async () => {
  expect(client.errors).toEqual([]);
  await client.stop();
});

/** Puts `src` (with one `‸`) in the document and asks for completion at the cursor. */
async function complete(src: string, trigger?: string): Promise<CompletionItem[]> {
  const m = markers(src);
  if (!opened) await client.open(uri, m.text);
  else await client.change(uri, m.text);
  opened = true;
  const context = trigger ? { triggerKind: 2, triggerCharacter: trigger } : { triggerKind: 1 };
  const list = await client.request<CompletionList | null>("textDocument/completion", { textDocument: { uri }, position: m.cursors[0], context });
  return list?.items ?? [];
}

const labels = (items: CompletionItem[]) => items.map((i) => i.label);
const item = (items: CompletionItem[], label: string, kind?: CompletionItemKind) => {
  const found = items.find((i) => i.label === label && (kind === undefined || i.kind === kind));
  if (!found) throw new Error(`no item ${label} among ${labels(items).join(", ")}`);
  return found;
};
const doc = (i: CompletionItem) => (typeof i.documentation === "string" ? i.documentation : i.documentation?.value ?? "");

const layers = fs.readFileSync(path.join(ROOT, "stdlib/layers.nn"), "utf8");
const denseHeader = layers.slice(layers.indexOf("layer dense("), layers.indexOf(" {", layers.indexOf("layer dense(")));

const MODEL = (body: string) => `/// Two layers.
layer twice(units: int)(x: f32[B, N]) -> f32[B, units] {
  x |> dense(units) |> dense(units)
}

model M(x: f32[B, 4]) -> f32[B, 3] {
${body}
}
`;

describe("in a body", () => {
  it("offers layers, functions and models after |>, with signature and doc", async () => {
    const items = await complete(MODEL("  let h = x |> ‸\n  h"));
    const dense = item(items, "dense", CompletionItemKind.Class);
    expect(dense.detail).toBe(denseHeader.replace(/\s+/g, " ").replace(/\( /g, "("));
    expect(doc(dense)).toBe("```nn\n" + denseHeader + "\n```\n\nFully connected layer: activation(x @ kernel + bias) on the last axis.");
    expect(item(items, "relu").kind).toBe(CompletionItemKind.Function);
    expect(item(items, "M").kind).toBe(CompletionItemKind.Module);
    const twice = item(items, "twice", CompletionItemKind.Class);
    expect(twice.detail).toBe("layer twice(units: int)(x: f32[B, N]) -> f32[B, units]");
    expect(doc(twice)).toContain("Two layers.");
    // The user's own definitions sort before the stdlib's.
    expect(twice.sortText! < dense.sortText!).toBe(true);
    for (const wrong of ["adam", "mse", "accuracy", "mnist", "early_stopping", "glorot_uniform", "let", "model"]) expect(labels(items)).not.toContain(wrong);
  });

  it("offers the named arguments of a call with their defaults and docs, not those already given", async () => {
    const items = await complete(MODEL("  x |> dense(‸"));
    const units = item(items, "units =");
    expect(units).toMatchObject({ kind: CompletionItemKind.Property, insertText: "units = ", detail: "units: int", filterText: "units" });
    expect(doc(units)).toContain("required");
    const activation = item(items, "activation =");
    expect(activation).toMatchObject({ insertText: "activation = ", detail: "activation: fn = linear" });
    expect(doc(activation)).toContain("default: `linear`");
    expect(doc(activation)).toContain("Fully connected layer");
    // Named arguments come first, in declaration order.
    expect(labels(items).slice(0, 3)).toEqual(["units =", "activation =", "use_bias ="]);
    // The input list is not this call's: `x` is given by the pipeline.
    expect(labels(items)).not.toContain("x =");

    const later = await complete(MODEL("  x |> dense(64, activation = relu, ‸)"));
    expect(labels(later)).toContain("use_bias =");
    expect(labels(later)).toContain("kernel_initializer =");
    expect(labels(later)).not.toContain("activation =");
    // `64` gave `units` by position.
    expect(labels(later)).not.toContain("units =");
    // The local `x` and functions are values an argument can take.
    expect(item(later, "x").kind).toBe(CompletionItemKind.Variable);
  });

  it("offers the inputs of a configured layer applied to them, and of a primitive", async () => {
    const applied = await complete(MODEL("  dense(3)(‸"));
    expect(labels(applied).filter((l) => l.endsWith(" ="))).toEqual(["x ="]);
    const prim = await complete(MODEL("  prim.sum(x, ‸"));
    expect(labels(prim).filter((l) => l.endsWith(" ="))).toEqual(["axes =", "keepdims ="]);
  });

  it("offers only values of the parameter's type after `name =`", async () => {
    const act = await complete(MODEL("  x |> dense(3, activation = ‸)"));
    expect(labels(act)).toEqual(expect.arrayContaining(["relu", "softmax", "tanh", "dense"]));
    for (const wrong of ["glorot_uniform", "adam", "mse", "x", "let"]) expect(labels(act)).not.toContain(wrong);
    const init = await complete(MODEL("  x |> dense(3, kernel_initializer = ‸)"));
    expect(labels(init)).toEqual(expect.arrayContaining(["glorot_uniform", "he_normal", "zeros", "none"]));
    for (const wrong of ["relu", "dense", "l2"]) expect(labels(init)).not.toContain(wrong);
    const flag = await complete(MODEL("  x |> dense(3, use_bias = ‸)"));
    expect(labels(flag).sort()).toEqual(["false", "true"]);
  });

  it("offers statement keywords, locals with their shapes and functions at a statement's start", async () => {
    const items = await complete(MODEL("  let h = x |> dense(8)\n  ‸"));
    for (const k of ["let", "param", "state", "if"]) expect(item(items, k).kind).toBe(CompletionItemKind.Keyword);
    expect(item(items, "x")).toMatchObject({ kind: CompletionItemKind.Variable, detail: "parameter: f32[B, 4]" });
    expect(item(items, "h")).toMatchObject({ kind: CompletionItemKind.Variable, detail: "let: f32[B, 8]" });
    expect(item(items, "B")).toMatchObject({ kind: CompletionItemKind.TypeParameter, detail: "dimension (symbolic)" });
    expect(labels(items)).toContain("prim");
    expect(labels(items)).toContain("softmax");
    for (const wrong of ["model", "train", "dataset", "adam", "mnist", "loss ="]) expect(labels(items)).not.toContain(wrong);
  });

  it("shows what a layer's dimension names are bound to by its uses", async () => {
    const items = await complete("layer l(units: int)(x: f32[B, N]) -> f32[B, units] {\n  ‸x |> dense(units)\n}\n\nmodel M(x: f32[B, 4]) -> f32[B, 2] { x |> l(2) }\n");
    expect(item(items, "N")).toMatchObject({ kind: CompletionItemKind.TypeParameter, detail: "dimension = 4" });
    expect(item(items, "units")).toMatchObject({ kind: CompletionItemKind.Variable, detail: "int parameter: int = 2" });
  });

  it("offers a lambda's parameters in its body, and nothing where they are named", async () => {
    const items = await complete(MODEL("  prim.scan(x, x, fn (h, x_t: f32[B, 4]) { ‸"));
    expect(item(items, "h").kind).toBe(CompletionItemKind.Variable);
    expect(item(items, "x_t").kind).toBe(CompletionItemKind.Variable);
    expect(labels(items)).not.toContain("f32");
    expect(await complete(MODEL("  prim.scan(x, x, fn (h, ‸"))).toEqual([]);
  });

  it("offers the primitives after `prim.`", async () => {
    const items = await complete(MODEL("  prim.‸"), ".");
    expect(item(items, "reshape")).toMatchObject({ kind: CompletionItemKind.Function, detail: "prim.reshape(x: tensor, shape: ints)" });
    expect(labels(items)).toContain("matmul");
    expect(labels(items)).not.toContain("dense");
  });

  it("offers `else` after an if's block", async () => {
    expect(labels(await complete(MODEL("  if true { x } e‸")))).toEqual(["else"]);
  });
});

describe("types and dimensions", () => {
  it("offers the dimension names in scope (and int parameters) inside f32[…]", async () => {
    const items = await complete("layer l(units: int)(x: f32[B, N]) -> f32[B, units] {\n  let h: f32[‸");
    expect(labels(items).sort()).toEqual(["B", "N", "units"]);
    expect(item(items, "B").kind).toBe(CompletionItemKind.TypeParameter);
    expect(item(items, "units")).toMatchObject({ detail: "int parameter" });
  });

  it("offers types after a parameter's colon and after ->", async () => {
    const items = await complete("layer l(units: ‸");
    expect(labels(items)).toEqual(expect.arrayContaining(["f32", "i32", "int", "float", "fn", "initializer", "string"]));
    expect(labels(items)).not.toContain("dense");
    expect(labels(await complete("model M(x: f32[B, 4]) -> ‸"))).toContain("f32");
  });
});

describe("at the top level", () => {
  it("offers item keywords and snippets with tab stops", async () => {
    const items = await complete("model M(x: f32[B, 4]) -> f32[B, 4] { x }\n\n‸");
    for (const k of ["import", "model", "layer", "fn", "loss", "metric", "optimizer", "dataset", "train"]) expect(item(items, k, CompletionItemKind.Keyword)).toBeTruthy();
    const model = item(items, "model", CompletionItemKind.Snippet);
    expect(model).toMatchObject({
      insertTextFormat: InsertTextFormat.Snippet,
      insertText: "model ${1:Model}(${2:x}: f32[B, ${3:784}]) -> f32[B, ${4:10}] {\n  ${2:x} |> dense(${4:10})$0\n}",
    });
    for (const s of ["layer", "train", "dataset"]) expect(item(items, s, CompletionItemKind.Snippet).insertText).toMatch(new RegExp(`^${s} \\$\\{1:`));
    expect(item(items, "train", CompletionItemKind.Snippet).insertText).toContain("optimizer = ${4:adam(lr = 1e-3)}");
    for (const wrong of ["let", "dense", "relu", "x"]) expect(labels(items)).not.toContain(wrong);
  });

  it("has snippets that, expanded with their defaults, make a program that checks", async () => {
    const items = await complete("‸");
    const expand = (body: string) => {
      let out = body;
      // Innermost placeholders first: `${2:csv("${3:data.csv}")}`.
      for (let prev = ""; prev !== out; ) (prev = out), (out = out.replace(/\$\{\d+:([^${}]*)\}/g, "$1"));
      return out.replace(/\$0/g, "");
    };
    const snippets = items.filter((i) => i.kind === CompletionItemKind.Snippet);
    expect(snippets.map((i) => i.label)).toEqual(["model", "layer", "train", "dataset"]);
    const program = snippets.map((i) => expand(i.insertText!)).join("\n\n") + "\n";
    expect(program).toContain("model Model(x: f32[B, 784]) -> f32[B, 10] {\n  x |> dense(10)\n}");
    const other = fileUri(path.join(dir, "snippets.nn"));
    const diags = await client.openAndWait(other, program);
    expect(diags.filter((d) => d.severity === 1)).toEqual([]);
    await client.close(other);
  });

  it("offers nothing inside a comment or a number, and nothing when a trigger character does not fit", async () => {
    expect(await complete("// a comment about dense‸")).toEqual([]);
    expect(await complete("/* model ‸ */")).toEqual([]);
    expect(await complete(MODEL("  x * 1.‸"))).toEqual([]);
    expect(await complete(MODEL("  x /‸"), "/")).toEqual([]);
    expect(await complete(MODEL("  x -> ‸"), ">")).toEqual([]);
  });
});

const TRAIN = (block: string) => `model M(x: f32[B, 4]) -> f32[B, 3] { x |> dense(3) }

dataset flowers {
  source = csv("iris.csv", label = "species")
  features : f32[4]
  classes = 3
}

train M on flowers {
${block}
}
`;

describe("in a train block", () => {
  it("offers the settings not given yet, and callbacks", async () => {
    const items = await complete(TRAIN("  loss = mse\n  epochs = 3\n  ‸"));
    expect(item(items, "optimizer")).toMatchObject({ kind: CompletionItemKind.Property, insertText: "optimizer = " });
    expect(labels(items)).toEqual(expect.arrayContaining(["metrics", "batch", "validation", "schedule", "clip_norm", "seed", "callbacks"]));
    expect(labels(items)).not.toContain("loss");
    expect(labels(items)).not.toContain("epochs");
    expect(item(items, "early_stopping").kind).toBe(CompletionItemKind.Constructor);
    for (const wrong of ["dense", "adam", "let", "model"]) expect(labels(items)).not.toContain(wrong);
  });

  it("offers only losses after `loss =`", async () => {
    const items = await complete(TRAIN("  loss = ‸"));
    expect(labels(items)).toEqual(expect.arrayContaining(["sparse_categorical_crossentropy", "mse", "huber", "mean_squared_error"]));
    expect(item(items, "mse").kind).toBe(CompletionItemKind.Function);
    for (const wrong of ["adam", "accuracy", "dense", "early_stopping", "flowers"]) expect(labels(items)).not.toContain(wrong);
    // Typed a little: the same list (the client filters).
    expect(labels(await complete(TRAIN("  loss = spa‸")))).toEqual(labels(items));
  });

  it("offers only optimizers after `optimizer =`, then their arguments", async () => {
    const items = await complete(TRAIN("  optimizer = ‸"), "=");
    expect(labels(items).sort()).toEqual(["adadelta", "adagrad", "adam", "adamax", "nadam", "rmsprop", "sgd"]);
    expect(item(items, "adam").detail).toMatch(/^optimizer adam\(lr: float = 0\.001, beta_1/);
    const args = await complete(TRAIN("  optimizer = adam(‸"), "(");
    expect(labels(args).filter((l) => l.endsWith(" ="))).toEqual(["lr =", "beta_1 =", "beta_2 =", "epsilon =", "amsgrad =", "decay ="]);
  });

  it("offers only metrics inside `metrics = [`, callbacks inside `callbacks = [`, schedules after `schedule =`", async () => {
    const metrics = await complete(TRAIN("  metrics = [accuracy, ‸"), ",");
    expect(labels(metrics)).toEqual(expect.arrayContaining(["accuracy", "precision", "recall", "auc", "rmse"]));
    for (const wrong of ["adam", "mse", "early_stopping"]) expect(labels(metrics)).not.toContain(wrong);
    const callbacks = await complete(TRAIN("  callbacks = [‸]"), "[");
    expect(labels(callbacks).sort()).toEqual(["checkpoint", "csv_logger", "early_stopping", "reduce_lr_on_plateau"]);
    const schedules = await complete(TRAIN("  schedule = ‸"));
    expect(labels(schedules).sort()).toEqual(["cosine_decay", "exponential_decay", "step_decay", "warmup"]);
  });

  it("offers dataset names after `on` and `validation =`", async () => {
    const onData = await complete(TRAIN("  epochs = 1").replace("train M on flowers", "train M on ‸"));
    expect(item(onData, "flowers")).toMatchObject({ kind: CompletionItemKind.Variable, detail: "dataset: csv(\"iris.csv\", label = \"species\")" });
    expect(labels(onData)).toEqual(expect.arrayContaining(["mnist", "moons", "csv"]));
    for (const wrong of ["dense", "adam", "M"]) expect(labels(onData)).not.toContain(wrong);
    expect(labels(await complete(TRAIN("  validation = ‸")))).toEqual(["flowers"]);
    const models = await complete(TRAIN("").replace("train M on flowers", "train ‸"));
    expect(labels(models)).toEqual(["M"]);
  });
});

describe("in a dataset block", () => {
  const DS = (body: string) => `dataset d {\n${body}\n}\n`;

  it("offers the options not given yet", async () => {
    const items = await complete(DS("  source = mnist()\n  ‸"));
    expect(labels(items).sort()).toEqual(["classes", "features", "labels", "limit", "preprocess", "seed", "shuffle", "test_split", "validation_split"]);
    expect(item(items, "features").insertText).toBe("features: ");
    expect(item(items, "test_split").insertText).toBe("test_split = ");
  });

  it("offers sources after `source =`, transforms in `preprocess = [`, dtypes after `features :`", async () => {
    const sources = await complete(DS("  source = ‸"));
    expect(labels(sources)).toEqual(expect.arrayContaining(["csv", "mnist", "moons", "idx", "npy"]));
    for (const wrong of ["dense", "adam", "standardize"]) expect(labels(sources)).not.toContain(wrong);
    expect(item(sources, "csv").detail).toBe("source csv(path: string, label: string = \"label\", header: bool = true)");
    const transforms = await complete(DS("  preprocess = [‸"));
    expect(labels(transforms).sort()).toEqual(["min_max", "one_hot", "scale", "standardize"]);
    const types = await complete(DS("  features : ‸"));
    expect(labels(types)).toEqual(["f32", "f16", "f64", "i32", "i64", "bool"]);
    expect(labels(await complete("dataset d = ‸"))).toContain("moons");
  });
});

describe("imports", () => {
  it("offers stdlib modules and their names", async () => {
    const all = await complete("import ‸");
    expect(labels(all)).toEqual(expect.arrayContaining(["std.layers", "std.data", "std.losses"]));
    const mods = await complete("import std.‸", ".");
    const expected = fs.readdirSync(path.join(ROOT, "stdlib")).filter((f) => f.endsWith(".nn")).map((f) => f.slice(0, -3)).sort();
    expect(labels(mods).sort()).toEqual(expected);
    expect(item(mods, "data")).toMatchObject({ kind: CompletionItemKind.Module, detail: "stdlib/data.nn" });
    const names = await complete("import std.data.{mnist, ‸}", ",");
    expect(labels(names)).toEqual(expect.arrayContaining(["csv", "moons", "standardize"]));
    expect(labels(names)).not.toContain("mnist");
    expect(labels(names)).not.toContain("dense");
  });

  it("offers .nn files and folders next to the document inside an import's quotes", async () => {
    const items = await complete("import \"./‸", "/");
    expect(items.map((i) => [i.label, i.kind])).toEqual([["./blocks.nn", CompletionItemKind.File], ["./nested/", CompletionItemKind.Folder]]);
    expect(item(items, "./blocks.nn").textEdit).toEqual({ range: range(0, 8, 0, 10), newText: "./blocks.nn" });
    const nested = await complete("import \"./nested/m‸\"");
    expect(nested.map((i) => i.textEdit)).toEqual([{ range: range(0, 8, 0, 18), newText: "./nested/more.nn" }]);
  });

  it("offers the definitions of an imported local file", async () => {
    const items = await complete("import \"./blocks.nn\".{‸}\n", "{");
    expect(labels(items)).toEqual(["block"]);
    expect(item(items, "block").detail).toBe("layer block(x: f32[B, N]) -> f32[B, N]");
  });
});

describe("on broken text", () => {
  it("completes on a line that does not parse, in a file with other errors", async () => {
    const items = await complete(MODEL("  let h = x |> dense(8, ‸\n  h |> )) ]"));
    expect(labels(items)).toContain("activation =");
    expect(labels(items)).not.toContain("units =");
  });

  it("keeps names of the last text that parsed while the current one has lost them", async () => {
    const later = "\nlayer later(x: f32[B, N]) -> f32[B, N] { x }\n";
    const before = await complete(MODEL("  x |> later‸") + later);
    expect(item(before, "later").detail).toBe("layer later(x: f32[B, N]) -> f32[B, N]");
    // Its kind word half deleted: the parse drops the definition, the last good analysis still has it.
    const items = await complete(MODEL("  x |> ‸") + later.replace("layer", "laye"));
    expect(item(items, "later").detail).toBe("layer later(x: f32[B, N]) -> f32[B, N]");
    expect(labels(items)).toContain("twice");
  });
});
