"""The CPU programs: what an executor (``CPUProgram``: the prediction and
the two-phase training graph, see ``backend/program.py``) and a compiled
training step (``CompiledStep``) run, with numba kernels on numpy arrays.
"""

import numpy as np

from ...options import CompileOptions
from ..checking import compare
from ..program import RunState, TwoPhaseProgram
from .plan import CompiledPlan


class CPUProgram(TwoPhaseProgram):
    """Runs ``compiler.ExecutorGraphs`` with compiled numba kernels."""

    def __init__(self, graphs, options=CompileOptions()):
        super().__init__(graphs, CompiledPlan, options)

    def _new_array(self, tensor_type):
        return np.zeros(tensor_type.shape, tensor_type.dtype)

    def _bind_plan(self, plan, arrays):
        return plan.bind(arrays, self.run_state)

    def _write(self, target, value):
        np.copyto(target, value)

    def _host(self, arrays):
        return arrays


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
