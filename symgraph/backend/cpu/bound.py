"""A compiled plan bound to arrays: the list of steps a run calls.

Binding happens once per set of argument arrays: every storage is allocated,
every value gets its array (a typed view of a storage, a numpy view of
another value, or a bound argument), and every step gets its arguments
ready, so a run is a loop of calls with no allocation and no lookups.

Modes (``CompileOptions``): ``check`` poisons a value's bytes with NaN after
its last reader and keeps a copy of every kernel's results, which
``backend/checking.compare`` holds against the reference backend;
``profile`` times every kernel; ``strict`` refuses copies that a view or
port would need.
"""

import time

import numpy as np

from ...errors import InternalError, LoweringError
from ...ops import registry
from ...ops.indexing import checked_indices
from ...ops.registry import describe
from ...ops.shape_rules import normalize_axis
from ...passes.fuse import OPAQUE, VIEW
from ..binding import bound_values, phase_steps
from .cache import compile_for
from .gathers import one_hot_step
from .sampling import SUPPORTED, uniform_step


class BoundPlan:
    """A compiled plan with arrays: ``run(phase)`` calls its steps."""

    def __init__(self, plan, arrays, run):
        self.plan, self.run_state, self.options = plan, run, plan.options
        self.storages = [np.empty(size, np.uint8) for size in plan.memory.sizes]
        self.values = bound_values(plan, arrays, self.storages, upload=lambda array: array)
        self.snapshots = {}   # check mode: value -> copy of what its kernel wrote
        self.profile = {}     # profile mode: kernel name -> [seconds, calls, bytes]
        self.steps = phase_steps(plan, self._kernel_steps, np.copyto, arrays, self.values)

    def run(self, phase=0):
        for function, args in self.steps.get(phase, ()):
            function(*args)

    def _kernel_steps(self, kernel):
        steps = self._steps(kernel)
        if self.options.profile and steps:
            moved = sum(np.asarray(self.values[v]).nbytes for v in kernel.inputs + kernel.outputs)
            record = self.profile.setdefault(kernel.name, [0.0, 0, moved])
            steps = [(_timed, (steps, record))]
        if self.options.check:
            steps += [(_snapshot, (self.snapshots, v, self.values[v])) for v in kernel.outputs]
            steps += [(np.ndarray.fill, (self.storages[s][first:end], 0xFF))
                      for s, first, end in self.plan.memory.freed_after.get(kernel.index, ())]
        return steps

    # ---- steps per kernel kind -------------------------------------------------------
    def _steps(self, kernel):
        if kernel.kind == VIEW:
            return self._view(kernel)
        if kernel.kind == OPAQUE:
            return [self._opaque(node) for node in kernel.nodes]
        nest = self.plan.nests[kernel.index]
        prepare, ports = [], []
        for port in nest.ports:
            array, copy = self._port_array(kernel, port)
            ports.append(array)
            if copy is not None:
                prepare.append(copy)
        full, reduced = nest.output_arrays()
        outputs = [self.values[v].reshape(nest.dims) for v in full]
        outputs += [self.values[v].reshape(nest.dims[0], nest.dims[2]) for v in reduced]
        function = self.plan.functions[kernel.index]
        args = tuple([int(d) for d in nest.dims] + ports + outputs)
        compile_for(function, args)
        return prepare + [(function, args)]

    def _port_array(self, kernel, port):
        """The array a kernel reads for ``port``, and a copy step if it must be
        made contiguous (or dense) before each run."""
        source = np.asarray(self.values[port.value], dtype=self.plan.types[port.value].dtype)
        if source.flags.c_contiguous and not port.dense:
            return source.reshape(port.access).reshape(port.view), None
        if self.options.strict:
            raise LoweringError(f"kernel {kernel.name} would copy {port.value.label!r} before "
                                "each run (a strided or partly broadcast input; strict mode)")
        target = np.empty(kernel.space if port.dense else port.access, source.dtype)
        return target.reshape(port.view), (_refresh_port, (target, source, port.access))

    def _view(self, kernel):
        node = kernel.nodes[0]
        inputs = [self.values[v] for v in node.inputs]
        view = registry.get(node.op).reference(*inputs, **node.attrs.as_dict())
        if np.shares_memory(view, inputs[0]) or view.size == 0:
            self.values[node.outputs[0]] = view
            return []
        if self.options.strict:
            raise LoweringError(f"{describe(node)}: not a view of its input here; it would "
                                "be copied before each run (strict mode)")
        self.values[node.outputs[0]] = target = np.empty_like(view)
        return [(_refresh_view, (node, inputs, target))]

    def _opaque(self, node):
        inputs = [self.values[v] for v in node.inputs]
        out = self.values[node.outputs[0]]
        if node.op == "matmul":
            return (_matmul, (inputs[0], inputs[1], out))
        if node.op == "take":
            return (_take, (inputs[0], inputs[1], node.attrs["axis"], out))
        if node.op == "one_hot" and inputs[0].flags.c_contiguous and out.flags.c_contiguous:
            return one_hot_step(inputs[0], node.attrs, out, self.options.strict)
        if node.op == "random_uniform" and out.dtype in SUPPORTED and out.flags.c_contiguous:
            return uniform_step(node.attrs, out, self.run_state, self.options.strict)
        op = registry.get(node.op)
        return (_library, (op, node.attrs.as_dict(), op.uses_run, self.run_state, inputs, out))


def _matmul(a, b, out):
    np.matmul(a, b, out=out)


def _take(a, indices, axis, out):
    n = a.shape[normalize_axis(axis, a.ndim)]
    np.take(a, checked_indices(indices, -n, n, "take index"), axis=axis, out=out, mode="wrap")


def _library(op, attrs, uses_run, run_state, inputs, out):
    """An op whose kernel is numpy's (scatters, normal samples, joins, slices): its
    reference, written into place."""
    if uses_run:
        attrs = {**attrs, "run": run_state.context()}
    result = op.reference(*inputs, **attrs)
    if np.shape(result) != out.shape:
        raise InternalError(f"{op.name} gave shape {np.shape(result)} for {out.shape}")
    np.copyto(out, result, casting="unsafe")


def _refresh_port(target, source, access):
    np.copyto(target, np.reshape(source, access))


def _refresh_view(node, inputs, target):
    np.copyto(target, registry.get(node.op).reference(*inputs, **node.attrs.as_dict()))


def _timed(steps, record):
    start = time.perf_counter()
    for function, args in steps:
        function(*args)
    record[0] += time.perf_counter() - start
    record[1] += 1


def _snapshot(snapshots, value, array):
    snapshots[value] = np.array(array, copy=True)
