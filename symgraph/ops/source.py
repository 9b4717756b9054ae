"""Source ops: variables (the graph's arguments) and constants.

A ``var`` computes nothing: its type comes from what is bound to it, or from
its ``shape``/``dtype`` hints, or from the op that reads it (a layer knows its
weight's shape). A ``const`` holds a Python scalar, which stays *weak* in
promotion as numpy 2 treats it, or a small numpy array wrapped in
``ConstArray`` so the node stays hashable.
"""

import numbers

import numpy as np

from .. import dtypes
from ..errors import AttrError, InternalError
from ..graph.ir import TensorType
from . import attrs as A
from .attrs import AttrSpec
from .registry import Kind, OpDef, register


class ConstArray:
    """An immutable numpy array that hashes by content, for ``const`` attrs."""

    __slots__ = ("array", "_key")

    def __init__(self, array):
        array = np.array(array, copy=True)
        dtypes.as_dtype(array.dtype, what="constant dtype")
        array.flags.writeable = False
        self.array = array
        self._key = (array.dtype.str, array.shape, array.tobytes())

    def __eq__(self, other):
        return isinstance(other, ConstArray) and self._key == other._key

    def __hash__(self):
        return hash(self._key)

    def __repr__(self):
        return f"ConstArray({self.array!r})"


def _const_value(value, where):
    if isinstance(value, ConstArray):
        return value
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, np.ndarray):
        return ConstArray(value)
    raise AttrError(f"{where} must be a number or a numpy array, got {type(value).__name__}")


def const_type(value):
    """The type of a constant: weak for Python scalars, exact for arrays."""
    if isinstance(value, ConstArray):
        return TensorType(value.array.shape, value.array.dtype)
    return TensorType((), dtypes.weak_dtype_of(value), weak=True)


def _var_infer(ctx):
    """A variable's own hints; the inference pass prefers what is bound to it."""
    shape = ctx.attrs["shape"]
    if shape is None:
        return [None]
    return [TensorType(shape, ctx.attrs["dtype"] or dtypes.DEFAULT_FLOAT)]


def _var_reference():
    raise InternalError("variables are bound by the evaluator, never computed")


register(OpDef(
    name="var", kind=Kind.SOURCE, arity=0, infer=_var_infer, reference=_var_reference,
    attrs={
        "shape": A.OPTIONAL_DIMS(),   # None for a dimension not known yet
        "dtype": A.OPTIONAL_DTYPE(),
        "init": A.PLAIN(None),        # an initializer description, used by the training API
        "role": A.CHOICE(None, "data", "param", "label", default=None),
        "user": A.PLAIN(()),          # the user's own attributes, as (key, value) pairs
    },
    doc="A graph argument. Its name is the node's name.",
))

register(OpDef(
    name="const", kind=Kind.SOURCE, arity=0,
    infer=lambda ctx: [const_type(ctx.attrs["value"])],
    reference=lambda value: value.array if isinstance(value, ConstArray) else value,
    attrs={"value": AttrSpec(_const_value)},
    doc="A constant: a weak Python scalar or a small array.",
))
