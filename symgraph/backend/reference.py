"""The numpy reference backend: interprets a graph one op at a time.

It is the oracle: every compiled backend, every pass and every gradient is
tested against what this module computes. It calls each op's ``reference``
and checks that the result has exactly the inferred shape and dtype, so an
op whose rules disagree with its own numpy code fails loudly here, once, and
not as a wrong answer in a compiled kernel later.
"""

import numpy as np

from ..errors import BindError, InternalError
from ..graph.ir import Graph, TensorType
from ..ops import registry
from ..passes.infer import infer_types
from ..run_context import RunContext


def evaluate(graph, feeds, run=RunContext()):
    """Values of ``graph.outputs`` given ``feeds`` (variable name -> array)."""
    feeds = {name: _as_array(name, value) for name, value in feeds.items()}
    check_feeds(graph, feeds)
    types = infer_types(graph, {n: TensorType(a.shape, a.dtype) for n, a in feeds.items()})
    values = compute(graph, feeds, types, run)
    return [np.asarray(values[v]) for v in graph.outputs]


def check_feeds(graph, feeds):
    """Every argument of ``graph`` is fed, and nothing else is."""
    names = {node.name for node in graph.variables()}
    extra = sorted(set(feeds) - names)
    if extra:
        raise BindError(f"{', '.join(map(repr, extra))} is not an argument of the graph; "
                        f"arguments are {sorted(names)}")
    missing = [name for name in names if name not in feeds]
    if missing:
        raise BindError(f"argument {missing[0]!r} is not given")


def compute(graph, feeds, types, run, known=None):
    """Every value of ``graph``, from variable ``feeds`` (by name) and values
    already ``known`` (which are not computed again)."""
    values = dict(known or {})
    for node in graph.nodes:
        if node.outputs[0] in values:
            continue
        if node.op == "var":
            values[node.outputs[0]] = feeds[node.name]
            continue
        results = run_node(node, [values[v] for v in node.inputs],
                           [types[v] for v in node.outputs], run)
        values.update(zip(node.outputs, results))
    return values


def _as_array(name, value):
    array = np.asarray(value)
    TensorType(array.shape, array.dtype)  # rejects unsupported dtypes with a DTypeError
    return array


def run_node(node, arrays, out_types, run):
    """Compute one node with its op's numpy reference; results are checked
    against ``out_types``, the types inference gave its outputs."""
    op = registry.get(node.op)
    attrs = node.attrs.as_dict()
    if op.uses_run:
        attrs["run"] = run
    results = op.reference(*arrays, **attrs)
    results = results if isinstance(results, tuple) else (results,)
    return [_checked(node, value, result, expected)
            for value, result, expected in zip(node.outputs, results, out_types)]


def _checked(node, value, result, expected):
    """The result as an array of the inferred type; Python scalars stay weak."""
    if expected.weak:
        return np.asarray(result).item()  # a Python scalar: numpy scalars are not weak
    result = np.asarray(result)
    if result.shape != expected.shape or result.dtype != expected.dtype:
        raise InternalError(
            f"{node.op} rules disagree with its reference at {value.label!r}: inferred "
            f"{expected}, computed {TensorType(result.shape, result.dtype)}"
        )
    return result


class ReferenceProgram:
    """Runs an executor's graphs (``compiler.ExecutorGraphs``) with numpy.

    A training forward keeps every value it computed, so ``backward`` only
    computes the gradient nodes."""

    def __init__(self, graphs):
        self.graphs = graphs
        self._train_forward = Graph(graphs.train.outputs[:graphs.num_outputs])
        self._saved = None

    def forward(self, args, is_train, step):
        """Output arrays for argument arrays ``args`` (name -> numpy array)."""
        run = RunContext(is_train=is_train, step=step)
        graph = self._train_forward if is_train else self.graphs.predict
        values = compute(graph, args, self.graphs.types, run)
        self._saved = (args, run, values) if is_train else None
        return [np.asarray(values[v]) for v in graph.outputs]

    def backward(self, head_grads):
        """Gradient arrays (name -> array) of the last training forward."""
        args, run, values = self._saved
        feeds = {**args, **head_grads}
        values = compute(self.graphs.train, feeds, self.graphs.types, run, known=values)
        grads = self.graphs.train.outputs[self.graphs.num_outputs:]
        return {name: np.asarray(values[v]) for name, v in zip(self.graphs.grad_names, grads)}
