import { it } from "vitest";
import { execute } from "../../src/runtime/ref/executor.js";
import { compileGraph } from "../../src/runtime/cpu/compiled.js";
import { Case } from "./helpers.js";
it("probe", () => {
  const c = new Case(1);
  const i = c.input("i", [2, 3], { dtype: "i32", values: [-5, -2, -9, 4, 7, 1] });
  const x = c.input("x", [2, 4], { values: [1, NaN, 3, 2, -Infinity, -Infinity, -Infinity, -Infinity] });
  c.g.outputs = [c.emit("max", [i]), c.emit("min", [i]), c.emit("argmax", [i]), c.emit("sum", [i]), c.emit("argmax", [x]), c.emit("max", [x])];
  const r = compileGraph(c.g, { env: { NNC_CACHE_DIR: "/tmp/nnc-probe" } });
  console.log(r.diagnostics);
  const got = r.compiled!.run(c.feeds), want = execute(c.g, c.feeds);
  got.forEach((t, k) => console.log(k, Array.from(t.data), Array.from(want[k]!.data)));
});
