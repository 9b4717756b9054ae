"""A graph compiled for the CPU: fused kernels as numba functions, a memory
plan, and, once bound to argument arrays, a list of steps to call.

    Graph ──fuse──> kernels ──plan_memory──> storages ──codegen/cache──> numba kernels
                                                   bind(arrays) ──> [(function, args), ...]

Binding happens once per set of argument arrays: every storage is allocated,
every value gets its array (a typed view of a storage, a numpy view of
another value, or a bound argument), and every step gets its arguments
ready, so running is a loop of calls with no allocation and no lookups.
"""

import numpy as np

from ...errors import InternalError
from ...ops import registry
from ...ops.indexing import checked_indices
from ...ops.shape_rules import normalize_axis
from ...ops.source import ConstArray
from ...passes.fuse import ELEMENTWISE, OPAQUE, REDUCE, VIEW, fuse
from ...passes.plan_memory import plan_memory
from ...passes.updates import place_updates
from .cache import compile_for, load_kernel
from .codegen import is_inlined, kernel_source
from .loopnest import plan_loops
from .scalars import import_header

PARALLEL_MIN_ELEMENTS = 1 << 40


class CompiledPlan:
    """Kernels and a memory plan for ``graph`` (plain data until bound)."""

    def __init__(self, graph, types, phase_of=None, assign=None, math="fast", check=False):
        """``assign`` maps output values to the variables they update in place."""
        self.graph, self.types, self.check = graph, types, check
        self.kernel_graph = fuse(graph, types, phase_of)
        self.direct, self.write_back = place_updates(self.kernel_graph, assign or {})
        self.memory = plan_memory(self.kernel_graph, external=self.direct)
        if check:
            self.memory.verify()
        self.nests, self.functions, self.sources = {}, {}, {}
        for kernel in self.kernel_graph.kernels:
            if kernel.kind in (ELEMENTWISE, REDUCE):
                nest = plan_loops(kernel, types, is_inlined)
                parallel = _worth_parallel(nest)
                source = import_header(math) + "\n\n\n" + kernel_source(kernel, nest, types,
                                                                        parallel)
                self.nests[kernel.index] = nest
                self.sources[kernel.index] = source
                self.functions[kernel.index] = load_kernel(source)

    def bind(self, arrays, run):
        """``BoundPlan`` over ``arrays`` (variable name -> array); ``run`` is the
        mutable run state (step, train mode) random ops read."""
        return BoundPlan(self, arrays, run)

    def report(self):
        return self.memory.report()


def _worth_parallel(nest):
    size = int(np.prod(nest.dims, dtype=np.int64))
    if size < PARALLEL_MIN_ELEMENTS:
        return False
    if nest.variant == "rows":
        return nest.dims[0] > 1
    if nest.variant == "columns":
        return nest.dims[2] >= 256
    return True


class BoundPlan:
    """A compiled plan with arrays: ``run(phase)`` calls its steps."""

    def __init__(self, plan, arrays, run):
        self.plan, self.run_state = plan, run
        memory = plan.memory
        self.storages = [np.empty(size, np.uint8) for size in memory.sizes]
        self.values = {}
        for node in plan.graph.nodes:
            if node.op == "var":
                self.values[node.outputs[0]] = arrays[node.name]
            elif node.op == "const":
                value = node.attrs["value"]
                self.values[node.outputs[0]] = (value.array if isinstance(value, ConstArray)
                                                else value)
        for value, storage in memory.storage_of.items():
            t = plan.types[value]
            self.values[value] = self.storages[storage][:t.nbytes].view(t.dtype).reshape(t.shape)
        for value, name in plan.direct.items():
            self.values[value] = arrays[name]
        self.steps = {}
        for kernel in plan.kernel_graph.kernels:
            steps = self.steps.setdefault(kernel.phase, [])
            steps.extend(self._steps(kernel))
            if plan.check:
                steps.extend(self._poison(memory.freed_after.get(kernel.index, ())))
        last_phase = max(self.steps, default=0)
        self.steps.setdefault(last_phase, []).extend(
            (np.copyto, (arrays[name], self.values[value]))
            for value, name in plan.write_back.items())

    def run(self, phase=0):
        for function, args in self.steps.get(phase, ()):
            function(*args)

    # ---- steps per kernel kind -------------------------------------------------------
    def _steps(self, kernel):
        if kernel.kind == VIEW:
            return self._view(kernel)
        if kernel.kind == OPAQUE:
            return [self._opaque(node) for node in kernel.nodes]
        nest = self.plan.nests[kernel.index]
        prepare, ports = [], []
        for port in nest.ports:
            array, copy = self._port_array(port, kernel.space)
            ports.append(array)
            if copy is not None:
                prepare.append(copy)
        dims = [int(d) for d in nest.dims]
        outputs = [self.values[v].reshape(nest.dims) for v in nest.full_outputs]
        outputs += [self.values[v].reshape(nest.dims[0], nest.dims[2])
                    for v in nest.reduced_outputs]
        function = self.plan.functions[kernel.index]
        args = tuple(dims + ports + outputs)
        compile_for(function, args)
        return prepare + [(function, args)]

    def _port_array(self, port, space):
        """The array a kernel reads for ``port``, and a copy step if it must be
        made contiguous (or dense) before each run."""
        source = self.values[port.value]
        source = np.asarray(source, dtype=self.plan.types[port.value].dtype)
        shaped = source.reshape(port.access) if source.flags.c_contiguous else None
        if shaped is not None and not port.dense:
            return shaped.reshape(port.view), None
        target = np.empty(space if port.dense else port.access, source.dtype)

        def refresh(target=target, source=source, access=port.access):
            np.copyto(target, np.reshape(source, access))

        return target.reshape(port.view), (refresh, ())

    def _view(self, kernel):
        node = kernel.nodes[0]
        inputs = [self.values[v] for v in node.inputs]
        view = registry.get(node.op).reference(*inputs, **node.attrs.as_dict())
        if np.shares_memory(view, inputs[0]) or view.size == 0:
            self.values[node.outputs[0]] = view
            return []
        # Not expressible as a view of this array: copy it before each run instead.
        self.values[node.outputs[0]] = target = np.empty_like(view)
        return [(_refresh_view, (node, inputs, target))]

    def _opaque(self, node):
        inputs = [self.values[v] for v in node.inputs]
        out = self.values[node.outputs[0]]
        if node.op == "matmul":
            return (_matmul, (inputs[0], inputs[1], out))
        if node.op == "take":
            return (_take, (inputs[0], inputs[1], node.attrs["axis"], out))
        op = registry.get(node.op)
        return (_generic, (op, node.attrs.as_dict(), op.uses_run, self.run_state, inputs, out))

    def _poison(self, storages):
        return [(np.ndarray.fill, (self.storages[s], 0xFF)) for s in storages]


def _matmul(a, b, out):
    np.matmul(a, b, out=out)


def _take(a, indices, axis, out):
    n = a.shape[normalize_axis(axis, a.ndim)]
    np.take(a, checked_indices(indices, -n, n, "take index"), axis=axis, out=out, mode="wrap")


def _generic(op, attrs, uses_run, run_state, inputs, out):
    """An op without a kernel of its own: its numpy reference, written into place."""
    if uses_run:
        attrs = {**attrs, "run": run_state.context()}
    result = op.reference(*inputs, **attrs)
    if np.shape(result) != out.shape:
        raise InternalError(f"{op.name} gave shape {np.shape(result)} for {out.shape}")
    np.copyto(out, result, casting="unsafe")


def _refresh_view(node, inputs, target):
    np.copyto(target, registry.get(node.op).reference(*inputs, **node.attrs.as_dict()))
