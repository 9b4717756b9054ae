"""Example cases of the layout, indexing and matrix-product ops (see ``table.py``)."""

import operator

import numpy as np

import symgraph as sg

from .table import Case, bools, cases, ex, f32, f64, ints, key_text, same

_X = f32(2, 3, 4)


def _reshapes():
    return [
        *cases("transpose", np.transpose, [
            ex(_X), ex(_X, axes=(1, 0, 2)), ex(_X, axes=(-1, 0, 1)), ex(f32()), ex(ints(3)),
            ex(bools(2, 3), axes=(1, 0)), ex(f32(0, 2))]),
        same("transpose", lambda a: a.transpose(2, 0, 1), f64(2, 3, 4)),
        same("transpose", lambda a: a.T, f32(2, 3)),
        *cases("swapaxes", np.swapaxes, [
            ex(_X, axis1=0, axis2=-1), ex(ints(2, 3), axis1=1, axis2=0),
            ex(f32(2, 1), axis1=0, axis2=0)]),
        *cases("reshape", np.reshape, [
            ex(_X, shape=(4, -1)), ex(_X, shape=(24,)), ex(f32(), shape=(1, 1)),
            ex(f32(0, 3), shape=(-1, 3)), ex(ints(6), shape=(2, 3)), ex(f32(1), shape=())]),
        same("reshape", lambda a: a.reshape(3, 2), f32(2, 3)),
        same("reshape", lambda a: a.reshape((-1,)), bools(2, 2)),
        Case("reshape_like", (f32(2, 3), ints(3, 2)), lambda x, like: x.reshape(3, 2)),
        Case("reshape_like", (f64(4), f32(1, 4, 1)), lambda x, like: x.reshape(1, 4, 1)),
        Case("flatten", (_X,), lambda a: a.reshape(2, 12)),
        Case("flatten", (ints(3),), lambda a: a.reshape(3, 1)),
        Case("flatten", (f32(0, 3, 2),), lambda a: a.reshape(0, 6)),
        Case("flatten", (f32(3, 1, 2),), lambda a: a.reshape(3, 2), build=lambda a: a.flatten()),
        *cases("expand_dims", np.expand_dims, [
            ex(f32(2, 3), axis=0), ex(f32(2, 3), axis=-1), ex(ints(2, 3), axis=1),
            ex(f32(), axis=0), ex(f32(2, 3), axis=-2)]),
        *cases("squeeze", np.squeeze, [
            ex(f32(1, 3, 1)), ex(f32(1, 3, 1), axis=-1), ex(f32(1, 3, 1), axis=(0, 2)),
            ex(f32(1)), ex(ints(2, 1), axis=1), ex(f32(0, 1), axis=1)]),
    ]


def _broadcasts():
    return [
        *cases("broadcast_to", np.broadcast_to, [
            ex(f32(3), shape=(2, 3)), ex(f32(), shape=(2, 2)), ex(ints(3, 1), shape=(2, 3, 4)),
            ex(f32(1), shape=(0,)), ex(bools(2), shape=(2,))]),
        Case("broadcast_like", (f32(3, 1), f64(2, 3, 4)),
             lambda x, like: np.broadcast_to(x, (2, 3, 4))),
        Case("broadcast_like", (ints(), f32(2)), lambda x, like: np.full(2, x, np.int32)),
        Case("unreduce", (f32(2, 4), _X), lambda g, x: np.repeat(g[:, None, :], 3, axis=1),
             {"axis": 1}),
        Case("unreduce", (f32(2, 1, 1), _X), lambda g, x: np.tile(g, (1, 3, 4)),
             {"axis": (1, -1), "keepdims": True}),
        Case("unreduce", (f64(), f32(2, 3)), lambda g, x: np.full((2, 3), g)),
        Case("size_of", (_X,), lambda x: np.float32(24)),
        Case("size_of", (_X,), lambda x: np.int64(8), {"axis": (0, -1), "dtype": "int64"}),
        Case("size_of", (f32(0, 3),), lambda x: np.float64(0), {"axis": 0, "dtype": np.float64}),
    ]


def _joins():
    a, b, c = f32(2, 3), f32(1, 3), f32(0, 3)
    return [
        *cases("concat", lambda *xs, axis=0: np.concatenate(xs, axis=axis), [
            ex(a, b), ex(a, b, c), ex(f32(2, 1), f32(2, 3), axis=-1), ex(a, ints(4, 3)),
            ex(f64(2), axis=0), ex(bools(2, 2), bools(2, 1), axis=1)]),
        Case("concat", (f32(2, 2), f32(2, 1)), lambda x, y: np.concatenate([x, y], axis=1),
             build=lambda x, y: sg.concat([x, y], axis=1)),
        Case("concat_part", (f32(6, 3), a, b, f32(3, 3)), lambda g, *parts: g[2:3],
             {"axis": 0, "index": 1}),
        Case("concat_part", (f64(2, 5), f32(2, 2), f32(2, 3)), lambda g, *parts: g[:, 2:],
             {"axis": -1, "index": 1}),
        Case("concat_part", (ints(4), ints(4)), lambda g, p: g, {"axis": 0, "index": 0}),
        *cases("stack", lambda *xs, axis=0: np.stack(xs, axis=axis), [
            ex(a, a), ex(a, f32(2, 3), f32(2, 3), axis=-1), ex(a, ints(2, 3), axis=1),
            ex(f32(), f32()), ex(c, c, axis=1)]),
    ]


_SLICES = [  # numpy basic indices of a (4, 3, 2) array
    np.s_[1], np.s_[1:], np.s_[::-1], np.s_[..., None], np.s_[-1, ::2], np.s_[:, -2:, 1],
    np.s_[None, 1:3, ..., ::-1], np.s_[()], np.s_[5:], np.s_[-10:2, :0], np.s_[3:0:-2, 1, -1],
]


def _sliced(x, key):
    return Case("slice", (x,), lambda a: a[key], build=lambda a: a[key], note=key_text(key))


def _indexing():
    x = f32(4, 3, 2)
    table = [_sliced(x, key) for key in _SLICES]
    table += [_sliced(f64(), np.s_[None]), _sliced(ints(3, 2), np.s_[1:, 0]),
              _sliced(bools(2), np.s_[...])]
    table += [
        Case("unslice", (f32(2, 3), f32(4, 3)),
             lambda g, x: np.concatenate([np.zeros((1, 3), np.float32), g,
                                          np.zeros((1, 3), np.float32)]),
             {"index": (("s", 1, 3, None),)}),
        Case("unslice", (f64(2), f32(3, 2)), lambda g, x: np.array([[0, 0], g, [0, 0]]),
             {"index": (("i", -2),)}),
        Case("unslice", (ints(2), ints(4)), lambda g, x: np.array([0, g[1], 0, g[0]], np.int32),
             {"index": (("s", None, None, -2),)}),
    ]
    table += cases("take", lambda a, i, axis=0: np.take(a, i, axis=axis), [
        ex(f32(4, 3), np.array([0, 3, -1, 0], np.int32)),
        ex(f32(4, 3), np.array([[2, 0], [1, -3]], np.int64), axis=-1),
        ex(ints(5), np.array(4, np.int64)),
        ex(f64(2, 3, 2), np.array([1, 1], np.uint8), axis=1),
        ex(f32(3, 2), np.zeros(0, np.int32)),
    ])
    g = f32(4, 3)
    table += [
        Case("take_backward", (g, np.array([0, 3, -1, 0], np.int32), f32(4, 3)),
             lambda g, i, a: np.stack([g[0] + g[3], np.zeros(3, np.float32),
                                       np.zeros(3, np.float32), g[1] + g[2]]),
             {"axis": 0}),
        Case("take_backward", (f64(2, 1, 2), np.array([[1, 1]], np.int64), f32(2, 3)),
             lambda g, i, a: np.stack([np.zeros(2), g[:, 0].sum(-1), np.zeros(2)], axis=-1),
             {"axis": 1}),
    ]
    table += cases("one_hot", _one_hot, [
        ex(np.array([0, 2, 1], np.int32), depth=3),
        ex(np.array([[1], [0]], np.int64), depth=2, on_value=5, off_value=-1, dtype="int32"),
        ex(np.array(3, np.int8), depth=4, dtype=np.float64),
        ex(np.zeros(0, np.int32), depth=2),
    ])
    return table


def _one_hot(indices, depth, on_value=1.0, off_value=0.0, dtype="float32"):
    """Rows of ``off_value`` with ``on_value`` at each index, one element at a time."""
    out = np.full(indices.shape + (depth,), off_value, dtype=dtype)
    for position in np.ndindex(indices.shape):
        out[position + (indices[position],)] = on_value
    return out


def _products():
    return [
        *cases("matmul", np.matmul, [
            ex(f32(2, 3), f32(3, 4)), ex(f32(3), f32(3, 4)), ex(f64(2, 3), f64(3)),
            ex(f32(3), f32(3)), ex(f32(2, 1, 3, 4), f32(5, 4, 2)), ex(ints(2, 2), ints(2, 2)),
            ex(f32(2, 3), f64(3, 2)), ex(f32(0, 3), f32(3, 2)), ex(f32(2, 0), f32(0, 2))]),
        same("matmul", operator.matmul, f32(2, 3), f32(3, 4)),
        *cases("dot", np.dot, [
            ex(f32(2, 3), f32(3, 4)), ex(f32(2, 3, 4), f32(4, 5)), ex(f64(2, 3, 4), f64(5, 4, 6)),
            ex(f32(3), f32(2, 3, 4)), ex(f32(2, 3, 4), f32(4)), ex(f32(4), f32(4)),
            ex(ints(2, 3), ints(3)), ex(f64(), f64(2, 3))]),
        Case("dot", (f32(3),), lambda a: a * 2.0, build=lambda a: sg.dot(a, 2.0)),
    ]


CASES = _reshapes() + _broadcasts() + _joins() + _indexing() + _products()
