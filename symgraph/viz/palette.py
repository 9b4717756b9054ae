"""One palette and one set of text formats for every picture.

The same thing looks the same in every view: an op kind has one fill color,
a phase (forward, backward, optimizer update) one tint, a storage one color.
Colors are soft fills with a darker border of the same hue, so black text
stays readable; opaque ops (BLAS calls, gathers) are the one dark fill,
because they are where fusion stops.
"""

from ..ops import registry
from ..ops.registry import Kind

FONT = "Helvetica"
FONT_SIZE = "11"
SMALL = 9          # point size of secondary lines in a label
EDGE_FONT_SIZE = "9"
TEXT = "#222222"
MUTED = "#666666"
EDGE = "#555555"

# kind -> (fill, border, font color)
KIND_COLORS = {
    Kind.COMPOSITE: ("#DAE8FC", "#6C8EBF", TEXT),   # layers: blue
    Kind.ELEMWISE: ("#D5E8D4", "#82B366", TEXT),    # green
    Kind.LAYOUT: ("#E1D5E7", "#9673A6", TEXT),      # purple
    Kind.REDUCE: ("#FFE6CC", "#D79B00", TEXT),      # orange
    Kind.RANDOM: ("#F8CECC", "#B85450", TEXT),      # red
    Kind.OPAQUE: ("#3B4A6B", "#1F2A40", "#FFFFFF"),  # dark slate: BLAS, gathers
}
KIND_NAMES = {Kind.COMPOSITE: "layer", Kind.ELEMWISE: "elementwise", Kind.LAYOUT: "layout",
              Kind.REDUCE: "reduction", Kind.RANDOM: "random", Kind.OPAQUE: "opaque (BLAS, gather)"}

# variables by role
INPUT_COLORS = ("#FFF2CC", "#D6B656", TEXT)     # data and labels: yellow
PARAM_COLORS = ("#F5F5F5", "#999999", TEXT)     # parameters: gray
STATE_COLORS = ("#FFFFFF", "#999999", MUTED)    # optimizer states, hyperparameters, heads

# phase -> (cluster tint, border)
PHASES = ("forward", "backward", "update")
# (tints strong enough to tell apart at a glance, light enough under black text
# and the op fills drawn inside them)
PHASE_COLORS = {
    "forward": ("#DDE9F8", "#4A74B0"),
    "backward": ("#F8DEDD", "#B0413E"),
    "update": ("#DFF0D9", "#4F8A3F"),
}
PHASE_PENWIDTH = "2"

# storages of a memory plan: 12 distinguishable pastels, then repeated with a
# dashed border (the legend names each storage, so a repeat is never ambiguous)
STORAGE_COLORS = ("#8DD3C7", "#FFFFB3", "#BEBADA", "#FB8072", "#80B1D3", "#FDB462",
                  "#B3DE69", "#FCCDE5", "#D9D9D9", "#BC80BD", "#CCEBC5", "#FFED6F")


def node_kind(node):
    return registry.get(node.op).kind


def var_colors(node, subject):
    """``(fill, border, font)`` of a variable: input, parameter, or (in training
    graphs) an optimizer state, hyperparameter or head gradient."""
    if node in subject.params:
        return PARAM_COLORS
    if subject.role(node) != "forward":
        return STATE_COLORS
    return INPUT_COLORS


def variable_legend(variables, subject):
    """Legend rows for the kinds of variables in ``variables``."""
    colors = {var_colors(n, subject) for n in variables}
    names = [(INPUT_COLORS, "input (data, label)"), (PARAM_COLORS, "parameter"),
             (STATE_COLORS, "optimizer state, hyperparameter or head gradient")]
    return [(c[0], "solid", text) for c, text in names if c in colors]


def storage_color(storage):
    """``(fill, border style)`` of storage number ``storage``."""
    repeat = storage // len(STORAGE_COLORS)
    return STORAGE_COLORS[storage % len(STORAGE_COLORS)], "dashed" if repeat % 2 else "solid"


def shape_text(t):
    """``32×784`` for a type (dtype added when not float32); ``?`` when unknown."""
    if t is None:
        return "?"
    dims = "×".join("?" if d is None else str(d) for d in t.shape) or "scalar"
    return dims if t.dtype.name == "float32" else f"{dims} {t.dtype.name}"


def bytes_text(n):
    """``1.5 MB``: bytes for people (powers of 1024, one decimal)."""
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024


def flops_text(n):
    """``8.2 kFLOP``: a count of operations for people (powers of 1000)."""
    for unit in ("FLOP", "kFLOP", "MFLOP", "GFLOP"):
        if n < 1000 or unit == "GFLOP":
            return f"{n:.0f} {unit}" if unit == "FLOP" else f"{n:.1f} {unit}"
        n /= 1000


def plural(n, noun):
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
