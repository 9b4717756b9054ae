"""Shape and dtype inference: ``Graph -> {Value: TensorType}``.

    bound types ─┐
    var hints  ──┼─> walk nodes in topological order ─> op.infer(ctx) per node
                 │        ▲                                  │
                 └────────┴── op.infer_inputs fills unknown ─┘
                              variables (a layer's weight)   repeat until no variable changes

Variables take the type bound to them, else their hints, else what a reader
says they must be (``FullyConnected`` knows its weight is ``(num_hidden, in)``).
Because a variable may be read before the reader that can fill it, the walk
repeats until no variable's type changes. With ``partial=True`` unknown types
stay ``None``; otherwise an unknown type is an error naming the variables
to give shapes for. A rule that is broken raises ``ShapeError`` naming the
node, its op, and each input with its shape.
"""

from ..dtypes import as_dtype
from ..errors import DTypeError, InternalError, ShapeError
from ..graph.ir import TensorType
from ..ops import registry
from ..ops.registry import InferContext, describe


def infer_types(graph, bound=None, *, partial=False):
    """Types of every value in ``graph``.

    ``bound`` maps variable names to ``TensorType`` (what will be fed). Returns
    a dict ``Value -> TensorType`` (``None`` for unknowns when ``partial``).
    """
    bound = dict(bound or {})
    var_types = {node: _initial_var_type(node, bound.get(node.name)) for node in graph.variables()}
    for _ in range(len(var_types) + 1):
        types, changed = _sweep(graph, var_types)
        if not changed:
            break
    if not partial:
        _require_known(graph, types, var_types)
    return types


def infer_dtypes(graph, given):
    """Types of every value whose dtype follows from ``given`` (variable name ->
    dtype) and the variables' hints, shapes known or not.

    No op's dtype depends on shapes, only on dtypes and attributes. So where a
    variable has no shape, a stand-in of ones is bound (its hint with 1 for
    unknown dimensions, else ``(1,) * rank``), one variable at a time so that a
    layer still fills its parameters from its data, searching ranks until every
    rule accepts. Where none does within a few tries (a reshape to a fixed size),
    the types come from the variables with full hints alone (``None`` elsewhere).
    """
    hinted = {}
    for node in graph.variables():
        if node.name in given:
            _check_declared_dtype(node, given[node.name])
        hint = registry.get("var").infer(InferContext(node, ()))[0]
        if hint is not None and hint.known:
            hinted[node.name] = TensorType(hint.shape, given.get(node.name, hint.dtype))
    tries = [_STAND_IN_TRIES]

    def search(bound):
        tries[0] -= 1
        try:
            types = infer_types(graph, bound, partial=True)
        except (ShapeError, DTypeError):
            return None
        # A layer fills its inputs (a label) in the data's dtype; a given dtype wins.
        pending = [n for n in graph.variables() if types[n.outputs[0]] is None
                   or types[n.outputs[0]].dtype != given.get(n.name, types[n.outputs[0]].dtype)]
        if not pending:
            return types
        for stand_in in _stand_ins(pending[0], given):
            found = tries[0] > 0 and search({**bound, pending[0].name: stand_in})
            if found:
                return found
        return None

    return search(hinted) or infer_types(graph, hinted, partial=True)


_STAND_IN_TRIES = 200
_STAND_IN_RANKS = (1, 2, 0, 3, 4)


def _stand_ins(node, given):
    """Types to try for a variable without a full shape, for ``infer_dtypes``."""
    dtype = given.get(node.name) or node.attrs["dtype"] or "float32"
    hint = node.attrs["shape"]
    if hint is not None:
        return [TensorType(tuple(1 if d is None else d for d in hint), dtype)]
    return [TensorType((1,) * rank, dtype) for rank in _STAND_IN_RANKS]


def _check_declared_dtype(node, dtype):
    declared = node.attrs["dtype"]
    if declared is not None and as_dtype(declared) != dtype:
        raise DTypeError(f"variable {node.name!r} was declared {as_dtype(declared).name} "
                         f"but is given {dtype.name}")


def _initial_var_type(node, given):
    hint = registry.get("var").infer(InferContext(node, ()))[0]
    if given is None:
        return hint
    _check_declared_dtype(node, given.dtype)
    if hint is not None:
        agrees = len(hint.shape) == len(given.shape) and all(
            h is None or h == g for h, g in zip(hint.shape, given.shape)
        )
        if not agrees:
            raise ShapeError(
                f"variable {node.name!r} was declared with shape {_dims(hint.shape)} "
                f"but is given shape {_dims(given.shape)}"
            )
    return given


def _sweep(graph, var_types):
    """One walk over the graph; returns the types and whether a variable changed."""
    types, changed = {}, False
    for node in graph.nodes:
        if node.op == "var":
            types[node.outputs[0]] = var_types[node]
            continue
        op = registry.get(node.op)
        in_types = [types[v] for v in node.inputs]
        if op.infer_inputs is not None and any(t is None for t in in_types):
            changed |= _fill_inputs(op, node, in_types, types, var_types)
        types.update(zip(node.outputs, infer_node(node, in_types)))
    return types, changed


def infer_node(node, in_types):
    """Output types of one node from its input types (``None`` for each output
    while an input is unknown); a dtype error is reported at the node."""
    if not all(t is not None and t.known for t in in_types):
        return [None] * node.num_outputs
    ctx = InferContext(node, in_types)
    try:
        out_types = registry.get(node.op).infer(ctx)
    except DTypeError as err:
        if describe(node) in str(err):
            raise
        ctx.fail_dtype(str(err))
    if len(out_types) != node.num_outputs:
        raise InternalError(f"{node.op}.infer gave {len(out_types)} types for "
                            f"{node.num_outputs} outputs")
    return out_types


def _fill_inputs(op, node, in_types, types, var_types):
    filled = op.infer_inputs(InferContext(node, in_types))
    changed = False
    for index, input_type in filled.items():
        value = node.inputs[index]
        if in_types[index] is None and value.node.op == "var" and input_type is not None:
            var_types[value.node] = types[value] = in_types[index] = input_type
            changed = True
    return changed


def _require_known(graph, types, var_types):
    unknown = [node.name for node, t in var_types.items() if t is None]
    if unknown:
        names = ", ".join(repr(n) for n in unknown)
        raise ShapeError(
            f"cannot infer shapes: no shape for variable {names}; pass it "
            f"(infer_shape({unknown[0]}=...), simple_bind) or declare it with var(..., shape=...)"
        )
    for node, t in var_types.items():
        if not t.known:
            raise ShapeError(f"cannot infer shapes: variable {node.name!r} has unknown "
                             f"dimensions {_dims(t.shape)}; pass its full shape")
    for value in (v for node in graph.nodes for v in node.outputs):
        if types[value] is None:
            raise InternalError(f"no type for {value.label!r} though every variable is known")


def _dims(shape):
    return str(TensorType(shape, "float32")).rsplit(" ", 1)[0]
