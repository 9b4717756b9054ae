"""The dtypes symgraph supports and how they combine.

Promotion follows numpy 2 (NEP 50): array dtypes promote as numpy's
``result_type`` says, and Python scalars are *weak*, so ``x_f32 * 2.0`` stays
float32 and ``x_i32 + 1`` stays int32. A weak operand is represented by a
Python value of its kind, which is exactly how numpy itself spells weakness.
"""

import numpy as np

from .errors import DTypeError

DEFAULT_FLOAT = np.dtype(np.float32)
SUPPORTED = tuple(
    np.dtype(name)
    for name in ("bool", "int8", "uint8", "int32", "int64", "float32", "float64")
)
_WEAK_STANDINS = {"b": False, "i": 0, "u": 0, "f": 0.0}


def as_dtype(dtype, *, what="dtype"):
    """Return ``dtype`` as a supported ``np.dtype``; raise ``DTypeError`` otherwise."""
    if dtype is None:
        return DEFAULT_FLOAT
    try:
        canonical = np.dtype(dtype)
    except TypeError as err:
        raise DTypeError(f"{what} {dtype!r} is not a dtype") from err
    if canonical not in SUPPORTED:
        names = ", ".join(d.name for d in SUPPORTED)
        raise DTypeError(f"{what} {canonical.name} is not supported; use one of {names}")
    return canonical


def is_float(dtype):
    return np.dtype(dtype).kind == "f"


def is_integer(dtype):
    return np.dtype(dtype).kind in "iu"


def is_bool(dtype):
    return np.dtype(dtype).kind == "b"


def promote(types):
    """The dtype numpy 2 gives an operation on operands of ``types``.

    ``types`` are objects with ``dtype`` and ``weak`` attributes (``TensorType``).
    """
    operands = [_WEAK_STANDINS[t.dtype.kind] if t.weak else t.dtype for t in types]
    if all(t.weak for t in types):
        # Only Python scalars: numpy gives their default dtypes (int64/float64),
        # which is too wide for a graph; keep float32 as the framework default.
        kinds = {t.dtype.kind for t in types}
        if "f" in kinds:
            return DEFAULT_FLOAT
        return np.dtype(np.int64) if kinds & {"i", "u"} else np.dtype(bool)
    return np.result_type(*operands)


def float_result(dtype):
    """The dtype of a float-valued function (exp, divide) of ``dtype``, as numpy does:
    floats keep their width, integers go to float64, bools to the default float."""
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        return dtype
    return DEFAULT_FLOAT if dtype.kind == "b" else np.dtype(np.float64)


def weak_dtype_of(value):
    """The dtype that stands for a Python scalar before promotion decides its width."""
    if isinstance(value, (bool, np.bool_)):
        return np.dtype(bool)
    if isinstance(value, (int, np.integer)):
        return np.dtype(np.int64)
    if isinstance(value, (float, np.floating)):
        return np.dtype(np.float64)
    raise DTypeError(f"cannot use {type(value).__name__} {value!r} as a scalar constant")
