"""Eager execution of one op on NDArrays, through the same op records the
compiler uses: the op's ``infer`` checks the inputs (with the same error
messages a graph gives) and its numpy ``reference`` computes the result.

``invoke`` is the one door every NDArray operation goes through, so the
imperative autograd records operations in one place. On GPU arrays the op
runs on host copies of the inputs and its results are uploaded; the
autograd tape keeps those host inputs and results, so a backward reads no
recorded value back from the device.
"""

import numbers

import numpy as np

from .. import autograd
from ..backend.reference import run_node
from ..context import current_context
from ..dtypes import weak_dtype_of
from ..errors import ContextError
from ..graph.ir import Node, TensorType
from ..ops import registry
from ..ops.registry import InferContext

_PLACEHOLDERS = {}


def _placeholder(index):
    """A stand-in variable node that names an eager input in error messages."""
    if index not in _PLACEHOLDERS:
        attrs = registry.get("var").canonical_attrs({}, "eager input")
        _PLACEHOLDERS[index] = Node("var", (), attrs, f"input {index}").outputs[0]
    return _PLACEHOLDERS[index]


def invoke(op_name, inputs, attrs, name=None, out=None, run=None):
    """Run ``op_name`` on ``inputs`` (NDArrays, numpy arrays, Python scalars)
    and return an NDArray (a tuple of them for several outputs). With ``out``,
    the result is written into that array's buffer, which is returned."""
    from ..build import apply
    from ..symbol import Symbol
    from .ndarray import NDArray

    if any(isinstance(x, Symbol) for x in inputs):  # tracing: build the graph instead
        return apply(op_name, inputs, attrs, name=name)
    context = common_context(inputs)
    arrays = [_operand(x) for x in inputs]
    op, attrs, node, out_types = _prepared(op_name, attrs, name, arrays)
    computed = run_node(node, arrays, out_types, run or autograd.run_context())
    results = [np.asarray(r, dtype=t.dtype) for r, t in zip(computed, out_types)]
    wrapped = [NDArray(r, context) for r in results]
    autograd.recorded(op, attrs, inputs, arrays, wrapped, results)
    if out is not None:
        return out._take_over(wrapped[0])
    return wrapped[0] if len(wrapped) == 1 else tuple(wrapped)


_PREPARED = {}  # (op, name, attributes, input signature) -> what _prepared returns
_PREPARED_LIMIT = 4096


def _prepared(op_name, attrs, name, arrays):
    """``(op, checked attributes, node to run, output types)`` for one call on
    ``arrays``. Checking the attributes and inferring the types cost more than
    the numpy work of a small op (measured: 33 us of a 10x10 multiply), and a
    training loop makes the same calls every step, so they are remembered by
    the call's signature; an unhashable attribute value is checked every time."""
    signature = tuple((a.shape, a.dtype) if isinstance(a, np.ndarray) else type(a)
                      for a in arrays)
    try:
        key = (op_name, name, _typed(sorted(attrs.items())), signature)
        known = _PREPARED.get(key)
    except TypeError:
        key = known = None
    if known is not None:
        return known
    op = registry.get(op_name)
    where = name or op_name
    attrs = op.canonical_attrs(attrs, where)
    op.check_arity(len(arrays), attrs, where)
    node = Node(op_name, [_placeholder(i) for i in range(len(arrays))], attrs, where,
                num_outputs=op.num_outputs)
    out_types = op.infer(InferContext(node, [_type_of(a) for a in arrays]))
    if key is not None:
        if len(_PREPARED) >= _PREPARED_LIMIT:
            _PREPARED.clear()
        _PREPARED[key] = (op, attrs, node, out_types)
    return op, attrs, node, out_types


def _typed(value):
    """``value`` as a hashable key in which equal values of different types
    differ (``1``, ``1.0`` and ``True`` are not the same attribute)."""
    if isinstance(value, (tuple, list)):
        return type(value), tuple(_typed(v) for v in value)
    return type(value), value


def _operand(x):
    from .ndarray import NDArray

    if isinstance(x, NDArray):
        return np.asarray(x)  # the buffer itself on the CPU; a host copy of a GPU array
    if isinstance(x, numbers.Number):
        return x
    if x is None:
        raise TypeError("an eager op got None where an array was expected")
    return np.asarray(x)


def _type_of(array):
    if isinstance(array, np.ndarray):
        return TensorType(array.shape, array.dtype)
    return TensorType((), weak_dtype_of(array), weak=True)


def common_context(inputs, what="inputs"):
    """The one context of the NDArrays among ``inputs`` (the default if none)."""
    from .ndarray import NDArray

    contexts = {x.context for x in inputs if isinstance(x, NDArray)}
    if len(contexts) > 1:
        raise ContextError(f"{what} live on different devices: {sorted(map(str, contexts))}; "
                           "copy them to one with copyto(ctx)")
    return contexts.pop() if contexts else current_context()
