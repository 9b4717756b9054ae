"""Losses for ``Model.compile``: each builds the per-sample loss (shape
``(batch,)``) from the network's output and the label, as Gluon's losses do.

Classification losses take the network's *logits* by default
(``from_logits=True``): the log-softmax or log-sigmoid is then part of the
loss, which is stable and cheap. ``probabilities`` turns outputs into what
metrics compare with the labels (softmax or sigmoid rows).

    sg.nn.losses.get("sparse_categorical_crossentropy")  # names as Keras's
"""

import numpy as np

from ..build import apply
from ..errors import AttrError

_EPSILON = 1e-7  # clips probabilities away from 0 and 1, as Keras does


def _call(op, *inputs, **attrs):
    return apply(op, inputs, attrs)


def _per_sample_mean(values):
    """Mean over every axis but the batch axis: ``(batch, ...) -> (batch,)``."""
    return _call("mean", _call("flatten", values), axis=1)


class Loss:
    """Base class: ``loss(output, label)`` is the per-sample loss Symbol."""

    name = "loss"
    label_dtype = "float32"

    def __call__(self, output, label):
        raise NotImplementedError

    def probabilities(self, outputs):
        """The network's outputs as metrics read them (numpy in, numpy out)."""
        return outputs

    def __repr__(self):
        return f"{type(self).__name__}()"


class MeanSquaredError(Loss):
    """``mean((output - label)**2)`` per sample (no 1/2, as Keras's)."""

    name = "mse"

    def __call__(self, output, label):
        return 2.0 * _call("l2_loss", output, label)


class MeanAbsoluteError(Loss):
    """``mean(|output - label|)`` per sample."""

    name = "mae"

    def __call__(self, output, label):
        return _call("l1_loss", output, label)


class Huber(Loss):
    """``0.5 * e**2`` where ``|e| <= delta``, ``delta * (|e| - delta / 2)`` beyond,
    for ``e = output - label``, averaged per sample."""

    name = "huber"

    def __init__(self, delta=1.0):
        self.delta = float(delta)

    def __call__(self, output, label):
        error = _call("abs", output - _call("reshape_like", label, output))
        quadratic = _call("minimum", error, self.delta)
        return _per_sample_mean(0.5 * quadratic * quadratic + self.delta * (error - quadratic))


class SoftmaxCrossEntropy(Loss):
    """``-sum(label * log softmax(output))`` per sample. Labels are class indices
    (``sparse_label=True``, int32) or rows of probabilities (one-hot)."""

    name = "cross_entropy"

    def __init__(self, sparse_label=True, from_logits=True):
        self.sparse_label, self.from_logits = bool(sparse_label), bool(from_logits)
        self.label_dtype = "int32" if self.sparse_label else "float32"

    def __call__(self, output, label):
        if not self.from_logits:
            # log p are logits whose softmax is p again (p sums to one)
            output = _call("log", _call("clip", output, a_min=_EPSILON, a_max=1.0))
        return _call("softmax_cross_entropy", output, label, sparse_label=self.sparse_label)

    def probabilities(self, outputs):
        return _softmax(outputs) if self.from_logits else outputs


class SigmoidBinaryCrossEntropy(Loss):
    """Binary cross-entropy against labels in [0, 1], averaged per sample; from
    logits it is computed without overflow."""

    name = "binary_cross_entropy"

    def __init__(self, from_logits=True):
        self.from_logits = bool(from_logits)

    def __call__(self, output, label):
        if self.from_logits:
            return _call("sigmoid_binary_cross_entropy", output, label)
        p = _call("clip", output, a_min=_EPSILON, a_max=1.0 - _EPSILON)
        label = _call("reshape_like", label, output)
        return _per_sample_mean(-(label * _call("log", p) + (1.0 - label) * _call("log", 1.0 - p)))

    def probabilities(self, outputs):
        return np.exp(-np.logaddexp(0.0, -outputs)) if self.from_logits else outputs


def _softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


_BY_NAME = {
    "mse": MeanSquaredError, "mean_squared_error": MeanSquaredError, "l2": MeanSquaredError,
    "mae": MeanAbsoluteError, "mean_absolute_error": MeanAbsoluteError, "l1": MeanAbsoluteError,
    "huber": Huber,
    "sparse_categorical_crossentropy": SoftmaxCrossEntropy,
    "softmax_cross_entropy": SoftmaxCrossEntropy,
    "categorical_crossentropy": lambda: SoftmaxCrossEntropy(sparse_label=False),
    "binary_crossentropy": SigmoidBinaryCrossEntropy,
    "sigmoid_binary_cross_entropy": SigmoidBinaryCrossEntropy,
}


def get(spec):
    """A Loss from a Loss or a name (Keras's: ``'mse'``, ``'mae'``, ``'huber'``,
    ``'sparse_categorical_crossentropy'``, ``'categorical_crossentropy'``,
    ``'binary_crossentropy'``); the classification names take logits."""
    if isinstance(spec, Loss):
        return spec
    found = _BY_NAME.get(str(spec).lower())
    if found is None:
        raise AttrError(f"unknown loss {spec!r}; use an sg.nn.losses.Loss or one of "
                        f"{sorted(_BY_NAME)}")
    return found()
