"""Reverse-mode automatic differentiation: a pass from a graph to its gradient graph.

    outputs ──> walk nodes in reverse topological order ──> op.grad(ctx, *out_grads)
       │            (only nodes that depend on a wrt value)        │
    head grads      contributions to each input are summed  <──────┘
                    (broadcast inputs of elementwise ops: sum_to_like)

Gradient rules build graph nodes, so the result is an ordinary graph that
shares the forward nodes: it can be inspected, saved, run, and
differentiated again (``grad(grad(f))``). Integer, boolean and label
inputs get no gradient; asking for the gradient of an integer variable is
an error that says so. A value that does not influence the outputs gets a
gradient of zeros, as MXNet gives.
"""

from .. import dtypes
from ..build import apply
from ..errors import GradientError
from ..graph import naming
from ..ops import registry
from ..ops.registry import Kind
from ..symbol import Symbol


class GradContext:
    """What a ``grad`` rule sees: inputs and outputs as Symbols, attributes,
    and the inferred types (``None`` where inference had too little to go on)."""

    def __init__(self, node, types):
        self.node = node
        self.node_name = node.name
        self.attrs = node.attrs
        self.inputs = [Symbol([v]) for v in node.inputs]
        self.outputs = [Symbol([v]) for v in node.outputs]
        self.types = [types.get(v) for v in node.inputs]
        self.out_types = [types.get(v) for v in node.outputs]

    def known_type(self, index):
        """The type of input ``index``, for rules that need it; an error if unknown."""
        found = self.types[index]
        if found is None:
            raise GradientError(
                f"the gradient of {self.node_name} ({self.node.op}) needs the shape of its "
                f"input {self.node.inputs[index].label!r}; give the variables shapes "
                "(var(..., shape=...) or sg.grad(..., name=shape))")
        return found

    x = property(lambda self: self.inputs[0])
    y = property(lambda self: self.inputs[1])
    out = property(lambda self: self.outputs[0])


def gradients(graph, wrt, head_grads, types):
    """Gradient values of the sum of ``graph.outputs`` (weighted by
    ``head_grads``, a Value or ``None`` for ones per output) with respect to
    each value in ``wrt``. ``types`` maps values to inferred types."""
    for value in wrt:
        _check_differentiable(graph, value, types.get(value))
    live = _depends_on(graph, wrt)
    contributions = {}
    for output, head in zip(graph.outputs, head_grads):
        if output.node in live:
            seed = head if head is not None else apply("ones_like", (Symbol([output]),), {}).value
            contributions.setdefault(output, []).append(seed)
    for node in reversed(graph.nodes):
        if node in live and node.op != "var" and any(v in contributions for v in node.outputs):
            _backprop(node, contributions, live, types)
    return [_total(contributions.get(v)) or _zeros_like(v) for v in wrt]


def _check_differentiable(graph, value, value_type):
    if value.node not in graph.nodes:
        raise GradientError(f"{value.label!r} is not in the graph of the outputs, so it has "
                            "no gradient")
    dtype = value_type.dtype if value_type is not None else _declared_dtype(value)
    if dtype is not None and not dtypes.is_float(dtype):
        raise GradientError(f"{value.label!r} is {dtype.name}: only float values have "
                            "gradients (labels and indices have none)")


def _declared_dtype(value):
    if value.node.op == "var" and value.node.attrs["dtype"] is not None:
        return dtypes.as_dtype(value.node.attrs["dtype"])
    return None


def _depends_on(graph, wrt):
    """Nodes whose value changes with some value in ``wrt``."""
    sources = {v.node for v in wrt}
    live = set()
    for node in graph.nodes:
        if node in sources or any(v.node in live for v in node.inputs):
            live.add(node)
    return live


def _backprop(node, contributions, live, types):
    op = registry.get(node.op)
    out_grads = [_total(contributions.get(v)) for v in node.outputs]
    if node.num_outputs > 1:
        out_grads = [g or _zeros_like(v) for g, v in zip(out_grads, node.outputs)]
    with naming.name_scope(f"{node.name}_grad_"):
        in_grads = op.grad(GradContext(node, types), *[Symbol([g]) for g in out_grads])
    for index, (value, grad) in enumerate(zip(node.inputs, in_grads)):
        if grad is None or index in op.nondiff(node.attrs) or value.node not in live:
            continue
        if not dtypes.is_float(_dtype_or_float(types.get(value))):
            continue
        grad = _unbroadcast(op, grad, value, types.get(node.outputs[0]), types.get(value))
        contributions.setdefault(value, []).append(grad.value)


def _dtype_or_float(value_type):
    return value_type.dtype if value_type is not None else dtypes.DEFAULT_FLOAT


def _unbroadcast(op, grad, value, out_type, value_type):
    """Sum an elementwise op's gradient (shaped like the op's output) back to
    the shape of a broadcast input; skipped when the shapes are known to agree."""
    if op.kind != Kind.ELEMWISE:
        return grad
    if out_type is not None and value_type is not None and out_type.shape == value_type.shape:
        return grad
    return apply("sum_to_like", (grad, Symbol([value])), {})


def _total(values):
    """The sum of gradient contributions, or ``None`` if there are none."""
    if not values:
        return None
    total = values[0]
    for value in values[1:]:
        total = apply("add", (Symbol([total]), Symbol([value])), {}).value
    return total


def _zeros_like(value):
    return apply("zeros_like", (Symbol([value]),), {}).value
