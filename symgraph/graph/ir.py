"""The graph IR: immutable nodes, values, and graphs with a cached order.

    var x ─┐
           ├─> Node("add") ──> Value(node, 0) ──> Node("exp") ──> Graph(outputs=[...])
    var y ─┘

A ``Node`` is an op applied to input ``Value``s with frozen attributes. A
``Value`` names one output of a node. A ``Graph`` is the DAG reachable from its
output values; it computes its topological order once. Nothing here is ever
mutated: passes build new nodes and new graphs.
"""

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ..dtypes import as_dtype
from ..errors import GraphError


@dataclass(frozen=True)
class TensorType:
    """Shape and dtype of a value.

    ``shape`` entries may be ``None`` during partial inference. ``weak`` marks
    a Python scalar constant whose width is decided by what it meets (NEP 50).
    """

    shape: tuple
    dtype: np.dtype
    weak: bool = False

    def __post_init__(self):
        object.__setattr__(self, "shape", tuple(self.shape))
        object.__setattr__(self, "dtype", as_dtype(self.dtype))

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def known(self):
        return all(d is not None for d in self.shape)

    @property
    def size(self):
        return int(np.prod(self.shape, dtype=np.int64))

    @property
    def nbytes(self):
        return self.size * self.dtype.itemsize

    def __str__(self):
        dims = ", ".join("?" if d is None else str(d) for d in self.shape)
        return f"({dims}{',' if len(self.shape) == 1 else ''}) {self.dtype.name}"


class Value(NamedTuple):
    """One output of a node."""

    node: "Node"
    index: int = 0

    @property
    def label(self):
        """How error messages name this value: the node name, plus the output if several."""
        if self.node.num_outputs == 1:
            return self.node.name
        return f"{self.node.name}[{self.index}]"


class Attrs(tuple):
    """A frozen, hashable mapping of attribute names to plain Python values."""

    def __new__(cls, mapping=None):
        return super().__new__(cls, sorted((mapping or {}).items()))

    def __getitem__(self, key):
        for name, value in tuple.__iter__(self):
            if name == key:
                return value
        raise KeyError(key)

    def get(self, key, default=None):
        try:
            return self[key]
        except KeyError:
            return default

    def as_dict(self):
        return dict(tuple.__iter__(self))

    def __repr__(self):
        return repr(self.as_dict())


class Node:
    """An op applied to inputs. Immutable; compared by identity.

    ``origin`` describes the user-level node this one was expanded from
    (``"fc1 (FullyConnected)"``), so errors and pictures of compiled graphs can
    speak the user's language; it is ``None`` for nodes the user built.
    """

    __slots__ = ("op", "inputs", "attrs", "name", "origin", "num_outputs", "outputs",
                 "__weakref__")

    def __init__(self, op, inputs, attrs, name, *, num_outputs=1, origin=None):
        for value in inputs:
            if not isinstance(value, Value):
                raise TypeError(f"node inputs must be Values, got {type(value).__name__}")
        object.__setattr__(self, "op", op)
        object.__setattr__(self, "inputs", tuple(inputs))
        object.__setattr__(self, "attrs", attrs if isinstance(attrs, Attrs) else Attrs(attrs))
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "origin", origin)
        object.__setattr__(self, "num_outputs", num_outputs)
        object.__setattr__(self, "outputs", tuple(Value(self, i) for i in range(num_outputs)))

    def __setattr__(self, key, value):
        raise AttributeError("Node is immutable; build a new one")

    def __repr__(self):
        return f"<Node {self.name} ({self.op})>"


class Graph:
    """The DAG reachable from ``outputs``, with its topological order computed once."""

    def __init__(self, outputs):
        self.outputs = tuple(outputs)
        self.nodes = _topological_order(self.outputs)
        _check_variable_names(self.nodes)

    def variables(self):
        """The ``var`` nodes in order of first use, as MXNet lists arguments."""
        return [n for n in self.nodes if n.op == "var"]

    def consumers(self):
        """Map each node to the nodes that read any of its outputs (in order)."""
        readers = {node: [] for node in self.nodes}
        for node in self.nodes:
            for value in node.inputs:
                readers[value.node].append(node)
        return readers

    def __repr__(self):
        return f"<Graph {len(self.nodes)} nodes, {len(self.outputs)} outputs>"


def _check_variable_names(nodes):
    """Arguments are bound by name, so two different variables may not share one."""
    seen = set()
    for node in nodes:
        if node.op == "var":
            if node.name in seen:
                raise GraphError(f"two different variables are named {node.name!r}; "
                                 "use one sg.var for both uses, or distinct names")
            seen.add(node.name)


def _topological_order(outputs):
    """Post-order DFS from the outputs, iterative so deep graphs do not hit the
    recursion limit. Inputs are visited in order, so arguments come out in the
    order MXNet's ``list_arguments`` gives."""
    order, done, on_path = [], set(), set()
    for root in outputs:
        if root.node in done:
            continue
        stack = [(root.node, iter(root.node.inputs))]
        on_path.add(root.node)
        while stack:
            node, pending = stack[-1]
            child = next(pending, None)
            if child is None:
                stack.pop()
                on_path.discard(node)
                done.add(node)
                order.append(node)
            elif child.node not in done:
                if child.node in on_path:
                    raise GraphError(f"graph has a cycle through {child.node.name!r}")
                on_path.add(child.node)
                stack.append((child.node, iter(child.node.inputs)))
    return tuple(order)
