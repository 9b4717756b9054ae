"""Every CUDA kernel kind against the reference backend, through executors
on ``sg.gpu(0)``: fused elementwise and broadcast chains, reductions (rows,
columns, softmax and its relatives, with their gradients), the GEMM
(transposed, batched, broadcast, 1-D), gathers with their range errors,
random numbers equal to the CPU's, and ops without a kernel refused."""

import numpy as np
import pytest

import symgraph as sg

GPU = sg.gpu(0)
rng = np.random.default_rng(0)


def normal(*shape, dtype=np.float32):
    return rng.standard_normal(shape).astype(dtype)


def test_fused_broadcast_chain(compare_gpu):
    x, row, col = sg.var("x"), sg.var("row"), sg.var("col")
    y = sg.tanh(x * row + col) * sg.exp(-x) + sg.sigmoid(row) - sg.relu(x) / (1.0 + sg.square(col))
    compare_gpu(y, {"x": normal(6, 16), "row": normal(16), "col": normal(6, 1)})


@pytest.mark.parametrize("dtype", [np.float64, np.int32])
def test_elementwise_dtypes(compare_gpu, dtype):
    x, y = sg.var("x"), sg.var("y")
    values = {"x": (normal(4, 8) * 5).astype(dtype), "y": (normal(4, 8) * 5).astype(dtype)}
    z = sg.where(x > y, sg.maximum(x, y) * 2, sg.abs(x - y)) + sg.clip(x, -1, 3)
    compare_gpu(z, values, grads=dtype == np.float64)


def test_transcendental_special_values(compare_gpu):
    x = sg.var("x")
    values = np.array([0.0, -0.0, 1.0, -1.0, 100.0, -100.0, np.inf, -np.inf, np.nan, 1e-30],
                      np.float32)
    y = sg.group(sg.exp(x), sg.log(x), sg.log1p(x), sg.expm1(x), sg.tanh(x),
                 sg.sigmoid(x), sg.softplus(x), sg.sqrt(x), sg.sign(x))
    compare_gpu(y, {"x": values}, grads=False, loose=2.0)


@pytest.mark.parametrize("op, axis", [("sum", 1), ("mean", 0), ("max", None), ("min", (1, 2)),
                                      ("prod", -1), ("sum", (0, 1))])
def test_reductions(compare_gpu, op, axis):
    """Rows (one block per row), columns (a thread per column), the whole array."""
    x = sg.var("x")
    values = {"x": normal(4, 40, 3) if op != "prod" else 1 + 0.1 * normal(4, 6)}
    y = getattr(sg, op)(x, axis=axis, keepdims=axis == 1)
    compare_gpu(y, values, loose=5.0)


def test_reduction_of_a_partly_broadcast_input(compare_gpu):
    """b varies along one of the two axes that collapse into the rows: the
    runtime broadcasts it to full size first (a dense port)."""
    x, b = sg.var("x"), sg.var("b")
    compare_gpu(sg.sum(sg.exp(x + b), axis=2), {"x": normal(4, 3, 6), "b": normal(4, 1, 6)})


def test_integer_sum(compare_gpu):
    x = sg.var("x")
    compare_gpu(sg.sum(x, axis=1), {"x": rng.integers(-5, 5, (4, 300)).astype(np.int32)},
                grads=False)


@pytest.mark.parametrize("make", [
    lambda x, y: sg.softmax(x),
    lambda x, y: sg.log_softmax(x),
    lambda x, y: sg.softmax_cross_entropy(x, y),
    lambda x, y: sg.SoftmaxOutput(x, y),
])
def test_softmax_family(compare_gpu, make):
    x, y = sg.var("x"), sg.var("y")
    symbol = make(x, y)
    feeds = {"x": normal(4, 10), "y": rng.integers(0, 10, 4).astype(np.int32)}
    feeds = {n: v for n, v in feeds.items() if n in symbol.list_arguments()}
    compare_gpu(symbol, feeds, loose=5.0)


def test_matmul_and_its_transposed_gradients(compare_gpu):
    a, b = sg.var("a"), sg.var("b")
    compare_gpu(sg.matmul(a, b), {"a": normal(20, 24), "b": normal(24, 18)}, loose=10.0)
    compare_gpu(sg.FullyConnected(a, num_hidden=12, name="fc"),
                {"a": normal(16, 24), "fc_weight": normal(12, 24), "fc_bias": normal(12)},
                loose=10.0)


@pytest.mark.parametrize("shapes", [((3, 8, 12), (3, 12, 5)), ((2, 1, 4, 6), (2, 6, 5)),
                                    ((12,), (12, 5)), ((4, 12), (12,))])
def test_batched_and_vector_matmul(compare_gpu, shapes):
    a, b = sg.var("a"), sg.var("b")
    compare_gpu(sg.matmul(a, b), {"a": normal(*shapes[0]), "b": normal(*shapes[1])},
                loose=10.0)


def test_matmul_float64(compare_gpu):
    a, b = sg.var("a"), sg.var("b")
    compare_gpu(sg.matmul(a, sg.transpose(b)),
                {"a": normal(9, 17, dtype=np.float64), "b": normal(11, 17, dtype=np.float64)})


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_take(compare_gpu, axis):
    a, i = sg.var("a"), sg.var("i")
    indices = np.array([[0, 2], [-1, 1], [3, 3]], np.int64)
    compare_gpu(sg.take(a, i, axis=axis), {"a": normal(4, 5, 4), "i": indices})


def test_one_hot(compare_gpu):
    y = sg.var("y")
    compare_gpu(sg.one_hot(y, depth=7), {"y": np.array([0, 6, 3, 3], np.int32)}, grads=False)


@pytest.mark.parametrize("make, good, bad, message", [
    (lambda: sg.take(sg.var("a"), sg.var("index")), {"a": np.ones((4, 3), np.float32),
     "index": np.array([0, 3])}, np.array([1, 4]), r"take index 4 at position \(1,\)"),
    (lambda: sg.one_hot(sg.var("index"), depth=5), {"index": np.array([0, 4, 2])},
     np.array([0, -1, 9]), r"class label -1 at position \(1,\) is out of range \[0, 5\)"),
])
def test_out_of_range_indices_raise_as_on_cpu(make, good, bad, message):
    args = {n: sg.nd.array(v, ctx=GPU) for n, v in good.items()}
    exe = make().bind(GPU, args=args)
    for is_train in (False, True):
        with pytest.raises(sg.OutOfRangeError, match=message):
            exe.forward(is_train=is_train, index=bad)
    expected = make().bind(args={n: sg.nd.array(v) for n, v in good.items()}).forward()[0]
    np.testing.assert_array_equal(exe.forward(index=good["index"])[0].asnumpy(),
                                  expected.asnumpy())


def test_dropout_masks_and_samples_equal_the_cpu_ones():
    x = sg.var("x")
    y = sg.group(sg.Dropout(x, p=0.4, seed=123), sg.random.normal(shape=(8, 24), seed=9))
    value = normal(8, 24)
    results = []
    for ctx in (sg.cpu(), GPU):
        exe = y.bind(ctx, args={"x": sg.nd.array(value, ctx=ctx)})
        results.append([[o.asnumpy() for o in exe.forward(is_train=True)] for _ in range(2)])
    for (cpu_dropped, cpu_normal), (gpu_dropped, gpu_normal) in zip(*results):
        np.testing.assert_array_equal(gpu_dropped == 0, cpu_dropped == 0)
        np.testing.assert_allclose(gpu_dropped, cpu_dropped, rtol=1e-6)
        np.testing.assert_allclose(gpu_normal, cpu_normal, rtol=1e-6, atol=1e-6)
    first, second = (step[0] == 0 for step in results[1])
    assert not np.array_equal(first, second)  # a new mask each step


def test_views_feeding_kernels(compare_gpu):
    x = sg.var("x")
    # a strided view read by an elementwise kernel, and a reshape numpy must copy
    y = sg.exp(sg.transpose(x, axes=(2, 0, 1))) + sg.reshape(sg.swapaxes(x, 0, 2), (5, 3, 4))
    compare_gpu(y, {"x": normal(3, 4, 5)}, loose=2.0)


def test_strict_mode_refuses_copies_before_each_run():
    x = sg.var("x")
    strict = sg.CompileOptions(strict=True)
    bind = dict(grad_req="null", backend=strict, x=(4, 3))
    sg.matmul(x, sg.transpose(x)).simple_bind(GPU, **bind).forward()  # read in place
    with pytest.raises(sg.LoweringError, match="transpose.*strict mode"):
        sg.exp(sg.transpose(x)).simple_bind(GPU, **bind).forward()


def test_slices_joins_and_their_gradients(compare_gpu):
    x, y = sg.var("x"), sg.var("y")
    sliced = x[1:, ::-2] * 2.0 + sg.concat(x, y, axis=1)[1:, 3:6]
    compare_gpu(sliced, {"x": normal(4, 5), "y": normal(4, 3)})
    compare_gpu(sg.stack(x, y[:, :2] * 3.0, axis=1), {"x": normal(4, 2), "y": normal(4, 3)})


def test_reductions_over_interleaved_axes(compare_gpu):
    x, b = sg.var("x"), sg.var("b")
    compare_gpu(sg.max(x, axis=(0, 2)), {"x": normal(3, 4, 5)})
    compare_gpu(x * b, {"x": normal(3, 4, 5), "b": normal(1, 4, 1)})  # b's gradient


def test_arg_reductions(compare_gpu):
    x = sg.var("x")
    value = normal(5, 6)
    value[2, 3] = np.nan
    compare_gpu(sg.group(sg.argmax(x, axis=1), sg.argmin(x, axis=0), sg.argmax(x)),
                {"x": value}, grads=False)


def test_the_reference_backend_is_refused_on_the_device():
    with pytest.raises(sg.ContextError, match="reference backend"):
        sg.exp(sg.var("x")).simple_bind(GPU, backend="reference", x=(4, 5))


def test_integer_power_with_an_array_exponent_is_refused():
    a, b = sg.var("a", dtype="int32"), sg.var("b", dtype="int32")
    with pytest.raises(sg.LoweringError, match="power"):
        sg.power(a, b).simple_bind(GPU, grad_req="null", a=(3,), b=(3,))
    sg.power(a, 3).simple_bind(GPU, grad_req="null", a=(3,))


def test_kernels_compile_once_per_process():
    x = sg.var("x")
    plans = [(sg.tanh(x) * 3.0).simple_bind(GPU, x=(4, 5))._program.predict for _ in range(2)]
    first, second = (list(plan.functions.values()) for plan in plans)
    assert first == second and all(a is b for a, b in zip(first, second))


def test_gradients_add_up_with_grad_req_add():
    x = sg.var("x")
    value = normal(3, 4)
    exe = sg.tanh(x).bind(GPU, args={"x": sg.nd.array(value, ctx=GPU)}, grad_req="add")
    for _ in range(2):
        exe.forward(is_train=True)
        exe.backward()
    np.testing.assert_allclose(exe.grad_dict["x"].asnumpy(), 2 * (1 - np.tanh(value) ** 2),
                               rtol=1e-5, atol=1e-6)


def test_generated_kernels_are_dumped_readable(tmp_path, monkeypatch):
    monkeypatch.setenv("SYMGRAPH_DUMP", str(tmp_path))
    x = sg.var("user_named_input")
    (sg.cos(x) * 7.25 - sg.relu(x)).simple_bind(GPU, grad_req="null",
                                                user_named_input=(3,)).forward()
    (text,) = [p.read_text() for p in tmp_path.glob("sgk_cuda_*.py")]
    assert "CUDA elementwise kernel" in text and "@cuda.jit" in text
    assert "user_named_input" not in text  # generated identifiers only


def test_integer_matmul_is_refused_by_name():
    a, b = sg.var("a", dtype="int32"), sg.var("b", dtype="int32")
    with pytest.raises(sg.LoweringError, match="matmul"):
        sg.matmul(a, b).simple_bind(GPU, a=(2, 3), b=(3, 2))
