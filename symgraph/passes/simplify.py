"""Simplify a graph: constant folding, CSE, exact algebraic identities and
numerical stabilization, all by one rewrite mechanism. ``Graph -> Graph``.

    node of the old graph (inputs first)
        │  its inputs replaced by their simplified values
        ▼
    candidate ── key (op, inputs, typed attrs) in the CSE table? ──yes──> that value
        │ no
        ▼
    rules of its op, in order: fold_constants, then the table in simplify_rules
        │  a rule returns a replacement or None; the nodes it builds take
        │  this same path first (recursively), so they come out simplified
        ▼
    the first replacement with the candidate's types, else the candidate
        │
        ▼
    recorded under the key; the old node's outputs map to it

A *sweep* visits the nodes bottom-up and ``emit``s each one with its inputs
already simplified. ``emit`` hashes the node structurally (op, input values,
attrs typed so that ``1``, ``1.0`` and ``True``, or ``0.0`` and ``-0.0``, stay
apart), so equal nodes become one; then it tries the rules of the op, small
functions that return a replacement or ``None``. The nodes of a refused
replacement are forgotten. Rules look only at a node and its producers, which
are final by then, so the first sweep reaches the fixpoint; sweeps repeat
until one changes nothing, so the second confirms it. Dead code disappears
because a ``Graph`` holds only what its outputs reach.

Guarantees:
* the outputs are the same number, in the same order, of the same types: a
  replacement whose type (shape, dtype, weakness; for a weak scalar its kind)
  differs from the value it replaces, or is unknown, is refused, so rules that
  need types fire only where inference (from ``bound`` and the variables'
  hints) knows them;
* values are bitwise the same, except where a stabilization rule fires
  (``log(softmax)``, ``log1p``, ``expm1``, ``log(sigmoid)``: other rounding,
  more accurate) or a matrix product is turned around (``(a @ b).T`` as
  ``b.T @ a.T``: BLAS may sum in another order); each rule's docstring says
  why it is exact or what it changes;
* ``var`` nodes are kept as the same objects; a rebuilt node keeps its name and
  origin; a node that replaces another takes its name and origin (extra parts
  of a replacement are named ``{name}_{op}``);
* random nodes are never folded, and merged only with identical seed, attrs and
  inputs, which draw identical numbers (counter-based random bits).

The result is specialized to the types inference knew: ``reshape_like(g, x)``
becomes ``g`` where the shapes agree, so a variable read only for its shape
may disappear from the graph.
"""

import collections
import struct

from ..errors import InternalError
from ..graph.ir import Graph, Node, Value
from ..ops import registry

from .infer import infer_node, infer_types
from .simplify_rules import rules_for

# One sweep reaches the fixpoint and the next confirms it; more means a rule misbehaves.
_MAX_SWEEPS = 4


def simplify(graph, bound=None):
    """``graph`` folded, deduplicated and rewritten by exact identities and
    stabilization rules (see the module docstring for what is guaranteed).

    ``bound`` maps variable names to ``TensorType``s, as for ``infer_types``;
    rules that depend on shapes or dtypes fire only where those are known."""
    types = infer_types(graph, bound, partial=True)
    var_types = {node.outputs[0]: types[node.outputs[0]] for node in graph.variables()}
    for _ in range(_MAX_SWEEPS):
        simpler = _Sweep(var_types).run(graph)
        if simpler.nodes == graph.nodes and simpler.outputs == graph.outputs:
            return simpler
        graph = simpler
    raise InternalError(f"simplify found no fixpoint in {_MAX_SWEEPS} sweeps; "
                        "some rule keeps firing on its own results")


class Match:
    """What a rule sees: the node (its inputs already simplified), the types
    of values, and builders for the nodes of a replacement."""

    def __init__(self, sweep, node):
        self._sweep = sweep
        self.node = node
        self.inputs = node.inputs
        self.attrs = node.attrs

    def type(self, value):
        """The inferred ``TensorType`` of ``value``, or ``None`` if unknown."""
        return self._sweep.types.get(value)

    def sole_reader(self, value):
        """This node is the only reader of ``value`` in the graph being swept
        (and ``value`` is no output of it). A value made in this sweep is not
        known yet: the next sweep sees it in its graph and can answer."""
        return self._sweep.readers.get(value) == 1

    def replace(self, op, *inputs, **attrs):
        """The node that replaces this one, with its name and origin."""
        return self._build(op, inputs, attrs, self.node.name)

    def part(self, op, *inputs, **attrs):
        """An extra node of the replacement, named ``{name}_{op}``."""
        return self._build(op, inputs, attrs, f"{self.node.name}_{op}")

    def _build(self, op_name, inputs, attrs, name):
        op = registry.get(op_name)
        attrs = op.canonical_attrs(attrs, f"{name} ({op_name})")
        node = Node(op_name, inputs, attrs, name, num_outputs=op.num_outputs,
                    origin=self.node.origin)
        return self._sweep.emit(node)[0]


class _Sweep:
    """One bottom-up pass: a CSE table and the types of every value emitted."""

    def __init__(self, var_types):
        self.types = dict(var_types)  # Value -> TensorType or None
        self.table = {}               # structural key -> simplified output Values
        self.readers = {}             # value of the swept graph -> how many read it

    def run(self, graph):
        self.readers = collections.Counter(v for n in graph.nodes for v in n.inputs)
        self.readers.update(graph.outputs)
        new = {}  # old Value -> simplified Value
        for node in graph.nodes:
            if node.op == "var":
                new[node.outputs[0]] = node.outputs[0]
                continue
            inputs = tuple(new[v] for v in node.inputs)
            candidate = node if inputs == node.inputs else Node(
                node.op, inputs, node.attrs, node.name,
                num_outputs=node.num_outputs, origin=node.origin)
            new.update(zip(node.outputs, self.emit(candidate)))
        return Graph([new[v] for v in graph.outputs])

    def emit(self, node):
        """The simplified outputs of ``node``, whose inputs are already simplified."""
        key = structural_key(node)
        if key in self.table:
            return self.table[key]
        self.types.update(zip(node.outputs, infer_node(node, [self.types[v] for v in node.inputs])))
        outputs = self._rewrite(node) or node.outputs
        self.table[key] = outputs
        return outputs

    def _rewrite(self, node):
        """The first rule's replacement that keeps every output's type, or ``None``."""
        for rule in rules_for(node.op):
            mark = len(self.table)
            result = rule(Match(self, node))
            if result is None:
                continue
            result = (result,) if isinstance(result, Value) else tuple(result)
            if len(result) == node.num_outputs and all(
                    _same_type(self.types[old], self.types[new])
                    for old, new in zip(node.outputs, result)):
                return result
            if len(self.table) > mark:  # forget the nodes of the refused replacement
                for key in list(self.table)[mark:]:
                    del self.table[key]
        return None


def structural_key(node):
    """Equal keys mean equal values: same op, same input values, equal attrs."""
    attrs = tuple((name, _typed(value)) for name, value in node.attrs.as_dict().items())
    return node.op, node.inputs, attrs


def _typed(value):
    """An attr value with its type, so ``1 == 1.0 == True`` and ``0.0 == -0.0``
    do not merge nodes: floats by their bits, which keep the sign of zero."""
    if isinstance(value, float):
        return float, struct.pack("<d", value)
    if isinstance(value, tuple):
        return tuple, tuple(_typed(v) for v in value)
    return type(value), value


def _same_type(old, new):
    """A rewrite may not change a type; an unknown type never matches. Weak
    scalars match by kind: their width is decided by what they meet."""
    if old is None or new is None or not old.known:
        return False
    if old.weak or new.weak:
        return old.weak and new.weak and old.dtype.kind == new.dtype.kind
    return old == new
