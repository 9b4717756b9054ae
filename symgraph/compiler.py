"""The compiler side of an executor: from a symbol and the types bound to its
arguments, the graphs to run (expanded, differentiated) and a program that
runs them on a backend.

    symbol ─expand(keep composites with own grads)─> autodiff ─expand─> train graph
           ─expand(predict mode)───────────────────────────────────> predict graph
                                    both ──> backend program (reference: numpy;
                                             a gpu context: the CUDA backend)

The executor only binds arrays to a program and calls it; it never sees a pass.
"""

from dataclasses import dataclass

from .errors import ContextError
from .graph.ir import Graph, Node
from .options import compile_options
from .ops import registry
from .ops.registry import Kind
from .passes.autodiff import gradients
from .passes.expand import expand
from .passes.infer import infer_types
from .passes.simplify import simplify
from .run_context import RunContext

# Composites differentiated as a whole (before expansion) because they carry a rule.
OWN_GRADIENTS = frozenset(op.name for op in registry.all_ops()
                          if op.kind == Kind.COMPOSITE and op.grad is not None)


def differentiate(graph, wrt, head_grads, bound=None, partial=False):
    """``graph``'s outputs followed by the gradients of ``wrt`` (Values)."""
    kept = expand(graph, bound, RunContext(is_train=True), keep=OWN_GRADIENTS)
    types = infer_types(kept, bound, partial=partial)
    grads = gradients(kept, wrt, head_grads, types)
    return Graph(list(kept.outputs) + grads)


@dataclass(frozen=True)
class ExecutorGraphs:
    """Plain data for a backend: what to compute in each mode.

    ``train`` computes the outputs (in training mode) followed by the
    gradients of ``grad_names``; ``head_names`` are the variables that carry
    each output's head gradient in ``train`` (unused ones are absent)."""

    predict: Graph
    train: Graph
    num_outputs: int
    grad_names: tuple
    head_names: tuple
    types: dict


def head_grad_name(output_name):
    return f"{output_name}__head_grad"


def build_graphs(symbol, arg_types, grad_names):
    """Expand and differentiate ``symbol`` for arguments of ``arg_types``
    (name -> TensorType), with gradients for ``grad_names``."""
    graph = symbol.graph()
    out_types = infer_types(graph, arg_types)
    heads = []
    for name, value in zip(symbol.list_outputs(), graph.outputs):
        attrs = registry.get("var").canonical_attrs({"role": "label"}, "head gradient")
        heads.append(Node("var", (), attrs, head_grad_name(name)).outputs[0])
    head_types = {h.node.name: out_types[v] for h, v in zip(heads, graph.outputs)}
    bound = {**arg_types, **head_types}
    by_name = {n.name: n.outputs[0] for n in graph.variables()}
    train = expand(differentiate(graph, [by_name[n] for n in grad_names], heads, bound),
                   bound, RunContext(is_train=True))
    predict = expand(graph, arg_types, RunContext(is_train=False))
    train, predict = simplify(train, bound), simplify(predict, arg_types)
    types = {**infer_types(train, bound), **infer_types(predict, arg_types)}
    return ExecutorGraphs(predict, train, len(graph.outputs), tuple(grad_names),
                          tuple(h.node.name for h in heads), types)


def build_program(symbol, arg_types, grad_names, backend="cpu", ctx=None):
    """A backend program for ``symbol`` (see ``ExecutorGraphs``); ``backend`` is
    a name or ``CompileOptions``. On a gpu ``ctx`` the compiled backend is the
    CUDA one, with the same options; the reference backend runs on the CPU only."""
    options = compile_options(backend)
    if ctx is not None and ctx.device_type == "gpu":
        refuse_reference_on_gpu(options, ctx)
        from .backend.cuda.program import CUDAProgram

        return CUDAProgram(build_graphs(symbol, arg_types, grad_names), ctx, options)
    graphs = build_graphs(symbol, arg_types, grad_names)
    if options.backend == "reference":
        from .backend.reference import ReferenceProgram

        return ReferenceProgram(graphs)
    from .backend.cpu.program import CPUProgram

    return CPUProgram(graphs, options)


def refuse_reference_on_gpu(options, ctx):
    if options.backend == "reference":
        raise ContextError(f"the reference backend computes with numpy on the CPU; "
                           f"bind to sg.cpu() to use it, not {ctx}")
