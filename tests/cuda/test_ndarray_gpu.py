"""Device NDArrays: creation on the device, copies across devices, in-place
writes, and what eager operations give."""

import numpy as np
import pytest

import symgraph as sg
from symgraph.backend.cuda import device

nd = sg.nd
GPU = sg.gpu(0)


def test_creation_on_device():
    for array in (nd.zeros((3, 4), ctx=GPU), nd.ones((2,), ctx=GPU, dtype="int32"),
                  nd.full((2, 2), 7.0, ctx=GPU), nd.arange(0, 5, ctx=GPU),
                  nd.array([[1, 2], [3, 4]], ctx=GPU)):
        assert array.context == GPU
        assert device.is_device_array(array._data)
    np.testing.assert_array_equal(nd.full((2, 2), 7.0, ctx=GPU).asnumpy(), np.full((2, 2), 7.0))
    with GPU:
        assert nd.zeros((2,)).context == GPU


def test_copies_across_devices():
    host = np.arange(12, dtype=np.float32).reshape(3, 4)
    on_gpu = nd.array(host).copyto(GPU)
    back = on_gpu.copyto(sg.cpu())
    assert (on_gpu.context, back.context) == (GPU, sg.cpu())
    np.testing.assert_array_equal(back.asnumpy(), host)
    target = nd.zeros((3, 4), ctx=GPU)
    on_gpu.copyto(target)
    np.testing.assert_array_equal(target.asnumpy(), host)
    copy = on_gpu.copy()
    copy[:] = 0
    np.testing.assert_array_equal(on_gpu.asnumpy(), host)
    assert on_gpu.as_in_context(GPU) is on_gpu


def test_in_place_writes_and_errors():
    x = nd.zeros((2, 3), ctx=GPU)
    x[1] = 5
    x += 1
    np.testing.assert_array_equal(x.asnumpy(), [[1, 1, 1], [6, 6, 6]])
    x.assign(np.ones((3,)))  # broadcast
    np.testing.assert_array_equal(np.asarray(x), np.ones((2, 3)))
    with pytest.raises(sg.ShapeError):
        x.assign(np.ones((4,)))
    with pytest.raises(sg.DTypeError):
        nd.zeros((2,), ctx=GPU, dtype="int32").assign(np.ones(2, np.float32))


def test_eager_results_stay_on_the_device():
    a = nd.array([1.0, 2.0], ctx=GPU)
    b = (a * 2 + 1).exp()
    assert b.context == GPU
    np.testing.assert_allclose(b.asnumpy(), np.exp([3.0, 5.0]), rtol=1e-6)
    assert float(a.sum()) == 3.0
    with pytest.raises(sg.ContextError, match="different devices"):
        a + nd.array([1.0, 2.0])


def test_cuda_array_interface():
    x = nd.zeros((4,))
    assert not hasattr(x, "__cuda_array_interface__")
    y = nd.zeros((4,), ctx=GPU)
    assert hasattr(y, "__cuda_array_interface__") == hasattr(y._data, "__cuda_array_interface__")
