"""Linear regression, twice: by hand with symbols, an executor and SGD, then
with ``Model``. The data is synthetic, ``y = 2·x0 − 3.4·x1 + 4.2 + noise``,
and both ways recover w and b.

    python examples/linear_regression.py [--quick]
"""

import argparse

import numpy as np

import symgraph as sg
from symgraph import data, nn, optim
from symgraph.model import Model

TRUE_W, TRUE_B = np.array([2.0, -3.4]), 4.2


def synthetic_data(n, rng):
    x = rng.normal(size=(n, 2)).astype(np.float32)
    y = (x @ TRUE_W + TRUE_B + rng.normal(scale=0.01, size=n)).astype(np.float32)
    return x, y


def by_hand(x, y, epochs, batch_size, lr):
    """The network, its loss and the update written out, as in a first tutorial."""
    data_var, label = sg.var("data"), sg.var("label")
    net = sg.FullyConnected(data_var, num_hidden=1, name="fc")
    loss = sg.l2_loss(net, label).mean()
    exe = loss.simple_bind(data=(batch_size, 2), label=(batch_size,))
    exe.arg_dict["fc_weight"][:] = np.random.default_rng(0).normal(scale=0.01, size=(1, 2))
    batches = data.ArrayIter(x, y, batch_size, shuffle=True, seed=0, last_batch="discard")
    for epoch in range(epochs):
        for batch in batches:
            exe.forward(is_train=True, data=batch.data, label=batch.label)
            exe.backward()
            for name in ("fc_weight", "fc_bias"):
                exe.arg_dict[name][:] = exe.arg_dict[name] - lr * exe.grad_dict[name]
        print(f"  epoch {epoch + 1}: loss {exe.outputs[0].asscalar():.6f}")
    return exe.arg_dict["fc_weight"].asnumpy().ravel(), float(exe.arg_dict["fc_bias"].asscalar())


def with_model(x, y, epochs, batch_size, lr):
    """The same with a layer, a compiled training step and ``fit``."""
    model = Model(nn.Dense(1, name="linear"))
    model.compile(optim.SGD(lr=lr), loss="mse")
    history = model.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=0, seed=0)
    print(f"  losses per epoch: {', '.join(f'{v:.6f}' for v in history['loss'])}")
    return model.params["linear_weight"].ravel(), float(model.params["linear_bias"][0])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small run for tests")
    args = parser.parse_args(argv)
    n, epochs = (1000, 3) if args.quick else (2000, 5)
    x, y = synthetic_data(n, np.random.default_rng(42))
    results = {}
    for title, train in (("by hand", by_hand), ("with Model", with_model)):
        print(f"{title}:")
        w, b = train(x, y, epochs, batch_size=10, lr=0.03)
        print(f"  w = {np.round(w, 4)} (true {TRUE_W}), b = {b:.4f} (true {TRUE_B})")
        results[title] = (w, b)
    return results


if __name__ == "__main__":
    main()
