"""How nodes are named in pictures: short, in the user's terms.

A layer is ``FullyConnected 128`` (its one required attribute) or ``k=v`` for
attributes that differ from their defaults; a scalar constant input is folded
into its reader, ``greater(·, 0)``, instead of drawn as a node of its own.
"""

import re

import numpy as np

from ..ops import registry
from ..ops.attrs import REQUIRED
from ..ops.random import SEED
from ..ops.source import ConstArray

MAX_ATTR_TEXT = 40


def is_scalar_const(node):
    """A constant drawn inside its readers rather than as a node."""
    if node.op != "const":
        return False
    value = node.attrs["value"]
    return not isinstance(value, ConstArray) or value.array.ndim == 0


def const_text(node):
    value = node.attrs["value"]
    if isinstance(value, ConstArray):
        value = value.array.item() if value.array.ndim == 0 else value.array
    if isinstance(value, (float, np.floating)):
        return f"{float(value):g}"
    return str(value)


def attr_text(node):
    """``128`` for a layer's one required attribute, else ``k=v`` for each
    attribute that differs from its default (``k`` alone for a true flag)."""
    op = registry.get(node.op)
    if node.op in ("var", "const"):
        return ""
    required = [k for k, spec in op.attrs.items() if spec.default is REQUIRED]
    # A seed drawn when the node was built tells a reader nothing.
    changed = [(k, node.attrs[k]) for k, spec in op.attrs.items()
               if spec.default is not REQUIRED and spec is not SEED
               and node.attrs.get(k) != spec.default]
    if len(required) == 1 and not changed:
        return value_text(required[0], node.attrs[required[0]])
    text = " ".join(k if v is True else f"{k}={value_text(k, v)}"
                    for k, v in [(k, node.attrs[k]) for k in required] + changed)
    return text if len(text) <= MAX_ATTR_TEXT else text[:MAX_ATTR_TEXT - 1] + "…"


def value_text(key, value):
    """An attribute value as a user wrote it: a slice's index as ``[:, ::2]``."""
    if key == "index" and isinstance(value, tuple):
        return index_text(value)
    return str(value)


def index_text(spec):
    """``(("s", None, None, None), ("i", 1))`` (how ``slice`` stores an index) -> ``[:, 1]``."""
    return "[" + ", ".join(_index_item(entry) for entry in spec) + "]"


def _index_item(entry):
    kind = entry[0]
    if kind == "s":
        start, stop, step = ("" if v is None else v for v in entry[1:])
        return f"{start}:{stop}" if step == "" else f"{start}:{stop}:{step}"
    if kind == "i":
        return str(entry[1])
    return "None" if kind == "new" else "..."


def op_text(node, name_variables=False):
    """``FullyConnected 128``, ``greater(·, 0)``, ``sum axis=1``: the op with
    its attributes and any scalar constants it reads; with ``name_variables``
    also the variables it reads, ``add(·, fc1_bias)``."""
    def named(value):
        return is_scalar_const(value.node) or (
            name_variables and value.node.op in ("var", "const"))

    attrs = attr_text(node)
    text = node.op
    if any(named(v) for v in node.inputs):
        args = ", ".join(input_text(v.node) if named(v) else "·" for v in node.inputs)
        text = f"{node.op}({args})"
    return f"{text} {attrs}" if attrs else text


def input_text(node):
    """A variable by name, a scalar constant by value, an array constant by shape."""
    if node.op == "var":
        return node.name
    if is_scalar_const(node):
        return const_text(node)
    return "const " + "×".join(map(str, node.attrs["value"].array.shape))


def is_automatic_name(node):
    """A name symgraph made up (``multiply3``), which says no more than the op."""
    return re.fullmatch(re.escape(node.op.lower()) + r"\d+", node.name) is not None


def short_layer(text):
    """``'sce0 (sce)'`` -> ``'sce0'``: a layer named after its op needs no op."""
    name, sep, op = text.rpartition(" (")
    if sep and name.rpartition(" ")[2].lower().startswith(op.rstrip(")").lower()):
        return name
    return text


def display_names(nodes):
    """``{node: name}`` for a picture: names symgraph generated for the parts
    of a layer or a gradient (``fc1_matmul5``: the 5 counts the graphs this
    process expanded) lose their counter where that leaves them unique in the
    picture; names the user gave stay as they are."""
    nodes = list(dict.fromkeys(nodes))
    bases = {}
    for node in nodes:
        generated = node.origin is not None or "_grad_" in node.name
        bases[node] = re.sub(r"\d+$", "", node.name) if generated else node.name
    counts = {}
    for base in bases.values():
        counts[base] = counts.get(base, 0) + 1
    return {node: base if counts[base] == 1 and base else node.name
            for node, base in bases.items()}

