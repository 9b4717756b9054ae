"""View ``'graph'``: the graph as the user wrote it.

    data ──32×784──> [fc1  FullyConnected 128 | weight 128×784, bias 128] ──32×128──> ...

One node per op, filled by op kind; edges carry the full inferred shape
(batch included) and the dtype when it is not float32. Parameters are folded
into the node that reads them (``hide_weights``), so a layer reads as one
box. In a training graph, forward, backward and update nodes sit in
separately tinted boxes.
"""

from ..ops import registry
from ..ops.registry import Kind
from . import palette
from .labels import is_automatic_name, is_scalar_const, op_text, short_layer
from .render import Picture, add_legend, html_lines, new_picture

ROLE_TITLES = {"forward": "forward", "backward": "backward (gradients)",
               "update": "optimizer update"}


def draw_graph(subject, title=None, hide_weights=True, node_attrs=None, save_format="png"):
    """A ``Picture`` of ``subject`` (see ``subject.py``) as a user-level graph."""
    picture = new_picture("graph", title, save_format)
    graph, types = subject.graph, subject.types
    hidden = {n for n in graph.nodes if is_scalar_const(n)
              or (hide_weights and n in subject.params)}
    ids = {node: f"n{i}" for i, node in enumerate(graph.nodes) if node not in hidden}
    clusters = role_clusters({subject.role(n) for n in ids if n.op != "var"})
    outputs = {v.node for v in graph.outputs if v not in subject.assign}
    for node, node_id in ids.items():
        target = clusters.get(subject.role(node), picture) if node.op != "var" else picture
        attrs = _node_style(node, subject, outputs, hide_weights)
        attrs.update(node_attrs or {})
        target.node(node_id, **attrs)
    for cluster in clusters.values():
        picture.subgraph(cluster)
    for node in graph.nodes:
        if node not in ids:
            continue
        for value in node.inputs:
            if value.node in ids:
                picture.edge(ids[value.node], ids[node], label=_edge_label(value, types))
    add_legend(picture, "legend", _legend_rows(subject, ids))
    return picture


def role_clusters(roles):
    """A tinted cluster per role (forward, backward, update) when there are several."""
    if len(roles) < 2:
        return {}
    clusters = {}
    for role in (r for r in palette.PHASES if r in roles):
        tint, border = palette.PHASE_COLORS[role]
        clusters[role] = Picture(name=f"cluster_{role}")
        clusters[role].attr(label=ROLE_TITLES[role], style="filled,rounded", fillcolor=tint,
                            color=border, fontcolor=border, labeljust="l")
    return clusters


def _node_style(node, subject, outputs, hide_weights):
    types = subject.types
    if node.op == "var":
        fill, border, font = palette.var_colors(node, subject)
        label = html_lines(node.name, palette.shape_text(types[node.outputs[0]]))
        return dict(label=label, shape="ellipse", fillcolor=fill, color=border,
                    fontcolor=font, tooltip=f"{node.name} (variable)")
    if node.op == "const":
        label = html_lines("const", palette.shape_text(types[node.outputs[0]]))
        return dict(label=label, shape="note", fillcolor="white", color=palette.MUTED)
    kind = registry.get(node.op).kind
    fill, border, font = palette.KIND_COLORS[kind]
    layer = subject.layer_of(node)
    if layer is not None:        # a primitive of a layer: what it does, then whose it is
        lines = [op_text(node), short_layer(layer)]
    elif is_automatic_name(node):
        lines = [op_text(node)]
    else:                        # a node the user named: its name first
        lines = [node.name, op_text(node)]
    if hide_weights:
        lines.append(", ".join(
            f"{_input_name(node, i)} {palette.shape_text(types[v])}"
            for i, v in enumerate(node.inputs) if v.node in subject.params))
    for value in node.outputs:
        if value in subject.assign:
            lines.append(f"writes {subject.assign[value]}")
    style = "filled,rounded" if kind == Kind.COMPOSITE else "filled"
    return dict(label=html_lines(*lines, color=font if font != palette.TEXT else None),
                fillcolor=fill, color=border, style=style,
                peripheries="2" if node in outputs else "1",
                tooltip=f"{node.name} ({node.op})")


def _input_name(node, index):
    """What an input is to its reader: ``weight``, or the parameter's name."""
    names = registry.get(node.op).input_names
    return names[index] if index < len(names) else node.inputs[index].node.name


def _edge_label(value, types):
    text = palette.shape_text(types.get(value))
    if value.node.num_outputs > 1:
        text = f"[{value.index}] {text}"
    return f" {text} "


def _legend_rows(subject, ids):
    kinds = {registry.get(n.op).kind for n in ids if n.op not in ("var", "const")}
    rows = [(palette.KIND_COLORS[k][0], "solid", palette.KIND_NAMES[k])
            for k in palette.KIND_COLORS if k in kinds]
    shown = [n for n in ids if n.op == "var"]
    rows += palette.variable_legend(shown, subject)
    if subject.params and not any(n in subject.params for n in shown):
        rows.append((palette.PARAM_COLORS[0], "solid", "parameters: folded into their layer"))
    rows.append((None, None, "double border: an output"))
    return rows
