"""Imperative autograd on device arrays: each computation is recorded on
``sg.gpu(0)`` and on the CPU from the same values, and the gradients must
agree and live on the variables' device. Eager GPU ops run on host copies,
and so does the backward: the gradient graph is evaluated on host arrays
and only the gradients are uploaded."""

import numpy as np
import pytest

import symgraph as sg
from symgraph.backend import reference
from symgraph.backend.cuda import device
from symgraph.testing import assert_allclose

nd, autograd = sg.nd, sg.autograd
GPU = sg.gpu(0)
CONTEXTS = (GPU, sg.cpu())


def arrays_on(ctx, values, attached, grad_req="write"):
    """``values`` as NDArrays on ``ctx``; those named in ``attached`` get a grad."""
    arrays = {name: nd.array(v, ctx=ctx) for name, v in values.items()}
    for name in attached:
        arrays[name].attach_grad(grad_req)
    return arrays


def assert_on_gpu(array, name):
    assert array.context == GPU, f"{name} is on {array.context}"
    assert device.is_device_array(array._data), f"{name} holds no device array"


def assert_same_grads(gpu, cpu, names, rtol=1e-5):
    for name in names:
        assert_on_gpu(gpu[name].grad, f"{name}.grad")
        assert_allclose(gpu[name].grad.asnumpy(), cpu[name].grad.asnumpy(), rtol=rtol,
                        atol=1e-6, name=f"gradient of {name}")


def regression_values():
    rng = np.random.default_rng(0)
    return {"x": rng.normal(size=(8, 3)).astype(np.float32),
            "w": rng.normal(size=(3, 1)).astype(np.float32),
            "y": rng.normal(size=(8, 1)).astype(np.float32)}


def regression_loss(a):
    return ((nd.dot(a["x"], a["w"]) - a["y"]) ** 2).mean()


def test_linear_regression_gradient_matches_the_cpu_and_is_computed_on_the_host(
        monkeypatch):
    compute, evaluated = reference.compute, []

    def host_only(graph, feeds, types, run, known=None):
        arrays = list(feeds.values()) + list((known or {}).values())
        evaluated.append(all(isinstance(a, np.ndarray) for a in arrays))
        return compute(graph, feeds, types, run, known=known)

    monkeypatch.setattr(reference, "compute", host_only)
    results = {}
    for ctx in CONTEXTS:
        a = results[ctx] = arrays_on(ctx, regression_values(), ["w"])
        with autograd.record():
            loss = regression_loss(a)
        assert loss.context == ctx
        loss.backward()
    assert evaluated == [True, True], "a device array reached the gradient evaluation"
    assert_same_grads(results[GPU], results[sg.cpu()], ["w"])
    v = regression_values()
    assert_allclose(results[GPU]["w"].grad.asnumpy(),
                    2 * v["x"].T @ (v["x"] @ v["w"] - v["y"]) / 8, rtol=1e-5)


def test_mlp_with_relu_and_softmax_cross_entropy_matches_the_cpu():
    rng = np.random.default_rng(1)
    values = {"x": rng.normal(size=(6, 5)).astype(np.float32),
              "label": rng.integers(0, 4, 6).astype(np.int32),
              "w1": 0.5 * rng.normal(size=(5, 7)).astype(np.float32),
              "b1": 0.1 * rng.normal(size=(7,)).astype(np.float32),
              "w2": 0.5 * rng.normal(size=(7, 4)).astype(np.float32)}
    params = ["w1", "b1", "w2"]
    results = {}
    for ctx in CONTEXTS:
        a = results[ctx] = arrays_on(ctx, values, params)
        with autograd.record():
            hidden = nd.relu(nd.dot(a["x"], a["w1"]) + a["b1"])
            loss = nd.softmax_cross_entropy(nd.dot(hidden, a["w2"]), a["label"]).mean()
        loss.backward()
    assert_same_grads(results[GPU], results[sg.cpu()], params)


def test_add_requests_accumulate_over_two_backwards_and_write_requests_do_not():
    values = regression_values()
    for grad_req, factor in (("add", 2), ("write", 1)):
        results = {}
        for ctx in CONTEXTS:
            a = results[ctx] = arrays_on(ctx, values, ["w", "x"], grad_req)
            for _ in range(2):
                with autograd.record():
                    loss = regression_loss(a)
                loss.backward()
        assert_same_grads(results[GPU], results[sg.cpu()], ["w", "x"])
        once = arrays_on(sg.cpu(), values, ["w"])
        with autograd.record():
            regression_loss(once).backward()
        assert_allclose(results[GPU]["w"].grad.asnumpy(), factor * once["w"].grad.asnumpy(),
                        rtol=1e-5, name=f"grad_req={grad_req!r}")


def test_grad_with_create_graph_gives_the_second_derivative_on_the_device():
    values = {"x": np.array([0.5, 1.5, -0.7], np.float32)}
    results, first = {}, {}
    for ctx in CONTEXTS:
        a = results[ctx] = arrays_on(ctx, values, ["x"])
        with autograd.record():
            y = nd.tanh(a["x"]) * nd.exp(a["x"])
            (first[ctx],) = autograd.grad(y, a["x"], create_graph=True)
            first[ctx].sum().backward()
    assert_on_gpu(first[GPU], "autograd.grad's result")
    assert first[GPU]._entry is not None  # recorded: it was differentiated again
    assert_allclose(first[GPU].asnumpy(), first[sg.cpu()].asnumpy(), rtol=1e-5)
    assert_same_grads(results[GPU], results[sg.cpu()], ["x"])


def test_head_gradients_and_detach_stay_on_the_device():
    a = arrays_on(GPU, {"x": np.array([1.0, -2.0, 3.0], np.float32)}, ["x"])
    with autograd.record():
        y = a["x"] * a["x"]
    y.backward(nd.array([1.0, 0.0, 2.0], ctx=GPU))
    assert_on_gpu(a["x"].grad, "x.grad")
    assert_allclose(a["x"].grad.asnumpy(), [2.0, 0.0, 12.0])
    detached = y.detach()
    assert detached._entry is None
    assert_on_gpu(detached, "y.detach()")
    assert_allclose(detached.asnumpy(), [1.0, 4.0, 9.0])


def test_mixed_devices_in_one_gradient_are_context_errors():
    gpu = arrays_on(GPU, regression_values(), ["w"])
    cpu = arrays_on(sg.cpu(), regression_values(), ["w"])
    with autograd.record():
        gpu_loss, cpu_loss = regression_loss(gpu), regression_loss(cpu)
        with pytest.raises(sg.ContextError, match="different devices"):
            gpu["w"] * cpu["w"]
        with pytest.raises(sg.ContextError, match="copied from gpu\\(0\\) to cpu\\(0\\)"):
            gpu_loss.as_in_context(sg.cpu())
        with autograd.pause():
            assert gpu_loss.as_in_context(sg.cpu()).context == sg.cpu()
    with pytest.raises(sg.ContextError, match="different devices"):
        autograd.backward([gpu_loss, cpu_loss], retain_graph=True)
    with pytest.raises(sg.ContextError, match="different devices"):
        autograd.grad(gpu_loss, [cpu["w"]], retain_graph=True)
    with pytest.raises(sg.ContextError, match="different devices"):
        gpu_loss.backward(nd.array(1.0), retain_graph=True)
    gpu_loss.backward()  # each one alone is fine
    assert_on_gpu(gpu["w"].grad, "w.grad")
