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


def synthetic_regression(n=1000, seed=0):
    """The tutorial's data: y = 2 x0 - 3.4 x1 + 4.2 + noise."""
    rng = np.random.default_rng(seed)
    features = rng.normal(size=(n, 2)).astype(np.float32)
    labels = (features @ [2.0, -3.4] + 4.2 + rng.normal(scale=0.01, size=n)).astype(np.float32)
    return features, labels, rng.normal(scale=0.01, size=(2, 1)).astype(np.float32)


def linear_regression(epochs, batch=10, lr=0.03):
    """The regression trained with attach_grad/record/backward and an SGD loop."""
    features, labels, w0 = synthetic_regression()
    w, b = nd.array(w0), nd.zeros((1,))
    for param in (w, b):
        param.attach_grad()
    start = time.perf_counter()
    for _ in range(epochs):
        for i in range(0, len(features), batch):
            x, y = nd.array(features[i:i + batch]), nd.array(labels[i:i + batch])
            with autograd.record():
                loss = ((nd.dot(x, w).reshape((-1,)) + b - y) ** 2 / 2).sum()
            loss.backward()
            w[:] = w - lr / batch * w.grad
            b[:] = b - lr / batch * b.grad
    steps_per_s = epochs * len(features) / batch / (time.perf_counter() - start)
    print(f"linear regression: w {w.asnumpy().ravel()}, b {b.asnumpy()}, "
          f"{steps_per_s:.0f} steps/s imperative")
    return w.asnumpy().ravel(), b.asnumpy(), steps_per_s


def linear_regression_numpy(epochs, batch=10, lr=0.03):
    """The same loop with the gradient written by hand in numpy: the speed to compare."""
    features, labels, w = synthetic_regression()
    b = np.zeros(1, np.float32)
    start = time.perf_counter()
    for _ in range(epochs):
        for i in range(0, len(features), batch):
            x, y = features[i:i + batch], labels[i:i + batch]
            error = x @ w[:, 0] + b - y
            w -= lr / batch * (x.T @ error)[:, None]
            b -= lr / batch * error.sum(keepdims=True)
    steps_per_s = epochs * len(features) / batch / (time.perf_counter() - start)
    print(f"  numpy by hand: w {w.ravel()}, b {b}, {steps_per_s:.0f} steps/s")
    return steps_per_s


def traced_mlp_step(steps, batch=256, lr=0.1):
    """A whole training step (forward, gradients, SGD update) as one traced
    function: traced once, compiled, and run from the cache afterwards."""

    @sg.trace
    def step(x, y, w1, w2):
        loss = sg.softmax_cross_entropy(nd.dot(nd.relu(nd.dot(x, w1)), w2), y).mean()
        g1, g2 = sg.grad(loss, [w1, w2])
        return loss, w1 - lr * g1, w2 - lr * g2

    rng = np.random.default_rng(0)
    xs = rng.normal(size=(batch, 784)).astype(np.float32)
    ys = rng.integers(0, 10, size=batch).astype(np.int32)
    a = (rng.normal(size=(784, 256)) * 0.05).astype(np.float32)
    b = (rng.normal(size=(256, 10)) * 0.05).astype(np.float32)
    x, y, w1, w2 = nd.array(xs), nd.array(ys, dtype="int32"), nd.array(a), nd.array(b)
    step(x, y, w1, w2)  # trace and compile
    start = time.perf_counter()
    for _ in range(steps):
        loss, w1, w2 = step(x, y, w1, w2)
    traced = (time.perf_counter() - start) / steps * 1000
    onehot = np.eye(10, dtype=np.float32)[ys]
    start = time.perf_counter()
    for _ in range(steps):
        hidden = np.maximum(xs @ a, 0)
        logits = hidden @ b
        probs = np.exp(logits - logits.max(axis=1, keepdims=True))
        probs /= probs.sum(axis=1, keepdims=True)
        d_logits = (probs - onehot) / batch
        d_hidden = (d_logits @ b.T) * (hidden > 0)
        b = b - lr * (hidden.T @ d_logits)
        a = a - lr * (xs.T @ d_hidden)
    by_hand = (time.perf_counter() - start) / steps * 1000
    print(f"traced MLP training step (batch {batch}): {traced:.2f} ms, "
          f"numpy by hand {by_hand:.2f} ms; loss {loss.asscalar():.4f}")
    return traced, by_hand


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    quick = parser.parse_args().quick
    two_x_transpose_x()
    control_flow()
    linear_regression(epochs=1 if quick else 5)
    linear_regression_numpy(epochs=1 if quick else 5)
    traced_mlp_step(steps=3 if quick else 50)


if __name__ == "__main__":
    main()
