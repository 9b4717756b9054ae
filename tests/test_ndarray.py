"""NDArray: the seed tutorial's sequence, in-place updates by buffer address,
conversions, contexts and errors."""

import numpy as np
import pytest

import symgraph as sg
from symgraph.testing import assert_allclose

nd = sg.nd


def address(x):
    return np.asarray(x).__array_interface__["data"][0]


def test_the_tutorial_sequence():
    x = nd.arange(12)
    assert x.shape == (12,) and x.size == 12 and x.dtype == np.float32
    x = x.reshape((3, 4))
    assert (x.shape, x.ndim) == ((3, 4), 2)
    assert_allclose(nd.zeros((2, 3, 4)).asnumpy(), np.zeros((2, 3, 4)))
    assert_allclose(nd.ones((2, 3)).asnumpy(), np.ones((2, 3)))
    y = nd.array([[2, 1, 4, 3], [1, 2, 3, 4], [4, 3, 2, 1]])
    xs, ys = x.asnumpy(), y.asnumpy()
    for got, want in [(x + y, xs + ys), (x - y, xs - ys), (x * y, xs * ys), (x / y, xs / ys),
                      (nd.exp(y), np.exp(ys)), (nd.dot(x, y.T), xs @ ys.T),
                      (nd.concat(x, y, axis=0), np.concatenate([xs, ys])),
                      (x.sum(), xs.sum()), (x.mean(axis=1), xs.mean(axis=1))]:
        assert_allclose(got.asnumpy(), want, rtol=1e-6)
    assert_allclose((x == y).asnumpy(), xs == ys)
    assert x.norm().asscalar() == pytest.approx(np.linalg.norm(xs), rel=1e-6)
    a = nd.arange(3).reshape((3, 1))
    b = nd.arange(2).reshape((1, 2))
    assert_allclose((a + b).asnumpy(), np.arange(3).reshape(3, 1) + np.arange(2))
    assert_allclose(x[1:3].asnumpy(), xs[1:3])
    x[1, 2] = 9
    x[1:2, 1:3] = 12
    assert x.asnumpy()[1].tolist() == [4.0, 12.0, 12.0, 7.0]


def test_in_place_updates_keep_the_buffer():
    x, y = nd.ones((3, 4)), nd.arange(12).reshape((3, 4))
    z = nd.zeros((3, 4))
    before = address(y)
    y += x
    y[:] = x + y
    nd.add(x, y, out=y)
    assert address(y) == before
    before = address(z)
    result = nd.add(x, y, out=z)
    assert result is z and address(z) == before
    assert_allclose(z.asnumpy(), 1 + (np.arange(12).reshape(3, 4) + 3))


def test_in_place_refuses_unsafe_casts_and_bad_shapes():
    ints = nd.zeros((3,), dtype="int32")
    with pytest.raises(sg.DTypeError, match="in place"):
        ints += nd.array([0.5, 1.5, 2.5])
    with pytest.raises(sg.ShapeError):
        nd.zeros((3,)).assign(nd.ones((2,)))


def test_contiguous_basic_slices_are_views_as_in_mxnet():
    x = sg.nd.arange(12).reshape((3, 4))
    row, rows = x[1], x[1:3]
    row[:] = -1
    rows += 100
    assert x.asnumpy().tolist()[1:] == [[99.0] * 4, [108.0, 109.0, 110.0, 111.0]]
    column = x[:, 1]  # strided: a copy, as MXNet's slice op makes
    column[:] = 0
    assert x.asnumpy()[0, 1] == 1.0
    w = sg.nd.ones((2, 2))
    w.attach_grad()
    with sg.autograd.record():  # recorded: the slice is an op the tape sees
        y = (w[0] * 3).sum()
    y.backward()
    assert w.grad.asnumpy().tolist() == [[3.0, 3.0], [0.0, 0.0]]
    with pytest.raises(sg.ShapeError, match="out of bounds"):
        x[3]


def test_remembered_eager_calls_still_check_every_call():
    """Eager calls reuse their checked attributes and inferred types per
    signature (``eager._prepared``); a call that differs in an attribute's type
    or an input's shape is checked afresh."""
    a = sg.nd.ones((3,))
    assert sg.nd.sum(a, axis=(0,)).asscalar() == 3.0
    with pytest.raises(sg.AttrError, match="must be an int"):
        sg.nd.sum(a, axis=(0.0,))  # equal to (0,) as a Python value, not as an attribute
    assert (a * 2).shape == (3,) and (sg.nd.ones((2, 3)) * 2).shape == (2, 3)
    with pytest.raises(sg.ShapeError):
        a + sg.nd.ones((2,))


def test_conversions_and_copies():
    data = np.arange(6, dtype=np.float64).reshape(2, 3)
    x = nd.array(data)
    assert x.dtype == np.float64
    assert nd.array([[1, 2]]).dtype == np.float32  # lists default to float32, as MXNet
    assert np.asarray(x) is np.asarray(x)          # the buffer, shared
    copy = x.asnumpy()
    copy[0, 0] = 100
    assert x.asnumpy()[0, 0] == 0                  # asnumpy copies
    assert x[1, 2].asscalar() == 5.0 and x[0, 1].item() == 1.0
    other = nd.zeros((2, 3), dtype="float64")
    x.copyto(other)
    assert_allclose(other.asnumpy(), data)
    moved = x.copyto(sg.cpu(0))
    assert moved is not x and moved.context == sg.cpu(0)
    assert x.as_in_context(sg.cpu()) is x


def test_repr_is_readable():
    text = repr(nd.ones((3, 4)))
    assert text.strip().endswith("<NDArray 3x4 @cpu(0)>")


def test_random_arrays_follow_the_seed():
    sg.random.seed(42)
    a = nd.random.normal(0, 1, shape=(1000,))
    b = nd.random.uniform(-1, 2, shape=(1000,))
    sg.random.seed(42)
    assert np.array_equal(nd.random.normal(0, 1, shape=(1000,)).asnumpy(), a.asnumpy())
    assert abs(a.asnumpy().mean()) < 0.1 and 0.9 < a.asnumpy().std() < 1.1
    assert -1 <= b.asnumpy().min() and b.asnumpy().max() < 2


def test_errors_are_symgraph_errors():
    with pytest.raises(sg.ShapeError, match="do not broadcast"):
        nd.ones((2, 3)) + nd.ones((4,))
    with pytest.raises(sg.ShapeError, match="asscalar needs an array of one element"):
        nd.ones((2,)).asscalar()
    with pytest.raises(sg.DTypeError, match="not supported"):
        nd.array(np.ones(2, np.float16))
    with pytest.raises(sg.ContextError, match="GPU backend"):
        nd.zeros((2,), ctx=sg.gpu(0))
    with pytest.raises(sg.OutOfRangeError, match="take index 5"):
        nd.ones((3, 2))[nd.array([0, 5], dtype="int64")]
    with pytest.raises(ValueError, match="ambiguous"):
        bool(nd.ones((2,)))


def test_eager_ops_check_attributes_and_python_scalars_as_symbols_do():
    with pytest.raises(sg.AttrError, match="low must be below high"):
        nd.random.uniform(1.0, 0.0, shape=(2,))
    with pytest.raises(sg.AttrError, match="scale must not be negative"):
        nd.random.normal(0.0, -1.0, shape=(2,))
    with pytest.raises(sg.DTypeError, match="Python integer 1000 out of bounds for int8"):
        nd.ones((2,), dtype="int8") + 1000
    with pytest.raises(sg.DomainError, match="negative integer powers"):
        nd.array([2, 3], dtype="int32") ** -1


def test_numpy_operands_defer_to_ndarray():
    x = nd.ones((2,))
    result = np.ones(2) * x
    assert isinstance(result, sg.nd.NDArray)


@pytest.mark.parametrize("make, error, words", [
    (lambda: nd.array(["a"]), sg.ShapeError, "rectangular nest of numbers"),
    (lambda: nd.array([[1, 2], [3]]), sg.ShapeError, "rectangular nest of numbers"),
    (lambda: nd.array([1j]), sg.DTypeError, "cannot hold these values as float32"),
    (lambda: nd.zeros((-1,)), sg.AttrError, "must not have a negative size"),
    (lambda: nd.full((2, 1.5), 0), sg.AttrError, "shape"),
    (lambda: nd.arange(0, 5, 0), sg.AttrError, "step must not be 0"),
])
def test_bad_creation_arguments_raise_symgraph_errors(make, error, words):
    with pytest.raises(error, match=words):
        make()
