"""Where a value's elements sit in device memory: a flat root array, an
offset and strides (in elements). Views (transpose, swapaxes, reshape, ...)
are free on the device when they only change this description.

    w (16, 20) contiguous ─transpose─> (20, 16), strides (1, 20): a new Layout, no copy
                                       read in place by matmul; made dense by a
                                       strided copy for a kernel that needs it

A view's layout is found by running the op's numpy reference on a host
stand-in with the same strides (numpy's own view rules, never a copy of
them); an op that numpy cannot express as a view of the stand-in (a
reshape of a transposed array) needs its input made dense first.
"""

from dataclasses import dataclass

import numpy as np

from ...ops import registry


@dataclass(frozen=True)
class Layout:
    root: object        # flat contiguous device array
    offset: int
    shape: tuple
    strides: tuple      # elements

    @property
    def size(self):
        return int(np.prod(self.shape, dtype=np.int64))

    def is_dense(self):
        """C-contiguous from ``offset`` (size-1 dimensions may have any stride)."""
        expected = c_strides(self.shape)
        return all(n == 1 or s == e for n, s, e in zip(self.shape, self.strides, expected))

    def dense_view(self):
        """The device array this layout describes, if ``is_dense()``."""
        return self.root[self.offset:self.offset + self.size].reshape(self.shape)


def c_strides(shape):
    strides, step = [], 1
    for n in reversed(shape):
        strides.append(step)
        step *= max(n, 1)
    return tuple(reversed(strides))


def dense_layout(array):
    """The layout of a contiguous device array."""
    size = int(np.prod(array.shape, dtype=np.int64))
    return Layout(array.reshape(size), 0, tuple(array.shape), c_strides(array.shape))


def broadcast_layout(layout, shape):
    """``layout`` read broadcast to ``shape`` (stride 0 where it repeats)."""
    lead = len(shape) - len(layout.shape)
    strides = (0,) * lead + tuple(0 if n == 1 and m != 1 else s for n, m, s in
                                  zip(layout.shape, shape[lead:], layout.strides))
    return Layout(layout.root, layout.offset, tuple(shape), strides)


def view_layout(node, layout, dtype, other_shapes=()):
    """The layout of view ``node`` of an input laid out as ``layout``, or
    ``None`` if numpy would have to copy; ``other_shapes`` are the shapes of
    its other inputs (``reshape_like``'s ``like``), which it never reads."""
    reference = registry.get(node.op).reference
    others = [np.broadcast_to(np.empty((), dtype), shape) for shape in other_shapes]
    return _derived(layout, dtype, lambda x: reference(x, *others, **node.attrs.as_dict()))


def indexed_layout(layout, dtype, key):
    """The layout of ``x[key]`` (a numpy basic index) for ``x`` laid out as ``layout``."""
    return _derived(layout, dtype, lambda x: x[key])


def _derived(layout, dtype, make_view):
    """Run ``make_view`` on a host stand-in for ``layout`` and read the view's
    offset and strides back; ``None`` if it made a copy instead."""
    itemsize = np.dtype(dtype).itemsize
    # Negative strides reach below the offset, never below 0; the highest element:
    high = sum((n - 1) * s for n, s in zip(layout.shape, layout.strides) if n > 0 and s > 0)
    base = np.empty(layout.offset + high + 1, dtype)
    stand_in = np.lib.stride_tricks.as_strided(
        base[layout.offset:], layout.shape, tuple(s * itemsize for s in layout.strides))
    view = make_view(stand_in)
    if view.size and not np.may_share_memory(view, base):
        return None
    offset = view.__array_interface__["data"][0] - base.__array_interface__["data"][0]
    return Layout(layout.root, offset // itemsize, tuple(view.shape),
                  tuple(s // itemsize for s in view.strides))
