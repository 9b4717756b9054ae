"""Reductions over axes: sum, mean, prod, max, min, argmax, argmin, and
``sum_to_like``, which autodiff uses to undo broadcasting.

``axis`` is ``None`` (every axis), an int or a tuple, negative counting from
the end; ``keepdims`` keeps reduced axes as size 1. Dtypes: sums and products
of integers and bools accumulate in int64; a mean of integers is float64; max
and min keep the dtype; arg-reductions give int64 indices. Gradients send the
output gradient back over the reduced axes with ``unreduce``.
"""

import numpy as np

from .. import dtypes
from ..graph.ir import TensorType
from . import attrs as A
from ._build import call
from .registry import Kind, OpDef, register
from .shape_rules import broadcast_shapes, normalize_axes, reduced_shape

_INT64 = np.dtype(np.int64)


def _accumulated(dtype):
    return dtype if dtypes.is_float(dtype) else _INT64


def _reduce_infer(dtype_rule, needs_identity=False):
    def infer(ctx):
        (x,) = ctx.types
        try:
            axes = normalize_axes(ctx.attrs["axis"], x.ndim)
        except ValueError as err:
            ctx.fail(str(err))
        if needs_identity and any(x.shape[a] == 0 for a in axes):
            ctx.fail(f"{ctx.node.op} of an empty axis has no value")
        shape = reduced_shape(x.shape, axes, ctx.attrs["keepdims"])
        return [TensorType(shape, dtype_rule(x.dtype))]

    return infer


def _unreduced(c, g):
    """``g`` spread back over the axes the reduction removed."""
    return call("unreduce", g, c.x, axis=c.attrs["axis"], keepdims=c.attrs["keepdims"])


def _extreme_grad(c, g):
    """The gradient goes to the elements equal to the max (min), split among ties."""
    hit = call("where", c.x == _unreduced(c, c.out), call("ones_like", c.x),
               call("zeros_like", c.x))
    ties = call("sum", hit, axis=c.attrs["axis"], keepdims=c.attrs["keepdims"])
    return [_unreduced(c, g / ties) * hit]


def _prod_grad(c, g):
    """The product of the other elements, never divided by zero, written so that
    its own gradient (second order) is right at zeros too. With ``P`` the product
    of the non-zero elements, ``Z`` that of the zeros (1 if none) and ``n`` the
    number of zeros, the product of the others is ``Z * P / x`` at a non-zero
    ``x``; at a zero it is ``P`` if ``n == 1``, ``P * (other zero)`` if ``n == 2``
    (the other zero is ``S - x``, ``S`` the sum of the zeros) and 0 beyond."""
    def over_axes(op, value):
        return _unreduced(c, call(op, value, axis=c.attrs["axis"], keepdims=c.attrs["keepdims"]))

    zero = c.x == 0.0
    safe = call("where", zero, 1.0, c.x)
    nonzeros = over_axes("prod", safe)
    zeros_product = over_axes("prod", call("where", zero, c.x, 1.0))
    count = over_axes("sum", zero)
    zeros_sum = over_axes("sum", call("where", zero, c.x, 0.0))
    other_zeros = call("where", count == 1, 1.0,
                       call("where", count == 2, zeros_sum - c.x, 0.0))
    others = call("where", zero, nonzeros * other_zeros, zeros_product * nonzeros / safe)
    return [_unreduced(c, g) * others]


_REDUCE_ATTRS = {"axis": A.AXIS(), "keepdims": A.BOOL(False)}


def _reduction(name, dtype_rule, reference, grad, needs_identity=False, doc=""):
    register(OpDef(
        name=name, kind=Kind.REDUCE, attrs=_REDUCE_ATTRS,
        infer=_reduce_infer(dtype_rule, needs_identity), reference=reference, grad=grad,
        doc=doc,
    ))


_reduction(
    "sum", _accumulated,
    lambda x, axis, keepdims: np.sum(x, axis=axis, keepdims=keepdims,
                                     dtype=_accumulated(np.asarray(x).dtype)),
    lambda c, g: [_unreduced(c, g)], doc="Sum over ``axis``.")
_reduction(
    "mean", dtypes.float_result,
    lambda x, axis, keepdims: np.mean(x, axis=axis, keepdims=keepdims,
                                      dtype=dtypes.float_result(np.asarray(x).dtype)),
    lambda c, g: [_unreduced(c, g) / call("size_of", c.x, axis=c.attrs["axis"])],
    doc="Mean over ``axis``.")
_reduction(
    "prod", _accumulated,
    lambda x, axis, keepdims: np.prod(x, axis=axis, keepdims=keepdims,
                                      dtype=_accumulated(np.asarray(x).dtype)),
    _prod_grad, doc="Product over ``axis``.")
_reduction("max", lambda d: d, np.max, _extreme_grad, needs_identity=True,
           doc="Maximum over ``axis`` (NaN if any element is NaN).")
_reduction("min", lambda d: d, np.min, _extreme_grad, needs_identity=True,
           doc="Minimum over ``axis``.")


def _arg_infer(ctx):
    (x,) = ctx.types
    axis = ctx.attrs["axis"]
    try:
        axes = normalize_axes(axis, x.ndim)
    except ValueError as err:
        ctx.fail(str(err))
    if any(x.shape[a] == 0 for a in axes):
        ctx.fail(f"{ctx.node.op} of an empty axis has no value")
    if axis is None:
        shape = (1,) * x.ndim if ctx.attrs["keepdims"] else ()
    else:
        shape = reduced_shape(x.shape, axes, ctx.attrs["keepdims"])
    return [TensorType(shape, _INT64)]


for _name, _np_fn in (("argmax", np.argmax), ("argmin", np.argmin)):
    register(OpDef(
        name=_name, kind=Kind.REDUCE, infer=_arg_infer,
        attrs={"axis": A.OPTIONAL_INT(), "keepdims": A.BOOL(False)},
        reference=lambda x, axis, keepdims, _f=_np_fn: _f(x, axis=axis, keepdims=keepdims),
        grad=lambda c, g: [None],
        doc="Index of the first extreme element along ``axis`` (flat index if None).",
    ))


def _sum_to_like_infer(ctx):
    x, like = ctx.types
    try:
        if broadcast_shapes(x.shape, like.shape) != x.shape:
            raise ValueError(f"shape {like.shape} does not broadcast to {x.shape}")
    except ValueError as err:
        ctx.fail(str(err))
    return [TensorType(like.shape, x.dtype)]


def sum_to_shape(x, shape):
    """Sum ``x`` over the axes along which ``shape`` was broadcast to ``x.shape``."""
    x = np.asarray(x)
    lead = x.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, d in enumerate(shape) if d == 1 and x.shape[lead + i] != 1
    )
    return np.sum(x, axis=axes, dtype=x.dtype).reshape(shape) if axes else x.reshape(shape)


register(OpDef(
    name="sum_to_like", kind=Kind.REDUCE, arity=2, infer=_sum_to_like_infer,
    reference=lambda x, like: sum_to_shape(x, np.shape(like)),
    grad=lambda c, g: [call("broadcast_like", g, c.x), None], nondiff_inputs=(1,),
    doc="Sum ``x`` down to the shape of ``like`` (undoes broadcasting ``like`` to ``x``).",
))
