"""View ``'compiled'``: the kernels the CPU backend runs.

    ┌ k2 · elementwise ─────────────────────┐
    │ fc1 (FullyConnected), relu1 (Act...)  │   one box per fused kernel, tinted by phase
    │ → 32×128 · 48 KB moved · 8.2 kFLOP    │   (forward, backward, update), its ops inside
    │   [add(·, fc1_bias)] ──> [relu]       │   (variables and constants named in the op)
    └───────────────────────────────────────┘
          │ 32×128 · opaque op matmul           a boundary edge: why the two were not fused
    [k4 · matmul (BLAS) ...]                    an opaque kernel: one dark box

Views (reshape, transpose) are dashed: they cost nothing at run time.
"""

from ..ops.registry import Kind
from ..passes.fuse import OPAQUE, VIEW
from . import palette
from .costs import kernel_bytes, kernel_flops
from .labels import op_text, short_layer
from .render import Picture, add_legend, escape, html_lines, new_picture

MAX_LAYERS = 3  # layers named in a kernel's label before "+ n more"


def draw_compiled(subject, plan, title=None, node_attrs=None, save_format="png"):
    """A ``Picture`` of ``plan.kernel_graph`` (a ``KernelPlan`` of ``subject``)."""
    kernel_graph = plan.kernel_graph
    types = kernel_graph.types
    picture = new_picture("compiled", _title(title, kernel_graph), save_format)
    ids = {node: f"n{i}" for i, node in enumerate(kernel_graph.kernel_of)}
    for kernel in kernel_graph.kernels:
        _draw_kernel(picture, kernel, subject, plan, ids, node_attrs or {})
    reasons = boundary_reasons(kernel_graph)
    rows = _legend_rows(subject, kernel_graph)
    saved = False
    for kernel in kernel_graph.kernels:
        for node in kernel.nodes:
            for value in node.inputs:
                producer = kernel_graph.kernel_of.get(value.node)
                if producer is kernel:
                    picture.edge(ids[value.node], ids[node])
                elif producer is not None:
                    style = saved_for_backward(producer, kernel, subject)
                    saved = saved or bool(style)
                    picture.edge(ids[value.node], ids[node], label=_boundary_label(
                        value, types, reasons.get((value, node))), **style)
    if saved:
        rows.append((None, "", "dashed arrow: a forward value a later phase reads"))
    add_legend(picture, "legend", rows)
    return picture


def boundary_reasons(kernel_graph):
    """``{(value, consumer node): reason}`` for every value crossing kernels.

    Fusion records a boundary per consumer kernel; when two nodes of one kernel
    read the value, each has its own reason. Fusion places nodes in graph
    order, so replaying that order pairs each record with its node."""
    pending = {}
    for value, consumer, reason in kernel_graph.boundaries:
        pending.setdefault((value, consumer), []).append(reason)
    reasons = {}
    for node in kernel_graph.graph.nodes:
        kernel = kernel_graph.kernel_of.get(node)
        for value in node.inputs:
            queue = pending.get((value, kernel))
            if queue:
                reasons[(value, node)] = queue.pop(0)
    return reasons


def saved_for_backward(producer, consumer, subject):
    """Edge attributes for a value a forward kernel saves for a later phase:
    dashed, so the forward chain reads apart from the values the backward
    pass reads back."""
    if "forward" in kernel_roles(consumer, subject):
        return {}
    if kernel_roles(producer, subject) != ["forward"]:
        return {}
    return {"style": "dashed"}


def kernel_roles(kernel, subject):
    """The phases a kernel's nodes belong to, in phase order."""
    roles = {subject.role(n) for n in kernel.nodes}
    return [r for r in palette.PHASES if r in roles]


def kernel_layers(kernel, subject):
    """The layers a kernel's ops come from, each once: ``fc1 (FullyConnected)``,
    or the name alone when it already says the op (``softmax_cross_entropy0``)."""
    layers = list(dict.fromkeys(short_layer(subject.layer_of(n)) for n in kernel.nodes
                                if subject.layer_of(n)))
    if len(layers) > MAX_LAYERS:
        layers = layers[:MAX_LAYERS] + [f"+ {len(layers) - MAX_LAYERS} more"]
    return layers


def kernel_cost_text(kernel, types):
    outputs = ", ".join(palette.shape_text(types[v]) for v in kernel.outputs)
    flops = kernel_flops(kernel, types)
    return " · ".join(filter(None, [
        f"→ {outputs}", f"{palette.bytes_text(kernel_bytes(kernel, types))} moved",
        palette.flops_text(flops) if flops else ""]))


def kernel_title(kernel):
    if kernel.kind == OPAQUE:
        what = "matmul (BLAS)" if kernel.nodes[0].op == "matmul" else kernel.nodes[0].op
        return f"k{kernel.index} · {what}"
    if kernel.axes:
        axes = ", ".join(str(a) for a in kernel.axes)
        return f"k{kernel.index} · reduce over axis{'es' if len(kernel.axes) > 1 else ''} {axes}"
    return f"k{kernel.index} · {kernel.kind}"


def _title(title, kernel_graph):
    types, kernels = kernel_graph.types, kernel_graph.kernels
    work = [k for k in kernels if k.kind != VIEW]
    summary = (f"{len(work)} kernels ({sum(k.kind == OPAQUE for k in work)} opaque) · "
               f"{palette.bytes_text(sum(kernel_bytes(k, types) for k in kernels))} moved · "
               f"{palette.flops_text(sum(kernel_flops(k, types) for k in kernels))}")
    return f"{title}\n{summary}" if title else summary


def _draw_kernel(picture, kernel, subject, plan, ids, node_attrs):
    types = plan.kernel_graph.types
    roles = kernel_roles(kernel, subject)
    border = palette.PHASE_COLORS[roles[0]][1]
    writes = [f"writes {plan.direct[v]} in place" for v in kernel.outputs if v in plan.direct]
    if kernel.kind == VIEW:
        node = kernel.nodes[0]
        label = html_lines(f"{op_text(node, name_variables=True)} · view",
                           palette.shape_text(types[node.outputs[0]]), bold_first=False)
        picture.node(ids[node], **{
            "label": label, "fillcolor": palette.KIND_COLORS[Kind.LAYOUT][0], "color": border,
            "style": "filled,dashed", "tooltip": f"{node.name} ({node.op})", **node_attrs})
        return
    if kernel.kind == OPAQUE:
        node = kernel.nodes[0]
        fill, _, font = palette.KIND_COLORS[Kind.OPAQUE]
        call = op_text(node, name_variables=True)
        label = html_lines(kernel_title(kernel), call if call != node.op else "",
                           *kernel_layers(kernel, subject), kernel_cost_text(kernel, types),
                           *writes, color=font)
        picture.node(ids[node], **{
            "label": label, "fillcolor": fill, "color": border, "penwidth": "3",
            "tooltip": f"{node.name} ({node.op})", **node_attrs})
        return
    cluster = Picture(name=f"cluster_k{kernel.index}")
    tints = [palette.PHASE_COLORS[r][0] for r in roles]
    cluster.attr(label="", style="filled,rounded", fillcolor=":".join(tints),
                 gradientangle="270", color=border, penwidth=palette.PHASE_PENWIDTH)
    # The kernel's description is a node, not the cluster's label, so that edges
    # entering the kernel route around it instead of through its text.
    header = f"k{kernel.index}_header"
    lines = [kernel_title(kernel), *kernel_layers(kernel, subject)]
    if len(roles) > 1:
        lines.append(" + ".join(roles))
    cluster.node(header, html_lines(*lines, kernel_cost_text(kernel, types), *writes),
                 shape="plaintext", style="", margin="0")
    inside = set(kernel.nodes)
    for node in kernel.nodes:
        fill, kind_border, _ = palette.KIND_COLORS[palette.node_kind(node)]
        cluster.node(ids[node], **{
            "label": escape(op_text(node, name_variables=True)), "fillcolor": fill,
            "color": kind_border, "tooltip": f"{node.name} ({node.op})", **node_attrs})
        if not any(v.node in inside for v in node.inputs):
            cluster.edge(header, ids[node], style="invis")
    picture.subgraph(cluster)


def phase_legend(role_lists):
    """Legend rows for the phases of kernels (an iterable of role lists)."""
    roles = {r for roles in role_lists for r in roles}
    return [(palette.PHASE_COLORS[r][0], "solid", f"{r} kernel")
            for r in palette.PHASES if r in roles]


def _boundary_label(value, types, reason):
    shape = escape(palette.shape_text(types[value]))
    if reason is None:
        return f" {shape} "
    return f'< {shape}<BR/><I>{escape(reason)}</I> >'


def _legend_rows(subject, kernel_graph):
    rows = phase_legend(kernel_roles(k, subject) for k in kernel_graph.kernels)
    if any(k.kind == OPAQUE for k in kernel_graph.kernels):
        rows.append((palette.KIND_COLORS[Kind.OPAQUE][0], "solid",
                     "opaque kernel (BLAS, gather)"))
    if any(k.kind == VIEW for k in kernel_graph.kernels):
        rows.append((palette.KIND_COLORS[Kind.LAYOUT][0], "dashed", "view: no work"))
    return rows
