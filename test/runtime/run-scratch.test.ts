import { it } from "vitest";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { main } from "../../src/cli/main.js";

it("scratch", async () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "nnc-scr-"));
  fs.mkdirSync(path.join(d, "data"));
  fs.copyFileSync("examples/iris.nn", path.join(d, "iris.nn"));
  fs.copyFileSync("examples/data/iris.csv", path.join(d, "data/iris.csv"));
  let out = "", err = "";
  const io = { stdout: { write: (s: string) => (out += s), isTTY: false }, stderr: { write: (s: string) => (err += s), isTTY: false }, env: {} };
  const t0 = Date.now();
  const code = await main(["run", path.join(d, "iris.nn"), "--epochs", "2", "--out", path.join(d, "out")], io);
  console.log(code, Date.now() - t0, out, err, fs.readdirSync(path.join(d, "out")), fs.readFileSync(path.join(d, "out/history.csv"), "utf8"));
  out = ""; err = "";
  const c2 = await main(["eval", path.join(d, "iris.nn"), "--out", path.join(d, "out")], io);
  console.log(c2, out, err);
  out = ""; err = "";
  const c3 = await main(["predict", path.join(d, "iris.nn"), "--out", path.join(d, "out"), "--input", path.join(d, "data/iris.csv")], io);
  console.log(c3, out.slice(0, 300), err);
});
