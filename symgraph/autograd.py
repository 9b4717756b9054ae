"""Imperative autograd, MXNet style: ``x.attach_grad()``, ``with
autograd.record(): y = f(x)``, ``y.backward()``, ``x.grad``.

    x.attach_grad()          -> x is a variable node of a graph built as you go
    with record(): y = ...   -> every NDArray op on tracked arrays adds a node
                                (eager.invoke is the one door they go through)
    y.backward()             -> the autodiff pass differentiates that graph, and
                                the reference backend evaluates the gradient,
                                reusing the forward values computed while recording

There is one gradient implementation, the autodiff pass: recording only
builds the graph of the path Python actually took, so data-dependent
control flow (``while b.norm() < 1000: b = b * 2``) is differentiated along
that path. Only operations that depend on arrays with attached gradients are
recorded. With ``create_graph=True`` the gradients are recorded arrays
themselves, so they can be differentiated again.

GPU arrays (``sg.gpu(0)``) take the path their eager ops take: the tape
holds the host arrays each op read and wrote, the reference backend
evaluates the gradient graph on the host, and each gradient is uploaded to
its variable's device (into ``.grad``, or as the array ``grad`` returns).
A recorded computation lives on one device; heads, head gradients and
variables on different ones are a ``ContextError``.
"""

import contextlib
import itertools
import numbers
import threading
import weakref

import numpy as np

from .compiler import differentiate
from .errors import GradientError
from .graph import naming
from .graph.ir import Graph, Node, TensorType
from .ops import registry
from .passes.infer import infer_types
from .run_context import RunContext

_mode = threading.local()
_values = weakref.WeakKeyDictionary()   # Node -> its output arrays when recorded
_leaves = weakref.WeakValueDictionary()  # id(var Node) -> the NDArray it stands for
_freed = weakref.WeakSet()               # nodes whose graph a backward already released
_counter = itertools.count()
_gradient_graphs = {}  # recording structure -> (gradient graph, types, recorded nodes)
_GRADIENT_GRAPHS_KEPT = 64


def is_recording():
    return getattr(_mode, "recording", False)


def is_training():
    return getattr(_mode, "training", False)


@contextlib.contextmanager
def _scope(recording=None, training=None):
    saved = (is_recording(), is_training())
    _mode.recording = saved[0] if recording is None else recording
    _mode.training = saved[1] if training is None else training
    try:
        yield
    finally:
        _mode.recording, _mode.training = saved


def record(train_mode=True):
    """Record operations on arrays with attached gradients (in training mode
    unless ``train_mode=False``: Dropout is active while training)."""
    return _scope(recording=True, training=train_mode)


def pause(train_mode=False):
    """Stop recording inside a ``record()`` block."""
    return _scope(recording=False, training=train_mode)


def train_mode():
    return _scope(training=True)


def predict_mode():
    return _scope(training=False)


def run_context():
    return RunContext(is_train=is_training())


# ---- building the graph while recording -----------------------------------------------

def attach(array):
    """Make ``array`` a leaf: a variable of the recorded graph."""
    attrs = registry.get("var").canonical_attrs({"role": "param"}, "attach_grad")
    node = Node("var", (), attrs, f"ndarray{next(_counter)}")
    _leaves[id(node)] = array
    return node.outputs[0]


def recorded(op, attrs, inputs, operands, results, values):
    """Add the op that made ``results`` from ``inputs`` to the graph, if any
    input is tracked; give each result its place in the graph. ``operands``
    and ``values`` are the host arrays the op read and wrote (numbers stay
    numbers); the tape keeps those, so nothing is read back from a GPU."""
    if not is_recording():
        return
    from .ndarray.ndarray import NDArray

    tracked = [x._entry for x in inputs if isinstance(x, NDArray) and x._entry is not None]
    if not tracked:
        return
    if op.uses_run and not is_training() and len(inputs) == 1:
        results[0]._entry = tracked[0]  # e.g. Dropout in predict mode: the identity
        return
    entries = [x._entry if isinstance(x, NDArray) and x._entry is not None else _constant(a)
               for x, a in zip(inputs, operands)]
    node = Node(op.name, entries, attrs, naming.fresh_name(op.name),
                num_outputs=op.num_outputs)
    _values[node] = tuple(values)
    for result, value in zip(results, node.outputs):
        result._entry = value


def _constant(x):
    """An untracked input: a weak constant for a Python scalar, else a variable
    bound to its host array (no copy of a host one)."""
    if isinstance(x, numbers.Number) and not isinstance(x, np.generic):
        attrs = registry.get("const").canonical_attrs({"value": x}, "recorded input")
        return Node("const", (), attrs, naming.fresh_name("const")).outputs[0]
    attrs = registry.get("var").canonical_attrs({}, "recorded input")
    node = Node("var", (), attrs, f"tape_input{next(_counter)}")
    _values[node] = (np.asarray(x),)
    return node.outputs[0]


# ---- differentiating it ------------------------------------------------------------------

def grad(heads, variables, head_grads=None, retain_graph=None, create_graph=False):
    """Gradients of ``heads`` with respect to ``variables`` (NDArrays with
    attached gradients), returned as NDArrays; with ``create_graph`` they are
    recorded, so they can be differentiated again."""
    heads, variables = _as_list(heads), _as_list(variables)
    for v in variables:
        if v._entry is None or id(v._entry.node) not in _leaves:
            raise GradientError("grad() needs arrays with attach_grad() called before record()")
    values = _gradients(heads, [v._entry for v in variables], head_grads,
                        retain_graph=create_graph if retain_graph is None else retain_graph)
    return [_wrap(value, array, v.context, create_graph)
            for (value, array), v in zip(values, variables)]


def backward(heads, head_grads=None, retain_graph=False):
    """Write the gradients of ``heads`` into every attached array's ``.grad``."""
    heads = _as_list(heads)
    graph = Graph([_entry_of(h) for h in heads])
    leaves = [n.outputs[0] for n in graph.variables() if id(n) in _leaves]
    if not leaves:
        raise GradientError("backward found no array with attach_grad() in the recorded "
                            "graph of this head")
    for leaf, (_, gradient) in zip(leaves, _gradients(heads, leaves, head_grads, retain_graph)):
        _leaves[id(leaf.node)]._store_grad(gradient)


def _gradients(heads, wrt, head_grads, retain_graph):
    from .backend.reference import compute

    outputs = [_entry_of(h) for h in heads]
    _one_context(heads, wrt, head_grads)
    graph = Graph(outputs)
    if any(n in _freed for n in graph.nodes):
        raise GradientError("this graph was released by an earlier backward; pass "
                            "retain_graph=True to differentiate it again")
    head_values, feeds = _head_values(heads, head_grads)
    known = {v: array for n in graph.nodes if n in _values
             for v, array in zip(n.outputs, _values[n])}
    feeds.update({n.name: _values[n][0] if n in _values else np.asarray(_leaves[id(n)])
                  for n in graph.variables()})  # a leaf's buffer on the CPU, a GPU one's copy
    bound = {name: TensorType(a.shape, a.dtype) for name, a in feeds.items()}
    if retain_graph or head_grads is not None:
        full = differentiate(graph, wrt, head_values, bound)
        types = infer_types(full, bound)
    else:
        full, types, known, feeds = _cached_gradient_graph(graph, wrt, bound, known, feeds)
    computed = compute(full, feeds, types, RunContext(is_train=True), known=known)
    if retain_graph:
        for node in full.nodes:
            if node.op != "var" and node not in _values:
                _values[node] = tuple(np.asarray(computed[v]) for v in node.outputs)
    else:
        for node in graph.nodes:
            if node.op != "var":
                _freed.add(node)
                _values.pop(node, None)
    grads = full.outputs[len(outputs):]
    return [(value, np.asarray(computed[value])) for value in grads]


def _cached_gradient_graph(graph, wrt, bound, known, feeds):
    """The gradient graph of ``graph``, differentiated once per structure.

    A training loop records the same computation every step on new nodes;
    differentiating each recording again would cost more than evaluating it.
    Recordings equal in ops, attributes, wiring and variable types share one
    gradient graph, and this step's values are moved onto that graph's nodes
    by topological position. Only used when no recorded value has to outlive
    the call (no ``retain_graph``, ``create_graph`` or head gradients), since
    the shared graph's nodes belong to no single recording."""
    position = {node: i for i, node in enumerate(graph.nodes)}

    def wiring(values):
        return tuple((position[v.node], v.index) for v in values)

    key = (tuple((n.op, n.attrs, wiring(n.inputs), bound.get(n.name) if n.op == "var" else None)
                 for n in graph.nodes), wiring(graph.outputs), wiring(wrt))
    try:
        entry = _gradient_graphs.get(key)
    except TypeError:  # an attribute that cannot be hashed: no sharing
        full = differentiate(graph, wrt, [None] * len(graph.outputs), bound)
        return full, infer_types(full, bound), known, feeds
    if entry is None:
        if len(_gradient_graphs) >= _GRADIENT_GRAPHS_KEPT:
            _gradient_graphs.pop(next(iter(_gradient_graphs)))
        full = differentiate(graph, wrt, [None] * len(graph.outputs), bound)
        entry = _gradient_graphs[key] = (full, infer_types(full, bound), graph.nodes)
    full, types, nodes = entry
    moved = {nodes[position[v.node]].outputs[v.index]: array for v, array in known.items()}
    renamed = {nodes[position[n]].name: feeds[n.name] for n in graph.variables()}
    return full, types, moved, renamed


def _one_context(heads, wrt, head_grads):
    """Refuse a gradient whose heads, head gradients and variables live on
    different devices (eager ops already refuse mixed inputs): its graph
    would span devices, which no recorded computation does."""
    from .ndarray.eager import common_context

    arrays = heads + [_leaves[id(v.node)] for v in wrt] + _as_list(head_grads)
    common_context(arrays, "the heads, head gradients and variables of one gradient")


def _head_values(heads, head_grads):
    if head_grads is None:
        return [None] * len(heads), {}
    values, feeds = [], {}
    for head, g in zip(heads, _as_list(head_grads)):
        if g is None:
            values.append(None)
            continue
        value = _constant(g)
        feeds[value.node.name] = _values[value.node][0].astype(head.dtype)
        values.append(value)
    return values, feeds


def _entry_of(head):
    if head._entry is None:
        raise GradientError("this array was not computed from arrays with attached gradients "
                            "inside autograd.record()")
    return head._entry


def _wrap(value, array, context, recorded_too):
    from .ndarray.ndarray import NDArray

    result = NDArray(array, context)
    if recorded_too:
        result._entry = value
    return result


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]
