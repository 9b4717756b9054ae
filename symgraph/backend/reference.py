"""The numpy reference backend: interprets a graph one op at a time.

It is the oracle: every compiled backend, every pass and every gradient is
tested against what this module computes. It calls each op's ``reference``
and checks that the result has exactly the inferred shape and dtype, so an
op whose rules disagree with its own numpy code fails loudly here, once, and
not as a wrong answer in a compiled kernel later.
"""

import numpy as np

from ..errors import BindError, InternalError
from ..graph.ir import TensorType
from ..ops import registry
from ..passes.infer import infer_types
from ..run_context import RunContext


def evaluate(graph, feeds, run=RunContext()):
    """Values of ``graph.outputs`` given ``feeds`` (variable name -> array)."""
    feeds = {name: _as_array(name, value) for name, value in feeds.items()}
    names = {node.name for node in graph.variables()}
    extra = sorted(set(feeds) - names)
    if extra:
        raise BindError(f"{', '.join(map(repr, extra))} is not an argument of the graph; "
                        f"arguments are {sorted(names)}")
    missing = [name for name in names if name not in feeds]
    if missing:
        raise BindError(f"argument {missing[0]!r} is not given")
    types = infer_types(graph, {n: TensorType(a.shape, a.dtype) for n, a in feeds.items()})
    values = {}
    for node in graph.nodes:
        if node.op == "var":
            values[node.outputs[0]] = feeds[node.name]
            continue
        results = _run_op(node, [values[v] for v in node.inputs], run)
        for value, result in zip(node.outputs, results):
            values[value] = _checked(node, value, result, types[value])
    return [np.asarray(values[v]) for v in graph.outputs]


def _as_array(name, value):
    array = np.asarray(value)
    TensorType(array.shape, array.dtype)  # rejects unsupported dtypes with a DTypeError
    return array


def _run_op(node, arrays, run):
    op = registry.get(node.op)
    attrs = node.attrs.as_dict()
    if op.uses_run:
        attrs["run"] = run
    result = op.reference(*arrays, **attrs)
    return result if isinstance(result, tuple) else (result,)


def _checked(node, value, result, expected):
    """The result as an array of the inferred type; Python scalars stay weak."""
    if expected.weak:
        return result
    result = np.asarray(result)
    if result.shape != expected.shape or result.dtype != expected.dtype:
        raise InternalError(
            f"{node.op} rules disagree with its reference at {value.label!r}: inferred "
            f"{expected}, computed {TensorType(result.shape, result.dtype)}"
        )
    return result
