"""The CPU program an executor runs: its prediction graph and its training
graph (forward outputs, then gradients), each compiled to a ``CompiledPlan``.

The training plan is one schedule in two phases: phase 0 computes the
outputs (``forward(is_train=True)``), phase 1 the gradients (``backward``),
reading what phase 0 left in its storages. Kernels never mix the phases.
"""

from dataclasses import dataclass

import numpy as np

from ...graph.ir import Graph
from ...run_context import RunContext
from ...options import CompileOptions
from .checking import compare
from .plan import CompiledPlan


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


class CPUProgram:
    """Runs ``compiler.ExecutorGraphs`` with compiled numba kernels."""

    def __init__(self, graphs, options=CompileOptions()):
        self.graphs, self.options = graphs, options
        self.run_state = RunState()
        self.predict = CompiledPlan(graphs.predict, graphs.types, options=options)
        self.train = CompiledPlan(graphs.train, graphs.types,
                                  forward_phases(graphs.train, graphs.num_outputs),
                                  options=options)
        # The head gradients' arrays belong to the program: binding a plan again keeps them.
        self.head_arrays = {}
        for node in self.train.graph.variables():
            if node.name in graphs.head_names:
                t = graphs.types[node.outputs[0]]
                self.head_arrays[node.name] = np.zeros(t.shape, t.dtype)
        self._bound = {}  # plan -> (argument identities, BoundPlan)
        self._last = None

    def _bind(self, plan, args):
        """The plan bound to these argument arrays; rebound only when they change."""
        key = tuple(id(a) for a in args.values())
        if self._bound.get(plan, (None,))[0] != key:
            self._bound[plan] = (key, plan.bind({**args, **self.head_arrays}, self.run_state))
        return self._bound[plan][1]

    def _check(self, plan, bound, feeds, phase):
        if self.options.check:
            compare(plan, bound.snapshots, {**self._feeds(bound), **feeds},
                    self.run_state.context(), phase)

    def _feeds(self, bound):
        return {n.name: bound.values[n.outputs[0]] for n in bound.plan.graph.variables()}

    def profile(self):
        """Per kernel: seconds, calls and bytes moved, over both plans' runs."""
        report = {}
        for _, bound in self._bound.values():
            for name, (seconds, calls, moved) in bound.profile.items():
                report[name] = {"seconds": seconds, "calls": calls, "bytes": moved}
        return report

    def forward(self, args, is_train, step):
        self.run_state.step, self.run_state.is_train = step, is_train
        plan = self.train if is_train else self.predict
        bound = self._bind(plan, args)
        bound.run(phase=0)
        self._check(plan, bound, args, phase=0)
        self._last = bound if is_train else None
        return [bound.values[v] for v in plan.graph.outputs[:self.graphs.num_outputs]]

    def backward(self, head_grads):
        bound = self._last
        for name, grad in head_grads.items():
            if name in self.head_arrays:
                np.copyto(self.head_arrays[name], grad)
        bound.run(phase=1)
        self._check(self.train, bound, {**self._feeds(bound), **self.head_arrays}, phase=1)
        grads = self.train.graph.outputs[self.graphs.num_outputs:]
        return {name: bound.values[v] for name, v in zip(self.graphs.grad_names, grads)}


class CompiledStep:
    """A training step's graph (see ``symgraph.step``) as one compiled plan,
    bound once to the step's arrays; assigned values update them in place."""

    def __init__(self, graph, types, arrays, assign, options=CompileOptions()):
        self.plan = CompiledPlan(graph, types, assign=assign, options=options)
        self.run_state = RunState(is_train=True)
        self.arrays = arrays
        self.bound = self.plan.bind(arrays, self.run_state)
        self.outputs = [v for v in graph.outputs if v not in assign]

    def __call__(self, step):
        self.run_state.step = step
        # Check mode compares with the reference on the values before the update.
        before = {k: a.copy() for k, a in self.arrays.items()} if self.plan.options.check else {}
        self.bound.run(0)
        if before:
            compare(self.plan, self.bound.snapshots, before, self.run_state.context(), phase=0)
        return [self.bound.values[v] for v in self.outputs]

    def report(self):
        return self.plan.report()
