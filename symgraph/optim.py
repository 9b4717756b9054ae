"""Optimizer update rules as graph builders, compiled into the training step.

An optimizer says, for one parameter, which state arrays it keeps and how
the new parameter and states follow from the parameter, its gradient and
the states. It builds Symbols, never computes: ``compile_step`` puts the
update in the same plan as forward and backward, so the new values are
written in place by kernels fused with the arithmetic around them.
Hyperparameters that may change during training (the learning rate) are
graph inputs, so changing them does not recompile.

Learning-rate schedules and Adam's bias correction read ``num_update``, the
number of the update about to run (1 for the first). ``Model.fit`` advances
it; a loop around ``compile_step`` calls ``optimizer.advance()`` before each
step (the learning rate fed to the step is read when the step is called)::

    opt = sg.optim.Adam(lr=1e-3, lr_scheduler=sg.optim.CosineScheduler(max_update=1000))
    step = sg.compile_step(loss, opt, data=(64, 784), label=(64,))
    for x, y in batches:
        opt.advance()
        step(data=x, label=y)
"""

import math

import numpy as np

from .build import var
from .errors import AttrError


class Optimizer:
    """Base class: subclasses define ``state_names`` and ``update``.

    ``wd`` is weight decay added to the gradient (``g + wd * w``, as MXNet's);
    ``lr_scheduler`` maps ``(num_update, lr)`` to the learning rate to use."""

    state_names = ()

    def __init__(self, lr, wd=0.0, lr_scheduler=None):
        self.lr = float(lr)
        self.wd = float(wd)
        self.lr_scheduler = lr_scheduler
        self.num_update = 0

    def advance(self):
        """Count one more update; call before each step."""
        self.num_update += 1

    @property
    def learning_rate(self):
        """The learning rate of update ``num_update``, after the schedule."""
        if self.lr_scheduler is None:
            return self.lr
        return float(self.lr_scheduler(max(self.num_update, 1), self.lr))

    def hyperparameters(self):
        """Values fed to the step as scalar inputs, by name."""
        return {"lr": self.learning_rate}

    def initial_state(self, name, shape, dtype):
        """Arrays a parameter's states start from (zeros by default)."""
        return {state: np.zeros(shape, dtype) for state in self.state_names}

    def update(self, param, grad, states, hyper):
        """``(new_param, {state: new_state})`` as Symbols."""
        raise NotImplementedError

    def _decayed(self, param, grad):
        """The gradient with weight decay added, fused into the update's kernel."""
        return grad + self.wd * param if self.wd else grad

    def __repr__(self):
        return f"{type(self).__name__}(lr={self.lr}, wd={self.wd})"


class SGD(Optimizer):
    """Stochastic gradient descent with momentum, weight decay and Nesterov's
    variant, as MXNet's SGD: ``g = grad + wd * w; v = momentum * v - lr * g;
    w += v`` (Nesterov: ``w += momentum * v - lr * g``)."""

    def __init__(self, lr=0.01, momentum=0.0, wd=0.0, nesterov=False, lr_scheduler=None):
        super().__init__(lr, wd, lr_scheduler)
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)
        self.state_names = ("momentum",) if self.momentum else ()

    def update(self, param, grad, states, hyper):
        lr = hyper["lr"]
        grad = self._decayed(param, grad)
        if not self.momentum:
            return param - lr * grad, {}
        velocity = self.momentum * states["momentum"] - lr * grad
        step = self.momentum * velocity - lr * grad if self.nesterov else velocity
        return param + step, {"momentum": velocity}


class RMSProp(Optimizer):
    """RMSProp (Hinton; Keras's and PyTorch's form): ``n = rho * n + (1 - rho) * g**2;
    w -= lr * g / (sqrt(n) + epsilon)``."""

    state_names = ("mean_square",)

    def __init__(self, lr=0.001, rho=0.9, epsilon=1e-8, wd=0.0, lr_scheduler=None):
        super().__init__(lr, wd, lr_scheduler)
        self.rho, self.epsilon = float(rho), float(epsilon)

    def update(self, param, grad, states, hyper):
        grad = self._decayed(param, grad)
        mean_square = self.rho * states["mean_square"] + (1.0 - self.rho) * grad * grad
        new_param = param - hyper["lr"] * grad / (mean_square.sqrt() + self.epsilon)
        return new_param, {"mean_square": mean_square}


class Adam(Optimizer):
    """Adam (Kingma & Ba) as MXNet computes it, with the bias correction folded
    into the learning rate: ``m = b1 * m + (1 - b1) * g; v = b2 * v + (1 - b2) * g**2;
    w -= lr * sqrt(1 - b2**t) / (1 - b1**t) * m / (sqrt(v) + epsilon)``."""

    state_names = ("mean", "variance")

    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8, wd=0.0,
                 lr_scheduler=None):
        super().__init__(lr, wd, lr_scheduler)
        self.beta1, self.beta2, self.epsilon = float(beta1), float(beta2), float(epsilon)

    def hyperparameters(self):
        t = max(self.num_update, 1)
        correction = math.sqrt(1.0 - self.beta2 ** t) / (1.0 - self.beta1 ** t)
        return {"lr": self.learning_rate * correction}

    def update(self, param, grad, states, hyper):
        grad = self._decayed(param, grad)
        mean = self.beta1 * states["mean"] + (1.0 - self.beta1) * grad
        variance = self.beta2 * states["variance"] + (1.0 - self.beta2) * grad * grad
        new_param = param - hyper["lr"] * mean / (variance.sqrt() + self.epsilon)
        return new_param, {"mean": mean, "variance": variance}


class Adagrad(Optimizer):
    """Adagrad (Duchi et al.): ``h += g**2; w -= lr * g / (sqrt(h) + epsilon)``;
    ``h`` starts at ``initial_accumulator``."""

    state_names = ("history",)

    def __init__(self, lr=0.01, epsilon=1e-7, initial_accumulator=0.0, wd=0.0,
                 lr_scheduler=None):
        super().__init__(lr, wd, lr_scheduler)
        self.epsilon, self.initial_accumulator = float(epsilon), float(initial_accumulator)

    def initial_state(self, name, shape, dtype):
        return {"history": np.full(shape, self.initial_accumulator, dtype)}

    def update(self, param, grad, states, hyper):
        grad = self._decayed(param, grad)
        history = states["history"] + grad * grad
        new_param = param - hyper["lr"] * grad / (history.sqrt() + self.epsilon)
        return new_param, {"history": history}


_BY_NAME = {"sgd": SGD, "rmsprop": RMSProp, "adam": Adam, "adagrad": Adagrad}


def create(optimizer, **kwargs):
    """An optimizer from a name (``'sgd'``, ``'adam'``, ``'rmsprop'``, ``'adagrad'``)
    and its keyword arguments, or ``optimizer`` itself when it is one."""
    if isinstance(optimizer, Optimizer):
        return optimizer
    found = _BY_NAME.get(str(optimizer).lower())
    if found is None:
        raise AttrError(f"unknown optimizer {optimizer!r}; use one of {sorted(_BY_NAME)} "
                        "or an sg.optim.Optimizer")
    return found(**kwargs)


# ---- learning-rate schedules: (num_update, base_lr) -> lr --------------------------------


class FactorScheduler:
    """Step decay: the learning rate is multiplied by ``factor`` every ``step``
    updates, never going below ``stop_factor_lr``."""

    def __init__(self, step, factor=0.1, stop_factor_lr=0.0):
        if step < 1:
            raise AttrError(f"FactorScheduler step must be at least 1, got {step}")
        self.step, self.factor, self.stop_factor_lr = int(step), float(factor), stop_factor_lr

    def __call__(self, num_update, base_lr):
        decays = max(num_update - 1, 0) // self.step
        return max(base_lr * self.factor ** decays, self.stop_factor_lr)


class MultiFactorScheduler:
    """Step decay at given updates: multiplied by ``factor`` after each of ``steps``."""

    def __init__(self, steps, factor=0.1):
        self.steps, self.factor = sorted(int(s) for s in steps), float(factor)

    def __call__(self, num_update, base_lr):
        passed = sum(1 for s in self.steps if num_update > s)
        return base_lr * self.factor ** passed


class CosineScheduler:
    """Cosine decay from the base rate to ``final_lr`` over ``max_update``
    updates, after ``warmup_steps`` of linear warm-up from ``warmup_begin_lr``."""

    def __init__(self, max_update, final_lr=0.0, warmup_steps=0, warmup_begin_lr=0.0):
        if max_update <= warmup_steps:
            raise AttrError(f"CosineScheduler max_update ({max_update}) must exceed "
                            f"warmup_steps ({warmup_steps})")
        self.max_update, self.final_lr = int(max_update), float(final_lr)
        self.warmup_steps, self.warmup_begin_lr = int(warmup_steps), float(warmup_begin_lr)

    def __call__(self, num_update, base_lr):
        if num_update <= self.warmup_steps:
            fraction = num_update / self.warmup_steps
            return self.warmup_begin_lr + (base_lr - self.warmup_begin_lr) * fraction
        if num_update >= self.max_update:
            return self.final_lr
        fraction = (num_update - self.warmup_steps) / (self.max_update - self.warmup_steps)
        return self.final_lr + (base_lr - self.final_lr) * (1 + math.cos(math.pi * fraction)) / 2


def hyperparameter_var(name, dtype):
    """The scalar graph input that carries a hyperparameter."""
    return var(f"__{name}__", shape=(), dtype=dtype)
