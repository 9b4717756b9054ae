"""Indexing ops: basic slicing, gathering with ``take``, ``one_hot``, and the
scatters their gradients need.

Slices are numpy basic indices saved as plain tuples (``index_spec`` builds
them for ``Symbol`` and ``NDArray`` indexing, ``index_key`` reads them back):
``("s", start, stop, step)``, ``("i", k)``, ``("new",)`` for ``None`` and
``("...",)`` for ``Ellipsis``. Their shape rule is numpy's own,
applied to a zero-stride stand-in array, so every corner of numpy's
semantics holds without a copy of its rules.

Gathers check their indices: an index outside ``[-n, n)`` (``take``) or
``[0, depth)`` (``one_hot``) raises ``OutOfRangeError``. Compiled backends
must check the same way, because numba does not.
"""

import numbers

import numpy as np

from .. import dtypes
from ..errors import AttrError, OutOfRangeError
from ..graph.ir import TensorType
from . import attrs as A
from ._build import call
from .registry import Kind, OpDef, register
from .shape_rules import normalize_axis


def index_spec(key):
    """A numpy basic index as a plain tuple: ("s", start, stop, step), ("i", k),
    ("new",) for None, ("...",) for Ellipsis."""
    items = key if isinstance(key, tuple) else (key,)
    spec = []
    for item in items:
        if isinstance(item, slice):
            spec.append(("s", item.start, item.stop, item.step))
        elif item is None:
            spec.append(("new",))
        elif item is Ellipsis:
            spec.append(("...",))
        elif isinstance(item, numbers.Integral) and not isinstance(item, bool):
            spec.append(("i", int(item)))
        else:
            raise AttrError(f"only basic indexing (ints, slices, None, ...) is supported, "
                            f"got {item!r}; use take() to gather")
    return tuple(spec)


def index_key(spec):
    """The numpy index that a saved slice spec stands for."""
    rebuild = {
        "s": lambda start, stop, step: slice(start, stop, step),
        "i": lambda k: k,
        "new": lambda: None,
        "...": lambda: Ellipsis,
    }
    return tuple(rebuild[item[0]](*item[1:]) for item in spec)


def sliced_shape(shape, spec):
    """The shape of ``x[spec]`` for ``x`` of ``shape``, by numpy's own rules."""
    stand_in = np.broadcast_to(np.empty((), dtype=bool), shape)
    try:
        return stand_in[index_key(spec)].shape
    except (IndexError, ValueError, TypeError) as err:
        raise ValueError(f"index {_show(spec)} does not apply to shape {shape}: {err}") from None


def _slice_infer(ctx):
    (x,) = ctx.types
    try:
        return [TensorType(sliced_shape(x.shape, ctx.attrs["index"]), x.dtype)]
    except ValueError as err:
        ctx.fail(str(err))


def _show(spec):
    def part(item):
        if item[0] == "s":
            start, stop, step = ("" if v is None else v for v in item[1:])
            return f"{start}:{stop}" + (f":{step}" if step != "" else "")
        return {"i": lambda: str(item[1]), "new": lambda: "None", "...": lambda: "..."}[item[0]]()

    return "[" + ", ".join(part(item) for item in spec) + "]"


def _unslice_reference(g, x, index):
    out = np.zeros(np.shape(x), dtype=np.asarray(g).dtype)
    out[index_key(index)] = g
    return out


def _unslice_infer(ctx):
    g, x = ctx.types
    try:
        expected = sliced_shape(x.shape, ctx.attrs["index"])
    except ValueError as err:
        ctx.fail(str(err))
    if g.shape != expected:
        ctx.fail(f"slice {_show(ctx.attrs['index'])} of {x.shape} has shape {expected}, "
                 f"not {g.shape}")
    return [TensorType(x.shape, g.dtype)]


_INDEX_ATTRS = {"index": A.PLAIN()}

register(OpDef(
    name="slice", kind=Kind.LAYOUT, infer=_slice_infer, attrs=_INDEX_ATTRS,
    reference=lambda x, index: np.array(np.asarray(x)[index_key(index)]),
    grad=lambda c, g: [call("unslice", g, c.x, index=c.attrs["index"])],
    doc="numpy basic indexing: ``x[1:3, :, ::2]``, ints, negative steps, None, ...",
))
register(OpDef(
    name="unslice", kind=Kind.LAYOUT, arity=2, infer=_unslice_infer, attrs=_INDEX_ATTRS,
    reference=_unslice_reference, nondiff_inputs=(1,),
    grad=lambda c, g: [call("slice", g, index=c.attrs["index"]), None],
    doc="Zeros shaped like ``x`` with ``g`` written where ``x[index]`` would be read.",
))

# ---- gathers ---------------------------------------------------------------------------


def _check_indices(ctx, i):
    if not dtypes.is_integer(ctx.types[i].dtype):
        ctx.fail_dtype(f"input {ctx.label(i)} holds indices and must be an integer dtype, "
                       f"not {ctx.types[i].dtype.name}")


def checked_indices(indices, low, high, what):
    """``indices`` as an int64 array, or ``OutOfRangeError`` naming the first bad one."""
    indices = np.asarray(indices, dtype=np.int64)
    bad = (indices < low) | (indices >= high)
    if bad.any():
        position = tuple(int(i) for i in np.argwhere(bad)[0])
        raise OutOfRangeError(
            f"{what} {int(indices[position])} at position {position} is out of range "
            f"[{low}, {high})"
        )
    return indices


def _taken_shape(ctx, a, indices):
    try:
        axis = normalize_axis(ctx.attrs["axis"], a.ndim)
    except ValueError as err:
        ctx.fail(str(err))
    return a.shape[:axis] + indices.shape + a.shape[axis + 1:]


def _take_infer(ctx):
    a, indices = ctx.types
    _check_indices(ctx, 1)
    return [TensorType(_taken_shape(ctx, a, indices), a.dtype)]


def _take_reference(a, indices, axis):
    n = np.shape(a)[axis]
    return np.take(a, checked_indices(indices, -n, n, "take index"), axis=axis)


def _take_backward_reference(g, indices, a, axis):
    axis = normalize_axis(axis, np.ndim(a))
    n = np.shape(a)[axis]
    flat = checked_indices(indices, -n, n, "take index").reshape(-1) % max(n, 1)
    out = np.zeros(np.shape(a), dtype=np.asarray(g).dtype)
    moved = np.moveaxis(out, axis, 0)
    lead = np.ndim(indices)
    rows = np.moveaxis(np.asarray(g), tuple(range(axis, axis + lead)), tuple(range(lead)))
    np.add.at(moved, flat, rows.reshape((flat.size,) + moved.shape[1:]))
    return out


def _take_backward_infer(ctx):
    g, indices, a = ctx.types
    expected = _taken_shape(ctx, a, indices)
    if g.shape != expected:
        ctx.fail(f"the gradient of take has shape {expected}, not {g.shape}")
    return [TensorType(a.shape, g.dtype)]


register(OpDef(
    name="take", kind=Kind.OPAQUE, arity=2, infer=_take_infer, reference=_take_reference,
    attrs={"axis": A.INT(0)}, nondiff_inputs=(1,),
    grad=lambda c, g: [call("take_backward", g, c.y, c.x, axis=c.attrs["axis"]), None],
    doc="Gather along ``axis`` (numpy take); indices in [-n, n), else OutOfRangeError.",
))
register(OpDef(
    name="take_backward", kind=Kind.OPAQUE, arity=3, infer=_take_backward_infer,
    reference=_take_backward_reference, attrs={"axis": A.INT(0)}, nondiff_inputs=(1, 2),
    grad=lambda c, g: [call("take", g, c.inputs[1], axis=c.attrs["axis"]), None, None],
    doc="Scatter-add ``g`` into zeros shaped like ``a`` at the taken positions.",
))


def _one_hot_infer(ctx):
    _check_indices(ctx, 0)
    if ctx.attrs["depth"] < 1:
        ctx.fail(f"depth must be at least 1, got {ctx.attrs['depth']}")
    return [TensorType(ctx.types[0].shape + (ctx.attrs["depth"],), ctx.attrs["dtype"])]


def _one_hot_reference(indices, depth, on_value, off_value, dtype):
    indices = checked_indices(indices, 0, depth, "class label")
    hot = indices[..., None] == np.arange(depth)
    return np.where(hot, on_value, off_value).astype(dtype)


register(OpDef(
    name="one_hot", kind=Kind.OPAQUE, arity=1, infer=_one_hot_infer,
    reference=_one_hot_reference, nondiff_inputs=(0,), grad=lambda c, g: [None],
    attrs={"depth": A.INT(), "on_value": A.NUMBER(1.0), "off_value": A.NUMBER(0.0),
           "dtype": A.DTYPE("float32")},
    doc="Rows of ``depth`` values: ``on_value`` at the label, ``off_value`` elsewhere.",
))
