"""View ``'memory'``: where every tensor of a compiled graph lives.

    (fc1_matmul0  32×128 · s0) ──> [k2 · add, relu] ══in place══> (fc1_add0  32×128 · s0)

Tensors a kernel writes are filled with the color of their storage: two
tensors of one color share memory, either at different times or, alive
together, at disjoint byte ranges (``s0+1.2 MB`` is an offset); a legend lists each
storage and its size, and the title gives the plan's naive, planned and
lower-bound bytes. A write over a dying input is a bold edge marked
``in place``; views are dotted and take the color of what they view;
kernels name the variables they read, which the executor binds.
"""

from ..passes.fuse import VIEW
from . import palette
from .palette import plural
from .compiled_view import kernel_roles, phase_legend
from .labels import display_names, input_text, is_scalar_const
from .render import add_legend, html_lines, new_picture

MAX_OPS_TEXT = 32


def draw_memory(subject, plan, title=None, node_attrs=None, save_format="png"):
    """A ``Picture`` of ``plan.memory`` over ``plan.kernel_graph``'s schedule."""
    kernel_graph, memory = plan.kernel_graph, plan.memory
    picture = new_picture("memory", _title(title, memory), save_format)
    tensor_ids, in_place = {}, dict(memory.in_place)
    end = len(kernel_graph.kernels)
    outputs = set(kernel_graph.graph.outputs) - set(subject.assign)
    names = display_names(kernel_graph.graph.nodes)

    def tensor(value):
        if value not in tensor_ids:
            tensor_ids[value] = f"t{len(tensor_ids)}"
            picture.node(tensor_ids[value], **{**_tensor_style(value, plan, end, outputs, names),
                                               **(node_attrs or {})})
        return tensor_ids[value]

    for kernel in kernel_graph.kernels:
        if kernel.kind == VIEW:
            view = kernel.outputs[0] if kernel.outputs else None
            source = memory.alias_of.get(view)
            if view is not None and source in tensor_ids:
                picture.edge(tensor_ids[source], tensor(view), style="dashed", label=" view ")
            elif view is not None:
                tensor(view)
            continue
        kernel_id = f"k{kernel.index}"
        picture.node(kernel_id, **{**_kernel_style(kernel, subject), **(node_attrs or {})})
        for value in kernel.inputs:
            if value.node.op not in ("var", "const"):
                picture.edge(tensor(value), kernel_id)
        for value in kernel.outputs:
            if value in in_place:
                picture.edge(kernel_id, tensor(value), penwidth="2.5",
                             label=f" in place over {_name(in_place[value], names)} ")
            else:
                picture.edge(kernel_id, tensor(value))
    add_legend(picture, "storages", _legend_rows(memory, plan) + phase_legend(
        kernel_roles(k, subject) for k in kernel_graph.kernels if k.kind != VIEW))
    return picture


def _title(title, memory):
    report = memory.report()
    summary = (f"naive {palette.bytes_text(report['naive_bytes'])} · "
               f"planned {palette.bytes_text(report['planned_bytes'])} · "
               f"lower bound {palette.bytes_text(report['lower_bound_bytes'])}")
    detail = (f"{plural(report['storages'], 'storage')} · "
              f"{plural(report['in_place_writes'], 'in-place write')}")
    return "\n".join(filter(None, [title or "memory plan", summary, detail]))


def _kernel_style(kernel, subject):
    ops = ", ".join(dict.fromkeys(n.op for n in kernel.nodes))
    if len(ops) > MAX_OPS_TEXT:
        ops = ops[:MAX_OPS_TEXT - 1] + "…"
    read = [input_text(v.node) for v in kernel.inputs
            if v.node.op == "var" or (v.node.op == "const" and not is_scalar_const(v.node))]
    roles = kernel_roles(kernel, subject)
    return dict(label=html_lines(f"k{kernel.index} · {ops}",
                                 f"reads {', '.join(read)}" if read else ""),
                shape="box", style="filled,rounded", gradientangle="270",
                fillcolor=":".join(palette.PHASE_COLORS[r][0] for r in roles),
                color=palette.PHASE_COLORS[roles[0]][1], penwidth=palette.PHASE_PENWIDTH,
                tooltip=" + ".join(roles))


def _name(value, names):
    """A tensor as the picture names it (see ``display_names``)."""
    name = names[value.node]
    return name if value.node.num_outputs == 1 else f"{name}[{value.index}]"


def _tensor_style(value, plan, end, outputs, names):
    memory, types = plan.memory, plan.kernel_graph.types
    shape = palette.shape_text(types[value])
    root = value
    while root in memory.alias_of:
        root = memory.alias_of[root]
    storage = memory.storage_of.get(root)
    if value in plan.direct:
        lines, fill, style = [f"{shape} · written into {plan.direct[value]} in place"], \
            "white", "solid"
    elif storage is None:       # a view of a variable: the executor's array
        lines, fill, style = [f"{shape} · view of {_name(root, names)}"], "white", "dotted"
    else:
        fill, style = palette.storage_color(storage)
        first, last = memory.lifetimes[root]
        until = "end" if last >= end else f"k{last}"
        offset = memory.offset_of.get(root, 0)
        place = f"s{storage}+{palette.bytes_text(offset)}" if offset else f"s{storage}"
        where = f"view of {_name(root, names)} · {place}" if root is not value \
            else f"{palette.bytes_text(memory.value_bytes[value])} · {place}"
        lines = [f"{shape} · {where}", f"live k{first}–{until}"]
        style = "dotted" if root is not value else style
    if value in outputs:
        lines.append("graph output")
    return dict(label=html_lines(_name(value, names), *lines), shape="box",
                style=f"filled,rounded,{style}", fillcolor=fill, color=palette.MUTED)


def _legend_rows(memory, plan):
    rows = []
    for storage, size in enumerate(memory.sizes):
        tenants = sum(1 for s in memory.storage_of.values() if s == storage)
        fill, style = palette.storage_color(storage)
        rows.append((fill, style, f"s{storage} · {palette.bytes_text(size)} · "
                                  f"{plural(tenants, 'tensor')}"))
    if plan.direct:
        rows.append(("white", "solid", "written into a variable (no storage)"))
    if memory.alias_of:
        rows.append(("white", "dotted", "a view: no storage of its own"))
    return rows
