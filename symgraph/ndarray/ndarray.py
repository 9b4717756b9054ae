"""``NDArray``: an n-dimensional array on a device, as MXNet's tutorials use it.

Arithmetic, comparisons, reductions and slicing run through the op registry
(``eager.invoke``), so an NDArray computes exactly what a compiled graph
computes and fails with the same messages. In-place forms (``x += y``,
``x[:] = ...``, ``out=``) write into the existing buffer.
"""

import numbers

import numpy as np

from ..api import install_methods
from ..context import Context, current_context
from ..errors import ContextError, DTypeError, GradientError, ShapeError
from ..graph.ir import TensorType
from ..symbol import _index_spec
from .eager import invoke


class NDArray:
    """An array with a shape, a dtype and a context (device)."""

    __slots__ = ("_data", "_context", "_entry", "_grad", "_grad_req", "__weakref__")
    __array_priority__ = 1000
    __array_ufunc__ = None  # numpy defers ``np_array + nd`` to NDArray.__radd__

    def __init__(self, data, context=None):
        context = context or current_context()
        if context.device_type != "cpu":
            raise ContextError(f"{context} arrays need symgraph's GPU backend, "
                               "which is not available in this installation")
        TensorType(data.shape, data.dtype)  # rejects unsupported dtypes
        self._data = data
        self._context = context
        self._entry = None     # where autograd recorded this array (a graph Value)
        self._grad = None
        self._grad_req = "null"

    # ---- properties ------------------------------------------------------------------
    shape = property(lambda self: self._data.shape)
    size = property(lambda self: self._data.size)
    ndim = property(lambda self: self._data.ndim)
    dtype = property(lambda self: self._data.dtype)
    context = property(lambda self: self._context)
    ctx = context

    @property
    def T(self):
        return invoke("transpose", (self,), {})

    # ---- conversion ------------------------------------------------------------------
    def asnumpy(self):
        """A numpy copy of the data (``np.asarray(x)`` shares the buffer instead)."""
        return self._data.copy()

    def __array__(self, dtype=None, copy=None):
        return self._data if dtype is None else self._data.astype(dtype)

    def asscalar(self):
        if self.size != 1:
            raise ShapeError(f"asscalar needs an array of one element, this one has shape "
                             f"{self.shape}")
        return self._data.reshape(()).item()

    item = asscalar

    def __float__(self):
        return float(self.asscalar())

    def __int__(self):
        return int(self.asscalar())

    def __bool__(self):
        if self.size != 1:
            raise ValueError(f"the truth value of an array of shape {self.shape} is ambiguous; "
                             "use .asscalar() on one element")
        return bool(self.asscalar())

    def __len__(self):
        if self.ndim == 0:
            raise TypeError("len() of a 0-d array")
        return self.shape[0]

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def copy(self):
        return NDArray(self._data.copy(), self._context)

    def copyto(self, other):
        """Copy into ``other`` (an NDArray: its buffer is overwritten) or onto a Context."""
        if isinstance(other, Context):
            return NDArray(self._data.copy(), other)
        return other.assign(self)

    def as_in_context(self, context):
        return self if context == self._context else self.copyto(context)

    def wait_to_read(self):
        """Kept for MXNet code: CPU arrays are always ready."""

    # ---- autograd ----------------------------------------------------------------------
    def attach_grad(self, grad_req="write"):
        """Track this array in ``autograd.record()`` and give it a ``.grad``
        buffer that ``backward`` writes (``'write'``) or adds to (``'add'``)."""
        from .. import autograd

        if grad_req not in ("write", "add", "null"):
            raise ValueError(f"grad_req must be 'write', 'add' or 'null', got {grad_req!r}")
        self._grad = NDArray(np.zeros_like(self._data), self._context)
        self._grad_req = grad_req
        self._entry = autograd.attach(self)

    @property
    def grad(self):
        return self._grad

    def backward(self, out_grad=None, retain_graph=False):
        """Gradients of this array (summed if not a scalar, or weighted by
        ``out_grad``) into the ``.grad`` of every attached array it depends on."""
        from .. import autograd

        autograd.backward([self], None if out_grad is None else [out_grad], retain_graph)

    def detach(self):
        """The same data, outside any recorded graph."""
        return NDArray(self._data, self._context)

    def _store_grad(self, gradient):
        if self._grad_req == "add":
            self._grad._data += gradient
        elif self._grad_req == "write":
            np.copyto(self._grad._data, gradient)

    # ---- writing -----------------------------------------------------------------------
    def assign(self, value):
        """Write ``value`` (broadcast to this shape) into this array's buffer."""
        source = value._data if isinstance(value, NDArray) else value
        try:
            np.copyto(self._data, source, casting="same_kind")
        except TypeError as err:
            raise DTypeError(f"cannot write {np.asarray(source).dtype} values into a "
                             f"{self.dtype} array in place: {err}") from None
        except ValueError as err:
            raise ShapeError(f"cannot write shape {np.shape(source)} into shape "
                             f"{self.shape}: {err}") from None
        return self

    def __setitem__(self, key, value):
        _refuse_recorded_write(self)
        source = value._data if isinstance(value, NDArray) else value
        key = key._data if isinstance(key, NDArray) else key
        try:
            self._data[key] = source
        except (IndexError, ValueError) as err:
            raise ShapeError(f"cannot assign to [{key}] of an array of shape {self.shape}: "
                             f"{err}") from None

    def __getitem__(self, key):
        if isinstance(key, (NDArray, np.ndarray, list)):
            return invoke("take", (self, key), {"axis": 0})
        return invoke("slice", (self,), {"index": _index_spec(key)})

    # ---- math ------------------------------------------------------------------------
    def norm(self):
        """The L2 norm of all elements."""
        return invoke("sqrt", (invoke("sum", (invoke("square", (self,), {}),), {}),), {})

    def __neg__(self):
        return invoke("negative", (self,), {})

    def __abs__(self):
        return invoke("abs", (self,), {})

    def __repr__(self):
        dims = "x".join(map(str, self.shape)) or "scalar"
        return f"\n{self._data}\n<NDArray {dims} @{self._context}>"

    def __hash__(self):
        return id(self)


def _binary(op_name, reflected=False):
    def method(self, other):
        if not isinstance(other, (NDArray, np.ndarray, numbers.Number, list)):
            return NotImplemented
        return invoke(op_name, (other, self) if reflected else (self, other), {})

    return method


def _inplace(op_name):
    def method(self, other):
        result = invoke(op_name, (self, other), {})
        if result._entry is not None:
            _refuse_recorded_write(self)
            self._entry = result._entry
        return self.assign(result)

    return method


def _refuse_recorded_write(array):
    """In-place writes to an attached array would change what the recorded
    graph read; compute a new array instead."""
    from .. import autograd

    if autograd.is_recording() and array._grad_req != "null":
        raise GradientError("an array with attach_grad() cannot be written in place inside "
                            "autograd.record(); compute a new array instead")


for _dunder, _op in [("add", "add"), ("sub", "subtract"), ("mul", "multiply"),
                     ("truediv", "divide"), ("pow", "power"), ("matmul", "matmul")]:
    setattr(NDArray, f"__{_dunder}__", _binary(_op))
    setattr(NDArray, f"__r{_dunder}__", _binary(_op, reflected=True))
    setattr(NDArray, f"__i{_dunder}__", _inplace(_op))
for _dunder, _op in [("eq", "equal"), ("ne", "not_equal"), ("gt", "greater"),
                     ("ge", "greater_equal"), ("lt", "less"), ("le", "less_equal")]:
    setattr(NDArray, f"__{_dunder}__", _binary(_op))

install_methods(NDArray, invoke, options=("name", "out"))
