"""Dtype promotion follows numpy 2 with weak Python scalars (NEP 50).

Each expression is written once, over a namespace ``m``: run with ``m=np`` on
arrays it is numpy's answer, with ``m=sg`` on variables it builds the graph.
"""

import numpy as np
import pytest

import symgraph as sg

from .table import run_symbol


def sample(dtype, shape):
    """Small positive values of ``dtype`` (safe for division and powers)."""
    dtype = np.dtype(dtype)
    counts = np.arange(np.prod(shape)).reshape(shape) % 3  # 0, 1, 2, 0, ...
    if dtype.kind == "b":
        return counts == 0
    return ((counts + 1) * (1.5 if dtype.kind == "f" else 1)).astype(dtype)


PROMOTIONS = [  # (expression, dtypes of x and y, id)
    (lambda m, x: x * 2.0, ["float32"], "f32*2.0"),
    (lambda m, x: x * 2, ["float32"], "f32*2"),
    (lambda m, x: x * 2.0, ["float64"], "f64*2.0"),
    (lambda m, x: x + 1, ["int32"], "i32+1"),
    (lambda m, x: x * 0.5, ["int32"], "i32*0.5"),
    (lambda m, x: x + 1, ["int8"], "i8+1"),
    (lambda m, x: x - 1, ["uint8"], "u8-1"),
    (lambda m, x: x + True, ["int32"], "i32+True"),
    (lambda m, x: x * 1, ["bool"], "bool*1"),
    (lambda m, x, y: x + y, ["float32", "float64"], "f32+f64"),
    (lambda m, x, y: x + y, ["int32", "int64"], "i32+i64"),
    (lambda m, x, y: x + y, ["int32", "float32"], "i32+f32"),
    (lambda m, x, y: x + y, ["uint8", "int32"], "u8+i32"),
    (lambda m, x, y: x * y, ["bool", "float32"], "bool*f32"),
    (lambda m, x, y: x < y, ["float32", "int32"], "f32<i32"),
    (lambda m, x: x == 1, ["int32"], "i32==1"),
    (lambda m, x: 2.5 >= x, ["int64"], "2.5>=i64"),
    (lambda m, x: m.exp(x), ["int32"], "exp(i32)"),
    (lambda m, x: m.exp(x), ["int64"], "exp(i64)"),
    (lambda m, x: m.exp(x), ["float32"], "exp(f32)"),
    (lambda m, x: m.sqrt(x), ["float64"], "sqrt(f64)"),
    (lambda m, x, y: x / y, ["int32", "int32"], "i32/i32"),
    (lambda m, x: x / 2, ["float32"], "f32/2"),
    (lambda m, x: x / 2, ["int32"], "i32/2"),
    (lambda m, x: 2.0 / x, ["int32"], "2.0/i32"),
    (lambda m, x: x ** 2, ["int32"], "i32**2"),
    (lambda m, x: x ** 2.0, ["float32"], "f32**2.0"),
    (lambda m, x: 2 ** x, ["int32"], "2**i32"),
    (lambda m, x: x ** 0.5, ["int32"], "i32**0.5"),
    (lambda m, x: m.maximum(x, 1.5), ["int32"], "maximum(i32,1.5)"),
    (lambda m, x, y: m.where(x > 1, x, y), ["int32", "float32"], "where(i32,f32)"),
    (lambda m, x, y: x @ y, ["float32", "float64"], "f32@f64"),
    (lambda m, x: m.mean(x), ["int32"], "mean(i32)"),
    (lambda m, x: m.sum(x), ["int32"], "sum(i32)"),
    (lambda m, x: m.sum(x), ["bool"], "sum(bool)"),
    (lambda m, x: m.abs(x), ["int8"], "abs(i8)"),
]

# numpy scalars are not weak: only Python's are (NEP 50).
NUMPY_SCALARS = [
    (lambda m, x: np.float64(2.0) * x, ["float32"], "float64(2)*f32"),
    (lambda m, x: x + np.int32(1), ["int8"], "i8+int32(1)"),
    (lambda m, x: m.maximum(x, np.float64(0.5)), ["float32"], "maximum(f32,float64(0.5))"),
]

SHAPES = [(2, 3), (3,)]


@pytest.mark.parametrize("expression, dtypes", [
    pytest.param(expression, dtypes, id=name) for expression, dtypes, name in PROMOTIONS] + [
    pytest.param(expression, dtypes, id=name)
    for expression, dtypes, name in NUMPY_SCALARS])
def test_promotion_matches_numpy(expression, dtypes):
    names = "xy"[:len(dtypes)]
    arrays = {n: sample(d, s) for n, d, s in zip(names, dtypes, SHAPES)}
    expected = np.asarray(expression(np, *arrays.values()))

    (out,) = run_symbol(expression(sg, *map(sg.var, names)), arrays)
    assert out.dtype == expected.dtype
    np.testing.assert_allclose(out, expected, rtol=1e-6)

    declared = [sg.var(n, shape=a.shape) for n, a in arrays.items()]
    _, (out_type,), _ = expression(sg, *declared).infer_type(
        **{n: a.dtype for n, a in arrays.items()})
    assert out_type == expected.dtype.type
