"""Creating NDArrays: from data, filled, ranges. Defaults follow MXNet:
float32 unless the source is an array that has a dtype of its own."""

import numpy as np

from ..backend.cuda import device
from ..context import current_context
from ..dtypes import as_dtype
from ..errors import AttrError, DTypeError, ShapeError
from ..ops.attrs import _sizes
from .ndarray import NDArray


def array(source, ctx=None, dtype=None):
    """An NDArray holding a copy of ``source`` (list, numpy array, NDArray).

    Lists become float32 unless ``dtype`` says otherwise; arrays keep their dtype."""
    if isinstance(source, NDArray):
        source = source.asnumpy()
    if dtype is None:
        dtype = source.dtype if isinstance(source, (np.ndarray, np.generic)) else "float32"
    dtype = as_dtype(dtype)
    try:
        data = np.array(source, dtype=dtype)
    except ValueError as err:  # ragged nesting, or text that is no number
        raise ShapeError(f"nd.array needs a rectangular nest of numbers; {err}") from None
    except TypeError as err:   # complex numbers, objects
        raise DTypeError(f"nd.array cannot hold these values as {dtype.name}: {err}") from None
    return NDArray(data, ctx)


def full(shape, val, ctx=None, dtype="float32"):
    shape, dtype, ctx = _shape(shape), as_dtype(dtype), ctx or current_context()
    if ctx.device_type == "gpu":  # filled on the device
        return NDArray(device.filled(shape, np.array(val).astype(dtype)[()], ctx), ctx)
    return NDArray(np.full(shape, val, dtype=dtype), ctx)


def zeros(shape, ctx=None, dtype="float32"):
    return full(shape, 0, ctx, dtype)


def ones(shape, ctx=None, dtype="float32"):
    return full(shape, 1, ctx, dtype)


def empty(shape, ctx=None, dtype="float32"):
    """An uninitialized array (zeros on the CPU, so no stale data leaks)."""
    return zeros(shape, ctx, dtype)


def arange(start, stop=None, step=1.0, ctx=None, dtype="float32"):
    """Evenly spaced values in [start, stop), as numpy's arange (float32 by default)."""
    if step == 0:
        raise AttrError("arange's step must not be 0")
    return NDArray(np.arange(start, stop, step).astype(as_dtype(dtype)), ctx)


def _shape(shape):
    return _sizes(shape, "an NDArray's shape")
