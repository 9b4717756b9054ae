"""The machinery of the op example table (``cases.py``): what one example is,
deterministic test data, and how results are compared.

A ``Case`` is one op applied to some inputs. Array inputs become variables
named ``a``, ``b``, ``c`` ... (fed by name); Python scalars stay constants,
weak in dtype promotion as numpy 2 treats them. The expectation is written in
the table with numpy, independently of the op's own ``reference``.
"""

import functools
import importlib
from dataclasses import dataclass, field
from typing import Callable, Optional

import numpy as np
from numpy.testing import assert_allclose, assert_array_equal

import symgraph as sg
from symgraph.api import SYMBOL_FUNCTIONS
from symgraph.backend.reference import evaluate
from symgraph.run_context import RunContext
from symgraph.build import apply

NAMES = "abcdefgh"


@dataclass(frozen=True)
class Case:
    """``op`` applied to ``inputs`` with ``attrs``; numpy says ``expect(*inputs)``.

    ``build`` makes the symbol from the inputs (variables for arrays) when the
    op's API function is not the way to reach it (``x[1:]``, ``a @ b``).
    ``sample_range`` marks a random op: its values are only checked to lie in
    ``[low, high)``, and ``expect`` gives the sample's shape and dtype.
    ``bug`` is the reason of a known symgraph bug: tests that evaluate the
    case are expected to fail until it is fixed. ``note`` goes into the test id.
    """

    op: str
    inputs: tuple
    expect: Callable
    attrs: dict = field(default_factory=dict)
    build: Optional[Callable] = None
    sample_range: Optional[tuple] = None
    bug: str = ""
    note: str = ""

    @property
    def feeds(self):
        return {NAMES[i]: x for i, x in enumerate(self.inputs) if isinstance(x, np.ndarray)}

    def symbol(self, declare=lambda name, array: sg.var(name)):
        """The case as a Symbol; ``declare(name, array)`` makes each variable."""
        args = [declare(NAMES[i], x) if isinstance(x, np.ndarray) else x
                for i, x in enumerate(self.inputs)]
        if self.build is not None:
            return self.build(*args, **self.attrs)
        if self.op in SYMBOL_FUNCTIONS:
            return SYMBOL_FUNCTIONS[self.op](*args, **self.attrs)
        return apply(self.op, args, self.attrs)

    def expected(self):
        return np.asarray(self.expect(*self.inputs))

    @property
    def id(self):
        """``op(inputs,attrs)note``; a leading ``~`` marks a case built by ``build``."""
        parts = [_describe(x) for x in self.inputs]
        parts += [f"{k}={v}" for k, v in self.attrs.items()]
        how = "" if self.build is None else "~"
        return f"{how}{self.op}({','.join(parts)}){self.note}"


def _describe(x):
    if isinstance(x, np.ndarray):
        return f"{x.dtype.name}{list(x.shape)}".replace(" ", "")
    return repr(x)


def key_text(key):
    """A numpy basic index as it is written: ``[1:, ::-1, None, ...]``."""
    def item(k):
        if isinstance(k, slice):
            parts = ["" if v is None else str(v) for v in (k.start, k.stop, k.step)]
            return ":".join(parts if k.step is not None else parts[:2])
        return "..." if k is Ellipsis else str(k)

    return "[" + ", ".join(map(item, key if isinstance(key, tuple) else (key,))) + "]"


def ex(*inputs, **attrs):
    """One example for ``cases``: the inputs and the attributes."""
    return inputs, attrs


def cases(op, expect, examples, **fields):
    """One ``Case`` per example of ``op``; ``expect(*inputs, **attrs)`` is numpy's answer."""
    return [Case(op, inputs, functools.partial(expect, **attrs), attrs, **fields)
            for inputs, attrs in examples]


def same(op, fn, *inputs, **fields):
    """A case built by ``fn`` itself: an operator or method that Symbols and numpy
    arrays share (``lambda a, b: a @ b``, ``lambda a: a.reshape(3, 2)``)."""
    return Case(op, inputs, fn, build=fn, **fields)


# ---- deterministic data ----------------------------------------------------------------

_RNG = np.random.default_rng(20240601)


def floats(*shape, dtype=np.float32, low=-2.0, high=2.0):
    return np.array(_RNG.uniform(low, high, size=shape), dtype=dtype)


def f32(*shape, **kw):
    return floats(*shape, dtype=np.float32, **kw)


def f64(*shape, **kw):
    return floats(*shape, dtype=np.float64, **kw)


def positive(*shape, dtype=np.float32):
    return floats(*shape, dtype=dtype, low=0.5, high=3.0)


def ints(*shape, dtype=np.int32, low=-3, high=4):
    return np.array(_RNG.integers(low, high, size=shape), dtype=dtype)


def bools(*shape):
    return np.array(_RNG.random(size=shape) < 0.5)


def as_float(a):
    """What symgraph's float-valued functions (exp, divide, mean) compute in:
    a float keeps its width, an integer becomes float64, a bool float32."""
    a = np.asarray(a)
    if a.dtype.kind == "f":
        return a
    return a.astype(np.float32 if a.dtype.kind == "b" else np.float64)


# ---- running and comparing ---------------------------------------------------------------

def _has_ndarray():
    try:
        return hasattr(importlib.import_module("symgraph.ndarray"), "NDArray")
    except ImportError:
        return False


HAS_NDARRAY = _has_ndarray()


def run_symbol(symbol, feeds, run=RunContext()):
    """The symbol's outputs as numpy arrays, from the reference backend."""
    return evaluate(symbol.graph(), feeds, run)


def eval_symbol(symbol, feeds):
    """The outputs through ``Symbol.eval`` (NDArrays), as numpy arrays."""
    return [np.asarray(out.asnumpy()) for out in symbol.eval(**feeds)]


TOLERANCE = {
    np.dtype(np.float32): dict(rtol=2e-5, atol=1e-6),
    np.dtype(np.float64): dict(rtol=1e-10, atol=1e-12),
}


def assert_matches(actual, expected, what="result"):
    """Exactly the expected shape and dtype, and values close for the dtype."""
    actual = np.asarray(actual)
    assert (actual.shape, actual.dtype) == (expected.shape, expected.dtype), (
        f"{what}: got {actual.shape} {actual.dtype}, expected {expected.shape} {expected.dtype}")
    if actual.dtype.kind == "f":
        assert_allclose(actual, expected, err_msg=what, **TOLERANCE[actual.dtype])
    else:
        assert_array_equal(actual, expected, err_msg=what)
