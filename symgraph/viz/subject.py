"""What a picture draws: a graph with its types, its parameters, and which
part of a training computation each node belongs to.

    Symbol + shapes ──────────────> the user's graph (view 'graph')
    Symbol + shapes ──build_graphs─> predict graph, or train graph (forward, backward)
    TrainStep ─────────────────────> the step's graph (forward, backward, update)
                                      └─fuse, place_updates, plan_memory─> kernels, storages

Parameters are recognised by role, never by name: a variable marked
``role="param"`` (layers create their weights so), or one fed into an input
a layer would have created as a parameter (``FullyConnected``'s weight).
The kernel plan is computed with the passes the CPU backend runs, without
compiling any kernel.
"""

from dataclasses import dataclass, field
from functools import cached_property

from ..dtypes import is_float
from ..errors import ShapeError
from ..graph.ir import Graph, TensorType
from ..ops import registry
from ..passes.fuse import fuse
from ..passes.infer import infer_types
from ..passes.plan_memory import plan_memory
from ..passes.updates import place_updates
from ..step import TrainStep


@dataclass
class Subject:
    """A graph to draw. ``role_of`` maps computed nodes to ``"forward"``,
    ``"backward"`` or ``"update"`` (empty: a forward-only graph);
    ``compile_phases`` is what the compiler fuses by (``None``: one phase);
    ``assign`` maps step outputs to the variables they overwrite."""

    graph: Graph
    types: dict
    params: frozenset
    role_of: dict = field(default_factory=dict)
    compile_phases: dict = None
    assign: dict = field(default_factory=dict)

    def role(self, node):
        return self.role_of.get(node, "forward")

    def layer_of(self, node):
        """The user-level layer a primitive belongs to, as errors name it
        (``fc1 (FullyConnected)``), ``gradient of ...`` for a gradient node; or ``None``."""
        if node.origin is not None:
            return node.origin
        return self._gradient_layers.get(node)

    @cached_property
    def _gradient_layers(self):
        # Autodiff names gradient nodes "{differentiated node}_grad_..." and leaves their
        # origin unset; that name is the only link back to the layer. The differentiated
        # node may be a forward node, or a layer with its own gradient rule that was
        # expanded since (known by the origin its primitives carry: "name (op)").
        layers = {}
        for node in self.graph.nodes:
            if self.role(node) == "forward" and node.op != "var":
                layers[node.name] = node.origin or f"{node.name} ({node.op})"
                if node.origin is not None:
                    layers.setdefault(node.origin.rsplit(" (", 1)[0], node.origin)
        found = {}
        for node in self.graph.nodes:
            head, sep, _ = node.name.rpartition("_grad_")
            while sep and head not in layers:
                head, sep, _ = head.rpartition("_grad_")
            if sep and self.role(node) != "forward":
                found[node] = f"gradient of {layers[head]}"
        return found


def parameters(graph):
    """Variables that are parameters: marked ``role="param"``, or read where a
    layer would have created a parameter."""
    found = {n for n in graph.nodes if n.op == "var" and n.attrs["role"] == "param"}
    for node in graph.nodes:
        for index, role in registry.get(node.op).auto_inputs.items():
            if role == "param" and index < len(node.inputs) \
                    and node.inputs[index].node.op == "var":
                found.add(node.inputs[index].node)
    return frozenset(found)


def argument_types(symbol, shape=None, dtype=None, partial=False):
    """``(graph, types)``: the symbol's graph typed from ``shape`` and ``dtype``
    (name -> shape, name -> dtype; a single dtype applies to every argument)."""
    graph = symbol.graph()
    names = [n.name for n in graph.variables()]
    shape = dict(shape or {})
    if not isinstance(dtype, dict):
        dtype = {name: dtype for name in names} if dtype is not None else {}
    unknown = sorted((set(shape) | set(dtype)) - set(names))
    if unknown:
        raise ShapeError(f"{', '.join(map(repr, unknown))} is not an argument; "
                         f"arguments are {names}")
    declared = {n.name: n.attrs["dtype"] for n in graph.variables()}
    bound = {name: TensorType(tuple(dims), dtype.get(name) or declared[name] or "float32")
             for name, dims in shape.items()}
    return graph, infer_types(graph, bound, partial=partial)


def user_subject(symbol, shape=None, dtype=None):
    """The graph as the user built it, with whatever types the shapes give;
    in a gradient graph (``sg.grad``), what autodiff built is ``backward``."""
    graph, types = argument_types(symbol, shape, dtype, partial=True)
    return Subject(graph, types, parameters(graph), gradient_roles(graph))


def gradient_roles(graph):
    """``{node: "backward"}`` for the nodes autodiff built: it names them
    ``{differentiated node}_grad_...``; what is computed from them (the sums
    of contributions) is backward too, and so is the ``ones_like`` seed of a
    summed output, which only gradient nodes read."""
    roles = {}
    for node in graph.nodes:
        if node.op != "var" and ("_grad_" in node.name
                                 or any(v.node in roles for v in node.inputs)):
            roles[node] = "backward"
    readers = {}
    for node in graph.nodes:
        for value in node.inputs:
            readers.setdefault(value.node, []).append(node)
    for node in graph.nodes:
        if node.op == "ones_like" and readers.get(node) and all(
                r in roles for r in readers[node]):
            roles[node] = "backward"
    return roles


def compiled_subject(symbol, shape=None, dtype=None, train=False):
    """The graph the CPU backend compiles for ``symbol``: its prediction graph
    (a gradient's parts marked as in ``user_subject``), or with ``train`` its
    training graph (outputs, then the gradients of the
    parameters, or of every float argument when there are no parameters)."""
    from ..backend.program import forward_phases
    from ..compiler import build_graphs

    graph, types = argument_types(symbol, shape, dtype)
    arg_types = {n.name: types[n.outputs[0]] for n in graph.variables()}
    params = parameters(graph)
    differentiated = [n for n in graph.variables() if n in params] or [
        n for n in graph.variables() if is_float(types[n.outputs[0]].dtype)]
    grad_names = [n.name for n in differentiated] if train else []
    graphs = build_graphs(symbol, arg_types, grad_names)
    if not train:
        return Subject(graphs.predict, graphs.types, params, gradient_roles(graphs.predict))
    phases = forward_phases(graphs.train, graphs.num_outputs)
    roles = {node: ("forward", "backward")[phase] for node, phase in phases.items()}
    return Subject(graphs.train, graphs.types, params, roles, phases)


def step_subject(step):
    """A ``TrainStep``'s graph: forward, backward and the optimizer's update,
    in one phase as the backend compiles it."""
    program = step._program
    if hasattr(program, "plan"):      # the CPU backend's CompiledStep
        plan = program.plan
        graph, types, assign = plan.graph, plan.types, {**plan.direct, **plan.write_back}
    else:                             # the reference backend's step
        graph, types, assign = program.graph, program.types, program.assign
    forward = set(Graph(graph.outputs[:step.num_outputs]).nodes)
    optimizer_vars = set(step.arrays) - set(step.param_names) - set(step.data_names)
    roles = {}
    for node in graph.nodes:
        if node in forward:
            roles[node] = "forward"
        elif (node.op == "var" and node.name in optimizer_vars) or any(
                roles.get(v.node) == "update" for v in node.inputs):
            roles[node] = "update"
        else:
            roles[node] = "backward"
    params = parameters(graph) | {n for n in graph.variables() if n.name in step.param_names}
    return Subject(graph, types, frozenset(params), roles, None, assign)


def subject_for(thing, shape=None, dtype=None, train=False, compiled=True):
    """The subject of a picture of ``thing`` (a Symbol or a TrainStep)."""
    if isinstance(thing, TrainStep):
        return step_subject(thing)
    if compiled:
        return compiled_subject(thing, shape, dtype, train)
    return user_subject(thing, shape, dtype)


@dataclass
class KernelPlan:
    """Kernels and storages, as ``CompiledPlan`` computes them."""

    kernel_graph: object
    memory: object
    direct: dict          # value -> variable it is written into directly
    write_back: dict      # value -> variable it is copied into at the end


def kernel_plan(subject):
    """Fuse, schedule the updates and plan memory: ``CompiledPlan``'s passes,
    without compiling kernels."""
    kernel_graph = fuse(subject.graph, subject.types, subject.compile_phases)
    direct, write_back = place_updates(kernel_graph, subject.assign)
    memory = plan_memory(kernel_graph, external=direct)
    return KernelPlan(kernel_graph, memory, direct, write_back)
