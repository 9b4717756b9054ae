"""Initializers: how a parameter's first values are drawn.

An initializer is an immutable description, a tuple such as ``('normal',
0.01)``, so it can be stored on a variable and in a saved graph::

    w = sg.var("fc1_weight", init=sg.nn.init.Normal(0.01))

and called to draw values: ``Normal(0.01)("fc1_weight", (256, 784), "float32", rng)``.
``initialize`` picks one per parameter, as MXNet does: an explicit override
by name, then the variable's ``init``, then zeros for biases, then the default.
"""

import math
import zlib

import numpy as np

from ..errors import AttrError


class Initializer(tuple):
    """Base class: a tuple ``(kind, *arguments)`` with a ``draw`` rule."""

    kind = None
    fields = ()

    def __new__(cls, *args):
        return super().__new__(cls, (cls.kind, *args))

    def __call__(self, name, shape, dtype, rng):
        """Values for the parameter ``name`` of ``shape``, drawn from ``rng``."""
        return np.asarray(self.draw(tuple(shape), rng), dtype=dtype)

    def draw(self, shape, rng):
        raise NotImplementedError

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in zip(self.fields, self[1:]))
        return f"{type(self).__name__}({args})"


class Zero(Initializer):
    kind = "zero"

    def draw(self, shape, rng):
        return np.zeros(shape)


class One(Initializer):
    kind = "one"

    def draw(self, shape, rng):
        return np.ones(shape)


class Constant(Initializer):
    """Every element ``value``."""

    kind, fields = "constant", ("value",)

    def __new__(cls, value):
        return super().__new__(cls, float(value))

    def draw(self, shape, rng):
        return np.full(shape, self[1])


class Normal(Initializer):
    """Samples from N(0, sigma**2)."""

    kind, fields = "normal", ("sigma",)

    def __new__(cls, sigma=0.01):
        return super().__new__(cls, float(sigma))

    def draw(self, shape, rng):
        return rng.normal(0.0, self[1], size=shape)


class Uniform(Initializer):
    """Samples from U(-scale, scale)."""

    kind, fields = "uniform", ("scale",)

    def __new__(cls, scale=0.07):
        return super().__new__(cls, float(scale))

    def draw(self, shape, rng):
        return rng.uniform(-self[1], self[1], size=shape)


class Xavier(Initializer):
    """MXNet's Xavier: ``scale = sqrt(magnitude / factor)`` where factor is
    fan_in, fan_out or their mean (``factor_type`` 'in', 'out', 'avg');
    samples from U(-scale, scale) or N(0, scale**2) (``rnd_type`` 'uniform',
    'gaussian'). The defaults are Glorot's uniform initializer; He's is
    ``Xavier('gaussian', 'in', 2)``."""

    kind, fields = "xavier", ("rnd_type", "factor_type", "magnitude")

    def __new__(cls, rnd_type="uniform", factor_type="avg", magnitude=3.0):
        if rnd_type not in ("uniform", "gaussian") or factor_type not in ("in", "out", "avg"):
            raise AttrError(f"Xavier takes rnd_type 'uniform' or 'gaussian' and factor_type "
                            f"'in', 'out' or 'avg', got {rnd_type!r}, {factor_type!r}")
        return super().__new__(cls, rnd_type, factor_type, float(magnitude))

    def draw(self, shape, rng):
        _, rnd_type, factor_type, magnitude = self
        fan_in, fan_out = _fans(shape)
        factor = {"in": fan_in, "out": fan_out, "avg": (fan_in + fan_out) / 2.0}[factor_type]
        scale = math.sqrt(magnitude / factor)
        if rnd_type == "uniform":
            return rng.uniform(-scale, scale, size=shape)
        return rng.normal(0.0, scale, size=shape)


Glorot = Xavier


def _fans(shape):
    """(fan_in, fan_out) of a weight laid out (out, in, *receptive field)."""
    if len(shape) < 2:
        size = shape[0] if shape else 1
        return size, size
    receptive = int(np.prod(shape[2:], dtype=np.int64))
    return shape[1] * receptive, shape[0] * receptive


_KINDS = {cls.kind: cls for cls in (Zero, One, Constant, Normal, Uniform, Xavier)}
_NAMES = {"zeros": Zero(), "zero": Zero(), "ones": One(), "one": One(),
          "normal": Normal(), "uniform": Uniform(), "xavier": Xavier(),
          "glorot": Xavier(), "glorot_uniform": Xavier(),
          "glorot_normal": Xavier("gaussian"), "he_normal": Xavier("gaussian", "in", 2.0),
          "he_uniform": Xavier("uniform", "in", 2.0)}


def get(spec):
    """An Initializer from an Initializer, a name (``'zeros'``, ``'xavier'``,
    ``'he_normal'``, ...) or a stored description tuple."""
    if isinstance(spec, Initializer):
        return spec
    if isinstance(spec, str) and spec.lower() in _NAMES:
        return _NAMES[spec.lower()]
    if isinstance(spec, tuple) and spec and spec[0] in _KINDS:
        return _KINDS[spec[0]](*spec[1:])
    raise AttrError(f"unknown initializer {spec!r}; use an sg.nn.init initializer or one "
                    f"of {sorted(_NAMES)}")


def initialize(params, default=None, overrides=None, seed=0):
    """First values of ``params``: a list of ``(name, shape, dtype, init)`` where
    ``init`` is the variable's description or ``None``. Each parameter draws
    from its own stream (seed, name), so adding a layer leaves others alone."""
    default = get(default or Xavier())
    overrides = {name: get(spec) for name, spec in (overrides or {}).items()}
    unknown = set(overrides) - {p[0] for p in params}
    if unknown:
        raise AttrError(f"initializer overrides name {sorted(unknown)}, which are not "
                        f"parameters; parameters are {[p[0] for p in params]}")
    values = {}
    for name, shape, dtype, described in params:
        if name in overrides:
            init = overrides[name]
        elif described is not None:
            init = get(described)
        elif name.endswith(("bias", "beta")):
            init = Zero()
        else:
            init = default
        rng = np.random.default_rng([seed, zlib.crc32(name.encode("utf-8"))])
        values[name] = init(name, shape, dtype, rng)
    return values
