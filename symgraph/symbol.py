"""``Symbol``: the user's handle on graph outputs, with MXNet's API.

A Symbol is a tuple of ``Value``s. ``list_arguments``, ``infer_shape`` and
friends read the graph reachable from the outputs; ``bind`` and ``eval`` run
it, ``save`` writes it. Python operators build new nodes through
``build.apply`` (``build`` also makes the first Symbols: ``var``, ``group``).
Symbols are never mutated.
"""

import numbers

import numpy as np

from .dtypes import as_dtype
from .errors import BindError, OutOfRangeError, ShapeError, TraceError
from .graph.ir import Graph, TensorType
from .ops.indexing import index_spec


class Symbol:
    """One or more graph outputs. Build them with ``sg.var`` and ops."""

    __array_priority__ = 1000  # numpy defers ``ndarray * Symbol`` to Symbol.__rmul__

    def __init__(self, outputs):
        self._outputs = tuple(outputs)

    # ---- structure -----------------------------------------------------------------
    @property
    def outputs(self):
        return self._outputs

    @property
    def value(self):
        """The single output; an error for a group of several."""
        if len(self._outputs) != 1:
            raise ShapeError(f"{self!r} has {len(self._outputs)} outputs; pick one with sym[i]")
        return self._outputs[0]

    def graph(self):
        return Graph(self._outputs)

    @property
    def name(self):
        """The name of the node behind a single-output symbol (``None`` for a group)."""
        return self._outputs[0].node.name if len(self._outputs) == 1 else None

    def list_arguments(self):
        """Variable names, in the order inputs are first reached (MXNet's order)."""
        return [node.name for node in self.graph().variables()]

    def list_inputs(self):
        return self.list_arguments()

    def list_auxiliary_states(self):
        return []

    def list_outputs(self):
        return [_output_name(v) for v in self._outputs]

    def get_internals(self):
        """Every output of every node, as one group; index it by output name."""
        return Symbol([v for node in self.graph().nodes for v in node.outputs])

    def get_children(self):
        """The inputs of the head node, or ``None`` for a variable."""
        inputs = self.value.node.inputs
        return Symbol(inputs) if inputs else None

    def attr(self, key):
        return self.list_attr().get(key)

    def list_attr(self):
        """Attributes as MXNet lists them, values as strings: a variable's own
        (``attr=``) with its hints (``__shape__``, ...); an op's parameters."""
        node = self.value.node
        if node.op == "const":
            return {}
        if node.op != "var":
            return {key: str(value) for key, value in node.attrs.as_dict().items()}
        found = dict(node.attrs["user"])
        for hint, key in (("shape", "__shape__"), ("dtype", "__dtype__"), ("init", "__init__")):
            if node.attrs[hint] is not None:
                found[key] = str(node.attrs[hint])
        return found

    def __len__(self):
        return len(self._outputs)

    def __iter__(self):
        return (Symbol([v]) for v in self._outputs)

    def __getitem__(self, key):
        if isinstance(key, str):
            names = self.list_outputs()
            if key not in names:
                raise KeyError(f"no output named {key!r}; outputs are {names}")
            return Symbol([self._outputs[names.index(key)]])
        if len(self._outputs) > 1:
            if not isinstance(key, numbers.Integral):
                raise TypeError("a group of symbols is indexed by output number or name")
            if not -len(self._outputs) <= key < len(self._outputs):
                raise OutOfRangeError(f"{self!r} has {len(self._outputs)} outputs; there is "
                                      f"no output {key}")
            return Symbol([self._outputs[key]])
        return _apply("slice", (self,), {"index": index_spec(key)})

    def __bool__(self):
        raise TraceError(f"{self!r} has no truth value until it runs: Python control flow "
                         "cannot depend on it (in a traced function it would be frozen at "
                         "trace time); use sg.where for choices, or run the function eagerly")

    def asscalar(self):
        raise TraceError(f"{self!r} has no value until it runs: a traced function cannot read "
                         "values (asscalar, item, float); its control flow would be frozen "
                         "at trace time. Run it eagerly, or use sg.where")

    item = __float__ = __int__ = asscalar

    __hash__ = object.__hash__

    def __repr__(self):
        if len(self._outputs) == 1:
            return f"<Symbol {self.name}>"
        return f"<Symbol group [{', '.join(self.list_outputs())}]>"

    def _repr_mimebundle_(self, include=None, exclude=None):
        """Jupyter shows a symbol as a picture of its graph (``sg.viz``, imported
        only here so that ``import symgraph`` stays light), or as its repr
        where it cannot be drawn."""
        from .viz import repr_mimebundle

        return repr_mimebundle(self, include, exclude)

    # ---- inference -----------------------------------------------------------------
    def infer_shape(self, *args, **kwargs):
        """``(arg_shapes, out_shapes, aux_shapes)`` from the shapes of some arguments."""
        return self._infer_shapes(args, kwargs, partial=False)

    def infer_shape_partial(self, *args, **kwargs):
        """Like ``infer_shape``, with ``None`` for what cannot be inferred yet."""
        return self._infer_shapes(args, kwargs, partial=True)

    def infer_type(self, *args, **kwargs):
        """``(arg_types, out_types, aux_types)`` as numpy scalar types, from given
        dtypes (shapes are not needed; ``None`` where a dtype cannot be found)."""
        from .passes.infer import infer_dtypes

        given = {name: as_dtype(dtype, what=f"the dtype for {name!r}:")
                 for name, dtype in self._by_argument(args, kwargs).items()}
        graph = self.graph()
        types = infer_dtypes(graph, given)
        dtype = lambda t: None if t is None else t.dtype.type  # noqa: E731
        args = [dtype(types[n.outputs[0]]) for n in graph.variables()]
        return args, [dtype(types[v]) for v in self._outputs], []

    @property
    def shape(self):
        """The inferred shape from the variables' hints, or ``None`` if unknown."""
        t = self.types()[self.value]
        return None if t is None else t.shape

    def types(self, **shapes):
        """All inferred types (partial) given argument shapes; used by tools."""
        from .passes.infer import infer_types

        return infer_types(self.graph(), self._bound_types(shapes), partial=True)

    def _infer_shapes(self, args, kwargs, partial):
        from .passes.infer import infer_types

        graph = self.graph()
        types = infer_types(graph, self._bound_types(self._by_argument(args, kwargs)),
                            partial=partial)
        shape = lambda t: None if t is None else t.shape  # noqa: E731
        arg_shapes = [shape(types[n.outputs[0]]) for n in graph.variables()]
        return arg_shapes, [shape(types[v]) for v in self._outputs], []

    def _by_argument(self, args, kwargs):
        """Positional values in ``list_arguments`` order, merged with keywords."""
        names = self.list_arguments()
        if len(args) > len(names):
            raise ShapeError(f"{len(args)} values given for {len(names)} arguments {names}")
        given = dict(zip(names, args))
        unknown = set(kwargs) - set(names)
        if unknown:
            raise ShapeError(f"{', '.join(sorted(map(repr, unknown)))} is not an argument; "
                             f"arguments are {names}")
        given.update(kwargs)
        return {k: v for k, v in given.items() if v is not None}

    def _bound_types(self, shapes):
        dtypes = {n.name: n.attrs["dtype"] for n in self.graph().variables()}
        return {name: TensorType(_given_shape(name, shape), dtypes[name] or "float32")
                for name, shape in shapes.items()}

    # ---- running and saving --------------------------------------------------------
    def eval(self, ctx=None, **arrays):
        """Run the graph on the reference backend; returns a list of NDArrays."""
        from .backend.reference import evaluate
        from .ndarray import NDArray, array

        graph = self.graph()
        declared = {n.name: n.attrs["dtype"] for n in graph.variables()}
        feeds = {k: _as_declared(k, v.asnumpy() if isinstance(v, NDArray) else np.asarray(v),
                                 declared.get(k))
                 for k, v in arrays.items()}
        return [array(out, ctx=ctx) for out in evaluate(graph, feeds)]

    def bind(self, ctx=None, args=None, args_grad=None, grad_req="write", aux_states=None,
             backend="cpu"):
        """An Executor over NDArrays you provide (MXNet's ``bind``)."""
        from .executor import bind

        return bind(self, ctx, args, args_grad, grad_req, aux_states, backend)

    def simple_bind(self, ctx=None, grad_req="write", type_dict=None, backend="cpu",
                    **shapes):
        """An Executor with arrays allocated from argument shapes (MXNet's ``simple_bind``)."""
        from .executor import simple_bind

        return simple_bind(self, ctx, grad_req, type_dict, backend, **shapes)

    def tojson(self):
        from .serialize import to_json

        return to_json(self)

    def save(self, path):
        from .serialize import save

        save(self, path)

    # ---- operators -------------------------------------------------------------------
    def __neg__(self):
        return _apply("negative", (self,), {})

    def __abs__(self):
        return _apply("abs", (self,), {})

    @property
    def T(self):
        return _apply("transpose", (self,), {})


def _apply(op_name, inputs, attrs):
    """``build.apply``, imported when an operator runs: ``build`` makes Symbols,
    so it imports this module, and a top-level import here would be a cycle."""
    from .build import apply

    return apply(op_name, inputs, attrs)


def _binary(op_name, reflected=False):
    def method(self, other):
        pair = (other, self) if reflected else (self, other)
        return _apply(op_name, pair, {})

    return method


for _dunder, _op in [
    ("add", "add"), ("sub", "subtract"), ("mul", "multiply"), ("truediv", "divide"),
    ("pow", "power"), ("matmul", "matmul"),
]:
    setattr(Symbol, f"__{_dunder}__", _binary(_op))
    setattr(Symbol, f"__r{_dunder}__", _binary(_op, reflected=True))
for _dunder, _op in [("eq", "equal"), ("ne", "not_equal"), ("gt", "greater"),
                     ("ge", "greater_equal"), ("lt", "less"), ("le", "less_equal")]:
    setattr(Symbol, f"__{_dunder}__", _binary(_op))


def _given_shape(name, shape):
    """A shape passed for argument ``name`` (``infer_shape``, ``simple_bind``) as a
    tuple of non-negative ints (``None`` for a dimension not known yet)."""
    if isinstance(shape, numbers.Integral) and not isinstance(shape, bool):
        shape = (shape,)
    dims_ok = isinstance(shape, (tuple, list)) and all(
        d is None or (isinstance(d, numbers.Integral) and not isinstance(d, bool) and d >= 0)
        for d in shape)
    if not dims_ok:
        raise ShapeError(f"the shape given for {name!r} must be a tuple of non-negative ints, "
                         f"got {shape!r}")
    return tuple(None if d is None else int(d) for d in shape)


def _as_declared(name, array, declared):
    """A fed array in its variable's declared dtype, converted as an executor's
    bound array would be (``int64`` labels into an ``int32`` variable), or an error."""
    if declared is None or array.dtype == np.dtype(declared):
        return array
    if not np.can_cast(array.dtype, declared, casting="same_kind"):
        raise BindError(f"argument {name!r} is declared {np.dtype(declared).name}, "
                        f"given {array.dtype.name}")
    return array.astype(declared)


def _output_name(value):
    node = value.node
    if node.op == "var":
        return node.name
    if node.num_outputs == 1:
        return f"{node.name}_output"
    return f"{node.name}_output{value.index}"
