"""Layout ops: they move or replicate elements and never compute new values.

Gradients of layout ops are layout ops again. Where a gradient needs an
input's shape it reads it from a graph value (``reshape_like(g, x)``,
``broadcast_like``, ``unreduce``) rather than from a number baked in at
build time, so gradient graphs work for any shape bound later.
"""

import numpy as np

from .. import dtypes
from ..graph.ir import TensorType
from . import attrs as A
from ._build import call
from .registry import Kind, OpDef, register
from .shape_rules import broadcast_shapes, normalize_axes, normalize_axis, reduced_shape


def _same_dtype(ctx, shape, index=0):
    return [TensorType(shape, ctx.types[index].dtype)]


def _layout(name, infer, reference, grad, *, arity=1, attrs=None, nondiff=(), doc=""):
    register(OpDef(name=name, kind=Kind.LAYOUT, arity=arity, infer=infer, reference=reference,
                   grad=grad, attrs=attrs or {}, nondiff_inputs=nondiff, doc=doc))


def _checked(ctx, rule, *args):
    """Run a shape rule, turning its ``ValueError`` into the node's ShapeError."""
    try:
        return rule(*args)
    except ValueError as err:
        ctx.fail(str(err))


# ---- transpose -----------------------------------------------------------------------

def _permutation(axes, ndim):
    if axes is None:
        return tuple(reversed(range(ndim)))
    if len(axes) != ndim:
        raise ValueError(f"axes {axes} do not list each of {ndim} axes once")
    perm = tuple(normalize_axis(a, ndim) for a in axes)
    if sorted(perm) != list(range(ndim)):
        raise ValueError(f"axes {axes} do not list each of {ndim} axes once")
    return perm


def _transpose_infer(ctx):
    (x,) = ctx.types
    perm = _checked(ctx, _permutation, ctx.attrs["axes"], x.ndim)
    return _same_dtype(ctx, tuple(x.shape[p] for p in perm))


def _transpose_grad(c, g):
    axes = c.attrs["axes"]
    if axes is None:
        return [call("transpose", g)]
    perm = [a % len(axes) for a in axes]
    return [call("transpose", g, axes=tuple(int(i) for i in np.argsort(perm)))]


_layout("transpose", _transpose_infer, lambda x, axes: np.transpose(x, axes), _transpose_grad,
        attrs={"axes": A.OPTIONAL_INT_TUPLE()},
        doc="Permute axes (reverse them when ``axes`` is None).")


def _swapaxes_infer(ctx):
    (x,) = ctx.types
    a = _checked(ctx, normalize_axis, ctx.attrs["axis1"], x.ndim)
    b = _checked(ctx, normalize_axis, ctx.attrs["axis2"], x.ndim)
    shape = list(x.shape)
    shape[a], shape[b] = shape[b], shape[a]
    return _same_dtype(ctx, tuple(shape))


_layout("swapaxes", _swapaxes_infer, lambda x, axis1, axis2: np.swapaxes(x, axis1, axis2),
        lambda c, g: [call("swapaxes", g, axis1=c.attrs["axis1"], axis2=c.attrs["axis2"])],
        attrs={"axis1": A.INT(), "axis2": A.INT()}, doc="Exchange two axes.")

# ---- reshapes --------------------------------------------------------------------------


def reshaped(shape, target):
    """numpy's reshape rule: one ``-1`` takes what is left."""
    size = int(np.prod(shape, dtype=np.int64))
    if sum(d == -1 for d in target) > 1 or any(d < -1 for d in target):
        raise ValueError(f"target shape {target} may hold one -1 and no other negative size")
    if -1 in target:
        known = int(np.prod([d for d in target if d != -1], dtype=np.int64))
        if known == 0 or size % known:
            raise ValueError(f"cannot reshape {size} elements into {target}")
        target = tuple(size // known if d == -1 else d for d in target)
    if int(np.prod(target, dtype=np.int64)) != size:
        raise ValueError(f"cannot reshape {size} elements into {tuple(target)}")
    return tuple(target)


def _reshape_infer(ctx):
    return _same_dtype(ctx, _checked(ctx, reshaped, ctx.types[0].shape, ctx.attrs["shape"]))


_to_input_shape = lambda c, g: [call("reshape_like", g, c.x)]  # noqa: E731

_layout("reshape", _reshape_infer, lambda x, shape: np.reshape(x, shape), _to_input_shape,
        attrs={"shape": A.SHAPE()}, doc="numpy reshape; one dimension may be -1.")


def _reshape_like_infer(ctx):
    x, like = ctx.types
    if x.size != like.size:
        ctx.fail(f"cannot reshape {x.size} elements into {like.shape}")
    return _same_dtype(ctx, like.shape)


_layout("reshape_like", _reshape_like_infer, lambda x, like: np.reshape(x, np.shape(like)),
        lambda c, g: [call("reshape_like", g, c.x), None],
        arity=2, nondiff=(1,), doc="Reshape ``x`` to the shape of ``like``.")


def _flattened(shape):
    return (shape[0], int(np.prod(shape[1:], dtype=np.int64)))


def _flatten_infer(ctx):
    (x,) = ctx.types
    if x.ndim == 0:
        ctx.fail("cannot flatten a scalar: there is no batch axis")
    return _same_dtype(ctx, _flattened(x.shape))


_layout("flatten", _flatten_infer, lambda x: np.reshape(x, _flattened(np.shape(x))),
        _to_input_shape, doc="Collapse every axis after the first (MXNet's Flatten).")


def _expand_dims_infer(ctx):
    (x,) = ctx.types
    axis = _checked(ctx, normalize_axis, ctx.attrs["axis"], x.ndim + 1)
    return _same_dtype(ctx, x.shape[:axis] + (1,) + x.shape[axis:])


_layout("expand_dims", _expand_dims_infer, lambda x, axis: np.expand_dims(x, axis),
        _to_input_shape, attrs={"axis": A.INT()}, doc="Insert a size-1 axis at ``axis``.")


def _squeeze_infer(ctx):
    (x,) = ctx.types
    axis = ctx.attrs["axis"]
    axes = (tuple(i for i, d in enumerate(x.shape) if d == 1) if axis is None
            else _checked(ctx, normalize_axes, axis, x.ndim))
    if any(x.shape[a] != 1 for a in axes):
        ctx.fail(f"cannot squeeze axis {axis}: its size is not 1")
    return _same_dtype(ctx, reduced_shape(x.shape, axes, keepdims=False))


_layout("squeeze", _squeeze_infer, lambda x, axis: np.squeeze(x, axis), _to_input_shape,
        attrs={"axis": A.AXIS()}, doc="Remove size-1 axes (all of them when ``axis`` is None).")

# ---- broadcasting ----------------------------------------------------------------------


def _broadcast_to_infer(ctx):
    (x,) = ctx.types
    target = ctx.attrs["shape"]
    if len(target) < x.ndim or _checked(ctx, broadcast_shapes, x.shape, target) != target:
        ctx.fail(f"cannot broadcast {x.shape} to {target}")
    return _same_dtype(ctx, target)


_sum_back = lambda c, g: [call("sum_to_like", g, c.x)] + [None] * (len(c.inputs) - 1)  # noqa: E731

_layout("broadcast_to", _broadcast_to_infer, lambda x, shape: np.broadcast_to(x, shape).copy(),
        _sum_back, attrs={"shape": A.SIZES()}, doc="numpy broadcast_to.")


def _broadcast_like_infer(ctx):
    x, like = ctx.types
    if x.ndim > like.ndim or _checked(ctx, broadcast_shapes, x.shape, like.shape) != like.shape:
        ctx.fail(f"cannot broadcast {x.shape} to {like.shape}")
    return _same_dtype(ctx, like.shape)


_layout("broadcast_like", _broadcast_like_infer,
        lambda x, like: np.broadcast_to(x, np.shape(like)).copy(), _sum_back,
        arity=2, nondiff=(1,), doc="Broadcast ``x`` to the shape of ``like``.")


def _unreduce_infer(ctx):
    g, x = ctx.types
    axes = _checked(ctx, normalize_axes, ctx.attrs["axis"], x.ndim)
    expected = reduced_shape(x.shape, axes, ctx.attrs["keepdims"])
    if g.shape != expected:
        ctx.fail(f"expected a reduced shape {expected}, got {g.shape}")
    return _same_dtype(ctx, x.shape)


def _unreduce_reference(g, x, axis, keepdims):
    shape = np.shape(x)
    axes = normalize_axes(axis, len(shape))
    kept = reduced_shape(shape, axes, keepdims=True)
    return np.broadcast_to(np.reshape(g, kept), shape).copy()


_layout("unreduce", _unreduce_infer, _unreduce_reference,
        lambda c, g: [call("sum", g, axis=c.attrs["axis"], keepdims=c.attrs["keepdims"]), None],
        arity=2, nondiff=(1,), attrs={"axis": A.AXIS(), "keepdims": A.BOOL(False)},
        doc="Broadcast ``g``, reduced from ``x`` over ``axis``, back to ``x``'s shape.")


def _size_of_infer(ctx):
    (x,) = ctx.types
    _checked(ctx, normalize_axes, ctx.attrs["axis"], x.ndim)
    return [TensorType((), ctx.attrs["dtype"])]


def _size_of_reference(x, axis, dtype):
    shape = np.shape(x)
    count = np.prod([shape[a] for a in normalize_axes(axis, len(shape))], dtype=np.int64)
    return np.asarray(count, dtype=dtype)


_layout("size_of", _size_of_infer, _size_of_reference, lambda c, g: [None], nondiff=(0,),
        attrs={"axis": A.AXIS(), "dtype": A.DTYPE("float32")},
        doc="How many elements ``x`` has along ``axis`` (all axes when None).")

# ---- joining ---------------------------------------------------------------------------


def _concat_shape(shapes, axis):
    ndim = len(shapes[0])
    if any(len(s) != ndim for s in shapes):
        raise ValueError("inputs have different numbers of dimensions")
    axis = normalize_axis(axis, ndim)
    for s in shapes[1:]:
        if any(a != b for i, (a, b) in enumerate(zip(s, shapes[0])) if i != axis):
            raise ValueError(f"sizes differ off the concatenation axis {axis}")
    return shapes[0][:axis] + (sum(s[axis] for s in shapes),) + shapes[0][axis + 1:]


def _concat_infer(ctx):
    shape = _checked(ctx, _concat_shape, [t.shape for t in ctx.types], ctx.attrs["axis"])
    return [TensorType(shape, dtypes.promote(ctx.types))]


_layout("concat", _concat_infer,
        lambda *xs, axis: np.concatenate(xs, axis=axis),
        lambda c, g: [call("concat_part", g, *c.inputs, axis=c.attrs["axis"], index=i)
                      for i in range(len(c.inputs))],
        arity=None, attrs={"axis": A.INT(0)}, doc="Join inputs along ``axis``.")


def _concat_part_infer(ctx):
    g, *parts = ctx.types
    index = ctx.attrs["index"]
    if not 0 <= index < len(parts):
        ctx.fail(f"part {index} of {len(parts)} does not exist")
    shape = _checked(ctx, _concat_shape, [t.shape for t in parts], ctx.attrs["axis"])
    if shape != g.shape:
        ctx.fail(f"the parts concatenate to {shape}, not to {g.shape}")
    return _same_dtype(ctx, parts[index].shape)


def _concat_part_reference(g, *parts, axis, index):
    axis = normalize_axis(axis, np.ndim(g))
    start = sum(np.shape(p)[axis] for p in parts[:index])
    stop = start + np.shape(parts[index])[axis]
    return np.take(g, np.arange(start, stop), axis=axis)


def _concat_part_grad(c, g):
    parts = [g if i == c.attrs["index"] else call("zeros_like", p)
             for i, p in enumerate(c.inputs[1:])]
    return [call("concat", *parts, axis=c.attrs["axis"])] + [None] * (len(c.inputs) - 1)


_layout("concat_part", _concat_part_infer, _concat_part_reference, _concat_part_grad,
        arity=None, attrs={"axis": A.INT(), "index": A.INT()},
        doc="The piece of ``g`` that ``concat(*parts)`` took from ``parts[index]``.")


def _stack_infer(ctx):
    shapes = {t.shape for t in ctx.types}
    if len(shapes) > 1:
        ctx.fail("stacked inputs must all have the same shape")
    (shape,) = shapes
    axis = _checked(ctx, normalize_axis, ctx.attrs["axis"], len(shape) + 1)
    return [TensorType(shape[:axis] + (len(ctx.types),) + shape[axis:], dtypes.promote(ctx.types))]


register(OpDef(
    name="stack", kind=Kind.COMPOSITE, arity=None, attrs={"axis": A.INT(0)},
    infer=_stack_infer, reference=lambda *xs, axis: np.stack(xs, axis=axis),
    expand=lambda ctx: [call("concat", *(call("expand_dims", x, axis=ctx.attrs["axis"])
                                         for x in ctx.inputs), axis=ctx.attrs["axis"])],
    doc="Join same-shaped inputs along a new axis.",
))
