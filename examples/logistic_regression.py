"""Logistic regression on scikit-learn's breast cancer data, the numpy
tutorial's model written with symbols: ``p = sigmoid(x·w + b)``, the mean
binary cross-entropy (from the logits, so it never takes log 0), full-batch
gradient descent. The gradient and the
update are compiled into one training step; a forward-only executor
predicts the held-out tumours.

    python examples/logistic_regression.py [--quick]
"""

import argparse

import numpy as np

import symgraph as sg
from symgraph import data, optim


def model_symbols(features):
    x, y = sg.var("x"), sg.var("y")
    w, b = sg.var("w", shape=(features,)), sg.var("b", shape=())
    z = sg.dot(x, w) + b
    p = sg.sigmoid(z)
    # -(y log p + (1 - y) log(1 - p)), with log p = -softplus(-z) and
    # log(1 - p) = -softplus(z): the same loss, without log(0) once p rounds to 1
    loss = (y * sg.softplus(-z) + (1.0 - y) * sg.softplus(z)).mean()
    return p, loss


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small run for tests")
    args = parser.parse_args(argv)
    iterations = 100 if args.quick else 500

    x, y = data.load_breast_cancer()
    x_train, x_test, y_train, y_test = data.train_test_split(x, y, test_size=0.2, seed=0)
    x_train, x_test = data.standardize(x_train, x_test)
    y_train = y_train.astype(np.float32)

    p, loss = model_symbols(x.shape[1])
    step = sg.compile_step(loss, optim.SGD(lr=0.5), params=["w", "b"],
                           x=x_train.shape, y=y_train.shape)
    for i in range(1, iterations + 1):
        value = step(x=x_train, y=y_train)
        if i % (iterations // 5) == 0:
            print(f"iteration {i:4d}: training loss {value:.4f}")

    predictor = p.simple_bind(x=x_test.shape, grad_req="null")
    predictor.copy_params_from(step.params)
    probabilities = predictor.forward(x=x_test)[0].asnumpy()
    accuracy = float(((probabilities > 0.5) == y_test).mean())
    print(f"test accuracy {accuracy:.4f} on {len(y_test)} held-out tumours")
    return {"accuracy": accuracy, "loss": value}


if __name__ == "__main__":
    main()
