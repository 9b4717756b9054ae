"""Each optimizer's update, compiled into the training step, equals a
hand-written numpy update on fixed gradients over several steps.

The loss ``sum(w * g)`` has gradient ``g`` with respect to ``w``, so feeding
``g`` fixes the gradient each step sees. One small shape serves every case.
"""

import math

import numpy as np
import pytest

import symgraph as sg
from symgraph import optim

SHAPE = (3, 4)
STEPS = 5


def gradients():
    rng = np.random.default_rng(7)
    return [rng.normal(size=SHAPE).astype(np.float32) for _ in range(STEPS)]


def initial_weight():
    return np.random.default_rng(3).normal(size=SHAPE).astype(np.float32)


def compiled_run(optimizer):
    w, g = sg.var("w"), sg.var("g")
    step = sg.compile_step((w * g).sum(), optimizer, params=["w"], w=SHAPE, g=SHAPE)
    step.params["w"][:] = initial_weight()
    trajectory = []
    for grad in gradients():
        optimizer.advance()
        step(g=grad)
        trajectory.append(step.params["w"].asnumpy())
    return trajectory


def numpy_run(update, state):
    w = initial_weight().astype(np.float64)
    trajectory = []
    for t, g in enumerate(gradients(), start=1):
        w = update(w, g.astype(np.float64), state, t)
        trajectory.append(w.copy())
    return trajectory


def sgd(lr, momentum=0.0, wd=0.0, nesterov=False, schedule=lambda t, lr: lr):
    def update(w, g, s, t):
        g = g + wd * w
        rate = schedule(t, lr)
        if not momentum:
            return w - rate * g
        s["v"] = momentum * s.get("v", 0.0) - rate * g
        return w + (momentum * s["v"] - rate * g if nesterov else s["v"])
    return update


def rmsprop(lr, rho, eps):
    def update(w, g, s, t):
        s["n"] = rho * s.get("n", 0.0) + (1 - rho) * g * g
        return w - lr * g / (np.sqrt(s["n"]) + eps)
    return update


def adam(lr, b1, b2, eps, wd=0.0):
    def update(w, g, s, t):
        g = g + wd * w
        s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
        s["v"] = b2 * s.get("v", 0.0) + (1 - b2) * g * g
        m_hat, v_hat = s["m"] / (1 - b1 ** t), s["v"] / (1 - b2 ** t)
        # MXNet's form: epsilon scaled by the bias correction of v
        return w - lr * m_hat / (np.sqrt(v_hat) + eps / math.sqrt(1 - b2 ** t))
    return update


def adagrad(lr, eps, initial):
    def update(w, g, s, t):
        s["h"] = s.get("h", initial) + g * g
        return w - lr * g / (np.sqrt(s["h"]) + eps)
    return update


CASES = {
    "sgd": (lambda: optim.SGD(lr=0.1), sgd(0.1)),
    "sgd_momentum_wd": (lambda: optim.SGD(lr=0.05, momentum=0.9, wd=0.01),
                        sgd(0.05, 0.9, 0.01)),
    "sgd_nesterov_step_schedule": (
        lambda: optim.SGD(lr=0.1, momentum=0.8, nesterov=True,
                          lr_scheduler=optim.FactorScheduler(step=2, factor=0.5)),
        sgd(0.1, 0.8, nesterov=True, schedule=lambda t, lr: lr * 0.5 ** ((t - 1) // 2))),
    "rmsprop": (lambda: optim.RMSProp(lr=0.01, rho=0.9, epsilon=1e-6), rmsprop(0.01, 0.9, 1e-6)),
    "adam": (lambda: optim.Adam(lr=0.01, wd=0.001), adam(0.01, 0.9, 0.999, 1e-8, 0.001)),
    "adagrad": (lambda: optim.Adagrad(lr=0.1, initial_accumulator=0.1),
                adagrad(0.1, 1e-7, 0.1)),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_compiled_update_matches_numpy(case):
    make, update = CASES[case]
    got = compiled_run(make())
    want = numpy_run(update, {})
    for t, (a, b) in enumerate(zip(got, want), start=1):
        np.testing.assert_allclose(a, b, rtol=2e-5, atol=2e-6, err_msg=f"{case}, step {t}")


def test_changing_lr_between_steps_takes_effect_without_recompiling():
    opt = optim.SGD(lr=0.1)
    w, g = sg.var("w"), sg.var("g")
    step = sg.compile_step((w * g).sum(), opt, params=["w"], w=SHAPE, g=SHAPE)
    ones = np.ones(SHAPE, np.float32)
    step(g=ones)
    opt.lr = 0.0
    step(g=ones)
    np.testing.assert_allclose(step.params["w"].asnumpy(), -0.1 * ones, rtol=1e-6)


def test_schedules():
    factor = optim.FactorScheduler(step=10, factor=0.5, stop_factor_lr=0.03)
    assert [factor(t, 0.2) for t in (1, 10, 11, 21, 31, 100)] == [0.2, 0.2, 0.1, 0.05, 0.03, 0.03]
    multi = optim.MultiFactorScheduler(steps=[5, 8], factor=0.1)
    assert [round(multi(t, 1.0), 6) for t in (5, 6, 8, 9)] == [1.0, 0.1, 0.1, 0.01]
    cosine = optim.CosineScheduler(max_update=110, final_lr=0.0, warmup_steps=10)
    assert cosine(5, 1.0) == pytest.approx(0.5)
    assert cosine(10, 1.0) == pytest.approx(1.0)
    assert cosine(60, 1.0) == pytest.approx(0.5)
    assert cosine(110, 1.0) == 0.0 and cosine(500, 1.0) == 0.0
    opt = optim.Adam(lr=0.1, lr_scheduler=cosine)
    opt.num_update = 60
    assert opt.learning_rate == pytest.approx(0.05)


def test_create_by_name():
    assert isinstance(optim.create("Adam", lr=0.1), optim.Adam)
    opt = optim.RMSProp()
    assert optim.create(opt) is opt
    with pytest.raises(sg.AttrError, match="unknown optimizer 'adamw'"):
        optim.create("adamw")
