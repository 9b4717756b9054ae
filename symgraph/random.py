"""Random symbols and the seed: ``sg.random.seed(0)``, ``sg.random.uniform(...)``.

Samples are counter-based (see ``random_bits``): the same seed gives the same
numbers on every backend, whatever the evaluation order.
"""

from . import random_bits
from .build import apply


def seed(value):
    """Restart the sequence that seeds random ops built without a seed, and
    NDArray samples: the same program then draws the same numbers."""
    random_bits.seed(value)


def uniform(low=0.0, high=1.0, shape=None, dtype="float32", seed=None, like=None, name=None):
    """Uniform samples in [low, high) of ``shape`` (or of the shape of ``like``)."""
    inputs = () if like is None else (like,)
    return apply("random_uniform", inputs, {"low": low, "high": high, "shape": shape,
                                            "dtype": dtype, "seed": seed}, name=name)


def normal(loc=0.0, scale=1.0, shape=None, dtype="float32", seed=None, like=None, name=None):
    """Normal samples with mean ``loc`` and deviation ``scale``."""
    inputs = () if like is None else (like,)
    return apply("random_normal", inputs, {"loc": loc, "scale": scale, "shape": shape,
                                           "dtype": dtype, "seed": seed}, name=name)
