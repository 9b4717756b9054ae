"""Gradients as graphs: ``sg.grad`` builds the derivative of a symbol as
another symbol, which can be run, differentiated again, saved and loaded.

- ``y = 2·xᵀx`` has gradient ``4x``;
- a non-scalar output is summed, or weighted by a head gradient;
- higher order: the second and third derivatives of ``tanh``;
- a layer's weight gradient, checked against finite differences;
- the gradient graph saved as JSON, loaded back, run again and drawn.

    python examples/autograd_basics.py [--quick] [--out DIR]
"""

import argparse
import os
import tempfile

import numpy as np

import symgraph as sg
from symgraph.testing import check_numeric_gradient


def two_x_transpose_x():
    x = sg.var("x", shape=(4, 1))
    y = 2 * sg.dot(x.T, x)
    (dx,) = sg.grad(y, x)
    value = np.arange(4.0).reshape(4, 1)
    got = dx.eval(x=value)[0].asnumpy()
    print("d(2 x^T x)/dx at x = [0 1 2 3]:", got.ravel(), "  4x:", (4 * value).ravel())
    return dx, got, 4 * value


def head_gradients():
    x = sg.var("x")
    y = x * x                                   # non-scalar: its sum is differentiated
    (summed,) = sg.grad(y, x)
    weights = sg.var("w")
    (weighted,) = sg.grad(y, x, head_grads=weights)
    value, w = np.array([1.0, 2.0, 3.0]), np.array([1.0, 0.5, 0.0])
    a = summed.eval(x=value)[0].asnumpy()
    b = weighted.eval(x=value, w=w)[0].asnumpy()
    print("d(sum x^2)/dx:", a, "  weighted by", w, ":", b)
    return a, b


def higher_order():
    t = sg.var("t")
    y = sg.tanh(t)
    (d1,) = sg.grad(y, t)
    (d2,) = sg.grad(d1, t)
    (d3,) = sg.grad(d2, t)
    value = np.linspace(-2, 2, 5)
    got = [d.eval(t=value)[0].asnumpy() for d in (d1, d2, d3)]
    th = np.tanh(value)
    exact = [1 - th ** 2, -2 * th * (1 - th ** 2), (1 - th ** 2) * (6 * th ** 2 - 2)]
    for order, (g, e) in enumerate(zip(got, exact), start=1):
        print(f"tanh derivative {order}: max error {np.abs(g - e).max():.2e}")
    return got, exact


def layer_gradient():
    data, label = sg.var("data"), sg.var("label", dtype="int32")
    logits = sg.FullyConnected(sg.Activation(sg.FullyConnected(data, num_hidden=5, name="fc1"),
                                             act_type="tanh"), num_hidden=3, name="fc2")
    loss = sg.softmax_cross_entropy(logits, label).mean()
    rng = np.random.default_rng(0)
    values = {"data": rng.normal(size=(4, 6)), "fc1_weight": rng.normal(size=(5, 6)),
              "fc1_bias": rng.normal(size=5), "fc2_weight": rng.normal(size=(3, 5)),
              "fc2_bias": rng.normal(size=3), "label": np.array([0, 2, 1, 2], np.int32)}
    check_numeric_gradient(loss, values, grad_nodes=["fc1_weight", "fc2_bias"])
    print("softmax cross-entropy of a two-layer network: gradients match finite differences")


def save_and_reload(dx, out_dir):
    path = os.path.join(out_dir, "gradient_of_2xTx.json")
    dx.save(path)
    again = sg.load(path)
    got = again.eval(x=np.arange(4.0).reshape(4, 1))[0].asnumpy()
    print(f"gradient graph saved to {path} and loaded: {got.ravel()}")
    return path, got


def draw(dx, out_dir):
    """The gradient graph as a picture: the ops autodiff built for ``4x``."""
    picture = sg.viz.plot_network(dx, shape={"x": (4, 1)}, title="d(2 xᵀx)/dx")
    path = picture.render(outfile=os.path.join(out_dir, "gradient_of_2xTx.png"), cleanup=True)
    print(f"gradient graph drawn to {path}")
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small run for tests")
    parser.add_argument("--out", help="where to save and draw the gradient graph "
                                      "(default: a temp dir)")
    args = parser.parse_args(argv)
    out_dir = args.out or tempfile.mkdtemp(prefix="symgraph-autograd-")
    os.makedirs(out_dir, exist_ok=True)
    dx, got, expected = two_x_transpose_x()
    results = {"2xTx": (got, expected), "heads": head_gradients(),
               "higher_order": higher_order()}
    layer_gradient()
    results["saved"] = save_and_reload(dx, out_dir)
    results["picture"] = draw(dx, out_dir)
    return results


if __name__ == "__main__":
    main()
