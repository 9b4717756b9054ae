"""Building graphs: ``sg.var``, ``sg.group`` and ``apply``, through which every
op function, layer, loss and Symbol operator adds a node.

``apply`` turns one op call into one checked ``Node``: canonical attributes,
missing trailing inputs padded for the op's arity, Python scalars and numpy
arrays made constants, and ``None`` made the variable the op creates (a
layer's weight). Names come from the current ``name_scope``. Nodes are
immutable, so building never changes an existing Symbol.
"""

import numbers

import numpy as np

from .errors import AttrError
from .graph import naming
from .graph.ir import Node
from .ops import registry
from .symbol import Symbol


def apply(op_name, inputs, attrs, name=None):
    """Build one node of ``op_name`` and return its outputs as a Symbol.

    ``inputs`` are Symbols, Python scalars or numpy arrays (made constants), or
    ``None`` where the op creates the input as a variable (a layer's weight).
    """
    op = registry.get(op_name)
    node_name = naming.scoped(name) if name is not None else naming.fresh_name(op_name)
    where = f"{node_name} ({op_name})"
    attrs = op.canonical_attrs(attrs, where)
    inputs = list(inputs)
    arity = op.expected_arity(attrs)
    if arity is not None and len(inputs) < arity:
        inputs += [None] * (arity - len(inputs))
    values = [_as_value(x, i, op, node_name) for i, x in enumerate(inputs)]
    op.check_arity(len(values), attrs, where)
    node = Node(op_name, values, attrs, node_name, num_outputs=op.num_outputs,
                origin=naming.current_origin())
    return Symbol(node.outputs)


def _as_value(x, index, op, node_name):
    if isinstance(x, Symbol):
        return x.value
    if x is None:
        if index not in op.auto_inputs:
            raise AttrError(f"{node_name} ({op.name}): input "
                            f"{_input_name(op, index)!r} is missing")
        var_name = f"{node_name}_{op.input_names[index]}"
        node = Node("var", (), _var_attrs(role=op.auto_inputs[index]), var_name)
        return node.outputs[0]
    # Python scalars stay weak; numpy scalars, lists and NDArrays become typed arrays.
    value = x if isinstance(x, numbers.Number) and not isinstance(x, np.generic) else np.asarray(x)
    attrs = registry.get("const").canonical_attrs({"value": value}, f"{node_name} ({op.name})")
    return Node("const", (), attrs, naming.fresh_name("const")).outputs[0]


def _input_name(op, index):
    return op.input_names[index] if index < len(op.input_names) else f"input {index}"


def _var_attrs(shape=None, dtype=None, init=None, role=None, user=()):
    return registry.get("var").canonical_attrs(
        {"shape": shape, "dtype": dtype, "init": init, "role": role, "user": user}, "var")


def var(name, shape=None, dtype=None, init=None, attr=None, role=None, **kwargs):
    """A graph argument named ``name`` (any string). ``shape`` may hold ``None``
    for dimensions bound later; ``init`` describes how the training API
    initializes it; ``role`` marks it as ``"data"``, ``"param"`` or ``"label"``."""
    if not isinstance(name, str):
        raise AttrError(f"a variable name must be a string, got {name!r}")
    user = tuple(sorted({**(attr or {}), **kwargs}.items()))
    node = Node("var", (), _var_attrs(shape, dtype, init, role, user), naming.scoped(name))
    return Symbol(node.outputs)


Variable = var


def group(*symbols):
    """One symbol with the outputs of all ``symbols``, in order."""
    if len(symbols) == 1 and isinstance(symbols[0], (list, tuple)):
        symbols = symbols[0]
    for s in symbols:
        if not isinstance(s, Symbol):
            raise AttrError(f"group takes Symbols, got {type(s).__name__} {s!r}")
    return Symbol([v for s in symbols for v in s.outputs])
