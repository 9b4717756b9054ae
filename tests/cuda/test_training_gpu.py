"""Whole training on the device: an MLP (FullyConnected, relu, Dropout,
SoftmaxOutput) trained by ``compile_step`` with momentum SGD, step for step
against the CPU backend and the reference; and an executor's forward and
backward with ``simple_bind(ctx=sg.gpu(0))``."""

import numpy as np

import symgraph as sg

GPU = sg.gpu(0)


def mlp():
    x, y = sg.var("data"), sg.var("softmax_label")
    h = sg.Activation(sg.FullyConnected(x, num_hidden=16, name="fc1"), act_type="relu")
    h = sg.Dropout(h, p=0.25, seed=5)
    return sg.SoftmaxOutput(sg.FullyConnected(h, num_hidden=10, name="fc2"), y, name="softmax")


def initial_params(step):
    rng = np.random.default_rng(1)
    return {name: (0.3 * rng.standard_normal(p.shape)).astype(np.float32)
            for name, p in step.params.items()}


def train(ctx, backend, batches):
    step = sg.compile_step(mlp(), optimizer=sg.optim.SGD(lr=0.1, momentum=0.9), ctx=ctx,
                           backend=backend, data=(8, 20), softmax_label=(8,))
    for name, value in initial_params(step).items():
        step.params[name].assign(value)
    losses = [step(data=x, softmax_label=y) for x, y in batches]
    return losses, {name: p.asnumpy() for name, p in step.params.items()}, step


def test_mlp_training_steps_match_cpu_and_reference():
    rng = np.random.default_rng(0)
    batches = [(rng.standard_normal((8, 20)).astype(np.float32),
                rng.integers(0, 10, 8).astype(np.float32)) for _ in range(2)]
    gpu_losses, gpu_params, step = train(GPU, "cpu", batches)
    assert all(p.context == GPU for p in step.params.values())
    for ctx, backend in ((sg.cpu(), "cpu"), (sg.cpu(), "reference")):
        losses, params, _ = train(ctx, backend, batches)
        for got, want in zip(gpu_losses, losses):
            np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
        for name, want in params.items():
            np.testing.assert_allclose(gpu_params[name], want, rtol=1e-4, atol=1e-5,
                                       err_msg=f"{name} after 2 steps on {backend}")
    assert step.memory_report()["planned_bytes"] > 0


def test_simple_bind_on_the_device_trains_like_the_cpu():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((8, 20)).astype(np.float32)
    y = rng.integers(0, 10, 8).astype(np.float32)
    grads, params = [], {}
    for ctx in (sg.cpu(), GPU):
        exe = mlp().simple_bind(ctx, data=(8, 20))
        assert all(a.context == ctx for a in exe.arg_arrays)
        for name, array in exe.arg_dict.items():
            if name not in ("data", "softmax_label"):
                params.setdefault(name, 0.3 * rng.standard_normal(array.shape))
                array.assign(params[name])
        exe.forward(is_train=True, data=x, softmax_label=y)
        exe.backward()
        assert exe.outputs[0].context == ctx
        grads.append({name: g.asnumpy() for name, g in exe.grad_dict.items()})
    for name, want in grads[0].items():
        np.testing.assert_allclose(grads[1][name], want, rtol=1e-4, atol=1e-5, err_msg=name)


def test_check_and_profile_modes_on_the_device():
    rng = np.random.default_rng(3)
    x, y = sg.var("data"), sg.var("softmax_label")
    loss = sg.SoftmaxOutput(sg.FullyConnected(x, num_hidden=5, name="fc"), y)
    step = sg.compile_step(loss, ctx=GPU, backend=sg.CompileOptions(check=True),
                           data=(4, 6), softmax_label=(4,))
    for name, value in initial_params(step).items():
        step.params[name].assign(value)
    step(data=rng.standard_normal((4, 6)), softmax_label=rng.integers(0, 5, 4))
    x = sg.var("x")
    exe = sg.log_softmax(x * 2.0).bind(GPU, args={"x": sg.nd.array(np.ones((4, 6)), ctx=GPU)},
                                       backend=sg.CompileOptions(profile=True, check=True))
    exe.forward(is_train=True)
    exe.backward()
    report = exe.profile()
    assert report and all(r["calls"] == 1 and r["bytes"] > 0 for r in report.values())


def test_model_fit_and_evaluate_on_the_device():
    """Keras's loop on ``sg.gpu(0)``: the same history and scores as on the CPU
    (small: every row of a softmax is a block of simulated threads)."""
    rng = np.random.default_rng(4)
    x = rng.standard_normal((8, 6)).astype(np.float32)
    y = rng.integers(0, 3, 8)
    net = sg.nn.Sequential(sg.nn.Dense(5, activation="relu"), sg.nn.Dense(3))
    results = []
    for ctx in (sg.cpu(), GPU):
        model = sg.Model(net, ctx=ctx)
        model.compile(sg.optim.SGD(lr=0.1), "sparse_categorical_crossentropy")
        history = model.fit(x, y, batch_size=4, epochs=1, verbose=0, seed=0)
        results.append((history.history["loss"], model.evaluate(x, y, batch_size=4)["loss"]))
    for got, want in zip(results[1], results[0]):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
