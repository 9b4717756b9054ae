"""Memory planning: storages for the values of a kernel schedule.

    kernel:    k0      k1      k2      k3
    value a:   [write ─ read]                   a dies at k1 ──> its bytes are free
    value b:           [write ───── read]       b (same size, elementwise over a) may
    value c:                   [write ─ read]   write in place over a at k1

Liveness runs over the schedule: a value lives from the kernel that writes
it to the last kernel that reads it (views extend the life of what they
view). Walking the schedule, an output of an elementwise kernel takes the
place of an input that dies there with the same dtype and shape (an in-place
write, as PyTensor's ``destroy_map`` declares); values written in place over
each other form a *chain*, one span of time in one place.

Chains are then placed largest first (greedy by size, as TFLite's arena
planner): each takes the tightest gap, in bytes, of an existing storage that
is free for its whole span, else a new storage of its size. Since every later
chain is no larger, storages never grow, and a storage the size of a large
weight gradient also holds several activations at once while that gradient
is not alive. Values start at multiples of ``ALIGN`` bytes within a storage.

Values the caller must keep (graph outputs, ``keep``) and values that a later
phase reads (the backward may run twice on one forward) are never freed;
variables and constants are bound by the executor and never planned.

``MemoryPlan.verify()`` proves statically that no two values alive at the
same time share a byte, except an in-place write over its dying input.
"""

from dataclasses import dataclass, field

from .fuse import ELEMENTWISE, VIEW

ALIGN = 64  # bytes: a cache line, and more than any dtype needs


@dataclass
class MemoryPlan:
    storage_of: dict          # planned value -> storage id
    sizes: list               # bytes per storage
    alias_of: dict            # view value -> the value whose storage it views
    lifetimes: dict           # planned value -> (first kernel, last kernel)
    in_place: list            # (output value, input value) pairs sharing their bytes
    value_bytes: dict         # planned value -> bytes
    offset_of: dict = field(default_factory=dict)    # planned value -> byte offset
    freed_after: dict = field(default_factory=dict)  # kernel position -> [(storage,
    #                                                   first byte, end byte)] freed there

    def report(self):
        """Naive bytes (a storage per value), planned bytes, and the peak of the
        live set, a lower bound for any plan of this schedule."""
        nbytes = self.value_bytes
        last = max((end for _, end in self.lifetimes.values()), default=0)
        peak = max((sum(nbytes[v] for v, (a, b) in self.lifetimes.items() if a <= i <= b)
                    for i in range(last + 1)), default=0)
        return {"naive_bytes": sum(nbytes.values()), "planned_bytes": sum(self.sizes),
                "lower_bound_bytes": peak, "storages": len(self.sizes),
                "in_place_writes": len(self.in_place)}

    def verify(self):
        """Raise ``AssertionError`` if two simultaneously live values share a byte."""
        allowed = {frozenset(pair) for pair in self.in_place}
        values = list(self.storage_of)
        for i, a in enumerate(values):
            for b in values[i + 1:]:
                if self.storage_of[a] != self.storage_of[b] or frozenset((a, b)) in allowed:
                    continue
                (a0, a1), (b0, b1) = self.lifetimes[a], self.lifetimes[b]
                (c0, c1), (d0, d1) = self.bytes_of(a), self.bytes_of(b)
                if a0 <= b1 and b0 <= a1 and c0 < d1 and d0 < c1:
                    raise AssertionError(f"{a.label!r} and {b.label!r} share storage "
                                         f"{self.storage_of[a]} while both are alive")

    def bytes_of(self, value):
        """The range ``(first, end)`` of bytes ``value`` occupies in its storage."""
        offset = self.offset_of.get(value, 0)
        return offset, offset + self.value_bytes[value]


def plan_memory(kernel_graph, keep=(), external=()):
    """A ``MemoryPlan`` for ``kernel_graph``'s schedule; values in ``keep``
    (and the graph's outputs, and what a later phase reads) are never freed;
    values in ``external`` live in arrays the caller provides (a variable
    updated in place) and get no storage."""
    types = kernel_graph.types
    kernels = kernel_graph.kernels
    alias_of = _aliases(kernels)
    root = lambda v: root(alias_of[v]) if v in alias_of else v  # noqa: E731
    last_read, written_in = {}, {}
    for position, kernel in enumerate(kernels):
        for value in kernel.inputs:
            last_read[root(value)] = position
        written_in.update(dict.fromkeys(kernel.outputs, kernel.phase))
    later = [v for k in kernels for v in k.inputs if written_in.get(root(v), k.phase) < k.phase]
    kept = {root(v) for v in list(kernel_graph.graph.outputs) + list(keep) + later} \
        - set(external)
    chains, chain_of, lifetimes, in_place = [], {}, {}, []
    end = len(kernels)
    for position, kernel in enumerate(kernels):
        if kernel.kind == VIEW:
            continue
        # In place only over inputs read element for element: not reductions, and
        # not a value the kernel also reads through a view (transposed, say).
        viewed = {root(v) for v in kernel.inputs if v in alias_of}
        dying = [v for v in dict.fromkeys(kernel.inputs) if v in chain_of and v not in kept
                 and v not in viewed and last_read[v] == position] \
            if kernel.kind == ELEMENTWISE else []
        for value in kernel.outputs:
            if value in external:
                continue
            lifetimes[value] = (position, end if value in kept
                                else last_read.get(value, position))
            source = next((s for s in dying if types[s].shape == types[value].shape
                           and types[s].dtype == types[value].dtype), None)
            if source is None:
                chain_of[value] = len(chains)
                chains.append([value])
            else:
                dying.remove(source)
                chain_of[value] = chain_of[source]
                chains[chain_of[value]].append(value)
                in_place.append((value, source))
    value_bytes = {v: max(types[v].nbytes, 1) for v in lifetimes}
    spans = [(lifetimes[c[0]][0], lifetimes[c[-1]][1]) for c in chains]
    places, sizes = _place(spans, [value_bytes[c[0]] for c in chains])
    freed_after = {}
    for chain, (storage, offset) in zip(chains, places):
        if chain[-1] not in kept:
            freed_after.setdefault(lifetimes[chain[-1]][1], []).append(
                (storage, offset, offset + value_bytes[chain[-1]]))
    storage_of = {v: places[chain_of[v]][0] for v in lifetimes}
    offset_of = {v: places[chain_of[v]][1] for v in lifetimes}
    return MemoryPlan(storage_of, sizes, alias_of, lifetimes, in_place, value_bytes,
                      offset_of, freed_after)


def _place(spans, sizes_needed):
    """``(storage, offset)`` per chain (a span of kernel positions and a size),
    and the storages' sizes: see the module docstring."""
    sizes, tenants, places = [], [], [None] * len(spans)
    for i in sorted(range(len(spans)), key=lambda i: (-sizes_needed[i], spans[i])):
        fits = [(room, storage, offset) for storage, size in enumerate(sizes)
                for offset, room in _gaps(tenants[storage], spans[i], size)
                if room >= sizes_needed[i]]
        if fits:
            _, storage, offset = min(fits)
        else:
            storage, offset = len(sizes), 0
            sizes.append(sizes_needed[i])
            tenants.append([])
        tenants[storage].append((spans[i], offset, offset + sizes_needed[i]))
        places[i] = (storage, offset)
    return places, sizes


def _gaps(tenants, span, size):
    """``(offset, room)`` of each aligned run of bytes of a storage of ``size``
    that no tenant alive during ``span`` occupies."""
    start, stop = span
    offset = 0
    for first, end in sorted((first, end) for (a, b), first, end in tenants
                             if a <= stop and start <= b):
        if first > offset:
            yield offset, first - offset
        offset = max(offset, -(-end // ALIGN) * ALIGN)
    if size > offset:
        yield offset, size - offset


def _aliases(kernels):
    """View outputs and the value each one views."""
    return {kernel.outputs[0]: kernel.nodes[0].inputs[0]
            for kernel in kernels if kernel.kind == VIEW and kernel.outputs}
