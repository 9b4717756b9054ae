"""Fusion: partition a typed graph into kernels, by op kind (never by op name).

    x ──exp──add──┐                       ┌───────────── kernel 0 (elementwise) ───┐
    b ────────────┘──max──sub──exp──sum   │ exp, add                               │
                                          └────────────────────────────────────────┘
                                          ┌───────────── kernel 1 (reduce, rows) ──┐
                                          │ max ─> sub, exp ─> sum   (two levels)  │
                                          └────────────────────────────────────────┘

Nodes are visited in topological order. An elementwise node (or a broadcast
that only re-reads its input) joins the kernels of its producers when it
iterates over the same space: the same shape for an elementwise kernel;
for a reduction kernel over full shape F reduced along axes A, either F (a
"full" node, computed in the passes over each row) or F reduced (a
"reduced" node, computed once per row after the reductions it depends on).
Where it may join several (``exp(x) + tanh(y)``), they merge into one: the
branches must share their space (and reduction axes), not read each other,
reach no outside kernel that leads back to them, and stay under the size cap.
A reduction joins its producer's kernel when it reduces that kernel's space
along the same axes, so softmax, log-softmax and cross-entropy with their
gradients become one kernel each. Opaque ops (matmul, gathers), random ops
and layout ops that move data are kernels of their own; reshapes of
contiguous data are views, free at run time.

Guarantees: every compute node is in exactly one kernel; kernels are listed
in an order where producers come first; no kernel depends on itself through
another kernel (a node may not join, nor merge, kernels it reaches through an
outside kernel); nodes of different phases (forward and backward) are never fused.
Where a value crosses kernels, ``boundaries`` records why the consumer did
not fuse with it, for the pictures of compiled graphs.
"""

from dataclasses import dataclass, field

from ..ops import registry
from ..ops.registry import Kind
from ..ops.shape_rules import normalize_axes, reduced_shape

ELEMENTWISE, REDUCE, OPAQUE, VIEW = "elementwise", "reduce", "opaque", "view"

# Layout ops that only re-read their input with broadcasting: fusable as elementwise.
_BROADCASTS = frozenset({"broadcast_to", "broadcast_like", "unreduce"})
# Layout ops numpy expresses as views (new shape or strides over the same data): no
# kernel work. A kernel that needs a view contiguous copies it (the runtime decides).
_VIEWS = frozenset({"reshape", "reshape_like", "flatten", "expand_dims", "squeeze",
                    "transpose", "swapaxes"})
# Reductions a kernel can compute inline; argmax/argmin stay opaque.
INLINE_REDUCTIONS = frozenset({"sum", "mean", "max", "min", "prod", "sum_to_like"})
# A kernel stops growing here: numba's compile time grows with the loop body, and
# a reduction kernel recomputes its full-size nodes in each of its passes.
MAX_KERNEL_NODES = 128


@dataclass(eq=False)
class Kernel:
    """One unit of work: a group of nodes run together (compared by identity)."""

    index: int
    kind: str
    nodes: list
    phase: int
    space: tuple = ()          # iteration shape (elementwise) or full shape (reduce)
    axes: tuple = ()           # reduced axes of a reduce kernel
    inputs: list = field(default_factory=list)
    outputs: list = field(default_factory=list)

    @property
    def name(self):
        ops = "_".join(dict.fromkeys(n.op for n in self.nodes))
        return f"k{self.index}_{ops[:48]}"


@dataclass
class KernelGraph:
    """The result of fusion: kernels in schedule order, and why values cross them."""

    graph: object
    types: dict
    kernels: list
    boundaries: list           # (value, consumer Kernel, reason)
    kernel_of: dict            # node -> Kernel


def classify(node):
    """The kind of kernel a node needs on its own."""
    op = registry.get(node.op)
    if node.op in _VIEWS:
        return VIEW
    if op.kind == Kind.ELEMWISE or node.op in _BROADCASTS:
        return ELEMENTWISE
    if op.kind == Kind.REDUCE and node.op in INLINE_REDUCTIONS:
        return REDUCE
    return OPAQUE


def reduce_axes(node, types):
    """The axes a reduce node reduces, normalized against its input's rank."""
    x = types[node.inputs[0]]
    if node.op == "sum_to_like":
        like = types[node.inputs[1]].shape
        lead = x.ndim - len(like)
        return tuple(range(lead)) + tuple(
            lead + i for i, d in enumerate(like) if d == 1 and x.shape[lead + i] != 1)
    return normalize_axes(node.attrs["axis"], x.ndim)


def fuse(graph, types, phase_of=None):
    """Partition ``graph`` (typed by ``types``) into a ``KernelGraph``.

    ``phase_of`` maps nodes to a phase number (forward 0, backward 1); kernels
    never mix phases."""
    fuser = _Fuser(types, phase_of or {})
    for node in graph.nodes:
        if node.op not in ("var", "const"):
            fuser.place(node)
    kernels = _schedule(fuser.kernels, fuser.kernel_of)
    _connect(graph, kernels, fuser.kernel_of)
    return KernelGraph(graph, types, kernels, fuser.boundaries(graph), fuser.kernel_of)


class _Fuser:
    def __init__(self, types, phase_of):
        self.types = types
        self.phase_of = phase_of
        self.kernels = []      # kernels in creation order (merged ones leave the list)
        self.kernel_of = {}
        self.reads = {}        # kernel -> the kernels it reads from directly
        self.level = {}        # node -> reduction level within its reduce kernel
        self.position = {}     # node -> its place in the graph's topological order
        self.refused = {}      # (node, input value) -> why the value's kernel was not joined

    def place(self, node):
        """Put ``node`` into every producer kernel it may join, merged into one
        (the first such kernel takes the others), or into a kernel of its own."""
        self.position[node] = len(self.position)
        kind = classify(node)
        group = []
        if kind in (ELEMENTWISE, REDUCE):
            for value in node.inputs:
                kernel = self.kernel_of.get(value.node)
                if kernel is None or kernel in group:
                    continue
                reason = self._why_not(node, kind, group + [kernel])
                if reason is None:
                    group.append(kernel)
                else:
                    self.refused[(node, value)] = reason
        if group:
            self._join(node, kind, group)
        else:
            self._new_kernel(node, kind)
        kernel = self.kernel_of[node]
        self.reads[kernel] |= self._producers(node) - {kernel}

    def boundaries(self, graph):
        """``(value, consumer kernel, reason)`` for every input crossing kernels,
        in graph order (the pictures of compiled graphs replay that order)."""
        crossings = []
        for node in graph.nodes:
            kernel = self.kernel_of.get(node)
            for value in node.inputs:
                producer = self.kernel_of.get(value.node)
                if kernel is not None and producer is not None and producer is not kernel:
                    reason = self.refused.get((node, value)) or (
                        "view" if classify(node) == VIEW else f"opaque op {node.op}")
                    crossings.append((value, kernel, reason))
        return crossings

    def _producers(self, node):
        return {self.kernel_of[v.node] for v in node.inputs if v.node in self.kernel_of}

    def _why_not(self, node, kind, group):
        """Why ``node`` may not join the kernels of ``group`` merged into one
        (the last of them is the one being tried), or ``None`` if it may."""
        kernel = group[-1]
        if kernel.kind not in (ELEMENTWISE, REDUCE):
            return f"{kernel.kind} producer"
        if self.phase_of.get(node, 0) != kernel.phase:
            return "forward/backward boundary"
        if len(group) > 1:
            if kernel.space != group[0].space:
                return "branches iterate different spaces"
            if len({k.axes for k in group if k.kind == REDUCE}) > 1:
                return "different reduction axes"
            if any(k in self.reads[kernel] or kernel in self.reads[k] for k in group[:-1]):
                return "one branch reads the other"
        if sum(len(k.nodes) for k in group) >= MAX_KERNEL_NODES:
            return "kernel size cap"
        outside = set().union(*(self.reads[k] for k in group), self._producers(node))
        if self._reaches(outside - set(group), set(group)):
            return "would form a cycle"
        shape_class = self._shape_class(node, kind, group)
        if shape_class not in ("full", "reduced"):
            return shape_class
        return None

    def _reaches(self, kernels, targets):
        """Whether any of ``kernels`` reads from ``targets``, directly or not."""
        stack, seen = list(kernels), set()
        while stack:
            kernel = stack.pop()
            if kernel in targets:
                return True
            if kernel not in seen:
                seen.add(kernel)
                stack.extend(self.reads[kernel])
        return False

    def _shape_class(self, node, kind, group):
        # Kernels of a group share their space; a reduce member gives the kind and axes.
        like = next((k for k in group if k.kind == REDUCE), group[0])
        level = self._in_kernel_level(node, group)
        out = self.types[node.outputs[0]].shape
        if kind == REDUCE:
            space, axes = self.types[node.inputs[0]].shape, reduce_axes(node, self.types)
            if space != like.space:
                return "shape mismatch"
            if like.kind == REDUCE and axes != like.axes:
                return "different reduction axes"
            if not _contiguous_groups(space, axes):
                return "reduction axes interleave kept axes"
            if _is_column(space, axes) and level > 0:
                return "column reduction of a reduced value"
            return "full"
        if out == like.space:
            if like.kind == REDUCE and _is_column(like.space, like.axes) and level > 0:
                return "column reduction read back"
            return "full"
        if like.kind == REDUCE and out in (reduced_shape(like.space, like.axes, True),
                                           reduced_shape(like.space, like.axes, False)):
            return "reduced"
        return "shape mismatch"

    def _in_kernel_level(self, node, group):
        return max((self.level.get(v.node, 0) for v in node.inputs
                    if self.kernel_of.get(v.node) in group), default=0)

    def _join(self, node, kind, group):
        kernel = group[0]
        for other in group[1:]:
            self._absorb(kernel, other)
        level = self._in_kernel_level(node, [kernel])
        if kind == REDUCE:
            if kernel.kind == ELEMENTWISE:
                kernel.kind, kernel.axes = REDUCE, reduce_axes(node, self.types)
            level += 1
        self.level[node] = level
        kernel.nodes.append(node)
        self.kernel_of[node] = kernel

    def _absorb(self, kernel, other):
        """Merge ``other`` into ``kernel``: the same space and phase, no edge
        between them, so every node keeps its level."""
        if other.kind == REDUCE:
            kernel.kind, kernel.axes = REDUCE, other.axes
        kernel.nodes = sorted(kernel.nodes + other.nodes, key=self.position.get)
        for node in other.nodes:
            self.kernel_of[node] = kernel
        self.kernels.remove(other)
        self.reads[kernel] |= self.reads.pop(other)
        for reads in self.reads.values():
            if other in reads:
                reads.discard(other)
                reads.add(kernel)

    def _new_kernel(self, node, kind):
        kernel = Kernel(self.position[node], kind, [node], self.phase_of.get(node, 0))
        if kind == REDUCE:
            kernel.space = self.types[node.inputs[0]].shape
            kernel.axes = reduce_axes(node, self.types)
            if not _contiguous_groups(kernel.space, kernel.axes):
                kernel.kind = OPAQUE
            self.level[node] = 1
        elif kind == ELEMENTWISE:
            kernel.space = self.types[node.outputs[0]].shape
            self.level[node] = 0
        self.kernels.append(kernel)
        self.kernel_of[node] = kernel
        self.reads[kernel] = set()


def _contiguous_groups(shape, axes):
    """Reduced axes form one run, so the space collapses to (outer, reduced, inner)."""
    sized = [a for a in axes if shape[a] != 1]
    return not sized or sized == list(range(sized[0], sized[-1] + 1))


def _is_column(shape, axes):
    """The reduction leaves kept axes of size > 1 after the reduced ones."""
    sized = [a for a in axes if shape[a] != 1]
    return bool(sized) and any(d != 1 for d in shape[sized[-1] + 1:])


def _schedule(kernels, kernel_of):
    """Kernels in an order where each comes after every kernel it reads from."""
    order, placed = [], set()

    def visit(kernel):
        if kernel.index in placed:
            return
        placed.add(kernel.index)
        for node in kernel.nodes:
            for value in node.inputs:
                producer = kernel_of.get(value.node)
                if producer is not None and producer is not kernel:
                    visit(producer)
        order.append(kernel)

    for kernel in kernels:
        visit(kernel)
    for position, kernel in enumerate(order):
        kernel.index = position
    return order


def _connect(graph, kernels, kernel_of):
    """Fill each kernel's inputs (values from outside) and outputs (values read
    outside, or graph outputs), in first-use order."""
    readers = {}
    for kernel in kernels:
        for node in kernel.nodes:
            for value in node.inputs:
                if kernel_of.get(value.node) is not kernel:
                    if value not in kernel.inputs:
                        kernel.inputs.append(value)
                    readers.setdefault(value, set()).add(kernel.index)
    graph_outputs = set(graph.outputs)
    for kernel in kernels:
        for node in kernel.nodes:
            for value in node.outputs:
                if value in graph_outputs or readers.get(value, set()) - {kernel.index}:
                    kernel.outputs.append(value)
