"""The Executor: NDArrays bound to a compiled program, with MXNet's API.

    sym.simple_bind(ctx, data=(32, 784))  or  sym.bind(ctx, args, args_grad, grad_req)
        │ arguments and gradient arrays (NDArrays the user may hold)
        ▼
    Executor ── forward(is_train) ──> program.forward ──> outputs
             └─ backward(out_grads) ─> program.backward ─> grad_dict (write / add)

The executor owns arrays and calls the program the compiler built for it;
it never rewrites a graph. Argument arrays are shared with the user: writing
into ``exe.arg_dict['w']`` changes what the next forward sees.
"""

import numpy as np

from .compiler import build_program, head_grad_name
from .context import current_context
from .dtypes import is_float
from .errors import BindError, ContextError
from .graph.ir import TensorType
from .ndarray import NDArray
from .ndarray import zeros as nd_zeros

GRAD_REQS = ("write", "add", "null")


class Executor:
    """Runs one symbol on bound arrays. Made by ``Symbol.bind``/``simple_bind``."""

    def __init__(self, symbol, ctx, arg_dict, grad_dict, grad_req, backend):
        self._symbol = symbol
        self._ctx = ctx
        self.arg_dict = arg_dict
        self.grad_dict = grad_dict
        self.grad_req = grad_req
        self.aux_dict = {}
        self._backend = backend
        types = {name: TensorType(a.shape, a.dtype) for name, a in arg_dict.items()}
        self._program = build_program(symbol, types, tuple(grad_dict), backend, ctx)
        self._output_names = symbol.list_outputs()
        self.outputs = []
        self._step = 0
        self._trained = False

    # ---- MXNet's views of the arrays --------------------------------------------------
    @property
    def arg_arrays(self):
        return list(self.arg_dict.values())

    @property
    def grad_arrays(self):
        return [self.grad_dict.get(name) for name in self.arg_dict]

    @property
    def aux_arrays(self):
        return []

    @property
    def output_dict(self):
        return dict(zip(self._output_names, self.outputs))

    # ---- running ---------------------------------------------------------------------
    def forward(self, is_train=False, **kwargs):
        """Copy ``kwargs`` into the bound arguments, run, and return the outputs.

        ``is_train`` turns on training behaviour (Dropout) and keeps what
        ``backward`` needs; each training forward advances the random step."""
        for name, value in kwargs.items():
            if name not in self.arg_dict:
                raise BindError(f"forward got {name!r}, which is not an argument; "
                                f"arguments are {list(self.arg_dict)}")
            _check_array(name, value, self.arg_dict[name])
            self.arg_dict[name].assign(value)
        if is_train:
            self._step += 1
        # The arrays themselves (device arrays on a GPU), never copies.
        args = {name: a._data for name, a in self.arg_dict.items()}
        results = self._program.forward(args, is_train, self._step)
        # The program's output arrays, not copies: as MXNet's, they are
        # overwritten by the next forward.
        self.outputs = [NDArray(r, self._ctx) for r in results]
        self._trained = is_train
        return self.outputs

    def backward(self, out_grads=None):
        """Gradients of the outputs into ``grad_dict`` (written or added as
        ``grad_req`` says). ``out_grads`` weights each output; by default each
        output's gradient is ones, which differentiates the sum of a
        non-scalar output. Loss heads (SoftmaxOutput, ...) ignore it."""
        if not self._trained:
            raise BindError("backward needs a forward(is_train=True) first")
        heads = self._head_grads(out_grads)
        grads = self._program.backward(heads)
        for name, grad in grads.items():
            target = self.grad_dict[name]
            if self.grad_req[name] == "add":
                target.assign(np.asarray(target) + np.asarray(NDArray(grad, self._ctx)))
            else:
                target.assign(grad)

    def _head_grads(self, out_grads):
        if out_grads is None:
            out_grads = [None] * len(self.outputs)
        elif not isinstance(out_grads, (list, tuple)):
            out_grads = [out_grads]
        if len(out_grads) != len(self.outputs):
            raise BindError(f"backward got {len(out_grads)} out_grads for "
                            f"{len(self.outputs)} outputs")
        heads = {}
        for name, out, grad in zip(self._output_names, self.outputs, out_grads):
            if grad is None:
                grad = np.ones(out.shape, out.dtype)
            _check_array(f"out_grad of {name}", grad, out)
            heads[head_grad_name(name)] = np.asarray(grad, dtype=out.dtype)
        return heads

    # ---- parameters and shapes ----------------------------------------------------------
    def copy_params_from(self, arg_params, aux_params=None, allow_extra_params=False):
        """Copy parameter values (name -> array) into the bound arguments."""
        for name, value in {**arg_params, **(aux_params or {})}.items():
            if name in self.arg_dict:
                _check_array(name, value, self.arg_dict[name])
                self.arg_dict[name].assign(value)
            elif not allow_extra_params:
                raise BindError(f"{name!r} is not an argument of this executor; pass "
                                "allow_extra_params=True to skip unknown names")

    def reshape(self, partial_shaping=False, allow_up_sizing=True, **new_shapes):
        """A new executor for new argument shapes (a new batch size) that shares
        every array whose shape did not change, parameters included.

        A parameter whose shape would change (a weight, when the feature count
        changes) is an error unless ``partial_shaping=True``, since its new
        array starts from zeros; labels follow the batch size, as data does.
        ``allow_up_sizing`` is accepted for MXNet's callers: symgraph always
        allocates new arrays for arguments that grow."""
        shapes = self._symbol.infer_shape(**new_shapes)[0]
        params = {n.name for n in self._symbol.graph().variables() if n.attrs["role"] == "param"}
        args, grads = {}, {}
        for name, shape in zip(self.arg_dict, shapes):
            old = self.arg_dict[name]
            if old.shape != shape and name in params and not partial_shaping:
                raise BindError(f"reshape would change {name!r} from {old.shape} to {shape} "
                                "and reset it to zeros; pass partial_shaping=True to allow it")
            args[name] = old if old.shape == shape else nd_zeros(shape, self._ctx, old.dtype)
            if name in self.grad_dict:
                old_grad = self.grad_dict[name]
                grads[name] = (old_grad if old_grad.shape == shape
                               else nd_zeros(shape, self._ctx, old_grad.dtype))
        return Executor(self._symbol, self._ctx, args, grads, dict(self.grad_req),
                        self._backend)

    def profile(self):
        """Per-kernel seconds, calls and bytes moved (compile with
        ``backend=sg.CompileOptions(profile=True)``); empty otherwise."""
        report = getattr(self._program, "profile", None)
        return report() if report else {}

    def __repr__(self):
        return f"<Executor {self._symbol!r} @{self._ctx}>"


def _check_array(name, value, bound):
    shape, dtype = np.shape(value), getattr(value, "dtype", None)
    if shape != bound.shape:
        raise BindError(f"argument {name!r} expects shape {bound.shape}, given {shape}")
    if dtype is not None and np.dtype(dtype) != bound.dtype and not np.can_cast(
            dtype, bound.dtype, casting="same_kind"):
        raise BindError(f"argument {name!r} expects {bound.dtype}, given {np.dtype(dtype)}")


def _grad_reqs(names, grad_req, arg_dict):
    """Per-argument gradient requests; integer arguments never get gradients."""
    if isinstance(grad_req, str):
        reqs = {name: grad_req for name in names}
    elif isinstance(grad_req, (list, tuple)):
        reqs = dict(zip(names, grad_req))
    else:
        unknown = set(grad_req) - set(names)
        if unknown:
            raise BindError(f"grad_req names {sorted(unknown)}, which are not arguments")
        reqs = {name: grad_req.get(name, "null") for name in names}
    for name, req in reqs.items():
        if req not in GRAD_REQS:
            raise BindError(f"grad_req for {name!r} is {req!r}; use 'write', 'add' or 'null'")
        if not is_float(arg_dict[name].dtype):
            reqs[name] = "null"
    return reqs


def _by_name(names, arrays, what):
    if arrays is None:
        return {}
    if isinstance(arrays, dict):
        unknown = set(arrays) - set(names)
        if unknown:
            raise BindError(f"{what} names {sorted(unknown)}, which are not arguments; "
                            f"arguments are {names}")
        return dict(arrays)
    if len(arrays) != len(names):
        raise BindError(f"{len(arrays)} {what} given for {len(names)} arguments {names}")
    return dict(zip(names, arrays))


def _as_ndarray(name, value, ctx):
    if isinstance(value, NDArray):
        _check_device(name, value, ctx)
        return value
    raise BindError(f"argument {name!r} must be bound to an NDArray (sg.nd.array(...)), "
                    f"got {type(value).__name__}")


def _check_device(name, array, ctx):
    """A GPU executor runs on its own device's arrays only (and a CPU one on host arrays)."""
    if array.context != ctx and "gpu" in (array.context.device_type, ctx.device_type):
        raise ContextError(f"{name!r} lives on {array.context} but the executor runs on "
                           f"{ctx}; copy it with .copyto({ctx})")


def bind(symbol, ctx=None, args=None, args_grad=None, grad_req="write", aux_states=None,
         backend="cpu"):
    """MXNet's ``Symbol.bind``: arguments are NDArrays (list in ``list_arguments``
    order, or dict); gradient arrays are allocated when ``args_grad`` is None."""
    ctx = ctx or current_context()
    names = symbol.list_arguments()
    arg_dict = {k: _as_ndarray(k, v, ctx) for k, v in _by_name(names, args, "args").items()}
    missing = [n for n in names if n not in arg_dict]
    if missing:
        raise BindError(f"argument {missing[0]!r} is not bound; bind every one of {names}")
    arg_dict = {name: arg_dict[name] for name in names}
    reqs = _grad_reqs(names, grad_req, arg_dict)
    given = _by_name(names, args_grad, "args_grad")
    grad_dict = {}
    for name in names:
        if reqs[name] == "null":
            continue
        grad = given.get(name)
        if grad is None:
            grad = nd_zeros(arg_dict[name].shape, ctx, arg_dict[name].dtype)
        _check_array(f"gradient of {name}", grad, arg_dict[name])
        _check_device(f"gradient of {name}", grad, ctx)
        grad_dict[name] = grad
    return Executor(symbol, ctx, arg_dict, grad_dict, reqs, backend)


def simple_bind(symbol, ctx=None, grad_req="write", type_dict=None, backend="cpu",
                **shapes):
    """MXNet's ``Symbol.simple_bind``: allocate zeroed arguments and gradients
    from the shapes of some arguments (the rest are inferred)."""
    ctx = ctx or current_context()
    type_dict = type_dict or {}
    names = symbol.list_arguments()
    arg_shapes, _, _ = symbol.infer_shape(**shapes)
    declared = {n.name: n.attrs["dtype"] for n in symbol.graph().variables()}
    args = {name: nd_zeros(shape, ctx, type_dict.get(name) or declared[name] or "float32")
            for name, shape in zip(names, arg_shapes)}
    return bind(symbol, ctx, args, None, grad_req, backend=backend)
