"""Keras-style models on real data bundled with scikit-learn, each with
``compile`` / ``fit`` / ``evaluate``:

- binary classification of tumours (breast cancer) with an L2-regularized layer;
- multi-class classification of 8x8 digits, with top-3 accuracy;
- regression of disease progression (diabetes), scored by 4-fold cross-validation.

    python examples/keras_style.py [--quick] [--plot DIR]
"""

import argparse
import os

import numpy as np

from symgraph import data, nn, optim
from symgraph.model import Model


def binary(epochs, plot_dir):
    x, y = data.load_breast_cancer()
    x_train, x_test, y_train, y_test = data.train_test_split(x, y, test_size=0.2, seed=0)
    x_train, x_test = data.standardize(x_train, x_test)
    model = Model(nn.Sequential(
        nn.Dense(16, activation="relu", kernel_regularizer=nn.l2(1e-3)),
        nn.Dense(1)))                                   # one logit
    model.compile(optimizer=optim.Adam(lr=0.01), loss="binary_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x_train, y_train.astype(np.float32), batch_size=32, epochs=epochs,
                        validation_split=0.1, verbose=1, seed=0)
    model.summary()
    scores = model.evaluate(x_test, y_test)
    print(f"breast cancer: test accuracy {scores['accuracy']:.4f}")
    _plot(history, plot_dir, "binary")
    return scores


def multiclass(epochs, plot_dir):
    x, y = data.load_digits()
    x_train, x_test, y_train, y_test = data.train_test_split(x, y, test_size=0.2, seed=0)
    model = Model(nn.Sequential(nn.Dense(64, activation="relu"), nn.Dropout(0.1),
                                nn.Dense(10)))
    model.compile(optimizer=optim.Adam(lr=0.005), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy", "top_3_accuracy"])
    history = model.fit(x_train, y_train, batch_size=64, epochs=epochs,
                        validation_data=(x_test, y_test), verbose=1, seed=0)
    scores = model.evaluate(x_test, y_test)
    print(f"digits: test accuracy {scores['accuracy']:.4f}, "
          f"top-3 {scores['top_3_accuracy']:.4f}")
    _plot(history, plot_dir, "multiclass")
    return scores


def regression(epochs):
    x, y = data.load_diabetes()
    x, scale = data.standardize(x), y.std()
    target = (y - y.mean()) / scale                     # trained on the standardized target
    model = Model(nn.Sequential(nn.Dense(32, activation="relu"), nn.Dense(1)))
    model.compile(optimizer=optim.RMSProp(lr=0.002), loss="mse", metrics=["mae"])
    scores = data.cross_validate(model, x, target, k=4, epochs=epochs, batch_size=32, seed=0)
    maes = np.array(scores["mae"]) * scale
    print(f"diabetes: 4-fold MAE {maes.mean():.1f} ± {maes.std():.1f} "
          f"(folds: {', '.join(f'{v:.1f}' for v in maes)}; target std {y.std():.1f})")
    return {"mae": float(maes.mean()), "folds": maes.tolist()}


def _plot(history, plot_dir, name):
    if plot_dir:
        os.makedirs(plot_dir, exist_ok=True)
        print("curves:", history.plot(os.path.join(plot_dir, f"{name}.png"), title=name))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small run for tests")
    parser.add_argument("--plot", metavar="DIR", help="write the training curves there")
    args = parser.parse_args(argv)
    epochs = 10 if args.quick else 30
    return {"binary": binary(epochs, args.plot), "multiclass": multiclass(epochs, args.plot),
            "regression": regression(epochs)}


if __name__ == "__main__":
    main()
