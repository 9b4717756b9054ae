"""Property tests against numpy: broadcasting of binary ops over random shape
pairs, and basic slicing (and its gradient's scatter, ``unslice``) with random
keys, where keys numpy refuses must give a symgraph ShapeError. Examples are
derandomized, so every run tests the same ones."""

import operator

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import symgraph as sg
from symgraph.build import apply

from .table import assert_matches, run_symbol

EXAMPLES = settings(max_examples=40, deadline=None, derandomize=True, database=None)

BINARY = {"add": operator.add, "subtract": operator.sub, "multiply": operator.mul,
          "divide": operator.truediv, "maximum": np.maximum, "minimum": np.minimum,
          "greater": operator.gt, "equal": operator.eq}
DTYPES = ["float32", "float64", "int32", "int64"]


def positive_data(shape, dtype, seed):
    """Values in [1, 4): no division by zero, and ties for the comparisons."""
    values = np.random.default_rng(seed).integers(1, 4, size=shape)
    return values.astype(dtype) * (0.5 if np.dtype(dtype).kind == "f" else 1)


@EXAMPLES
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4,
                                                min_side=0, max_side=3),
       op=st.sampled_from(sorted(BINARY)), dtypes=st.tuples(*[st.sampled_from(DTYPES)] * 2),
       seed=st.integers(0, 2**16))
def test_binary_ops_broadcast_as_numpy_does(shapes, op, dtypes, seed):
    a, b = (positive_data(s, d, seed + k)
            for k, (s, d) in enumerate(zip(shapes.input_shapes, dtypes)))
    symbol = getattr(sg, op)(sg.var("a"), sg.var("b"))
    (out,) = run_symbol(symbol, {"a": a, "b": b})
    assert_matches(out, np.asarray(BINARY[op](a, b)), what=op)
    assert out.shape == shapes.result_shape


small_shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3)


@EXAMPLES
@given(a=small_shapes, b=small_shapes)
def test_shapes_that_numpy_cannot_broadcast_are_a_shape_error(a, b):
    symbol = sg.var("a") * sg.var("b")
    try:
        expected = np.broadcast_shapes(a, b)
    except ValueError:
        with pytest.raises(sg.ShapeError, match="do not broadcast"):
            symbol.infer_shape(a=a, b=b)
        return
    assert symbol.infer_shape(a=a, b=b)[1] == [expected]


bounds = st.none() | st.integers(-5, 5)
index_items = st.one_of(
    st.integers(-5, 5),
    st.builds(slice, bounds, bounds, st.none() | st.integers(-3, 3)),  # step 0 is refused
    st.none(),
    st.just(Ellipsis),  # twice in one key is refused
)
keys = index_items | st.lists(index_items, max_size=5).map(tuple)


@EXAMPLES
@given(shape=hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=4), key=keys)
def test_basic_slicing_matches_numpy(shape, key):
    x = np.arange(np.prod(shape), dtype=np.float32).reshape(shape)
    symbol = sg.var("x")[key]
    try:
        expected = np.asarray(x[key])
    except (IndexError, ValueError):
        with pytest.raises(sg.ShapeError, match="does not apply to shape"):
            symbol.infer_shape(x=shape)
        return
    (out,) = run_symbol(symbol, {"x": x})
    assert_matches(out, expected, what=f"x[{key}]")

    g = expected + 1
    scattered = np.zeros_like(x)
    scattered[key] = g
    unslice = apply("unslice", (sg.var("g"), sg.var("x")), symbol.value.node.attrs.as_dict())
    (out,) = run_symbol(unslice, {"g": g, "x": x})
    assert_matches(out, scattered, what=f"unslice at [{key}]")
