"""Building blocks op families share: elementwise inference and graph builders
that gradient and expansion rules call.

Gradient and expansion rules build graph nodes through ``call`` (or Symbol
arithmetic), never compute values. ``call`` imports the Symbol layer lazily:
op families are registered before the Symbol API exists, and rules only run
later, when a pass asks for them.
"""

import numpy as np

from .. import dtypes
from ..graph.ir import TensorType
from .shape_rules import broadcast_shapes


def call(op_name, *inputs, name=None, **attrs):
    """Build a node of ``op_name`` over ``inputs`` (Symbols or Python scalars)."""
    from ..build import apply

    return apply(op_name, inputs, attrs, name=name)


def broadcast_infer(ctx, dtype):
    """Output type of an elementwise op: inputs broadcast, result of ``dtype``.

    Python scalars stay weak when every input is one, so ``2.0`` folded with
    ``3`` is still a weak scalar that the next op may narrow."""
    try:
        shape = broadcast_shapes(*(t.shape for t in ctx.types))
    except ValueError as err:
        ctx.fail(str(err))
    _check_weak_integers_fit(ctx, dtype)
    return [TensorType(shape, dtype, weak=all(t.weak for t in ctx.types))]


def _check_weak_integers_fit(ctx, dtype):
    """A Python int meets an integer array in the array's dtype (NEP 50), so it
    must fit that dtype: numpy raises ``OverflowError`` for ``int8_array + 1000``."""
    dtype = np.dtype(dtype)
    if not dtypes.is_integer(dtype):
        return
    bounds = np.iinfo(dtype)
    for i, value in enumerate(ctx.node.inputs):
        constant = value.node.attrs["value"] if value.node.op == "const" else None
        if isinstance(constant, int) and not isinstance(constant, bool) and not (
                bounds.min <= constant <= bounds.max):
            ctx.fail_dtype(f"the Python integer {constant} does not fit {dtype.name}, the "
                           f"dtype of this {ctx.node.op}; make it an array of a wider dtype "
                           "or cast the other input")


def numeric_only(ctx):
    """Refuse bool inputs for arithmetic that numpy refuses them for."""
    for i, t in enumerate(ctx.types):
        if dtypes.is_bool(t.dtype) and not t.weak:
            ctx.fail_dtype(f"input {ctx.label(i)} is bool; {ctx.node.op} needs numbers "
                           "(cast it first)")


def as_float(x):
    """An input of a float-valued function, converted as ``dtypes.float_result`` says."""
    if isinstance(x, np.ndarray):
        return x.astype(dtypes.float_result(x.dtype), copy=False)
    return float(x)
