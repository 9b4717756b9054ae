"""What every backend's executor program shares: the run state random ops
read, the split of a training plan into two phases, and the program that
binds the prediction and training plans and runs them.

The training plan is one schedule in two phases: phase 0 computes the
outputs (``forward(is_train=True)``), phase 1 the gradients (``backward``),
reading what phase 0 left in its storages. Kernels never mix the phases.
A backend subclasses ``TwoPhaseProgram`` with its plan type and says how
to allocate, fill and read its arrays.
"""

from dataclasses import dataclass

from ..graph.ir import Graph
from ..options import CompileOptions
from ..run_context import RunContext
from .checking import compare


@dataclass
class RunState:
    """The mutable part of a run that random ops read: step and mode."""

    step: int = 0
    is_train: bool = False

    def context(self):
        return RunContext(is_train=self.is_train, step=self.step)


def forward_phases(graph, num_outputs):
    """Phase 0 for every node the first ``num_outputs`` outputs need, else 1."""
    forward = set(Graph(graph.outputs[:num_outputs]).nodes)
    return {node: 0 if node in forward else 1 for node in graph.nodes}


class TwoPhaseProgram:
    """Runs ``compiler.ExecutorGraphs`` with ``plan_type`` plans.

    Subclasses define ``_new_array(tensor_type)`` (an array of the backend, for a head gradient),
    ``_bind_plan(plan, arrays)``, ``_write(target, value)`` (a head gradient
    into its array) and ``_host(arrays)`` (numpy arrays for check mode)."""

    def __init__(self, graphs, plan_type, options=CompileOptions()):
        self.graphs, self.options = graphs, options
        self.run_state = RunState()
        self.predict = plan_type(graphs.predict, graphs.types, options=options)
        self.train = plan_type(graphs.train, graphs.types,
                               forward_phases(graphs.train, graphs.num_outputs),
                               options=options)
        # The head gradients' arrays belong to the program: binding a plan again keeps them.
        self.head_arrays = {node.name: self._new_array(graphs.types[node.outputs[0]])
                            for node in self.train.graph.variables()
                            if node.name in graphs.head_names}
        self._bound = {}  # plan -> (argument identities, bound plan)
        self._last = None

    def _bind(self, plan, args):
        """The plan bound to these argument arrays; rebound only when they change."""
        key = tuple(id(a) for a in args.values())
        if self._bound.get(plan, (None,))[0] != key:
            self._bound[plan] = (key, self._bind_plan(plan, {**args, **self.head_arrays}))
        return self._bound[plan][1]

    def _check(self, plan, bound, phase):
        """Check mode: the phase's kernels against the reference backend, fed
        the arrays the plan is bound to (arguments and head gradients)."""
        if self.options.check:
            feeds = {n.name: bound.values[n.outputs[0]] for n in plan.graph.variables()}
            compare(plan, bound.snapshots, self._host(feeds), self.run_state.context(), phase)

    def forward(self, args, is_train, step):
        """The output arrays, for argument arrays ``args`` (by name)."""
        self.run_state.step, self.run_state.is_train = step, is_train
        plan = self.train if is_train else self.predict
        bound = self._bind(plan, args)
        bound.run(phase=0)
        self._check(plan, bound, phase=0)
        self._last = bound if is_train else None
        return [bound.values[v] for v in plan.graph.outputs[:self.graphs.num_outputs]]

    def backward(self, head_grads):
        """The gradient arrays (by name), given head gradients by name."""
        bound = self._last
        for name, grad in head_grads.items():
            if name in self.head_arrays:
                self._write(self.head_arrays[name], grad)
        bound.run(phase=1)
        self._check(self.train, bound, phase=1)
        grads = self.train.graph.outputs[self.graphs.num_outputs:]
        return {name: bound.values[v] for name, v in zip(self.graphs.grad_names, grads)}

    def profile(self):
        """Per kernel: seconds, calls and bytes moved, over both plans' runs."""
        return {name: {"seconds": s, "calls": c, "bytes": b}
                for _, bound in self._bound.values() for name, (s, c, b) in bound.profile.items()}
