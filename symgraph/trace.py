"""``sg.trace(fn)``: compile a Python function of NDArrays, as Gluon's
``hybridize()`` does.

The first call with given input shapes and dtypes calls ``fn`` with Symbols
in place of the arrays (every NDArray function and method also builds
Symbols), compiles the resulting graph, and caches the executor; later calls
with the same signature run the compiled plan, and a new signature traces
again. Python control flow in ``fn`` is therefore frozen at trace time:
reading a value during tracing (``asscalar()``, ``bool()``) raises a
``TraceError`` that says so. Inside ``autograd.record()`` with arrays that
need gradients, ``fn`` runs eagerly, so the tape sees every operation.
"""

import functools

import numpy as np

from . import autograd
from .build import group, var
from .ndarray import NDArray


class TracedFunction:
    """A function compiled per input signature; ``symbols`` holds the traced graphs."""

    def __init__(self, fn, backend="cpu"):
        functools.update_wrapper(self, fn)
        self.fn, self.backend = fn, backend
        self.symbols, self._executors = {}, {}

    def signature(self, arrays):
        return tuple((a.shape, a.dtype.name) for a in arrays)

    def __call__(self, *args):
        arrays = [a if isinstance(a, NDArray) else NDArray(np.asarray(a)) for a in args]
        if autograd.is_recording() and any(a._entry is not None for a in arrays):
            return self.fn(*arrays)
        key = self.signature(arrays)
        if key not in self._executors:
            self._executors[key] = self._compile(key)
        executor = self._executors[key]
        used = executor.arg_dict
        outputs = executor.forward(**{f"arg{i}": a for i, a in enumerate(arrays)
                                      if f"arg{i}" in used})
        copies = [NDArray(o.asnumpy(), o.context) for o in outputs]  # next call overwrites
        return copies[0] if len(copies) == 1 else tuple(copies)

    def _compile(self, key):
        inputs = [var(f"arg{i}", shape=shape, dtype=dtype) for i, (shape, dtype) in enumerate(key)]
        result = self.fn(*inputs)
        symbol = group(*result) if isinstance(result, (list, tuple)) else result
        self.symbols[key] = symbol
        shapes = {f"arg{i}": shape for i, (shape, _) in enumerate(key)}
        type_dict = {f"arg{i}": dtype for i, (_, dtype) in enumerate(key)}
        return symbol.simple_bind(grad_req="null", type_dict=type_dict, backend=self.backend,
                                  **{k: v for k, v in shapes.items()
                                     if k in symbol.list_arguments()})


def trace(fn=None, backend="cpu"):
    """Compile ``fn`` per input signature (usable as ``@sg.trace``)."""
    if fn is None:
        return functools.partial(trace, backend=backend)
    return TracedFunction(fn, backend)


hybridize = trace
