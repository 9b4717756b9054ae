"""Memory planning: storages for the values of a kernel schedule.

    kernel:    k0      k1      k2      k3
    value a:   [write ─ read]                   a dies at k1 ──> its storage is free
    value b:           [write ───── read]       b (same size, elementwise over a) may
    value c:                   [write ─ read]   write in place over a at k1

Liveness runs over the schedule: a value lives from the kernel that writes
it to the last kernel that reads it (views extend the life of what they
view). Walking the schedule, each value takes, in order of preference: the
storage of an input of its elementwise kernel that dies there with the same
size, dtype and shape (an in-place write, as PyTensor's ``destroy_map``
declares); the smallest free storage large enough; the largest free storage,
grown; a new storage. Values the caller must keep (graph outputs, what a
later phase reads) are never freed; variables and constants are bound by the
executor and never planned.

``MemoryPlan.verify()`` proves statically that no two values alive at the
same time share a storage, except an in-place write over its dying input.
"""

from dataclasses import dataclass, field

from .fuse import ELEMENTWISE, VIEW


@dataclass
class MemoryPlan:
    storage_of: dict          # planned value -> storage id
    sizes: list               # bytes per storage
    alias_of: dict            # view value -> the value whose storage it views
    lifetimes: dict           # planned value -> (first kernel, last kernel)
    in_place: list            # (output value, input value) pairs sharing a storage
    value_bytes: dict         # planned value -> bytes
    freed_after: dict = field(default_factory=dict)  # kernel position -> storages freed

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
        """Raise ``AssertionError`` if two simultaneously live values share a storage."""
        allowed = {frozenset(pair) for pair in self.in_place}
        values = list(self.storage_of)
        for i, a in enumerate(values):
            for b in values[i + 1:]:
                if self.storage_of[a] != self.storage_of[b] or frozenset((a, b)) in allowed:
                    continue
                (a0, a1), (b0, b1) = self.lifetimes[a], self.lifetimes[b]
                if a0 <= b1 and b0 <= a1:
                    raise AssertionError(f"{a.label!r} and {b.label!r} share storage "
                                         f"{self.storage_of[a]} while both are alive")


def plan_memory(kernel_graph, keep=(), external=()):
    """A ``MemoryPlan`` for ``kernel_graph``'s schedule; values in ``keep``
    (and the graph's outputs) are never freed; values in ``external`` live in
    arrays the caller provides (a variable updated in place) and get no storage."""
    types = kernel_graph.types
    kernels = kernel_graph.kernels
    alias_of = _aliases(kernels)
    root = lambda v: root(alias_of[v]) if v in alias_of else v  # noqa: E731
    last_read = {}
    for position, kernel in enumerate(kernels):
        for value in kernel.inputs:
            last_read[root(value)] = position
    kept = {root(v) for v in list(kernel_graph.graph.outputs) + list(keep)} - set(external)
    planner = _Planner(types)
    end = len(kernels)
    for position, kernel in enumerate(kernels):
        if kernel.kind == VIEW:
            continue
        freed = [root(v) for v in kernel.inputs
                 if last_read.get(root(v)) == position and root(v) not in kept]
        # In place only over inputs read element for element: not views, not reductions.
        overwritable = [v for v in freed if v in kernel.inputs] \
            if kernel.kind == ELEMENTWISE else []
        for value in kernel.outputs:
            if value in external:
                continue
            planner.place(value, overwritable)
            planner.lifetimes[value] = (position, end if value in kept
                                        else last_read.get(value, position))
        planner.release(freed, position)
    return MemoryPlan(planner.storage_of, planner.sizes, alias_of, planner.lifetimes,
                      planner.in_place, {v: max(types[v].nbytes, 1) for v in planner.storage_of},
                      planner.freed_after)


def _aliases(kernels):
    """View outputs and the value each one views."""
    return {kernel.outputs[0]: kernel.nodes[0].inputs[0]
            for kernel in kernels if kernel.kind == VIEW and kernel.outputs}


class _Planner:
    def __init__(self, types):
        self.types = types
        self.storage_of, self.sizes, self.lifetimes = {}, [], {}
        self.free, self.in_place, self.freed_after = [], [], {}
        self.taken_in_place = set()

    def place(self, value, dying):
        nbytes = max(self.types[value].nbytes, 1)
        for source in dying:
            storage = self.storage_of.get(source)
            if (storage is not None and storage not in self.taken_in_place
                    and self.types[source].shape == self.types[value].shape
                    and self.types[source].dtype == self.types[value].dtype):
                self.storage_of[value] = storage
                self.taken_in_place.add(storage)
                self.in_place.append((value, source))
                return
        self.storage_of[value] = self._take(nbytes)

    def _take(self, nbytes):
        fitting = [s for s in self.free if self.sizes[s] >= nbytes]
        if fitting:
            storage = min(fitting, key=lambda s: self.sizes[s])
        elif self.free:
            storage = max(self.free, key=lambda s: self.sizes[s])
            self.sizes[storage] = nbytes
        else:
            self.sizes.append(nbytes)
            return len(self.sizes) - 1
        self.free.remove(storage)
        return storage

    def release(self, values, position):
        freed = []
        for value in dict.fromkeys(values):
            storage = self.storage_of.get(value)
            if storage is None:
                continue
            if storage in self.taken_in_place:
                self.taken_in_place.discard(storage)  # now owned by the in-place output
                continue
            self.free.append(storage)
            freed.append(storage)
        self.taken_in_place.clear()
        self.freed_after[position] = freed
