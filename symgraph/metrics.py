"""Evaluation metrics with MXNet's protocol: ``update(labels, preds)`` over
batches, ``get()`` for ``(name, value)``, ``reset()``.

``preds`` are what the network predicts as probabilities or values: class
probabilities (or scores) of shape (n, classes), a probability of the positive
class of shape (n,) or (n, 1) for binary problems, or regression values.
Labels are class indices, one-hot rows, 0/1, or target values.

    acc = sg.metrics.create("accuracy")
    acc.update(y_batch, probabilities)
    name, value = acc.get()
"""

import numpy as np

from .errors import AttrError, ShapeError


class Metric:
    """Base class: subclasses define ``name`` and ``score(labels, preds)``, the
    summed score of a batch and how many it counts."""

    name = "metric"

    def __init__(self):
        self.reset()

    def reset(self):
        self.total, self.count = 0.0, 0

    def update(self, labels, preds):
        labels, preds = np.asarray(labels), np.asarray(preds)
        if len(labels) != len(preds):
            raise ShapeError(f"{self.name}: {len(labels)} labels for {len(preds)} predictions")
        total, count = self.score(labels, preds)
        self.total += float(total)
        self.count += int(count)

    def get(self):
        """``(name, value)``; the value is NaN before any update."""
        return self.name, (self.total / self.count if self.count else float("nan"))

    def score(self, labels, preds):
        raise NotImplementedError

    def __repr__(self):
        name, value = self.get()
        return f"<{type(self).__name__} {name}={value:.6g}>"


def _is_multiclass(preds):
    return preds.ndim >= 2 and preds.shape[-1] > 1


def _class_labels(labels, preds):
    """Class indices from indices or one-hot rows."""
    if labels.ndim == preds.ndim and _is_multiclass(labels):
        return labels.argmax(axis=-1)
    return labels.reshape(preds.shape[:-1] if _is_multiclass(preds) else (len(preds),))


class Accuracy(Metric):
    """The fraction of samples whose predicted class is the label: the arg-max
    of class scores, or ``pred > threshold`` for one binary probability."""

    name = "accuracy"

    def __init__(self, threshold=0.5):
        self.threshold = threshold
        super().__init__()

    def score(self, labels, preds):
        if _is_multiclass(preds):
            predicted = preds.argmax(axis=-1)
        else:
            predicted = (preds.reshape(len(preds)) > self.threshold).astype(np.int64)
        labels = _class_labels(labels, preds)
        return np.sum(predicted == labels), predicted.size


class TopKAccuracy(Metric):
    """The fraction of samples whose label is among the ``k`` highest scores."""

    def __init__(self, k=5):
        self.k = int(k)
        self.name = f"top_{self.k}_accuracy"
        super().__init__()

    def score(self, labels, preds):
        if not _is_multiclass(preds):
            raise ShapeError(f"{self.name} needs class scores (n, classes), got {preds.shape}")
        top = np.argsort(-preds, axis=-1)[..., :self.k]
        labels = _class_labels(labels, preds)
        return np.sum(top == labels[..., None]), labels.size


class MSE(Metric):
    """Mean squared error over every element."""

    name = "mse"

    def score(self, labels, preds):
        error = labels.reshape(preds.shape).astype(np.float64) - preds
        return np.sum(error * error), error.size


class MAE(Metric):
    """Mean absolute error over every element."""

    name = "mae"

    def score(self, labels, preds):
        error = labels.reshape(preds.shape).astype(np.float64) - preds
        return np.sum(np.abs(error)), error.size


class CrossEntropy(Metric):
    """Mean negative log-probability of the labels: of the label's class for
    class probabilities, of 0/1 for one binary probability; probabilities
    are clipped to [eps, 1]."""

    name = "cross_entropy"

    def __init__(self, eps=1e-12):
        self.eps = eps
        super().__init__()

    def score(self, labels, preds):
        preds = preds.astype(np.float64)
        if _is_multiclass(preds):
            if labels.ndim == preds.ndim:
                return -np.sum(labels * np.log(np.clip(preds, self.eps, 1.0))), len(preds)
            picked = np.take_along_axis(preds, _class_labels(labels, preds)[..., None], -1)
            return -np.sum(np.log(np.clip(picked, self.eps, 1.0))), picked.size
        p = np.clip(preds.reshape(len(preds)), self.eps, 1.0 - self.eps)
        y = labels.reshape(len(preds))
        return -np.sum(y * np.log(p) + (1 - y) * np.log(1 - p)), len(p)


_BY_NAME = {"accuracy": Accuracy, "acc": Accuracy, "mse": MSE, "mean_squared_error": MSE,
            "mae": MAE, "mean_absolute_error": MAE, "cross_entropy": CrossEntropy,
            "ce": CrossEntropy, "top_k_accuracy": TopKAccuracy}


def create(spec):
    """A Metric from a Metric, a name (``'accuracy'``, ``'top_k_accuracy'``,
    ``'top_3_accuracy'``, ``'mse'``, ``'mae'``, ``'cross_entropy'``) or a class."""
    if isinstance(spec, Metric):
        return spec
    if isinstance(spec, type) and issubclass(spec, Metric):
        return spec()
    name = str(spec).lower()
    if name.startswith("top_") and name.endswith("_accuracy") and name[4:-9].isdigit():
        return TopKAccuracy(int(name[4:-9]))
    if name not in _BY_NAME:
        raise AttrError(f"unknown metric {spec!r}; use an sg.metrics.Metric or one of "
                        f"{sorted(_BY_NAME)}")
    return _BY_NAME[name]()
