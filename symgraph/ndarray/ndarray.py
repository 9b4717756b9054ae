"""``NDArray``: an n-dimensional array on a device, as MXNet's tutorials use it.

Arithmetic, comparisons, reductions and slicing run through the op registry
(``eager.invoke``), so an NDArray computes exactly what a compiled graph
computes and fails with the same messages. In-place forms (``x += y``,
``x[:] = ...``, ``out=``) write into the existing buffer, and basic slices
with a contiguous result (``x[1:3]``, ``x[2]``) are views of it, as in MXNet.

On a GPU context (``sg.gpu(0)``) the data is a numba device array, which
compiled graphs read and write in place, and ``__cuda_array_interface__``
shares it with other CUDA libraries. Eager operations on GPU arrays are
the host's: they copy their inputs to the host, compute with the numpy
reference and copy the result back, so use them for setup and inspection,
and compiled graphs (``simple_bind``, ``compile_step``) for work. Recorded
gradients (``attach_grad``, ``autograd.record``) take the same path and
land on the variable's device.
"""

import numbers

import numpy as np

from ..api import install_methods
from ..backend.cuda import device
from ..context import Context, current_context
from ..errors import ContextError, DTypeError, GradientError, ShapeError
from ..graph.ir import TensorType
from ..ops.indexing import index_spec
from .eager import invoke


class NDArray:
    """An array with a shape, a dtype and a context (device)."""

    __slots__ = ("_data", "_context", "_entry", "_grad", "_grad_req", "__weakref__")
    __array_priority__ = 1000
    __array_ufunc__ = None  # numpy defers ``np_array + nd`` to NDArray.__radd__

    def __init__(self, data, context=None):
        """``data``: a numpy array (uploaded for a GPU context) or, for a GPU
        context, a device array, which is used as it is."""
        context = context or current_context()
        if context.device_type == "gpu":
            if not device.is_device_array(data):
                data = device.to_device(data, context)
        else:
            data = np.asarray(data)
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
        """A numpy copy of the data (``np.asarray(x)`` shares the buffer instead,
        on the CPU)."""
        return device.to_host(self._data) if self._on_gpu() else self._data.copy()

    def __array__(self, dtype=None, copy=None):
        data = device.to_host(self._data) if self._on_gpu() else self._data
        return data if dtype is None else data.astype(dtype)

    @property
    def __cuda_array_interface__(self):
        """The device buffer, for CUDA libraries (CuPy, PyTorch, numba)."""
        if not self._on_gpu():
            raise AttributeError(f"a {self._context} array has no CUDA buffer")
        return self._data.__cuda_array_interface__

    def _on_gpu(self):
        return self._context.device_type == "gpu"

    def asscalar(self):
        if self.size != 1:
            raise ShapeError(f"asscalar needs an array of one element, this one has shape "
                             f"{self.shape}")
        return np.asarray(self).reshape(()).item()

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
        """A new array with the same data; inside ``autograd.record()`` a copy of
        a recorded array is an op on the tape (a cast to its own dtype), so its
        gradient flows back, as MXNet's copy does."""
        from .. import autograd

        if autograd.is_recording() and self._entry is not None:
            return invoke("cast", (self,), {"dtype": self.dtype.name})
        if self._on_gpu():
            target = NDArray(device.empty(self.shape, self.dtype, self._context), self._context)
            return target.assign(self)
        return NDArray(self._data.copy(), self._context)

    def copyto(self, other):
        """Copy into ``other`` (an NDArray: its buffer is overwritten) or onto a
        Context (across devices through the host)."""
        _refuse_recorded_copy(self, other if isinstance(other, Context) else other.context)
        if isinstance(other, Context):
            return self.copy() if other == self._context else NDArray(self.asnumpy(), other)
        return other.assign(self)

    def as_in_context(self, context):
        return self if context == self._context else self.copyto(context)

    def wait_to_read(self):
        """Wait for the device to finish writing (CPU arrays are always ready)."""
        if self._on_gpu():
            device.cuda_module(self._context).synchronize()

    # ---- autograd ----------------------------------------------------------------------
    def attach_grad(self, grad_req="write"):
        """Track this array in ``autograd.record()`` and give it a ``.grad``
        buffer that ``backward`` writes (``'write'``) or adds to (``'add'``)."""
        from .. import autograd

        if grad_req not in ("write", "add", "null"):
            raise ValueError(f"grad_req must be 'write', 'add' or 'null', got {grad_req!r}")
        self._grad = NDArray(np.zeros(self.shape, self.dtype), self._context)
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
            self._grad.assign(np.asarray(self._grad) + gradient)
        elif self._grad_req == "write":
            self._grad.assign(gradient)

    # ---- writing -----------------------------------------------------------------------
    def assign(self, value):
        """Write ``value`` (broadcast to this shape) into this array's buffer."""
        if self._on_gpu():
            return self._assign_on_device(value)
        source = value._data if isinstance(value, NDArray) else value
        _copy_into(self._data, source)
        return self

    def _take_over(self, result):
        """Write ``result`` (an op's new NDArray) into this buffer, as ``x += y``
        and ``out=`` do; a recorded result's place in the graph comes along, so
        later uses of this array are differentiated through it."""
        if result._entry is not None:
            _refuse_recorded_write(self)
            self._entry = result._entry
        return self.assign(result)

    def _assign_on_device(self, value):
        """Device to device when shape and dtype match, else through the host."""
        source = value._data if isinstance(value, NDArray) and value._on_gpu() else value
        if device.is_device_array(source) and (source.shape, source.dtype) == (
                self.shape, self.dtype):
            device.copy(self._data, source)
            return self
        staged = np.empty(self.shape, self.dtype)
        _copy_into(staged, np.asarray(source))
        device.copy(self._data, staged)
        return self

    def __setitem__(self, key, value):
        _refuse_recorded_write(self)
        source = value._data if isinstance(value, NDArray) else value
        key = np.asarray(key) if isinstance(key, NDArray) else key
        if self._on_gpu():  # through the host: see the module docstring
            staged = self.asnumpy()
            _set_item(staged, key, np.asarray(value), self.shape)
            device.copy(self._data, staged)
        else:
            _set_item(self._data, key, source, self.shape)

    def __getitem__(self, key):
        """``x[1:3]``, ``x[2]``: a view sharing ``x``'s buffer when the result is
        contiguous, as MXNet's basic slicing gives; otherwise (strided results,
        GPU arrays, inside ``autograd.record()``, which must see the slice) a
        copy through the ``slice`` op. Arrays of indices gather (``take``)."""
        from .. import autograd

        if isinstance(key, (NDArray, np.ndarray, list)):
            return invoke("take", (self, key), {"axis": 0})
        spec = index_spec(key)
        if not self._on_gpu() and not autograd.is_recording():
            view = _contiguous_view(self._data, key)
            if view is not None:
                return NDArray(view, self._context)
        return invoke("slice", (self,), {"index": spec})

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
        return f"\n{np.asarray(self)}\n<NDArray {dims} @{self._context}>"

    def __hash__(self):
        return id(self)


def _copy_into(target, source):
    """``np.copyto`` with the errors of symgraph's in-place writes."""
    try:
        np.copyto(target, source, casting="same_kind")
    except TypeError as err:
        raise DTypeError(f"cannot write {np.asarray(source).dtype} values into a "
                         f"{target.dtype} array in place: {err}") from None
    except ValueError as err:
        raise ShapeError(f"cannot write shape {np.shape(source)} into shape "
                         f"{target.shape}: {err}") from None


def _contiguous_view(data, key):
    """``data[key]`` if it is a contiguous view; ``None`` for anything else,
    including keys numpy rejects (the ``slice`` op then raises symgraph's error)."""
    try:
        view = data[key]
    except (IndexError, ValueError, TypeError):
        return None
    return view if isinstance(view, np.ndarray) and view.flags.c_contiguous else None


def _set_item(target, key, source, shape):
    try:
        target[key] = source
    except (IndexError, ValueError) as err:
        raise ShapeError(f"cannot assign to [{key}] of an array of shape {shape}: "
                         f"{err}") from None


def _binary(op_name, reflected=False):
    def method(self, other):
        if not isinstance(other, (NDArray, np.ndarray, numbers.Number, list)):
            return NotImplemented
        return invoke(op_name, (other, self) if reflected else (self, other), {})

    return method


def _inplace(op_name):
    def method(self, other):
        return self._take_over(invoke(op_name, (self, other), {}))

    return method


def _refuse_recorded_write(array):
    """In-place writes to an attached array would change what the recorded
    graph read; compute a new array instead."""
    from .. import autograd

    if autograd.is_recording() and array._grad_req != "null":
        raise GradientError("an array with attach_grad() cannot be written in place inside "
                            "autograd.record(); compute a new array instead")


def _refuse_recorded_copy(array, context):
    """A recorded computation lives on one device: a recorded array's copy on
    another would leave the graph, and its gradient would silently stop there."""
    from .. import autograd

    if autograd.is_recording() and array._entry is not None and context != array._context:
        raise ContextError(f"a recorded array cannot be copied from {array._context} to "
                           f"{context} inside autograd.record(): a recorded computation lives "
                           "on one device; copy the inputs before record(), or inside "
                           "autograd.pause()")


for _dunder, _op in [("add", "add"), ("sub", "subtract"), ("mul", "multiply"),
                     ("truediv", "divide"), ("pow", "power"), ("matmul", "matmul")]:
    setattr(NDArray, f"__{_dunder}__", _binary(_op))
    setattr(NDArray, f"__r{_dunder}__", _binary(_op, reflected=True))
    setattr(NDArray, f"__i{_dunder}__", _inplace(_op))
for _dunder, _op in [("eq", "equal"), ("ne", "not_equal"), ("gt", "greater"),
                     ("ge", "greater_equal"), ("lt", "less"), ("le", "less_equal")]:
    setattr(NDArray, f"__{_dunder}__", _binary(_op))

install_methods(NDArray, invoke, options=("name", "out"))
