"""Imperative autograd and traced functions: the tutorials' sequences, every
differentiable op against the symbolic gradients, write/add semantics,
higher order, and the trace cache."""

import numpy as np
import pytest

import symgraph as sg
from symgraph.ndarray.eager import invoke
from symgraph.ops import registry
from symgraph.testing import assert_allclose, symbolic_gradients
from tests.ops.cases import CASES

nd, autograd = sg.nd, sg.autograd


def test_gradient_of_two_x_transpose_x_is_four_x():
    x = nd.arange(4).reshape((4, 1))
    x.attach_grad()
    with autograd.record():
        y = 2 * nd.dot(x.T, x)
    y.backward()
    assert_allclose(x.grad.asnumpy(), 4 * x.asnumpy())


def f(a):
    """The tutorial's function whose path depends on the data."""
    b = a * 2
    while b.norm().asscalar() < 1000:
        b = b * 2
    return b if b.sum().asscalar() > 0 else 100 * b


@pytest.mark.parametrize("start", [0.3, -0.02])
def test_control_flow_gradient_is_c_over_a(start):
    a = nd.array([start])
    a.attach_grad()
    with autograd.record():
        c = f(a)
    c.backward()
    assert_allclose(a.grad.asnumpy(), (c / a).asnumpy(), rtol=1e-6)


def test_repeated_recordings_share_one_gradient_graph_and_stay_exact():
    """A loop records the same computation on new arrays each step: the gradient
    graph is made once, yet every step's gradient is that step's own (a new
    shape or a new path gets its own)."""
    from symgraph import autograd as tape

    tape._gradient_graphs.clear()
    rng = np.random.default_rng(0)
    w = nd.array(rng.normal(size=(3, 1)))
    w.attach_grad()
    for rows in (4, 4, 4, 6):
        x = rng.normal(size=(rows, 3)).astype(np.float32)
        with autograd.record():
            loss = nd.tanh(nd.dot(nd.array(x), w)).sum()
        loss.backward()
        expected = x.T @ (1 - np.tanh(x @ w.asnumpy()) ** 2)
        assert_allclose(w.grad.asnumpy(), expected, rtol=1e-5)
    assert len(tape._gradient_graphs) == 2  # one per input shape
    with autograd.record():
        loss = nd.sigmoid(nd.dot(nd.array(x), w)).sum()  # another path: another graph
    loss.backward()
    assert len(tape._gradient_graphs) == 3


def test_write_and_add_requests():
    x = nd.array([1.0, 2.0])
    x.attach_grad(grad_req="add")
    for _ in range(3):
        with autograd.record():
            y = (x * x).sum()
        y.backward()
    assert_allclose(x.grad.asnumpy(), 3 * 2 * x.asnumpy())
    x.attach_grad()
    with autograd.record():
        y = (x * x).sum()
    y.backward()
    assert_allclose(x.grad.asnumpy(), 2 * x.asnumpy())


def test_non_scalar_heads_are_summed_or_weighted():
    x = nd.array([1.0, -2.0, 3.0])
    x.attach_grad()
    with autograd.record():
        y = x * x
    y.backward(nd.array([1.0, 0.0, 2.0]))
    assert_allclose(x.grad.asnumpy(), [2.0, 0.0, 12.0])


def test_higher_order_through_create_graph():
    x = nd.array([0.5, 1.5])
    x.attach_grad()
    with autograd.record():
        y = nd.tanh(x) * nd.exp(x)
        (dy,) = autograd.grad(y, x, create_graph=True)
        dy.sum().backward()
    v = x.asnumpy().astype(np.float64)
    eps = 1e-4

    def f2(u):
        return np.tanh(u) * np.exp(u)

    assert_allclose(x.grad.asnumpy(), (f2(v + eps) - 2 * f2(v) + f2(v - eps)) / eps**2,
                    rtol=1e-3)


def test_only_what_depends_on_attached_arrays_is_recorded():
    x, constant = nd.array([1.0]), nd.array([2.0])
    x.attach_grad()
    with autograd.record():
        unrelated = constant * 3
        y = x * unrelated
        with autograd.pause():
            z = x * 5
    assert unrelated._entry is None and z._entry is None and y._entry is not None
    with pytest.raises(sg.GradientError, match="not computed from arrays with attached"):
        z.backward()


def test_modes_and_dropout():
    assert not autograd.is_recording() and not autograd.is_training()
    x = nd.ones((1000,))
    x.attach_grad()
    with autograd.record():
        assert autograd.is_recording() and autograd.is_training()
        y = nd.Dropout(x, p=0.5)
    y.backward()
    kept = y.asnumpy() != 0
    assert 350 < kept.sum() < 650
    assert_allclose(x.grad.asnumpy(), np.where(kept, 2.0, 0.0))
    with autograd.record(train_mode=False):
        assert_allclose(nd.Dropout(x, p=0.5).asnumpy(), x.asnumpy())


def test_copies_and_out_arrays_stay_on_the_tape():
    """``copy()`` of a recorded array and an op's ``out=`` array carry the
    gradient on, where they used to leave the graph silently."""
    w = sg.nd.array([1.0, 2.0])
    w.attach_grad()
    out = sg.nd.zeros((2,))
    with sg.autograd.record():
        copied = (w * 3).copy()
        sg.nd.exp(w, out=out)
        y = (copied * copied).sum() + (out * 2).sum()
    y.backward()
    assert_allclose(w.grad.asnumpy(), 18 * w.asnumpy() + 2 * np.exp(w.asnumpy()), rtol=1e-6)
    fresh = w.copy()  # outside record: a plain copy of the data
    fresh[:] = 0
    assert w.asnumpy().tolist() == [1.0, 2.0]


def test_released_graph_and_in_place_writes_are_errors():
    x = nd.array([1.0, 2.0])
    x.attach_grad()
    with autograd.record():
        y = (x * 3).sum()
    y.backward()
    with pytest.raises(sg.GradientError, match="retain_graph=True"):
        y.backward()
    with autograd.record():
        with pytest.raises(sg.GradientError, match="cannot be written in place"):
            x += 1
    assert x.detach()._entry is None


def _differentiable(case):
    op = registry.get(case.op)
    floats = [x for x in case.inputs if isinstance(x, np.ndarray) and x.dtype.kind == "f"]
    return (case.build is None and case.sample_range is None and not op.uses_run
            and floats and all(x.size for x in floats)
            and np.asarray(case.expected()).dtype.kind == "f")


GRADIENT_CASES = [c for c in CASES if _differentiable(c)]


@pytest.mark.parametrize("case", GRADIENT_CASES, ids=[c.id for c in GRADIENT_CASES])
def test_imperative_gradients_equal_the_symbolic_ones(case):
    names = [n for n, x in case.feeds.items() if x.dtype.kind == "f"]
    arrays = {n: nd.array(x) for n, x in case.feeds.items()}
    for name in names:
        arrays[name].attach_grad()
    inputs = [arrays[n] if isinstance(x, np.ndarray) else x
              for n, x in zip("abcdefgh", case.inputs)]
    with autograd.record():
        out = invoke(case.op, inputs, dict(case.attrs))
    head = np.random.default_rng(0).normal(size=out.shape).astype(out.dtype)
    out.backward(nd.array(head))
    expected = symbolic_gradients(case.symbol(), case.feeds, names, [head])
    for name in names:
        assert_allclose(arrays[name].grad.asnumpy(), expected[name], rtol=1e-4, atol=1e-5,
                        name=f"gradient of {name}")


def test_trace_compiles_once_per_signature_and_matches_eager():
    calls = []

    @sg.trace
    def mlp(x, w1, w2):
        calls.append(1)
        return nd.dot(nd.relu(nd.dot(x, w1)), w2).sum(axis=1)

    rng = np.random.default_rng(0)
    x, w1, w2 = (nd.array(rng.normal(size=s)) for s in [(8, 4), (4, 5), (5, 3)])
    expected = nd.dot(nd.relu(nd.dot(x, w1)), w2).sum(axis=1).asnumpy()
    assert_allclose(mlp(x, w1, w2).asnumpy(), expected, rtol=1e-5)
    mlp(x, w1, w2)
    assert len(calls) == 1 and len(mlp.symbols) == 1
    assert mlp(nd.ones((2, 4)), w1, w2).shape == (2,)
    assert len(calls) == 2
    (symbol,) = [s for k, s in mlp.symbols.items() if k[0][0] == (8, 4)]
    assert sg.load_json(symbol.tojson()).list_arguments() == ["arg0", "arg1", "arg2"]


def test_trace_refuses_reading_values_and_runs_eagerly_under_record():
    @sg.trace
    def g(x):
        return x if x.sum().asscalar() > 0 else -x

    with pytest.raises(sg.TraceError, match="frozen at trace time"):
        g(nd.ones((2,)))
    x = nd.array([1.0, 2.0])
    x.attach_grad()
    with autograd.record():
        y = g(x)
    y.backward()
    assert_allclose(x.grad.asnumpy(), [1.0, 1.0])


def test_the_imperative_example_reaches_the_tutorials_results():
    import importlib.util
    import pathlib

    path = pathlib.Path(__file__).resolve().parent.parent / "examples" / "autograd_imperative.py"
    spec = importlib.util.spec_from_file_location("autograd_imperative", path)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    grad, four_x = example.two_x_transpose_x()
    assert_allclose(grad, four_x)
    assert_allclose(*example.control_flow(), rtol=1e-6)
    w, b, _ = example.linear_regression(epochs=5)
    assert_allclose(w, [2.0, -3.4], atol=0.01)
    assert_allclose(b, [4.2], atol=0.01)
