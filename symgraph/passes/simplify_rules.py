"""The rewrite rules of ``simplify``: small functions keyed by op name.

A rule gets a ``Match`` (the node, its simplified inputs, types, builders)
and returns the replacement value (a tuple of values for several outputs)
or ``None``. Rules keyed by op name are the algebraic identities of those
ops. The engine refuses any replacement whose type differs from the node's,
so a rule may propose "``x``" and let the type check decide: ``x * 1`` with
``x`` int32 and ``1.0`` float is float64, not ``x``.

Each docstring says why the rule is exact in IEEE arithmetic, or, for the
stabilization rules, what it changes: their rounding differs, and the new
form is more accurate where the old one over- or underflows or cancels.
"""

import numpy as np

from .. import dtypes
from ..backend.reference import run_node
from ..ops import registry
from ..ops.registry import Kind
from ..ops.source import ConstArray
from ..run_context import RunContext

# Larger results stay computed at run time rather than baked into the graph.
FOLD_LIMIT = 100_000

_RULES = {}  # op name -> [rule, ...], tried in order after fold_constants


def rule(*op_names):
    """Register the decorated function as a rule for each of ``op_names``."""
    def add(function):
        for name in op_names:
            _RULES.setdefault(name, []).append(function)
        return function

    return add


def rules_for(op_name):
    """The rules to try on a node of ``op_name``, in order."""
    return (fold_constants, *_RULES.get(op_name, ()))


# ---- what rules ask about values ------------------------------------------------------


def _held(value):
    """The Python scalar or array a ``const`` value holds; ``None`` for other values."""
    if value.node.op != "const":
        return None
    stored = value.node.attrs["value"]
    return stored.array if isinstance(stored, ConstArray) else stored


def _constant_where(value, test):
    """``value`` is a constant and ``test`` holds for every element of it."""
    stored = _held(value)
    return stored is not None and bool(np.all(test(np.asarray(stored))))


def _is_one(value):
    return value.node.op == "ones_like" or _constant_where(value, lambda a: a == 1)


def _is_zero(value, negative):
    """Zeros of one sign: a constant of +-0 elements, or (for +0) ``zeros_like``."""
    if value.node.op == "zeros_like":
        return not negative
    return _constant_where(
        value, lambda a: (a == 0) & (np.signbit(a.astype(np.float64)) == negative))


def _is_integer(m, value):
    t = m.type(value)
    return t is not None and dtypes.is_integer(t.dtype)


def _is_float(m, value):
    t = m.type(value)
    return t is not None and dtypes.is_float(t.dtype)


def _leaves_unchanged(m, x, zero, neutral_sign):
    """``zero`` is the neutral element for ``x``: zeros of ``neutral_sign`` for
    floats (x + -0.0, x - +0.0), any zero for integers, which have one zero."""
    if _is_integer(m, x) and (_is_zero(zero, True) or _is_zero(zero, False)):
        return True
    return _is_zero(zero, neutral_sign)


def _sigmoid_input(value):
    """``x`` if ``value`` is ``sigmoid(x)`` or ``Activation(x, act_type='sigmoid')``."""
    node = value.node
    if node.op == "sigmoid" or (node.op == "Activation" and node.attrs["act_type"] == "sigmoid"):
        return node.inputs[0]
    return None


# ---- folding ---------------------------------------------------------------------------


def fold_constants(m):
    """A node of constants is computed now by its op's numpy reference, the
    code that defines the op's value, so the constant is exactly what running
    the node gives. Random ops and ops that read the run (train mode, step)
    have no value fixed at compile time and are never folded."""
    op = registry.get(m.node.op)
    if op.kind in (Kind.SOURCE, Kind.RANDOM) or op.uses_run:
        return None
    arrays = [_held(v) for v in m.inputs]
    if any(a is None for a in arrays):
        return None
    return _folded(m, arrays)


@rule("size_of")
def fold_size_of(m):
    """``size_of`` reads only its input's shape: once the type is known, the
    count is a constant. A zero-stride stand-in carries the shape for free."""
    t = m.type(m.inputs[0])
    if t is None or not t.known:
        return None
    return _folded(m, [np.broadcast_to(np.zeros((), t.dtype), t.shape)])


def _folded(m, arrays):
    out_types = [m.type(v) for v in m.node.outputs]
    if any(t is None or t.size > FOLD_LIMIT for t in out_types):
        return None
    results = run_node(m.node, arrays, out_types, RunContext())
    # A weak result stays a Python scalar; any other becomes a ConstArray.
    return tuple(m.replace("const", value=np.asarray(r).item() if t.weak else r)
                 for r, t in zip(results, out_types))


# ---- exact arithmetic identities -------------------------------------------------------


@rule("multiply")
def drop_multiply_by_one(m):
    """``x * 1`` and ``1 * x`` are ``x`` exactly: multiplying by one is exact
    for every float (signed zeros, infinities and NaN included) and integer.
    The one is a constant of ones or ``ones_like(...)``."""
    a, b = m.inputs
    if _is_one(b):
        return a
    return b if _is_one(a) else None


@rule("divide")
def drop_divide_by_one(m):
    """``x / 1`` is ``x`` exactly for every float (division is correctly rounded)."""
    x, one = m.inputs
    return x if _is_one(one) else None


@rule("add")
def drop_add_zero(m):
    """``x + (-0.0)`` is ``x`` exactly for every float, -0.0 included, and
    ``x + 0`` is ``x`` for integers. ``x + 0.0`` (and ``x + zeros_like(y)``) is
    kept for floats: it turns -0.0 into +0.0. Fused kernels make it free."""
    a, b = m.inputs
    if _leaves_unchanged(m, a, b, neutral_sign=True):
        return a
    return b if _leaves_unchanged(m, b, a, neutral_sign=True) else None


@rule("subtract")
def drop_subtract_zero(m):
    """``x - 0.0`` (or ``x - zeros_like(y)``) is ``x`` exactly: it is
    ``x + (-0.0)``. ``x - (-0.0)`` would turn -0.0 into +0.0, so only integers
    drop a negative zero."""
    x, zero = m.inputs
    return x if _leaves_unchanged(m, x, zero, neutral_sign=False) else None


@rule("negative")
def cancel_double_negation(m):
    """``-(-x)`` is ``x``: negation flips the sign bit (floats) or is its own
    inverse modulo 2**bits (integers, -(-128) wraps back to -128 in int8)."""
    inner = m.inputs[0].node
    return inner.inputs[0] if inner.op == "negative" else None


# ---- layout: identities and compositions ------------------------------------------------

_RESHAPES = ("reshape", "reshape_like", "flatten", "expand_dims", "squeeze")


@rule(*_RESHAPES, "broadcast_to", "broadcast_like", "sum_to_like", "unreduce", "cast")
def drop_same_type(m):
    """An op that changes only a shape or a dtype is the identity where its
    result has the type of its input, which the engine checks: a row-major
    reshape to the same shape, a broadcast to the same shape, a sum over no
    broadcast axis, an unreduce whose reduced axes have size one, a cast to
    the dtype the input has."""
    return m.inputs[0]


@rule(*_RESHAPES)
def merge_reshapes(m):
    """A reshape of a reshape is one reshape to the final shape: each keeps the
    elements in row-major order, so only the last shape matters."""
    inner = m.inputs[0].node
    out = m.type(m.node.outputs[0])
    if inner.op not in _RESHAPES or out is None:
        return None
    return m.replace("reshape", inner.inputs[0], shape=out.shape)


def _permutation(node, ndim):
    """The axes of the input that the outputs' axes come from."""
    if node.op == "swapaxes":
        perm = list(range(ndim))
        a, b = node.attrs["axis1"] % ndim, node.attrs["axis2"] % ndim
        perm[a], perm[b] = perm[b], perm[a]
        return tuple(perm)
    axes = node.attrs["axes"]
    return tuple(reversed(range(ndim))) if axes is None else tuple(a % ndim for a in axes)


@rule("transpose", "swapaxes")
def merge_transposes(m):
    """Permutations of axes compose exactly (elements only move): a transpose
    of a transpose is one transpose, and none at all when it puts every axis
    back (``swapaxes`` twice on the same axes, ``x.T.T``)."""
    t = m.type(m.inputs[0])
    if t is None:
        return None
    x, perm = m.inputs[0], _permutation(m.node, t.ndim)
    inner = x.node
    merged = inner.op in ("transpose", "swapaxes")
    if merged:
        inner_perm = _permutation(inner, t.ndim)
        x, perm = inner.inputs[0], tuple(inner_perm[a] for a in perm)
    if perm == tuple(range(t.ndim)):
        return x
    return m.replace("transpose", x, axes=perm) if merged else None


@rule("transpose", "swapaxes")
def transpose_of_matmul(m):
    """``(a @ b).T`` as ``b.T @ a.T`` for matrices whose product nothing else
    reads, so the product is made in the layout its reader wants: BLAS reads
    transposed operands in place, while a transposed result is a strided view
    that an elementwise reader (the update of a weight, whose gradient
    autodiff builds as the transpose of a product) would copy every run. The
    operands' transposes fold into their producers (``x.T.T`` is ``x``). Each
    element is the same dot product of the same numbers, but BLAS may sum it
    in another order: rounding may differ in the last bit."""
    product = m.inputs[0]
    if product.node.op != "matmul" or not m.sole_reader(product):
        return None
    a, b = product.node.inputs
    if any(m.type(v) is None or m.type(v).ndim != 2 for v in (a, b)):
        return None
    return m.replace("matmul", m.part("transpose", b, axes=(1, 0)),
                     m.part("transpose", a, axes=(1, 0)))


# ---- numerical stabilization (changes rounding, for the better) ------------------------


@rule("log")
def log_of_softmax(m):
    """``log(softmax(x))`` -> ``log_softmax(x)``: the same function without
    dividing and taking the log again, and finite where softmax underflows to 0."""
    inner = m.inputs[0].node
    if inner.op != "softmax":
        return None
    return m.replace("log_softmax", inner.inputs[0], axis=inner.attrs["axis"])


@rule("log")
def log_of_one_plus(m):
    """``log(1 + x)`` and ``log(x + 1)`` -> ``log1p(x)`` for float ``x``: accurate
    where ``1 + x`` rounds away the digits of a small ``x``."""
    inner = m.inputs[0].node
    if inner.op != "add":
        return None
    for x, one in (inner.inputs, inner.inputs[::-1]):
        if _is_float(m, x) and _is_one(one):
            return m.replace("log1p", x)
    return None


@rule("log")
def log_of_sigmoid(m):
    """``log(sigmoid(x))`` = ``-log(1 + exp(-x))`` -> ``-softplus(-x)``, finite
    where sigmoid underflows to 0 (x below about -88 in float32)."""
    x = _sigmoid_input(m.inputs[0])
    if x is None or not _is_float(m, x):
        return None
    return m.replace("negative", m.part("softplus", m.part("negative", x)))


@rule("log")
def log_of_one_minus_sigmoid(m):
    """``log(1 - sigmoid(x))`` = ``log(sigmoid(-x))`` -> ``-softplus(x)``: no
    cancellation in ``1 - sigmoid(x)`` for large ``x``."""
    inner = m.inputs[0].node
    if inner.op != "subtract" or not _is_one(inner.inputs[0]):
        return None
    x = _sigmoid_input(inner.inputs[1])
    if x is None or not _is_float(m, x):
        return None
    return m.replace("negative", m.part("softplus", x))


@rule("subtract")
def exp_minus_one(m):
    """``exp(x) - 1`` -> ``expm1(x)`` for float ``x``: accurate for small ``x``,
    where ``exp(x)`` is close to 1 and the subtraction cancels its digits."""
    e, one = m.inputs
    if e.node.op != "exp" or not _is_one(one) or not _is_float(m, e.node.inputs[0]):
        return None
    return m.replace("expm1", e.node.inputs[0])
