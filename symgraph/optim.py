"""Optimizer update rules as graph builders, compiled into the training step.

An optimizer says, for one parameter, which state arrays it keeps and how
the new parameter and states follow from the parameter, its gradient and
the states. It builds Symbols, never computes: ``compile_step`` puts the
update in the same plan as forward and backward, so the new values are
written in place by kernels fused with the arithmetic around them.
Hyperparameters that may change during training (the learning rate) are
graph inputs, so changing them does not recompile.
"""

import numpy as np

from .symbol import var


class Optimizer:
    """Base class: subclasses define ``state_names`` and ``update``."""

    state_names = ()

    def __init__(self, lr, wd=0.0):
        self.lr = float(lr)
        self.wd = float(wd)

    def hyperparameters(self):
        """Values fed to the step as scalar inputs, by name."""
        return {"lr": self.lr}

    def initial_state(self, name, shape, dtype):
        """Arrays a parameter's states start from (zeros by default)."""
        return {state: np.zeros(shape, dtype) for state in self.state_names}

    def update(self, param, grad, states, hyper):
        """``(new_param, {state: new_state})`` as Symbols."""
        raise NotImplementedError


class SGD(Optimizer):
    """Stochastic gradient descent with momentum, weight decay and Nesterov's
    variant, as MXNet's SGD: ``g = grad + wd * w; v = momentum * v - lr * g;
    w += v`` (Nesterov: ``w += momentum * v - lr * g``)."""

    def __init__(self, lr=0.01, momentum=0.0, wd=0.0, nesterov=False):
        super().__init__(lr, wd)
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)
        self.state_names = ("momentum",) if self.momentum else ()

    def update(self, param, grad, states, hyper):
        lr = hyper["lr"]
        if self.wd:
            grad = grad + self.wd * param
        if not self.momentum:
            return param - lr * grad, {}
        velocity = self.momentum * states["momentum"] - lr * grad
        step = self.momentum * velocity - lr * grad if self.nesterov else velocity
        return param + step, {"momentum": velocity}


def hyperparameter_var(name, dtype):
    """The scalar graph input that carries a hyperparameter."""
    return var(f"__{name}__", shape=(), dtype=dtype)
