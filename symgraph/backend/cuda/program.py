"""The CUDA programs: what an executor (``CUDAProgram``) and a compiled
training step (``CUDAStep``) run on a device. They mirror the CPU's
(``cpu/program.py``: the same two-phase training plan and run state, from
``backend/program.py``) with device arrays: arguments and gradients stay on the device, and only
what the user reads comes back (a step's outputs; an executor's outputs
are device NDArrays the user copies when they want).
"""

import numpy as np

from ...options import CompileOptions
from ..checking import compare
from ..program import RunState, TwoPhaseProgram
from .device import copy, on, to_host
from .plan import CUDAPlan


def _host(arrays):
    return {name: to_host(a) for name, a in arrays.items()}


class CUDAProgram(TwoPhaseProgram):
    """Runs ``compiler.ExecutorGraphs`` on ``context``'s GPU; outputs and
    gradients are device arrays, head gradients are uploaded from the host."""

    def __init__(self, graphs, context, options=CompileOptions()):
        self.context = context
        super().__init__(graphs, CUDAPlan, options)

    def _new_array(self, tensor_type):
        with on(self.context) as cuda:
            return cuda.device_array(tensor_type.shape, tensor_type.dtype)

    def _bind_plan(self, plan, arrays):
        return plan.bind(arrays, self.run_state, self.context)

    def _write(self, target, value):
        copy(target, value)

    def _host(self, arrays):
        return _host(arrays)


class CUDAStep:
    """A training step's graph as one plan on a device. ``arrays`` (host, by
    name) are copied to the device once; then each call uploads only the
    variables no update writes (data, labels, hyperparameters) and returns
    host copies of the outputs. ``self.arrays`` are the device arrays."""

    def __init__(self, graph, types, arrays, assign, context, options=CompileOptions()):
        self.plan = CUDAPlan(graph, types, assign=assign, options=options)
        self.run_state = RunState(is_train=True)
        self.host = arrays
        with on(context) as cuda:
            self.arrays = {name: cuda.to_device(np.asarray(a, order="C"))
                           for name, a in arrays.items()}
        targets = set(assign.values())
        self.uploads = [n.name for n in graph.variables() if n.name not in targets]
        self.bound = self.plan.bind(self.arrays, self.run_state, context)
        self.outputs = [v for v in graph.outputs if v not in assign]

    def __call__(self, step):
        self.run_state.step = step
        for name in self.uploads:
            copy(self.arrays[name], self.host[name])
        before = _host(self.arrays) if self.plan.options.check else {}
        self.bound.run(0)
        if before:
            compare(self.plan, self.bound.snapshots, before, self.run_state.context(), phase=0)
        return [to_host(self.bound.values[v]) for v in self.outputs]

    def report(self):
        return self.plan.report()
