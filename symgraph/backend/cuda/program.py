"""The CUDA programs: what an executor (``CUDAProgram``) and a compiled
training step (``CUDAStep``) run on a device. They mirror the CPU's
(``cpu/program.py``: the same two-phase training plan, the same run state)
with device arrays: arguments and gradients stay on the device, and only
what the user reads comes back (a step's outputs; an executor's outputs
are device NDArrays the user copies when they want).
"""

import numpy as np

from ...options import CompileOptions
from ..cpu.checking import compare
from ..cpu.program import RunState, forward_phases
from .device import copy, on, to_host
from .plan import CUDAPlan


def _host(arrays):
    return {name: to_host(a) for name, a in arrays.items()}


class CUDAProgram:
    """Runs ``compiler.ExecutorGraphs`` on ``context``'s GPU."""

    def __init__(self, graphs, context, options=CompileOptions()):
        self.graphs, self.context, self.options = graphs, context, options
        self.run_state = RunState()
        self.predict = CUDAPlan(graphs.predict, graphs.types, options=options)
        self.train = CUDAPlan(graphs.train, graphs.types,
                              forward_phases(graphs.train, graphs.num_outputs), options=options)
        # Head gradients live in device arrays of their own, bound with the training plan.
        with on(context) as cuda:
            self.head_arrays = {
                node.name: cuda.device_array(graphs.types[node.outputs[0]].shape,
                                             graphs.types[node.outputs[0]].dtype)
                for node in self.train.graph.variables() if node.name in graphs.head_names}
        self._bound = {}  # plan -> (argument identities, bound plan)
        self._last = None

    def _bind(self, plan, args):
        """The plan bound to these argument arrays; rebound only when they change."""
        key = tuple(id(a) for a in args.values())
        if self._bound.get(plan, (None,))[0] != key:
            arrays = {**args, **self.head_arrays}
            self._bound[plan] = (key, plan.bind(arrays, self.run_state, self.context))
        return self._bound[plan][1]

    def _check(self, plan, bound, phase):
        if self.options.check:
            feeds = _host({n.name: bound.values[n.outputs[0]] for n in plan.graph.variables()})
            compare(plan, bound.snapshots, feeds, self.run_state.context(), phase)

    def forward(self, args, is_train, step):
        """Device output arrays for device argument arrays ``args`` (by name)."""
        self.run_state.step, self.run_state.is_train = step, is_train
        plan = self.train if is_train else self.predict
        bound = self._bind(plan, args)
        bound.run(phase=0)
        self._check(plan, bound, phase=0)
        self._last = bound if is_train else None
        return [bound.values[v] for v in plan.graph.outputs[:self.graphs.num_outputs]]

    def backward(self, head_grads):
        """Device gradient arrays (by name) for host head gradients."""
        bound = self._last
        for name, grad in head_grads.items():
            if name in self.head_arrays:
                copy(self.head_arrays[name], grad)
        bound.run(phase=1)
        self._check(self.train, bound, phase=1)
        grads = self.train.graph.outputs[self.graphs.num_outputs:]
        return {name: bound.values[v] for name, v in zip(self.graphs.grad_names, grads)}

    def profile(self):
        return {name: {"seconds": s, "calls": c, "bytes": b}
                for _, bound in self._bound.values() for name, (s, c, b) in bound.profile.items()}


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
