"""Example cases of the elementwise ops and the reductions (see ``table.py``)."""

import operator

import numpy as np

from .table import Case, as_float, bools, cases, ex, f32, f64, floats, ints, same


def _float_function_inputs(low):
    """Inputs of a float-valued function whose domain starts at ``low``."""
    return [ex(floats(2, 3, low=low)), ex(floats(4, dtype=np.float64, low=low)),
            ex(floats(low=low)), ex(floats(0, 3, low=low)),
            ex(ints(3, low=1 if low > 0 else -3)), ex(ints(2, 2, dtype=np.int64, low=1)),
            ex(np.array([True, True, False]) if low < 0 else np.ones(3, bool))]


_FLOAT_FUNCTIONS = {  # name: (numpy expression, lowest input)
    "exp": (np.exp, -2.0), "expm1": (np.expm1, -2.0), "tanh": (np.tanh, -2.0),
    "sin": (np.sin, -2.0), "cos": (np.cos, -2.0),
    "log": (np.log, 0.5), "log1p": (np.log1p, 0.5), "sqrt": (np.sqrt, 0.5),
    "sigmoid": (lambda x: 1 / (1 + np.exp(-x)), -2.0),
    "softplus": (lambda x: np.log1p(np.exp(x)), -2.0),
}

_NUMERIC_INPUTS = [ex(f32(2, 3)), ex(f64(3)), ex(f32()), ex(f32(0, 2)), ex(ints(2, 3)),
                   ex(ints(4, dtype=np.int64)), ex(ints(3, dtype=np.int8))]
_SAME_DTYPE_FUNCTIONS = {
    "negative": np.negative, "square": np.square, "abs": np.abs, "sign": np.sign,
    "relu": lambda a: np.maximum(a, 0),
}

_ANY_INPUTS = [ex(f32(2, 3)), ex(ints(3, dtype=np.int64)), ex(bools(2, 2)), ex(f64()),
               ex(f32(0, 4))]


def _unary():
    table = []
    for name, (fn, low) in _FLOAT_FUNCTIONS.items():
        table += cases(name, lambda a, fn=fn: fn(as_float(a)), _float_function_inputs(low))
    for name, fn in _SAME_DTYPE_FUNCTIONS.items():
        table += cases(name, fn, _NUMERIC_INPUTS)
    table += cases("zeros_like", np.zeros_like, _ANY_INPUTS)
    table += cases("ones_like", np.ones_like, _ANY_INPUTS)
    table += [
        Case("cast", (np.array([-1.7, -0.5, 0.5, 1.7], np.float32),),
             lambda a: np.array([-1, 0, 0, 1], np.int32), {"dtype": "int32"}),
        Case("cast", (f64(2, 3),), lambda a: a.astype(np.float32), {"dtype": np.float32}),
        Case("cast", (np.array([0, 2, -1], np.int32),), lambda a: np.array([False, True, True]),
             {"dtype": bool}),
        Case("cast", (np.array([True, False]),), lambda a: np.array([1.0, 0.0]),
             {"dtype": np.dtype("float64")}),
        Case("cast", (ints(3, dtype=np.int64, low=0, high=256),), lambda a: a.astype(np.uint8),
             {"dtype": "uint8"}),
        same("cast", lambda a: a.astype("float64"), ints(2, 2)),
        Case("clip", (f32(2, 3),), lambda a: np.minimum(np.maximum(a, -0.5), 0.5),
             {"a_min": -0.5, "a_max": 0.5}),
        Case("clip", (f64(4),), lambda a: np.maximum(a, 0.0), {"a_min": 0.0}),
        Case("clip", (f32(),), lambda a: np.minimum(a, -1.0), {"a_max": -1.0}),
        Case("clip", (f32(3),), lambda a: a, {}),
        Case("clip", (ints(2, 3),), lambda a: np.minimum(np.maximum(a, -1), 2),
             {"a_min": -1, "a_max": 2}),
        Case("clip", (f32(0, 2),), lambda a: a, {"a_min": 0, "a_max": 1}),
    ]
    return table


def _pairs(low):
    """Broadcasting pairs of inputs (arrays and weak Python scalars) in ``[low, ...)``."""
    lo_int = 1 if low > 0 else -3
    return [
        ex(floats(2, 3, low=low), floats(3, low=low)),
        ex(floats(4, 1, dtype=np.float64, low=low), floats(1, 5, low=low)),
        ex(ints(2, 3, low=lo_int), ints(3, dtype=np.int64, low=lo_int)),
        ex(floats(2, 3, low=low), 2.0),
        ex(ints(2, 3, low=lo_int), 2),
        ex(ints(3, low=lo_int), 0.5),
        ex(3.0, floats(2, low=low)),
        ex(floats(low=low), floats(2, 3, low=low)),
        ex(floats(0, 3, low=low), floats(3, low=low)),
        ex(ints(2, 2, dtype=np.uint8, low=1, high=4), ints(2, low=lo_int)),
        ex(floats(2, 1, 3, low=low), ints(4, 1, low=lo_int)),
        ex(ints(2, 3, dtype=np.int8, low=lo_int), floats(3, low=low)),  # float32 (numpy 2)
    ]


_ARITHMETIC = {  # name: (numpy expression or Python operator, lowest input)
    "add": (operator.add, -2.0), "subtract": (operator.sub, -2.0),
    "multiply": (operator.mul, -2.0), "divide": (operator.truediv, 0.5),
    "power": (operator.pow, 0.5), "maximum": (np.maximum, -2.0), "minimum": (np.minimum, -2.0),
}

_COMPARISONS = {
    "equal": operator.eq, "not_equal": operator.ne, "greater": operator.gt,
    "greater_equal": operator.ge, "less": operator.lt, "less_equal": operator.le,
}
_COMPARED = [ex(ints(2, 3), ints(3)), ex(f32(2, 3), f32(2, 3)), ex(f64(3), ints(3)),
             ex(ints(4), 1), ex(bools(3), bools(3)), ex(f32(), f32(0, 2)), ex(0.5, f32(2, 2))]


def _binary():
    table = []
    for name, (fn, low) in _ARITHMETIC.items():
        table += cases(name, fn, _pairs(low))
        if name not in ("maximum", "minimum"):  # the Symbol operator, and reflected
            table.append(same(name, fn, floats(2, 3, low=low), floats(3, low=low)))
            table.append(same(name, lambda a, fn=fn: fn(2.0, a), floats(2, low=low)))
    table.append(same("multiply", operator.mul, bools(2, 2), bools(2)))
    for name, fn in _COMPARISONS.items():
        table += cases(name, fn, _COMPARED)
        table.append(same(name, fn, ints(3, 1), ints(1, 2)))
    table += cases("where", np.where, [
        ex(bools(2, 3), f32(2, 3), f32(3)),
        ex(ints(2, 3), ints(2, 3), 0.0),
        ex(bools(3, 1), f64(1, 4), f32()),
        ex(bools(0), f32(0), 1.0),
    ])
    table.append(Case("where", (bools(3), 1.0, 0.0),  # two Python floats: the graph default
                      lambda c, x, y: np.where(c, x, y).astype(np.float32)))
    return table


_X = f32(2, 3, 4)
_AXES = [ex(_X), ex(_X, axis=1), ex(_X, axis=-1, keepdims=True), ex(_X, axis=(0, 2)),
         ex(_X, axis=(0, -1), keepdims=True), ex(f64(3)), ex(f32()), ex(ints(2, 3), axis=0),
         ex(ints(2, 3, dtype=np.int64), axis=(-1,)), ex(f32(0, 3), axis=1)]


def _reductions():
    table = []
    for name, fn in (("sum", np.sum), ("mean", np.mean), ("prod", np.prod), ("max", np.max),
                     ("min", np.min)):
        table += cases(name, fn, _AXES)
        table.append(same(name, lambda a, name=name: getattr(a, name)(axis=0), f32(3, 2)))
    table += cases("sum", np.sum, [ex(f32(0, 3)), ex(ints(2, 2, dtype=np.int8))])
    table += cases("prod", np.prod, [ex(f32(0, 3), axis=0)])
    with_zeros = np.array([[0.0, 2.0, 3.0], [0.0, 0.0, 1.5], [1.0, -2.0, 0.5]])
    table += cases("prod", np.prod, [ex(with_zeros, axis=1), ex(with_zeros, axis=(0, 1)),
                                     ex(with_zeros.astype(np.float32), axis=0, keepdims=True)])
    table += cases("sum", np.sum, [ex(bools(2, 3)), ex(bools(4), axis=0, keepdims=True)])
    table += cases("prod", np.prod, [ex(bools(2, 3), axis=1)])
    table += cases("max", np.max, [ex(bools(2, 3), axis=1)])
    table += cases("min", np.min, [ex(bools(3))])
    # The mean of bools is in the default float, where numpy's is float64.
    table += cases("mean", lambda a, **kw: np.mean(a, dtype=np.float32, **kw),
                   [ex(bools(2, 3), axis=0)])
    ties = np.array([[1, 3, 3], [2, 2, 0]], np.int32)
    arg_examples = [ex(f32(3, 4)), ex(f32(3, 4), axis=1), ex(f32(3, 4), axis=-1, keepdims=True),
                    ex(f32(2, 3), keepdims=True), ex(f32()), ex(ties, axis=1), ex(ties, axis=0)]
    table += cases("argmax", np.argmax, arg_examples)
    table += cases("argmin", np.argmin, arg_examples)
    table += [
        Case("sum_to_like", (f32(2, 3, 4), f32(3, 1)),
             lambda x, like: x.sum(axis=0).sum(axis=1, keepdims=True)),
        Case("sum_to_like", (f64(2, 3), f64()), lambda x, like: x.sum()),
        Case("sum_to_like", (f32(2, 3), f32(2, 3)), lambda x, like: x),
        Case("sum_to_like", (ints(2, 3), ints(3)), lambda x, like: x.sum(axis=0, dtype=np.int32)),
    ]
    return table


CASES = _unary() + _binary() + _reductions()
