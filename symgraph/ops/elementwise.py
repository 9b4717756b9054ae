"""Elementwise ops: one output element from the matching (broadcast) input elements.

Each op is one ``register`` call with all of its rules:

* ``reference``: the numpy computation, returning exactly the inferred dtype;
* ``scalar``: one element in the kernel language fused kernels are written in
  (``{0}``, ``{1}`` are inputs, ``{a_min}`` an attribute); backends supply the
  functions it names (``exp``, ``sigmoid``, ``select``, ...);
* ``grad``: the input gradients as graph nodes. Gradients of broadcast inputs
  are summed back to the input's shape by autodiff, once for every
  elementwise op, so the rules here stay one line.

Dtypes follow numpy 2: arithmetic promotes (Python scalars are weak),
float-valued functions of integers give float64, comparisons give bool.
"""

import numpy as np

from .. import dtypes
from ..errors import DomainError, DTypeError
from ..graph.ir import TensorType
from . import attrs as A
from ._build import as_float, broadcast_infer, call, numeric_only
from .registry import Kind, OpDef, register


def _promoted(ctx):
    return dtypes.promote(ctx.types)


def _float_valued(ctx):
    return dtypes.float_result(dtypes.promote(ctx.types))


def _boolean(ctx):
    return np.dtype(bool)


def _elementwise(name, arity, dtype_rule, reference, scalar, grad, *, numeric=False,
                 attrs=None, doc=""):
    def infer(ctx):
        if numeric:
            numeric_only(ctx)
        return broadcast_infer(ctx, dtype_rule(ctx))

    return register(OpDef(
        name=name, kind=Kind.ELEMWISE, arity=arity, infer=infer,
        reference=_overflow_as_dtype_error(reference),
        scalar=scalar, grad=grad, attrs=attrs or {}, doc=doc,
    ))


def _overflow_as_dtype_error(reference):
    """numpy refuses a Python int that does not fit the integer array it meets
    (``int8_array + 1000``); eager ops see that here, graphs already in ``infer``."""
    def checked(*args, **attrs):
        try:
            return reference(*args, **attrs)
        except OverflowError as err:
            raise DTypeError(f"{err}: a Python integer takes the dtype of the array it "
                             "meets (numpy 2); make it an array of a wider dtype or cast "
                             "the other input") from None

    return checked


def _float_fn(np_fn):
    """A numpy function applied after converting integers to float as numpy would."""
    return lambda x: np_fn(as_float(x))


def _sigmoid(x):
    # 0.5 * (1 + tanh(x / 2)) is exact to rounding and never overflows.
    return 0.5 * (1.0 + np.tanh(0.5 * as_float(x)))


def _softplus(x):
    x = as_float(x)
    return np.logaddexp(np.zeros_like(x), x)


def _relu(x):
    return np.maximum(x, np.zeros_like(x))


def _divide(a, b):
    """True division in the dtype numpy 2 gives (int8 / float32 is float32), but
    bools give the default float."""
    return np.true_divide(a, b, dtype=dtypes.float_result(np.result_type(a, b)))


def _power(x, y):
    """numpy's power, with its refusal of integers to negative integer powers
    as a symgraph error (as compiled kernels raise it)."""
    if dtypes.is_integer(np.result_type(x, y)) and np.any(np.asarray(y) < 0):
        raise DomainError("power: integers to negative integer powers are not allowed "
                          "(numpy raises too); cast the base to float first")
    return np.power(x, y)


def _log_or_zero_at_zero(x):
    """log(x), with 0 where x is 0: d(x**y)/dy = x**y log(x) tends to 0 there (y > 0)."""
    return call("log", call("where", x == 0.0, 1.0, x))


def _sign_of(g, x):
    return g * call("sign", x)


# ---- unary ---------------------------------------------------------------------------

_elementwise("negative", 1, lambda c: c.types[0].dtype, np.negative, "(-{0})",
             lambda c, g: [-g], numeric=True)
_elementwise("exp", 1, _float_valued, _float_fn(np.exp), "exp({0})",
             lambda c, g: [g * c.out])
_elementwise("log", 1, _float_valued, _float_fn(np.log), "log({0})",
             lambda c, g: [g / c.x])
_elementwise("log1p", 1, _float_valued, _float_fn(np.log1p), "log1p({0})",
             lambda c, g: [g / (c.x + 1.0)])
_elementwise("expm1", 1, _float_valued, _float_fn(np.expm1), "expm1({0})",
             lambda c, g: [g * (c.out + 1.0)])
_elementwise("sqrt", 1, _float_valued, _float_fn(np.sqrt), "sqrt({0})",
             lambda c, g: [g * 0.5 / c.out])
_elementwise("square", 1, lambda c: c.types[0].dtype, np.square, "({0} * {0})",
             lambda c, g: [g * 2.0 * c.x], numeric=True)
_elementwise("abs", 1, lambda c: c.types[0].dtype, np.abs, "abs({0})",
             lambda c, g: [_sign_of(g, c.x)], numeric=True)
_elementwise("sign", 1, lambda c: c.types[0].dtype, np.sign, "sign({0})",
             lambda c, g: [call("zeros_like", c.x)], numeric=True)
_elementwise("tanh", 1, _float_valued, _float_fn(np.tanh), "tanh({0})",
             lambda c, g: [g * (1.0 - c.out * c.out)])
_elementwise("sigmoid", 1, _float_valued, _sigmoid, "sigmoid({0})",
             lambda c, g: [g * c.out * (1.0 - c.out)])
_elementwise("relu", 1, lambda c: c.types[0].dtype, _relu, "relu({0})",
             lambda c, g: [g * (c.x > 0)], numeric=True)
_elementwise("softplus", 1, _float_valued, _softplus, "softplus({0})",
             lambda c, g: [g * call("sigmoid", c.x)])
_elementwise("sin", 1, _float_valued, _float_fn(np.sin), "sin({0})",
             lambda c, g: [g * call("cos", c.x)])
_elementwise("cos", 1, _float_valued, _float_fn(np.cos), "cos({0})",
             lambda c, g: [-g * call("sin", c.x)])
_elementwise("zeros_like", 1, lambda c: c.types[0].dtype, np.zeros_like, "zero({0})",
             lambda c, g: [None], doc="Zeros of the input's shape and dtype.")
_elementwise("ones_like", 1, lambda c: c.types[0].dtype, np.ones_like, "one({0})",
             lambda c, g: [None], doc="Ones of the input's shape and dtype.")


def _cast_infer(ctx):
    return [TensorType(ctx.types[0].shape, ctx.attrs["dtype"])]


register(OpDef(
    name="cast", kind=Kind.ELEMWISE, arity=1, attrs={"dtype": A.DTYPE()},
    infer=_cast_infer, reference=lambda x, dtype: np.asarray(x).astype(dtype),
    scalar="cast({0}, {dtype})",
    grad=lambda c, g: [call("cast", g, dtype=c.known_type(0).dtype.name)
                       if dtypes.is_float(c.known_type(0).dtype) else None],
    doc="Convert to ``dtype`` (float to int truncates toward zero, as numpy does).",
))


def _clip_infer(ctx):
    numeric_only(ctx)
    return [TensorType(ctx.types[0].shape, ctx.types[0].dtype, ctx.types[0].weak)]


def _clip_reference(x, a_min, a_max):
    lo = -np.inf if a_min is None else a_min
    hi = np.inf if a_max is None else a_max
    return np.clip(x, lo, hi).astype(np.asarray(x).dtype, copy=False)


def _clip_grad(c, g):
    inside = g
    if c.attrs["a_min"] is not None:
        inside = inside * (c.x >= c.attrs["a_min"])
    if c.attrs["a_max"] is not None:
        inside = inside * (c.x <= c.attrs["a_max"])
    return [inside]


register(OpDef(
    name="clip", kind=Kind.ELEMWISE, arity=1,
    attrs={"a_min": A.OPTIONAL_NUMBER(), "a_max": A.OPTIONAL_NUMBER()},
    infer=_clip_infer, reference=_clip_reference,
    scalar="clip({0}, {a_min}, {a_max})", grad=_clip_grad,
    doc="Limit values to [a_min, a_max]; either bound may be None.",
))

# ---- binary arithmetic ---------------------------------------------------------------

_elementwise("add", 2, _promoted, np.add, "({0} + {1})",
             lambda c, g: [g, g], numeric=True)
_elementwise("subtract", 2, _promoted, np.subtract, "({0} - {1})",
             lambda c, g: [g, -g], numeric=True)
_elementwise("multiply", 2, _promoted, np.multiply, "({0} * {1})",
             lambda c, g: [g * c.y, g * c.x])
_elementwise("divide", 2, _float_valued, _divide, "({0} / {1})",
             lambda c, g: [g / c.y, -g * c.out / c.y], numeric=True)
_elementwise("power", 2, _promoted, _power, "power({0}, {1})",
             lambda c, g: [g * c.y * c.x ** (c.y - 1), g * c.out * _log_or_zero_at_zero(c.x)],
             numeric=True)
_elementwise("maximum", 2, _promoted, np.maximum, "maximum({0}, {1})",
             lambda c, g: [g * (c.x >= c.y), g * (c.x < c.y)])
_elementwise("minimum", 2, _promoted, np.minimum, "minimum({0}, {1})",
             lambda c, g: [g * (c.x <= c.y), g * (c.x > c.y)])

# ---- comparisons and selection -------------------------------------------------------

for _name, _np_fn, _symbol in [
    ("equal", np.equal, "=="), ("not_equal", np.not_equal, "!="),
    ("greater", np.greater, ">"), ("greater_equal", np.greater_equal, ">="),
    ("less", np.less, "<"), ("less_equal", np.less_equal, "<="),
]:
    _elementwise(_name, 2, _boolean, _np_fn, f"({{0}} {_symbol} {{1}})",
                 lambda c, g: [None, None])


def _where_infer(ctx):
    values = ctx.types[1:]
    return broadcast_infer(ctx, dtypes.promote(values))


def _where_reference(cond, x, y):
    out = np.where(np.asarray(cond).astype(bool), x, y)
    if np.isscalar(x) and np.isscalar(y):
        # Two Python scalars: numpy widens to 64 bits; symgraph's rule keeps the default.
        weak = [TensorType((), dtypes.weak_dtype_of(v), weak=True) for v in (x, y)]
        out = out.astype(dtypes.promote(weak))
    return out


register(OpDef(
    name="where", kind=Kind.ELEMWISE, arity=3, infer=_where_infer,
    reference=_where_reference, scalar="select({0}, {1}, {2})",
    grad=lambda c, g: [None, call("where", c.inputs[0], g, 0.0),
                       call("where", c.inputs[0], 0.0, g)],
    nondiff_inputs=(0,),
    doc="``x`` where ``cond`` is true (non-zero), else ``y``; all three broadcast.",
))
