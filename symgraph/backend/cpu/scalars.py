"""The scalar functions generated kernels call, one per name in the ops'
``scalar`` templates (``exp({0})``, ``select({0}, {1}, {2})``, ...).

Each is a small ``numba.njit(inline='always')`` function, so after inlining
a fused loop has no calls left and LLVM can vectorize it. Comparisons are
written so NaN propagates as numpy's ``maximum``/``minimum``/``sign`` do.
Transcendental functions come in two flavours: ``fast`` (vectorizable
polynomials from ``fastmath``, the default) and ``exact`` (libm through
``math``, the ``exact_*`` functions here). Where numpy raises, a kernel
raises a symgraph error too (``checked_power``), from inside the loop, since
an operand may be computed there. ``import_header(flavour)`` is the text a
generated kernel module starts with.
"""

import math

import numba
from numba import types
from numba.extending import overload

from ...errors import DomainError

inline = numba.njit(inline="always")


@inline
def select(cond, a, b):
    return a if cond else b


@inline
def maximum(a, b):
    return a if (a > b or a != a) else b


@inline
def minimum(a, b):
    return a if (a < b or a != a) else b


@inline
def relu(a):
    return a if (a > 0 or a != a) else a * 0


@inline
def sign(a):
    if a != a:
        return a
    return (a > 0) - (a < 0)


@inline
def clip(a, lo, hi):
    return minimum(maximum(a, lo), hi)


@inline
def power(a, b):
    return a ** b


def checked_power(a, b):
    """``power`` as numpy computes it: an integer to a negative integer power
    raises ``DomainError`` (numba's gives 0). A loop that may raise does not
    run in parallel, so only integer powers carry the check."""
    return a ** b


@overload(checked_power, inline="always")
def _checked_power(a, b):
    if isinstance(a, types.Integer) and isinstance(b, types.Integer):
        def integer_power(a, b):
            if b < 0:
                raise DomainError("power: integers to negative integer powers are not "
                                  "allowed (numpy raises too)")
            return power(a, b)
        return integer_power
    return lambda a, b: power(a, b)


@inline
def zero(a):
    return 0


@inline
def one(a):
    return 1


@inline
def exact_exp(x):
    return math.exp(x)


@inline
def exact_log(x):
    return math.log(x) if x > 0 else (-math.inf if x == 0 else math.nan)


@inline
def exact_log1p(x):
    return math.log1p(x) if x > -1 else (-math.inf if x == -1 else math.nan)


@inline
def exact_expm1(x):
    return math.expm1(x)


@inline
def exact_tanh(x):
    return math.tanh(x)


@inline
def exact_sigmoid(x):
    return 0.5 * (1.0 + math.tanh(0.5 * x))


@inline
def exact_softplus(x):
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


TRANSCENDENTAL = ("exp", "log", "log1p", "expm1", "tanh", "sigmoid", "softplus")
COMMON = ("select", "maximum", "minimum", "relu", "sign", "clip", "power", "zero", "one")
# What a CPU kernel imports under a template's name: the version that raises where numpy does.
CHECKED = {"power": "checked_power"}


def import_header(flavour):
    """The imports of a generated kernel module for a math ``flavour``."""
    if flavour == "exact":
        transcendental = ("from symgraph.backend.cpu.scalars import "
                          + ", ".join(f"exact_{n} as {n}" for n in TRANSCENDENTAL))
    elif flavour == "fast":
        transcendental = "from symgraph.backend.cpu.fastmath import " + ", ".join(TRANSCENDENTAL)
    else:
        raise ValueError(f"unknown math flavour {flavour!r}; use 'fast' or 'exact'")
    return "\n".join([
        "import math",
        "import numpy as np",
        "from numba import njit, prange",
        "from math import sqrt, sin, cos",
        "from symgraph.backend.cpu.scalars import " + ", ".join(
            f"{CHECKED[n]} as {n}" if n in CHECKED else n for n in COMMON),
        transcendental,
    ])
