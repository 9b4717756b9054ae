"""In-place updates of variables: where the new value of a parameter (or of
an optimizer state) is written, and when.

    ... ─> grad(w) ──┐
    w ───────────────┴─> [w - lr * grad]  ──written straight into w's array,
                          (an update kernel)   after every other reader of w

A training step assigns some outputs to variables (``w <- w - lr * g``).
An elementwise kernel that computes only such values, and reads each target
only element for element, writes into the variable's array directly; it is
scheduled as soon as its gradient is ready and every kernel that reads the
old value has run. Any other assigned
value is computed into a storage of its own and copied into the variable
at the end of the step (a write-back), so no kernel ever reads a variable
after it changed. ``place_updates`` makes that choice and reorders the
schedule; the memory planner then leaves direct values unplanned and keeps
written-back values alive until the end.
"""

from .fuse import ELEMENTWISE
from .schedule import schedule


def place_updates(kernel_graph, assign):
    """Split ``assign`` (Value -> variable name) into ``(direct, write_back)``
    and schedule the kernels, each direct update after every other reader of
    its targets."""
    kernels = kernel_graph.kernels
    read_by = {}
    for kernel in kernels:
        for value in kernel.inputs:
            read_by.setdefault(value, set()).add(kernel.index)
    candidates = [k for k in kernels if _writes_directly(k, assign, read_by, kernel_graph)]
    # A target another candidate reads would change under it: write that one back.
    readers = {v.node.name: {k.index for k in candidates if v in k.inputs}
               for k in candidates for v in k.inputs if v.node.op == "var"}
    direct_kernels = [k for k in candidates
                      if all(readers.get(assign[v], set()) <= {k.index} for v in k.outputs)]
    direct = {v: assign[v] for k in direct_kernels for v in k.outputs}
    write_back = {v: name for v, name in assign.items() if v not in direct}
    after = {update: [k for k in kernels if k is not update and any(
        v.node.op == "var" and v.node.name in {assign[o] for o in update.outputs}
        for v in k.inputs)] for update in direct_kernels}
    schedule(kernel_graph, after)
    return direct, write_back


def _writes_directly(kernel, assign, read_by, kernel_graph):
    if kernel.kind != ELEMENTWISE or not kernel.outputs:
        return False
    if any(v not in assign or read_by.get(v, set()) - {kernel.index} for v in kernel.outputs):
        return False
    targets = {assign[v] for v in kernel.outputs}
    if len(targets) != len(kernel.outputs):
        return False
    types = kernel_graph.types
    for node in kernel.nodes:
        for value in node.inputs:
            if value.node.op == "var" and value.node.name in targets \
                    and types[value].shape != kernel.space:
                return False  # read with broadcasting: other elements are still needed
    return True
