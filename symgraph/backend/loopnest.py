"""From a fused kernel to the loop nest it runs as: collapsed iteration
dimensions and, for every array the kernel reads (a *port*), the shape it is
viewed with inside the loops.

    elementwise over (32, 10, 64), inputs (32, 10, 64) and (64,)
        -> dims (320, 64); ports (320, 64) and (1, 64)
    rows: sum over axis 1 of (256, 10)          -> (O, R, K) = (256, 10, 1)
    columns: sum over axis 0 of (256, 256)      -> (O, R, K) = (1, 256, 256)

Adjacent dimensions merge when every port varies along both or along
neither, so the common cases (same shapes, row and column vectors) become
one- and two-dimensional loops with contiguous inner dimensions. A port
whose broadcast pattern cannot be expressed in the collapsed space is
marked ``dense``: the runtime broadcasts and copies it to full size first.
Everything here depends on shapes only, never on data or on the device, so
the CPU and CUDA backends run their kernels over the same nests.
"""

from dataclasses import dataclass, field

import numpy as np

from ..ops import registry
from ..ops.shape_rules import normalize_axes, reduced_shape
from ..ops.registry import Kind
from ..passes.fuse import ELEMENTWISE, REDUCE


@dataclass(frozen=True)
class Port:
    """An array a kernel reads: a value, viewed with ``access`` (a shape of the
    kernel's rank that broadcasts to its space), then reshaped to ``view``."""

    value: object
    access: tuple
    view: tuple
    dense: bool = False


@dataclass(frozen=True)
class LoopNest:
    variant: str            # "elementwise", "rows" or "columns"
    dims: tuple             # collapsed sizes: elementwise dims, or (O, R, K)
    ports: tuple            # Port per distinct (value, access)
    full_outputs: tuple     # Values written at full size (viewed as ``dims``)
    reduced_outputs: tuple  # Values written at reduced size (viewed as (O, K))
    # Full outputs that occupy exactly the bytes of a port read element for
    # element (an in-place write): {value: port index}. The kernel stores them
    # through that port's array instead of an output array of its own, since
    # LLVM vectorizes a loop only after checking at run time that its arrays
    # do not overlap, and falls back to scalar code when they do (measured:
    # relu in place over a 256x256 matmul result, 36 us scalar, 5 us vector).
    # The CPU plan fills it (``cpu/plan.py``); CUDA's nests leave it empty.
    written_over: dict = field(default_factory=dict)

    def output_arrays(self):
        """The outputs the kernel takes arrays for: full ones, then reduced."""
        return ([v for v in self.full_outputs if v not in self.written_over],
                list(self.reduced_outputs))


def access_shape(kernel, node, index, types):
    """The shape input ``index`` of ``node`` is read with, aligned to the space."""
    value = node.inputs[index]
    shape = types[value].shape
    if node.op == "unreduce" and index == 0:
        x = types[node.inputs[1]].shape
        shape = reduced_shape(x, normalize_axes(node.attrs["axis"], len(x)), keepdims=True)
    elif kernel.kind == REDUCE and _is_reduced_class(kernel, node, types):
        shape = _keepdims(kernel, types[node.outputs[0]].shape, shape)
    rank = len(kernel.space)
    return (1,) * (rank - len(shape)) + tuple(shape)


def _is_reduced_class(kernel, node, types):
    return not is_reduction(node) and types[node.outputs[0]].shape != kernel.space


def is_reduction(node):
    """Whether ``node`` folds values (a REDUCE op): an accumulator in a kernel."""
    return registry.get(node.op).kind == Kind.REDUCE


def _keepdims(kernel, consumer_shape, shape):
    """An input of a reduced-size node, placed in the full space with the
    reduced axes as size 1 (the node's own shape may have dropped them)."""
    shape = (1,) * (len(consumer_shape) - len(shape)) + tuple(shape)
    kept = reduced_shape(kernel.space, kernel.axes, keepdims=True)
    if len(shape) == len(kept):
        return shape
    dims = iter(shape)
    return tuple(1 if axis in kernel.axes else next(dims) for axis in range(len(kept)))


def plan_loops(kernel, types, inlined):
    """The ``LoopNest`` of an elementwise or reduce ``kernel``; ``inlined``
    says which input values are written into the source as literals."""
    accesses = []
    members = set(kernel.nodes)
    for node in kernel.nodes:
        for index, value in enumerate(node.inputs):
            if value.node not in members and not inlined(value):
                key = (value, access_shape(kernel, node, index, types))
                if key not in accesses:
                    accesses.append(key)
    full = tuple(v for v in kernel.outputs
                 if types[v].shape == kernel.space and not is_reduction(v.node))
    reduced = tuple(v for v in kernel.outputs if v not in full)
    if kernel.kind == ELEMENTWISE:
        dims, views = _collapse(kernel.space, [a for _, a in accesses])
        ports = tuple(Port(v, a, view) for (v, a), view in zip(accesses, views))
        return LoopNest("elementwise", dims, ports, full, ())
    groups = _role_groups(kernel.space, kernel.axes)
    dims = tuple(int(np.prod([kernel.space[d] for d in g], dtype=np.int64)) for g in groups)
    ports = tuple(_grouped_port(v, a, groups, kernel.space) for v, a in accesses)
    variant = "columns" if dims[2] > 1 else "rows"
    return LoopNest(variant, dims, ports, full, reduced)


def _varies(access, space):
    return tuple(a == s and s != 1 for a, s in zip(access, space))


def _collapse(space, accesses):
    """Merge adjacent dimensions along which every port behaves the same."""
    kept = [d for d in range(len(space)) if space[d] != 1]
    if not kept:
        return (1,), [(1,) for _ in accesses]
    flags = [_varies(a, space) for a in accesses]
    groups = [[kept[0]]]
    for d in kept[1:]:
        if all(f[d] == f[groups[-1][-1]] for f in flags):
            groups[-1].append(d)
        else:
            groups.append([d])
    dims = tuple(int(np.prod([space[d] for d in g], dtype=np.int64)) for g in groups)
    views = [tuple(size if f[g[0]] else 1 for g, size in zip(groups, dims)) for f in flags]
    return dims, views


def _role_groups(space, axes):
    """Axes split into (outer kept, reduced, inner kept), dropping size-1 axes
    from the reduced run's ends so the groups are contiguous."""
    sized = [a for a in axes if space[a] != 1]
    if not sized:
        return (tuple(range(len(space))), (), ())
    first, last = sized[0], sized[-1]
    return (tuple(range(first)), tuple(range(first, last + 1)),
            tuple(range(last + 1, len(space))))


def _grouped_port(value, access, groups, space):
    varies = _varies(access, space)
    view, dense = [], False
    for group in groups:
        flags = {varies[d] for d in group if space[d] != 1}
        size = int(np.prod([space[d] for d in group], dtype=np.int64))
        if len(flags) > 1:
            dense = True
        view.append(size if (flags and (True in flags)) else 1)
    if dense:
        view = [int(np.prod([space[d] for d in g], dtype=np.int64)) for g in groups]
    return Port(value, access, tuple(view), dense)
