"""``print_summary``: a table of the graph's layers, as Keras and MXNet print it.

    Layer (name)        Op                    Output shape    Param #    Connected to
    ==================================================================================
    data                input                 32×784          0
    fc1                 FullyConnected 128    32×128          100,480    data

Every parameter variable is counted (recognised by role, see ``subject.py``),
once, in the row of the first node that reads it; the totals add up every
parameter whatever reads it.
"""

import textwrap
from dataclasses import dataclass

from . import palette
from .labels import is_scalar_const, op_text
from .subject import user_subject

COLUMNS = ("Layer (name)", "Op", "Output shape", "Param #", "Connected to")
POSITIONS = (0.24, 0.48, 0.64, 0.76, 1.0)   # right edge of each column, times line_length


@dataclass
class Row:
    name: str
    op: str
    shape: str
    params: object        # an int, or None where a parameter's shape is unknown
    connected: list


@dataclass
class Summary:
    rows: list
    trainable: object     # the number of parameter elements, None if some are unknown
    param_bytes: object


def summarize(symbol, shape=None, dtype=None):
    """The ``Summary`` of ``symbol`` typed by ``shape`` and ``dtype`` (as ``plot_network``)."""
    subject = user_subject(symbol, shape, dtype)
    types, params = subject.types, subject.params
    counted, rows = set(), []
    for node in subject.graph.nodes:
        if node in params or is_scalar_const(node):
            continue
        mine = [v.node for v in node.inputs if v.node in params and v.node not in counted]
        counted.update(mine)
        rows.append(Row(
            node.name, "input" if node.op == "var" else op_text(node),
            ", ".join(palette.shape_text(types[v]) for v in node.outputs),
            _total(types[p.outputs[0]] for p in mine),
            [v.label for v in node.inputs if v.node not in params and not is_scalar_const(v.node)]))
    param_types = [types[p.outputs[0]] for p in params]
    nbytes = None if None in param_types else sum(t.nbytes for t in param_types)
    return Summary(rows, _total(param_types), nbytes)


def _total(param_types):
    param_types = list(param_types)
    if any(t is None or not t.known for t in param_types):
        return None
    return sum(t.size for t in param_types)


def print_summary(symbol, shape=None, dtype=None, line_length=98, print_fn=print):
    """Print a table of ``symbol``'s layers: name, op, output shape, parameter
    count and inputs, then the number of trainable parameters and their bytes.
    ``shape`` and ``dtype`` type the graph as in ``plot_network``; counts the
    shapes do not determine are ``?``."""
    summary = summarize(symbol, shape, dtype)
    edges = [round(p * line_length) for p in POSITIONS]
    widths = [b - a for a, b in zip([0] + edges, edges)]
    print_fn("_" * line_length)
    _print_row(COLUMNS, widths, print_fn)
    print_fn("=" * line_length)
    for i, row in enumerate(summary.rows):
        params = "?" if row.params is None else f"{row.params:,}"
        _print_row((row.name, row.op, row.shape, params, row.connected), widths, print_fn)
        print_fn(("=" if i == len(summary.rows) - 1 else "_") * line_length)
    count = "?" if summary.trainable is None else f"{summary.trainable:,}"
    size = "?" if summary.param_bytes is None else palette.bytes_text(summary.param_bytes)
    print_fn(f"Trainable parameters: {count}")
    print_fn(f"Parameter bytes: {size}")
    print_fn("_" * line_length)


def _print_row(cells, widths, print_fn):
    """One table row; a cell too wide for its column wraps onto more lines, and
    a list (the inputs) puts one item on each line."""
    columns = []
    for cell, width in zip(cells, widths):
        items = cell if isinstance(cell, list) else [cell]
        lines = [piece for item in items
                 for piece in textwrap.wrap(str(item), max(width - 1, 1),
                                            break_on_hyphens=False) or [""]]
        columns.append(lines or [""])
    for i in range(max(len(c) for c in columns)):
        text = "".join((c[i] if i < len(c) else "").ljust(w) for c, w in zip(columns, widths))
        print_fn(text.rstrip())
