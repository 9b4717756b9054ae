"""Expand composite ops into primitives: ``Graph -> Graph``.

    FullyConnected(x, w, b)   ──>   add(matmul(flatten(x), transpose(w)), b)
    [fc1]                            [fc1_flatten0 ...; origin "fc1 (FullyConnected)"]

Each composite's ``expand`` rule builds its primitives, named after the layer
and marked with it as their origin. Expansions may contain composites
(``softmax_cross_entropy`` uses ``log_softmax``), so the pass repeats until
none is left. Composites named in ``keep`` stay (autodiff keeps those with
gradient rules of their own). Unchanged nodes are reused, not copied.
The train/predict mode in ``run`` decides what ``Dropout`` becomes.
"""

from ..errors import ShapeError
from ..graph import naming
from ..graph.ir import Graph, Node
from ..ops import registry
from ..ops.registry import Kind, describe
from ..run_context import RunContext
from ..symbol import Symbol
from .infer import infer_types


class ExpandContext:
    """What an ``expand`` rule sees: inputs as Symbols, their types, the
    node's output types, attributes and the run mode."""

    def __init__(self, node, inputs, types, run):
        self.node = node
        self.attrs = node.attrs
        self.inputs = [Symbol([v]) for v in inputs]
        self.types = [types.get(v) for v in node.inputs]
        self.out_types = [types.get(v) for v in node.outputs]
        self.run = run

    def known_type(self, index):
        """The type of input ``index``, for rules that need it; an error if unknown
        (``sg.grad`` expands with partial types when variables have no shapes)."""
        found = self.types[index]
        if found is None:
            raise ShapeError(
                f"expanding {describe(self.node)} into primitives needs the shape of its "
                f"input {self.node.inputs[index].label!r}; give the variables shapes "
                "(var(..., shape=...) or sg.grad(..., name=shape))")
        return found


def expand(graph, bound=None, run=RunContext(), keep=frozenset()):
    """``graph`` with every composite (not in ``keep``) replaced by primitives."""
    while _composites(graph, keep):
        types = infer_types(graph, bound, partial=True)
        graph = _expand_once(graph, types, run, keep)
    return graph


def _composites(graph, keep):
    return [n for n in graph.nodes
            if registry.get(n.op).kind == Kind.COMPOSITE and n.op not in keep]


def _expand_once(graph, types, run, keep):
    new = {}  # old Value -> new Value
    for node in graph.nodes:
        inputs = [new[v] for v in node.inputs]
        op = registry.get(node.op)
        if op.kind == Kind.COMPOSITE and node.op not in keep:
            outputs = _expand_node(node, inputs, types, run)
        elif all(a is b for a, b in zip(inputs, node.inputs)):
            outputs = node.outputs
        else:
            outputs = Node(node.op, inputs, node.attrs, node.name,
                           num_outputs=node.num_outputs, origin=node.origin).outputs
        new.update(zip(node.outputs, outputs))
    return Graph([new[v] for v in graph.outputs])


def _expand_node(node, inputs, types, run):
    with naming.name_scope(f"{node.name}_"), naming.expanding(node.origin or describe(node)):
        results = registry.get(node.op).expand(ExpandContext(node, inputs, types, run))
    return [symbol.value for symbol in results]
