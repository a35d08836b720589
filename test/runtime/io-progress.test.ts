// Keras-style progress output with a fake clock and a captured sink.
import { describe, expect, it } from "vitest";
import { formatBar, formatEta, formatMetric, formatPerStep, TrainProgress } from "../../src/runtime/progress.js";

/** Runs a fake training loop; each step takes `stepMs` of fake time. */
function fakeRun(tty: boolean, quiet: boolean, stepMs = 100): string {
  let t = 0;
  let out = "";
  const p = new TrainProgress({ tty, quiet, write: (s) => (out += s), now: () => t });
  for (let epoch = 1; epoch <= 2; epoch++) {
    p.epochStart(epoch, 2, 10);
    for (let s = 1; s <= 10; s++) {
      t += stepMs;
      p.step(s, { loss: 1 / (epoch * s), accuracy: 0.5 + s / 40 });
    }
    t += 50; // validation
    p.epochEnd({ loss: 0.5 / epoch, accuracy: 0.75 + epoch / 10, val_loss: 0.6 / epoch, val_accuracy: 0.7 + epoch / 10 });
  }
  p.message("Epoch 2: early stopping");
  return out;
}

describe("formatting", () => {
  it("draws the bar like Keras", () => {
    expect(formatBar(12, 282)).toBe(" 12/282 [>.............................]");
    expect(formatBar(1, 282)).toBe("  1/282 [..............................]");
    expect(formatBar(141, 282)).toBe("141/282 [==============>...............]");
    expect(formatBar(282, 282)).toBe("282/282 [==============================]");
    expect(formatBar(5, 10, 10)).toBe(" 5/10 [====>.....]");
    expect(formatBar(7, 0)).toBe("7/Unknown");
  });

  it("formats metrics, ETA and time per step", () => {
    expect(formatMetric(0.31211)).toBe("0.3121");
    expect(formatMetric(12)).toBe("12.0000");
    expect(formatMetric(0)).toBe("0.0000");
    expect(formatMetric(0.00012345)).toBe("1.2345e-04");
    expect(formatMetric(NaN)).toBe("nan");
    expect(formatEta(3.9)).toBe("3s");
    expect(formatEta(75)).toBe("1:15");
    expect(formatEta(3725)).toBe("1:02:05");
    expect(formatPerStep(14.2)).toBe("14ms/step");
    expect(formatPerStep(1500)).toBe("2s/step");
    expect(formatPerStep(0.25)).toBe("250us/step");
  });
});

describe("TrainProgress", () => {
  it("prints one summary line per epoch when not a terminal", () => {
    expect(fakeRun(false, false)).toBe(
      [
        "Epoch 1/2",
        "10/10 [==============================] - 1s 105ms/step - loss: 0.5000 - accuracy: 0.8500 - val_loss: 0.6000 - val_accuracy: 0.8000",
        "Epoch 2/2",
        "10/10 [==============================] - 1s 105ms/step - loss: 0.2500 - accuracy: 0.9500 - val_loss: 0.3000 - val_accuracy: 0.9000",
        "Epoch 2: early stopping",
        "",
      ].join("\n"),
    );
  });

  it("redraws a bar with carriage returns on a terminal", () => {
    const out = fakeRun(true, false);
    expect(out.startsWith("Epoch 1/2\n\r 1/10 [==>...........................] - ETA: 0s - loss: 1.0000 - accuracy: 0.5250")).toBe(true);
    expect(out).toContain("\r 5/10 [==============>...............] - ETA: 0s - loss: 0.2000 - accuracy: 0.6250");
    // The last step is drawn without an ETA, then the final line replaces it.
    expect(out).toContain("\r10/10 [==============================] - loss: 0.1000 - accuracy: 0.7500");
    expect(out).toContain(
      "\r10/10 [==============================] - 1s 105ms/step - loss: 0.5000 - accuracy: 0.8500 - val_loss: 0.6000 - val_accuracy: 0.8000\nEpoch 2/2\n",
    );
    expect(out.endsWith("val_accuracy: 0.9000\nEpoch 2: early stopping\n")).toBe(true);
    expect(out.split("\r").length - 1).toBe(2 * 11);
  });

  it("throttles redraws to about every 100 ms but always draws the last step", () => {
    const out = fakeRun(true, false, 10);
    // Steps 1 (first) and 10 (last) per epoch, plus the final line.
    expect(out.split("\r").length - 1).toBe(2 * 3);
    expect(out).toContain("ETA: 0s");
  });

  it("pads a shorter redraw over a longer previous line", () => {
    let out = "";
    let t = 0;
    const p = new TrainProgress({ tty: true, quiet: false, write: (s) => (out += s), now: () => t });
    p.epochStart(1, 1, 3);
    t += 200;
    p.step(1, { loss: 1, accuracy: 0.5 });
    t += 200;
    p.step(2, { loss: 1 });
    const [, first, second] = out.split("\r");
    expect(second!.length).toBe(first!.length);
    expect(second!.endsWith(" ")).toBe(true);
    p.message("interrupted");
    expect(out.endsWith(" \ninterrupted\n")).toBe(true);
  });

  it("shows ETA in seconds and minutes", () => {
    let out = "";
    let t = 0;
    const p = new TrainProgress({ tty: true, quiet: false, write: (s) => (out += s), now: () => t });
    p.epochStart(1, 1, 282);
    t += 1000;
    p.step(12, { loss: 0.3121 });
    expect(out).toContain("\r 12/282 [>.............................] - ETA: 22s - loss: 0.3121");
    t += 60_000;
    p.step(13, { loss: 0.3 });
    expect(out).toContain("ETA: 21:02 - loss: 0.3000");
  });

  it("prints nothing when quiet", () => {
    expect(fakeRun(true, true)).toBe("");
    expect(fakeRun(false, true)).toBe("");
  });
});
