"""Fusion: partition a typed graph into kernels, by op kind (never by op name).

    x ──exp──add──┐                       ┌───────────── kernel 0 (elementwise) ───┐
    b ────────────┘──max──sub──exp──sum   │ exp, add                               │
                                          └────────────────────────────────────────┘
                                          ┌───────────── kernel 1 (reduce, rows) ──┐
                                          │ max ─> sub, exp ─> sum   (two levels)  │
                                          └────────────────────────────────────────┘

Nodes are visited in topological order. An elementwise node (or a broadcast
that only re-reads its input) joins the kernel of one of its producers when
it iterates over the same space: the same shape for an elementwise kernel;
for a reduction kernel over full shape F reduced along axes A, either F (a
"full" node, computed in the passes over each row) or F reduced (a
"reduced" node, computed once per row after the reductions it depends on).
A reduction joins its producer's kernel when it reduces that kernel's space
along the same axes, so softmax, log-softmax and cross-entropy with their
gradients become one kernel each. Opaque ops (matmul, gathers), random ops
and layout ops that move data are kernels of their own; reshapes of
contiguous data are views, free at run time.

Guarantees: every compute node is in exactly one kernel; kernels are listed
in an order where producers come first; no kernel depends on itself through
another kernel (a node may not join a group it reaches through an outside
node); nodes of different phases (forward and backward) are never fused.
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
    phase_of = phase_of or {}
    fuser = _Fuser(types, phase_of)
    for node in graph.nodes:
        if node.op not in ("var", "const"):
            fuser.place(node)
    kernels = _schedule(fuser.kernels, fuser.kernel_of)
    _connect(graph, kernels, fuser.kernel_of)
    return KernelGraph(graph, types, kernels, fuser.boundaries, fuser.kernel_of)


class _Fuser:
    def __init__(self, types, phase_of):
        self.types = types
        self.phase_of = phase_of
        self.kernels = []
        self.kernel_of = {}
        self.depends = {}      # node -> set of kernel indices it depends on (transitively)
        self.level = {}        # node -> reduction level within its reduce kernel
        self.boundaries = []

    def place(self, node):
        kind = classify(node)
        refused = {}
        if kind in (ELEMENTWISE, REDUCE):
            for value in node.inputs:
                kernel = self.kernel_of.get(value.node)
                if kernel is None:
                    continue
                refused[value] = self._why_not(node, kind, kernel)
                if refused[value] is None:
                    self._join(node, kind, kernel)
                    break
        if node not in self.kernel_of:
            self._new_kernel(node, kind)
        kernel = self.kernel_of[node]
        for value in node.inputs:
            producer = self.kernel_of.get(value.node)
            if producer is not None and producer is not kernel:
                reason = refused.get(value) or _why_alone(node, kind)
                self.boundaries.append((value, kernel, reason))
        self.depends[node] = set().union(
            *({self.kernel_of[v.node].index} | self.depends[v.node]
              for v in node.inputs if v.node in self.kernel_of)) - {kernel.index}

    def _why_not(self, node, kind, kernel):
        """Why ``node`` may not join ``kernel``, or ``None`` if it may."""
        if kernel.kind not in (ELEMENTWISE, REDUCE):
            return f"{kernel.kind} producer"
        if self.phase_of.get(node, 0) != kernel.phase:
            return "forward/backward boundary"
        for value in node.inputs:
            if value.node in self.kernel_of and self.kernel_of[value.node] is not kernel \
                    and kernel.index in self.depends[value.node]:
                return "would form a cycle"
        shape_class = self._shape_class(node, kind, kernel)
        if isinstance(shape_class, str) and shape_class not in ("full", "reduced"):
            return shape_class
        return None

    def _shape_class(self, node, kind, kernel):
        out = self.types[node.outputs[0]].shape
        if kind == REDUCE:
            space, axes = self.types[node.inputs[0]].shape, reduce_axes(node, self.types)
            if space != kernel.space:
                return "shape mismatch"
            if kernel.kind == REDUCE and axes != kernel.axes:
                return "different reduction axes"
            if not _contiguous_groups(space, axes):
                return "reduction axes interleave kept axes"
            level = 1 + self._in_kernel_level(node, kernel)
            if _is_column(space, axes) and level > 1:
                return "column reduction of a reduced value"
            return "full"
        if out == kernel.space:
            if kernel.kind == REDUCE and _is_column(kernel.space, kernel.axes) \
                    and self._in_kernel_level(node, kernel) > 0:
                return "column reduction read back"
            return "full"
        if kernel.kind == REDUCE and out in (reduced_shape(kernel.space, kernel.axes, True),
                                             reduced_shape(kernel.space, kernel.axes, False)):
            return "reduced"
        return "shape mismatch"

    def _in_kernel_level(self, node, kernel):
        return max((self.level.get(v.node, 0) for v in node.inputs
                    if self.kernel_of.get(v.node) is kernel), default=0)

    def _join(self, node, kind, kernel):
        if kind == REDUCE:
            if kernel.kind == ELEMENTWISE:
                kernel.kind, kernel.axes = REDUCE, reduce_axes(node, self.types)
            self.level[node] = 1 + self._in_kernel_level(node, kernel)
        else:
            self.level[node] = self._in_kernel_level(node, kernel)
        kernel.nodes.append(node)
        self.kernel_of[node] = kernel

    def _new_kernel(self, node, kind):
        kernel = Kernel(len(self.kernels), kind, [node], self.phase_of.get(node, 0))
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


def _why_alone(node, kind):
    return {VIEW: "view", OPAQUE: f"opaque op {node.op}"}.get(kind, "fused with another input")


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
