"""Imperative gradients as the MXNet tutorials compute them, on symgraph's
autodiff: attach_grad / record / backward, control flow, higher order, a
linear regression trained with an SGD loop, and a traced (compiled) step.

    python examples/autograd_imperative.py [--quick]
"""

import argparse
import time

import numpy as np

import symgraph as sg

nd, autograd = sg.nd, sg.autograd


def two_x_transpose_x():
    x = nd.arange(4).reshape((4, 1))
    x.attach_grad()
    with autograd.record():
        y = 2 * nd.dot(x.T, x)
    y.backward()
    print("d(2 x^T x)/dx =", x.grad.asnumpy().ravel(), " 4x =", (4 * x).asnumpy().ravel())
    return x.grad.asnumpy(), (4 * x).asnumpy()


def control_flow():
    def f(a):
        b = a * 2
        while b.norm().asscalar() < 1000:
            b = b * 2
        return b if b.sum().asscalar() > 0 else 100 * b

    sg.random.seed(1)
    a = nd.random.normal(shape=(1,))
    a.attach_grad()
    with autograd.record():
        c = f(a)
    c.backward()
    print("control flow: grad", a.grad.asscalar(), " c/a", (c / a).asscalar())
    return a.grad.asscalar(), (c / a).asscalar()


def linear_regression(epochs, n=1000, batch=10, lr=0.03):
    """y = 2 x0 - 3.4 x1 + 4.2 + noise, trained with attach_grad/record/backward."""
    rng = np.random.default_rng(0)
    features = rng.normal(size=(n, 2)).astype(np.float32)
    labels = (features @ [2.0, -3.4] + 4.2 + rng.normal(scale=0.01, size=n)).astype(np.float32)
    w = nd.array(rng.normal(scale=0.01, size=(2, 1)))
    b = nd.zeros((1,))
    for param in (w, b):
        param.attach_grad()
    start = time.perf_counter()
    for _ in range(epochs):
        for i in range(0, n, batch):
            x, y = nd.array(features[i:i + batch]), nd.array(labels[i:i + batch])
            with autograd.record():
                loss = ((nd.dot(x, w).reshape((-1,)) + b - y) ** 2 / 2).sum()
            loss.backward()
            w[:] = w - lr / batch * w.grad
            b[:] = b - lr / batch * b.grad
    seconds = time.perf_counter() - start
    print(f"linear regression: w {w.asnumpy().ravel()}, b {b.asnumpy()}, "
          f"{epochs * n / batch / seconds:.0f} steps/s imperative")
    return w.asnumpy().ravel(), b.asnumpy()


def traced_mlp_step(steps):
    """A compiled forward pass: the same code, traced once and cached."""

    @sg.trace
    def forward(x, w1, w2):
        return nd.dot(nd.relu(nd.dot(x, w1)), w2)

    rng = np.random.default_rng(0)
    x, w1, w2 = (nd.array(rng.normal(size=s)) for s in [(256, 784), (784, 256), (256, 10)])
    forward(x, w1, w2)
    start = time.perf_counter()
    for _ in range(steps):
        forward(x, w1, w2)
    traced = (time.perf_counter() - start) / steps * 1000
    xs, a, b = x.asnumpy(), w1.asnumpy(), w2.asnumpy()
    start = time.perf_counter()
    for _ in range(steps):
        np.maximum(xs @ a, 0) @ b
    by_hand = (time.perf_counter() - start) / steps * 1000
    print(f"traced MLP forward: {traced:.2f} ms, numpy by hand {by_hand:.2f} ms")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    quick = parser.parse_args().quick
    two_x_transpose_x()
    control_flow()
    linear_regression(epochs=1 if quick else 5)
    traced_mlp_step(steps=3 if quick else 50)


if __name__ == "__main__":
    main()
