"""Kernel scheduling: a topological order that keeps the live set small.

    ready kernels ──pick the one that frees the most bytes net──> run it ──> newly ready
    (phase first: forward before backward)

List scheduling over the kernel graph: among the kernels whose inputs are
computed (and whose extra constraints hold: an update of a parameter waits
for every reader of the old value), choose the one whose run frees the most
memory net: bytes of inputs it is the last reader of, minus bytes of the
outputs it creates (views create none). A gradient-of-weights matmul that lets an activation die
runs before one that only allocates. Ties keep the order fusion produced.
"""

from .fuse import VIEW


def schedule(kernel_graph, after=None):
    """Reorder ``kernel_graph.kernels`` in place; ``after`` maps a kernel to
    other kernels that must run before it."""
    kernels = kernel_graph.kernels
    types, kernel_of = kernel_graph.types, kernel_graph.kernel_of
    keep = set(kernel_graph.graph.outputs)
    needs = {k.index: ({kernel_of[v.node].index for v in k.inputs if v.node in kernel_of}
                       | {a.index for a in (after or {}).get(k, ())}) - {k.index}
             for k in kernels}
    consumers, readers = {}, {}
    for kernel in kernels:
        for need in needs[kernel.index]:
            consumers.setdefault(need, []).append(kernel)
        for value in kernel.inputs:
            readers.setdefault(value, set()).add(kernel.index)
    done, order = set(), []
    ready = {k for k in kernels if not needs[k.index]}

    def gain(kernel):
        freed = sum(types[v].nbytes for v in kernel.inputs
                    if v.node in kernel_of and v not in keep
                    and readers[v] - done == {kernel.index})
        created = 0 if kernel.kind == VIEW else sum(types[v].nbytes for v in kernel.outputs)
        return freed - created

    while ready:
        best = min(ready, key=lambda k: (k.phase, -gain(k), k.index))
        ready.remove(best)
        order.append(best)
        done.add(best.index)
        for kernel in consumers.get(best.index, ()):
            if kernel.index not in done and needs[kernel.index] <= done:
                ready.add(kernel)
    for position, kernel in enumerate(order):
        kernel.index = position
    kernel_graph.kernels = order
