"""The functional API, generated from the op registry: ``sg.exp(x)``,
``sg.FullyConnected(data=x, num_hidden=10, name='fc1')``, and the numpy-style
methods on Symbol (``x.sum(axis=1)``, ``x.reshape(2, -1)``).

One function per op, built by ``op_function``: positional and keyword
inputs (by the op's ``input_names``) and attributes as keywords. The same
argument rules serve NDArray's eager functions (``bind_arguments``).
"""

import numbers

from .build import apply
from .errors import AttrError
from .ops import registry
from .symbol import Symbol

# Ops the compiler and autodiff use internally, reached through other names.
INTERNAL = frozenset({"var", "const", "slice", "unslice", "unreduce", "concat_part",
                      "take_backward", "sum_to_like", "size_of", "random_uniform",
                      "random_normal"})
# Ops with a variable number of inputs also take them as one list: concat([a, b]).
_LIST_INPUTS = frozenset({"concat", "stack"})


def bind_arguments(op, args, kwargs):
    """Split a call's arguments into the op's inputs and its attributes."""
    if op.name in _LIST_INPUTS and len(args) == 1 and isinstance(args[0], (list, tuple)):
        args = tuple(args[0])
    if isinstance(op.arity, int) and len(args) > op.arity:
        # numpy style: positional values after the inputs are attributes, in order
        extra, args = args[op.arity:], args[:op.arity]
        if len(extra) > len(op.attrs):
            raise AttrError(f"{op.name} takes {op.arity} inputs and {len(op.attrs)} "
                            f"attributes, got {op.arity + len(extra)} positional values")
        for attr_name, value in zip(op.attrs, extra):
            if attr_name in kwargs:
                raise AttrError(f"{op.name} got {attr_name!r} twice")
            kwargs[attr_name] = value
    inputs = list(args)
    for input_name in op.input_names[len(inputs):]:
        inputs.append(kwargs.pop(input_name, None))
    while inputs and inputs[-1] is None and len(inputs) > len(args):
        inputs.pop()
    unknown = set(kwargs) - set(op.attrs)
    if unknown:
        names = ", ".join(sorted(unknown))
        raise AttrError(f"{op.name} got unexpected arguments {names}; its inputs are "
                        f"{list(op.input_names) or 'positional'} and its attributes "
                        f"{sorted(op.attrs)}")
    return inputs, kwargs


def op_function(op, invoke, options=("name",)):
    """A user-facing function for ``op`` that hands inputs and attributes to
    ``invoke``; keywords named in ``options`` (``name``, ``out``) go to it as is."""

    def function(*args, **kwargs):
        extra = {key: kwargs.pop(key) for key in options if key in kwargs}
        inputs, attrs = bind_arguments(op, args, kwargs)
        return invoke(op.name, inputs, attrs, **extra)

    function.__name__ = function.__qualname__ = op.name
    inputs = ", ".join(op.input_names) or ("*inputs" if op.arity is None else "x, ...")
    attrs = ", ".join(f"{k}=..." for k in op.attrs)
    function.__doc__ = f"{op.name}({inputs}{', ' if attrs else ''}{attrs})\n\n{op.doc}"
    return function


def _symbolic(op_name, inputs, attrs, name=None):
    return apply(op_name, inputs, attrs, name=name)


def public_ops():
    return [op for op in registry.all_ops() if op.name not in INTERNAL]


SYMBOL_FUNCTIONS = {op.name: op_function(op, _symbolic) for op in public_ops()}
SYMBOL_FUNCTIONS["Flatten"] = SYMBOL_FUNCTIONS["flatten"]  # MXNet's spelling


def _shape_args(args):
    """``reshape(2, 3)`` and ``reshape((2, 3))`` both mean the shape (2, 3)."""
    if len(args) == 1 and not isinstance(args[0], numbers.Integral):
        return tuple(args[0]) if args[0] is not None else None
    return tuple(args) if args else None


def _keyword_or_positional(method, key, positional, kwargs):
    """The value of ``key`` given as a keyword, refused if also given positionally."""
    value = kwargs.pop(key)
    if positional:
        raise AttrError(f"{method} got {key} both positionally and as a keyword")
    return value


_METHODS = ("sum", "mean", "max", "min", "prod", "argmax", "argmin", "exp", "log", "sqrt",
            "abs", "square", "tanh", "sigmoid", "relu", "sign", "clip", "flatten",
            "expand_dims", "squeeze", "broadcast_to", "take", "softmax", "log_softmax",
            "swapaxes", "log1p", "expm1", "sin", "cos", "softplus")


def install_methods(cls, invoke, options=("name",)):
    """Give ``cls`` (Symbol or NDArray) numpy's method names; ``invoke(op, inputs,
    attrs, **options)`` builds or runs the op."""
    for op_name in _METHODS:
        setattr(cls, op_name, op_function(registry.get(op_name), invoke, options))

    def reshape(self, *shape, **kwargs):
        if "shape" in kwargs:  # MXNet's spelling: x.reshape(shape=(2, -1))
            shape = (_keyword_or_positional("reshape", "shape", shape, kwargs),)
        return invoke("reshape", (self,), {"shape": _shape_args(shape)}, **kwargs)

    def transpose(self, *axes, **kwargs):
        if "axes" in kwargs:
            axes = (_keyword_or_positional("transpose", "axes", axes, kwargs),)
        return invoke("transpose", (self,), {"axes": _shape_args(axes)}, **kwargs)

    def astype(self, dtype, **kwargs):
        return invoke("cast", (self,), {"dtype": dtype}, **kwargs)

    cls.reshape, cls.transpose, cls.astype = reshape, transpose, astype


install_methods(Symbol, _symbolic)
