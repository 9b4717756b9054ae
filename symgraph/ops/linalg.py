"""Matrix products: ``matmul`` (numpy semantics, batched, broadcast batch
dimensions, 1-D operands promoted and dropped) and ``dot`` (numpy's dot), a
composite that expands into ``matmul`` and reshapes.

``matmul`` is OPAQUE: compiled backends hand it to BLAS, and the fusion pass
may fuse elementwise epilogues (bias, activation) after it.
"""

import numpy as np

from .. import dtypes
from ..graph.ir import TensorType
from ._build import call, numeric_only
from .registry import Kind, OpDef, register
from .shape_rules import broadcast_shapes


def matmul_shape(a, b):
    """numpy's matmul shape rule; ``ValueError`` says which rule broke."""
    if not a or not b:
        raise ValueError("matmul needs arrays of at least one dimension; use multiply for scalars")
    a2 = (1,) + a if len(a) == 1 else a
    b2 = b + (1,) if len(b) == 1 else b
    if a2[-1] != b2[-2]:
        raise ValueError(f"inner dimensions differ: {a2[-1]} (last of the left) vs "
                         f"{b2[-2]} ({'only' if len(b) == 1 else 'second to last'} of the right)")
    batch = broadcast_shapes(a2[:-2], b2[:-2])
    shape = batch + (a2[-2], b2[-1])
    if len(b) == 1:
        shape = shape[:-1]
    if len(a) == 1:
        shape = shape[:-2] + shape[-1:] if len(b) > 1 else shape[:-1]
    return shape


def _product_infer(shape_rule):
    """Inference for a product of two operands: ``shape_rule`` and promotion."""

    def infer(ctx):
        numeric_only(ctx)
        a, b = ctx.types
        try:
            shape = shape_rule(a.shape, b.shape)
        except ValueError as err:
            ctx.fail(str(err))
        return [TensorType(shape, dtypes.promote(ctx.types))]

    return infer


def _matmul_grad(c, g):
    """Gradients of ``a @ b`` for any ranks: promote 1-D operands to matrices
    as matmul does, multiply by the other operand transposed, sum broadcast
    batch dimensions away, and reshape back."""
    a, b = c.inputs
    ta, tb = c.known_type(0), c.known_type(1)
    a2 = a if ta.ndim > 1 else call("expand_dims", a, axis=0)
    b2 = b if tb.ndim > 1 else call("expand_dims", b, axis=-1)
    if ta.ndim == 1 and tb.ndim == 1:
        g2 = call("reshape", g, shape=(1, 1))
    elif ta.ndim == 1:
        g2 = call("expand_dims", g, axis=-2)
    elif tb.ndim == 1:
        g2 = call("expand_dims", g, axis=-1)
    else:
        g2 = g
    grad_a = call("matmul", g2, call("swapaxes", b2, axis1=-1, axis2=-2))
    grad_b = call("matmul", call("swapaxes", a2, axis1=-1, axis2=-2), g2)
    return [call("reshape_like", call("sum_to_like", grad_a, a2), a),
            call("reshape_like", call("sum_to_like", grad_b, b2), b)]


register(OpDef(
    name="matmul", kind=Kind.OPAQUE, arity=2, infer=_product_infer(matmul_shape),
    reference=lambda a, b: np.matmul(a, b), grad=_matmul_grad,
    doc="Matrix product with numpy's matmul semantics (``a @ b``).",
))


def _dot_shape(a, b):
    if not a or not b:
        return broadcast_shapes(a, b)
    if len(a) <= 2 and len(b) <= 2:
        return matmul_shape(a, b)
    k = b[0] if len(b) == 1 else b[-2]
    if a[-1] != k:
        raise ValueError(f"sum dimensions differ: {a[-1]} (last of the left) vs {k} of the right")
    return a[:-1] + (b[:-2] + b[-1:] if len(b) > 1 else ())


def _dot_expand(ctx):
    """Scalars multiply; up to 2-D is matmul; N-D contracts the last axis of
    ``a`` with the second-to-last of ``b`` through one 2-D matmul."""
    a, b = ctx.inputs
    ta, tb = ctx.known_type(0), ctx.known_type(1)
    if ta.ndim == 0 or tb.ndim == 0:
        return [a * b]
    if ta.ndim <= 2 and tb.ndim <= 2:
        return [call("matmul", a, b)]
    k = ta.shape[-1]
    b_first = b if tb.ndim == 1 else call(
        "transpose", b, axes=(tb.ndim - 2,) + tuple(i for i in range(tb.ndim) if i != tb.ndim - 2))
    product = call("matmul", call("reshape", a, shape=(-1, k)),
                   call("reshape", b_first, shape=(k, -1)))
    return [call("reshape", product, shape=ctx.out_types[0].shape)]


register(OpDef(
    name="dot", kind=Kind.COMPOSITE, arity=2, infer=_product_infer(_dot_shape),
    reference=lambda a, b: (np.multiply(a, b) if np.ndim(a) == 0 or np.ndim(b) == 0
                            else np.dot(a, b)), expand=_dot_expand,
    doc="numpy's dot: matmul up to 2-D; N-D sums the last axis of a with the "
        "second-to-last of b.",
))
