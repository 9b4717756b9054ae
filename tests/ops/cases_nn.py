"""Example cases of the layers, the losses and the random ops (see ``table.py``).

Dropout appears here in prediction mode (the identity); its training mode and
the random ops' statistics are tested in ``test_random.py``.
"""

import numpy as np

from .table import Case, cases, ex, f32, f64, floats, ints

_ACTIVATIONS = {
    "relu": lambda x: np.maximum(x, 0), "sigmoid": lambda x: 1 / (1 + np.exp(-x)),
    "tanh": np.tanh, "softrelu": lambda x: np.log1p(np.exp(x)),
}


def _fully_connected(x, w, b=None, flatten=True, **_):
    rows = x.reshape(x.shape[0], int(np.prod(x.shape[1:]))) if flatten else x
    y = rows @ w.T
    return y if b is None else y + b


def _softmax(x, axis=-1):
    e = np.exp(x)
    return e / e.sum(axis=axis, keepdims=True)


def _log_softmax(x, axis=-1):
    return x - np.log(np.exp(x).sum(axis=axis, keepdims=True))


def _layers():
    x = f32(2, 3, 4)
    table = cases("FullyConnected", _fully_connected, [
        ex(x, f32(5, 12), f32(5), num_hidden=5),
        ex(x, f32(5, 4), f32(5), num_hidden=5, flatten=False),
        ex(x, f32(5, 12), num_hidden=5, no_bias=True),
        ex(f64(3, 2), f64(1, 2), f64(1), num_hidden=1),
        ex(f32(4), f32(2, 4), f32(2), num_hidden=2, flatten=False),
    ])
    table += cases("FullyConnected", _fully_connected,
                   [ex(f32(0, 4), f32(3, 4), f32(3), num_hidden=3)])
    for act_type, fn in _ACTIVATIONS.items():
        table += cases("Activation", lambda data, act_type, fn=fn: fn(data),
                       [ex(f32(2, 3), act_type=act_type), ex(f64(4), act_type=act_type)])
    table += cases("Dropout", lambda data, **_: data,
                   [ex(f32(2, 3)), ex(f64(4), p=0.9), ex(f32(), p=0.0)])
    for name, fn in (("softmax", _softmax), ("log_softmax", _log_softmax)):
        table += cases(name, fn, [ex(x), ex(x, axis=0), ex(x, axis=1), ex(f64(3), axis=-1),
                                  ex(f32(2, 0), axis=0)])
    return table


def _pointwise_loss(pointwise):
    def loss(pred, label):
        values = pointwise(pred, label.reshape(pred.shape).astype(pred.dtype))
        return values.mean(axis=tuple(range(1, pred.ndim))).astype(pred.dtype)

    return loss


def _sparse_cross_entropy(logits, label, sparse_label=True):
    logp = _log_softmax(logits)
    if not sparse_label:
        return -(label * logp).sum(axis=-1)
    picked = np.take_along_axis(logp, label.astype(np.int64)[..., None], axis=-1)
    return -picked[..., 0]


def _binary_cross_entropy(x, z):
    p = 1 / (1 + np.exp(-x))
    return -(z * np.log(p) + (1 - z) * np.log(1 - p))


def _losses():
    table = []
    pairs = [ex(f32(4, 3), f32(4, 3)), ex(f64(4, 1), f64(4)), ex(f32(4), f32(4)),
             ex(f32(2, 3, 2), f32(2, 6)), ex(f32(0, 3), f32(0, 3))]
    for name, pointwise in (("l2_loss", lambda p, y: 0.5 * (p - y) ** 2),
                            ("l1_loss", lambda p, y: np.abs(p - y)),
                            ("sigmoid_binary_cross_entropy", _binary_cross_entropy)):
        table += cases(name, _pointwise_loss(pointwise), pairs)
    probabilities = _softmax(f32(4, 3))
    table += cases("softmax_cross_entropy", _sparse_cross_entropy, [
        ex(f32(4, 3), np.array([0, 2, 1, 2], np.int32)),
        ex(f64(2, 3, 4), ints(2, 3, dtype=np.int64, low=0, high=4)),
        ex(f32(3, 2), np.array([1.0, 0.0, 1.0], np.float32)),
        ex(f32(4, 3), probabilities, sparse_label=False),
    ])
    label = np.array([2, 0, 1, 1], np.int32)
    table += cases("SoftmaxOutput", lambda x, y, **_: _softmax(x), [
        ex(f32(4, 3), label), ex(f64(2, 3, 4), ints(2, 3, low=0, high=4), grad_scale=2.0),
        ex(f32(4, 3), label.astype(np.float32), normalization="batch"),
        ex(f32(2, 3, 4), np.array([[0, -1, 3], [-1, 2, 1]], np.int32), use_ignore=True,
           normalization="valid"),
        ex(f32(4, 3), label, ignore_label=2.0, use_ignore=True, normalization="valid")])
    table += cases("LinearRegressionOutput", lambda x, y, **_: x,
                   [ex(f32(4, 3), f32(4, 3)), ex(f64(4, 1), f64(4), grad_scale=0.5)])
    table += cases("LogisticRegressionOutput", lambda x, y, **_: 1 / (1 + np.exp(-x)),
                   [ex(f32(4, 3), floats(4, 3, low=0, high=1)), ex(f64(5), f64(5))])
    return table


def _random():
    shaped = dict(shape=(3, 4), seed=7)
    return [
        Case("random_uniform", (), lambda: np.empty((3, 4), np.float32), shaped,
             sample_range=(0.0, 1.0)),
        Case("random_uniform", (f64(2, 5),), lambda like: np.empty((2, 5), np.float64),
             dict(low=-2.0, high=3.0, dtype="float64"), sample_range=(-2.0, 3.0)),
        Case("random_normal", (), lambda: np.empty((3, 4), np.float32), shaped,
             sample_range=(-np.inf, np.inf)),
        Case("random_normal", (ints(0, 2),), lambda like: np.empty((0, 2), np.float64),
             dict(loc=1.0, scale=2.0, dtype=np.float64), sample_range=(-np.inf, np.inf)),
    ]


CASES = _layers() + _losses() + _random()
