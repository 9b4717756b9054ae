"""The op registry: every op is one ``OpDef`` record holding all of its rules.

An op's record says what kind of op it is (the compiler reads kinds, never
names), how it infers shapes and dtypes, how numpy computes it (the reference
every backend is tested against), how a fused kernel computes one element of
it, how its gradient is built from other ops, and, for composite ops, how it
expands into primitives. Op families (``elementwise.py``, ``reduce.py``, ...)
create records with ``register``; everything else looks them up with ``get``.
"""

import enum
from dataclasses import dataclass, field
from typing import Callable, Mapping, Optional

from ..errors import AttrError, DTypeError, InternalError, ShapeError
from .attrs import AttrSpec


class Kind(enum.IntEnum):
    """What the compiler may do with an op, ordered as fusion patterns are
    (TVM's order: an op of a lower kind fuses into its consumers more freely)."""

    SOURCE = 0      # var, const: no computation
    ELEMWISE = 1    # n-ary, numpy broadcasting, one output element from one input element each
    LAYOUT = 2      # reshape, transpose, broadcast_to, slice, concat: moves elements
    REDUCE = 3      # sum/max/... over axes
    RANDOM = 4      # counter-based random numbers
    OPAQUE = 5      # matmul (BLAS), gather, scatter: a kernel of its own
    COMPOSITE = 6   # user-level layers and losses that ``expand`` rewrites into primitives


@dataclass(frozen=True)
class OpDef:
    """Everything symgraph knows about one op. See the module docstring."""

    name: str
    kind: Kind
    infer: Callable                      # (InferContext) -> list[TensorType]
    reference: Callable                  # (*arrays, **attrs) -> array | tuple of arrays
    arity: object = 1                    # an int, None (any number >= 1), or (attrs) -> int
    attrs: Mapping[str, AttrSpec] = field(default_factory=dict)
    num_outputs: int = 1
    scalar: Optional[str] = None         # one element of an ELEMWISE op, "{0}" .. for inputs
    grad: Optional[Callable] = None      # (GradContext, *out_grads) -> list per input
    expand: Optional[Callable] = None    # COMPOSITE: (ExpandContext) -> list of output Symbols
    infer_inputs: Optional[Callable] = None  # (InferContext) -> {input index: TensorType}
    input_names: tuple = ()              # keyword names of the inputs (layers: data, weight, ...)
    # index -> role of an input created as variable "{node}_{input name}" if not given
    auto_inputs: Mapping[int, str] = field(default_factory=dict)
    nondiff_inputs: object = ()          # indices of inputs without a gradient, or (attrs) -> them
    uses_run: bool = False               # reference needs the RunContext (train mode, step)
    doc: str = ""

    def expected_arity(self, attrs):
        """How many inputs a node with ``attrs`` has (``None``: any number >= 1)."""
        return self.arity(attrs) if callable(self.arity) else self.arity

    def nondiff(self, attrs):
        """Indices of the inputs of a node with ``attrs`` that have no gradient
        (labels, indices, shape donors)."""
        return self.nondiff_inputs(attrs) if callable(self.nondiff_inputs) else self.nondiff_inputs

    def check_arity(self, n, attrs, where):
        arity = self.expected_arity(attrs)
        if arity is not None and n != arity:
            raise AttrError(f"{where}: {self.name} takes {arity} inputs, got {n}")
        if arity is None and n < 1:
            raise AttrError(f"{where}: {self.name} needs at least one input")

    def canonical_attrs(self, given, where):
        """Validate ``given`` against the op's attribute specs; fill in defaults."""
        unknown = set(given) - set(self.attrs)
        if unknown:
            known = ", ".join(sorted(self.attrs)) or "none"
            raise AttrError(
                f"{where}: {self.name} has no attribute {', '.join(sorted(unknown))} "
                f"(its attributes: {known})"
            )
        return {
            name: spec.canonical(given.get(name, spec.default), f"{where}: {self.name}.{name}")
            for name, spec in self.attrs.items()
        }


_REGISTRY: dict = {}


def register(op):
    """Add ``op`` to the registry; a name may be registered once."""
    if op.name in _REGISTRY:
        raise InternalError(f"op {op.name!r} registered twice")
    if op.kind == Kind.COMPOSITE and op.expand is None:
        raise InternalError(f"composite op {op.name!r} has no expand rule")
    _REGISTRY[op.name] = op
    return op


def get(name):
    """The ``OpDef`` called ``name``; ``KeyError`` if there is none."""
    return _REGISTRY[name]


def exists(name):
    return name in _REGISTRY


def all_ops():
    """Every registered op, in registration order."""
    return list(_REGISTRY.values())


class InferContext:
    """What an op's ``infer`` rule sees: its attributes and input types, and a
    way to fail with a message that names the node, its op and every input."""

    def __init__(self, node, in_types):
        self.node = node
        self.attrs = node.attrs
        self.types = tuple(in_types)

    def fail(self, rule):
        """Raise a ShapeError for a broken shape rule."""
        raise ShapeError(f"{describe(self.node)}: {rule}; {self.inputs_text()}")

    def fail_dtype(self, rule):
        """Raise a DTypeError for an input of a dtype the op does not take."""
        raise DTypeError(f"{describe(self.node)}: {rule}; {self.inputs_text()}")

    def label(self, i):
        return repr(self.node.inputs[i].label)

    def inputs_text(self):
        parts = [
            f"{value.label!r} {'unknown' if t is None else t}"
            for value, t in zip(self.node.inputs, self.types)
        ]
        return "inputs: " + ", ".join(parts) if parts else "no inputs"


def describe(node):
    """``fc1 (FullyConnected)``; for a primitive expanded from a layer, the layer
    first: ``fc1 (FullyConnected), in its matmul 'fc1_matmul'``."""
    if node.origin is None:
        return f"{node.name} ({node.op})"
    return f"{node.origin}, in its {node.op} {node.name!r}"
