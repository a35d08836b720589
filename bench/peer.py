"""The Python peers of the nnc benchmark: PyTorch and hand-written numpy, as one long-lived child process.

bench/run.mjs starts it once and sends one JSON command per line on stdin; each answer is one JSON line
on stdout. Timing happens here, around the steps only, so the pipe never counts:

  {"op": "setup", "id": "w1-torch", "kind": "torch_mlp", "batch": 128}   builds the model and data, warms up
  {"op": "block", "id": "w1-torch", "seconds": 1.0}                      steps until `seconds` have passed
  {"op": "export_onnx", "kind": "torch_mlp", "batch": 256, "path": ...}  torch.onnx.export for ONNX Runtime
  {"op": "drop", "id": "w1-torch"}                                        frees a contender
  {"op": "info"}                                                          versions and thread settings
"""
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn

# The benchmark's settings: 2 threads (run.mjs --threads), denormals flushed. OMP_WAIT_POLICY=PASSIVE and
# OMP_NUM_THREADS come from the environment peer.mjs gives this process, so OpenBLAS's OpenMP threads obey them too.
torch.set_num_threads(int(os.environ.get("NNC_BENCH_THREADS", "2")))
torch.set_flush_denormal(True)
torch.manual_seed(0)
RNG = np.random.default_rng(0)

# nnc's adam() defaults (Keras's): lr 1e-3, betas 0.9/0.999, epsilon 1e-7 (PyTorch's default is 1e-8).
LR, B1, B2, EPS = 1e-3, 0.9, 0.999, 1e-7


# ---------------------------------------------------------------- models (the same shapes as bench/models/*.nn)

def mlp():
    return nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 10))


def cnn():
    # examples/cifar10_cnn.nn: valid 3×3 convolutions, 2×2 max pools; NCHW here (PyTorch's native layout).
    return nn.Sequential(
        nn.Conv2d(3, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(64, 64, 3), nn.ReLU(),
        nn.Flatten(), nn.Linear(4 * 4 * 64, 64), nn.ReLU(), nn.Linear(64, 10))


class Sentiment(nn.Module):
    """Embedding(10000, 64) → LSTM(64), last hidden state → Dense 64 relu → Dense 1 sigmoid."""

    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(10000, 64)
        self.lstm = nn.LSTM(64, 64, batch_first=True)
        self.head = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 1), nn.Sigmoid())

    def forward(self, tokens):
        _, (h, _) = self.lstm(self.emb(tokens))
        return self.head(h[-1])


def images(batch):
    return torch.rand(batch, 3, 32, 32)


def classes(batch):
    return torch.from_numpy(RNG.integers(0, 10, batch)).long()


# Each kind: (model, input, label, loss). Softmax cross-entropy from logits, as nnc's
# sparse_categorical_crossentropy(from_logits = true); binary cross-entropy on the sigmoid, as nnc's default.
KINDS = {
    "torch_mlp": lambda b: (mlp(), torch.randn(b, 784), classes(b), nn.CrossEntropyLoss()),
    "torch_cnn": lambda b: (cnn(), images(b), classes(b), nn.CrossEntropyLoss()),
    "torch_lstm": lambda b: (Sentiment(), torch.randint(1, 10000, (b, 200)),
                             torch.from_numpy(RNG.integers(0, 2, (b, 1))).float(), nn.BCELoss()),
}


def torch_train(kind, batch):
    model, x, y, loss_fn = KINDS[kind](batch)
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=LR, betas=(B1, B2), eps=EPS)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
    return step


def torch_infer(kind, batch):
    model, x, _, _ = KINDS[kind.replace("infer_", "")](batch)
    model.eval()

    def step():
        with torch.inference_mode():
            model(x)
    return step


def numpy_mlp(batch):
    """W1 by hand: forward, softmax cross-entropy, backward and Adam, float32 on numpy's BLAS."""
    f32 = np.float32
    x = RNG.standard_normal((batch, 784), dtype=f32)
    y = RNG.integers(0, 10, batch)
    rows = np.arange(batch)

    def glorot(n, m):
        lim = np.sqrt(6 / (n + m))
        return RNG.uniform(-lim, lim, (n, m)).astype(f32)
    params = [glorot(784, 512), np.zeros(512, f32), glorot(512, 10), np.zeros(10, f32)]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    t = [0]

    def step():
        w1, b1, w2, b2 = params
        h = x @ w1
        h += b1
        a = np.maximum(h, 0)
        z = a @ w2
        z += b2
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        s = e.sum(axis=1, keepdims=True)
        loss = float(np.log(s[:, 0]).mean() - z[rows, y].mean())  # read every step, as nnc reads its loss
        dz = e / s                                    # softmax
        dz[rows, y] -= 1
        dz /= f32(batch)
        dw2 = a.T @ dz
        db2 = dz.sum(axis=0)
        da = dz @ w2.T
        da *= (h > 0)
        dw1 = x.T @ da
        db1 = da.sum(axis=0)
        t[0] += 1
        # Keras-style Adam (nnc's): lr_t = lr·√(1−β₂ᵗ)/(1−β₁ᵗ); p −= lr_t·m/(√v + ε). In place.
        lr_t = f32(LR * np.sqrt(1 - B2 ** t[0]) / (1 - B1 ** t[0]))
        for p, g, mi, vi in zip(params, (dw1, db1, dw2, db2), m, v):
            mi *= f32(B1)
            mi += f32(1 - B1) * g
            vi *= f32(B2)
            g *= g
            vi += f32(1 - B2) * g
            d = np.sqrt(vi)
            d += f32(EPS)
            np.divide(mi, d, out=d)
            d *= lr_t
            p -= d
        return loss
    return step


def gemm(lib, n):
    """W0: one n×n float32 product into a preallocated output (2n³ flops)."""
    if lib == "numpy":
        a, b = RNG.random((n, n), dtype=np.float32), RNG.random((n, n), dtype=np.float32)
        c = np.empty((n, n), np.float32)
        return lambda: np.matmul(a, b, out=c)
    a, b = torch.rand(n, n), torch.rand(n, n)
    c = torch.empty(n, n)
    return lambda: torch.mm(a, b, out=c)


def make(cmd):
    kind = cmd["kind"]
    if kind.startswith("gemm_"):
        return gemm(kind.split("_")[1], cmd["n"])
    if kind == "numpy_mlp":
        return numpy_mlp(cmd["batch"])
    if kind.startswith("infer_"):
        return torch_infer(kind, cmd["batch"])
    return torch_train(kind, cmd["batch"])


def block(step, seconds):
    """Runs whole steps until `seconds` have passed (at least one)."""
    n, t0 = 0, time.perf_counter()
    while True:
        step()
        n += 1
        dt = time.perf_counter() - t0
        if dt >= seconds:
            return {"steps": n, "seconds": dt}


def export_onnx(cmd):
    model, x, _, _ = KINDS[cmd["kind"]](cmd["batch"])
    model.eval()
    torch.onnx.export(model, x, cmd["path"], input_names=["x"], output_names=["y"], opset_version=13)
    return {"path": cmd["path"], "input_shape": list(x.shape)}


def info():
    return {"torch": torch.__version__, "numpy": np.__version__, "torch_threads": torch.get_num_threads(),
            "python": sys.version.split()[0]}


def main():
    # Answers go to the real stdout; anything a library prints (export warnings) goes to stderr instead.
    answer, sys.stdout = sys.stdout, sys.stderr
    steppers = {}
    for line in sys.stdin:
        cmd = json.loads(line)
        try:
            op = cmd["op"]
            if op == "setup":
                step = make(cmd)
                for _ in range(cmd.get("warmup", 3)):
                    step()
                steppers[cmd["id"]] = step
                out = {"ok": True}
            elif op == "block":
                out = block(steppers[cmd["id"]], cmd["seconds"])
            elif op == "drop":
                steppers.pop(cmd["id"], None)
                out = {"ok": True}
            elif op == "export_onnx":
                out = export_onnx(cmd)
            elif op == "info":
                out = info()
            else:
                out = {"error": f"unknown op {op}"}
        except Exception as e:  # report, keep serving: one broken peer must not end the run
            out = {"error": f"{type(e).__name__}: {e}"}
        answer.write(json.dumps(out) + "\n")
        answer.flush()


if __name__ == "__main__":
    main()
