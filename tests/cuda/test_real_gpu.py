"""Checks that only a real GPU can make: shapes too large for the simulator
(several blocks per row of the GEMM grid, a full 256-thread row reduction,
grid-stride loops that wrap). Skipped under the simulator and without a GPU."""

import numpy as np
import pytest

import symgraph as sg
from symgraph.backend.cuda import device

pytestmark = pytest.mark.skipif(device.simulating() or not device.available(),
                                reason="needs a real CUDA GPU")
GPU = sg.gpu(0)


def test_large_gemm_matches_numpy():
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal((n, 300)).astype(np.float32) for n in (517, 263))
    x, y = sg.var("x"), sg.var("y")
    exe = sg.matmul(x, sg.transpose(y)).bind(
        GPU, args={"x": sg.nd.array(a, ctx=GPU), "y": sg.nd.array(b, ctx=GPU)},
        grad_req="null")
    np.testing.assert_allclose(exe.forward()[0].asnumpy(), a @ b.T, rtol=1e-4, atol=1e-3)


def test_large_softmax_and_sums():
    rng = np.random.default_rng(1)
    value = rng.standard_normal((300, 1000)).astype(np.float32)
    x = sg.var("x")
    symbol = sg.group(sg.softmax(x), sg.sum(x, axis=0), sg.sum(x))
    exe = symbol.bind(GPU, args={"x": sg.nd.array(value, ctx=GPU)}, grad_req="null")
    soft, columns, total = (o.asnumpy() for o in exe.forward())
    e = np.exp(value - value.max(1, keepdims=True))
    np.testing.assert_allclose(soft, e / e.sum(1, keepdims=True), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(columns, value.sum(0), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(total, value.astype(np.float64).sum(), rtol=1e-5)


def test_grid_stride_elementwise_over_many_blocks():
    n = device.MAX_BLOCKS * device.THREADS * 3 + 17
    value = np.arange(n, dtype=np.float32)
    x = sg.var("x")
    exe = (x * 2.0 + 1.0).bind(GPU, args={"x": sg.nd.array(value, ctx=GPU)}, grad_req="null")
    np.testing.assert_array_equal(exe.forward()[0].asnumpy(), value * 2 + 1)
