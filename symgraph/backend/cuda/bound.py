"""A CUDA plan bound to device arrays: the list of launches a run makes.

Binding allocates every storage of the memory plan on the device once,
gives every value a device array (a typed view of a storage, a bound
argument) or a ``Layout`` (a view, see ``layout.py``), and prepares every
launch with its grid and arguments. A run is then a loop of launches: no
allocation, and no transfer to the host except one word after each gather,
which says whether an index was out of range; the run stops there, before
any parameter is updated, with the error the CPU raises.

Modes (``CompileOptions``): ``check`` copies every kernel's results to the
host for ``backend/checking.compare`` and poisons storages with 0xFF bytes
after their last reader; ``profile`` times each kernel (synchronizing);
``strict`` refuses the copies a view or a partly broadcast input would need
before each run, as on the CPU.
"""

import time

import numpy as np

from ...errors import InternalError, LoweringError
from ...ops.indexing import checked_indices
from ...ops.registry import describe
from ...passes.fuse import OPAQUE, VIEW
from ..binding import bound_values, phase_steps
from . import device, kernels, opaque
from .codegen import MAX_ROW_THREADS
from .device import THREADS, blocks, on
from .layout import broadcast_layout, dense_layout, view_layout
from .scalars import WARP

MAX_GRID = 65535


class CUDABoundPlan:
    """A compiled CUDA plan with device arrays: ``run(phase)`` launches its kernels."""

    def __init__(self, plan, arrays, run, context):
        self.plan, self.run_state, self.options, self.context = plan, run, plan.options, context
        with on(context) as cuda:
            self.cuda = cuda
            self.storages = [cuda.device_array(size, np.uint8) for size in plan.memory.sizes]
            self.values = bound_values(plan, arrays, self.storages, upload=cuda.to_device)
            self.layouts = {}
            gathers = [n for k in plan.kernel_graph.kernels for n in k.nodes
                       if n.op in opaque.GATHERS]
            self.errors = cuda.to_device(np.zeros(max(1, len(gathers)), np.int32))
            self.slots = {node: i for i, node in enumerate(gathers)}
            self.needs_dense = _needs_dense(plan)
            self.snapshots, self.profile = {}, {}
            self.steps = phase_steps(plan, self._kernel_steps, device.copy, arrays, self.values)

    def run(self, phase=0):
        with on(self.context):
            for function, args in self.steps.get(phase, ()):
                function(*args)

    def layout(self, value):
        return self.layouts.get(value) or dense_layout(self.values[value])

    def _kernel_steps(self, kernel):
        steps = self._steps(kernel)
        if self.options.profile and steps:
            moved = sum(self.plan.types[v].nbytes for v in kernel.inputs + kernel.outputs)
            record = self.profile.setdefault(kernel.name, [0.0, 0, moved])
            steps = [(_timed, (self.cuda, steps, record))]
        if self.options.check:
            steps += [(_snapshot, (self.snapshots, v, self.values[v]))
                      for v in kernel.outputs if v in self.values]
            steps += [(self.launch(kernels.fill, end - first),
                       (self.storages[s][first:end], np.uint8(0xFF)))
                      for s, first, end in self.plan.memory.freed_after.get(kernel.index, ())]
        return steps

    def launch(self, kernel, n):
        """``kernel`` configured for a grid-stride loop over ``n`` items; a
        small loop gets a small block (whole warps), not idle threads."""
        threads = min(THREADS, max(WARP, -(-int(n) // WARP) * WARP))
        return kernel[blocks(n, threads), threads]

    # ---- steps per kernel kind ---------------------------------------------------------
    def _steps(self, kernel):
        if kernel.kind == VIEW:
            return self._view(kernel)
        if kernel.kind == OPAQUE:
            return [step for node in kernel.nodes for step in opaque.steps(self, node)]
        nest = self.plan.nests[kernel.index]
        prepare, ports = [], []
        for port in nest.ports:
            source = self.values[port.value].reshape(port.access)
            if port.dense:
                self._refuse_copy_if_strict(f"kernel {kernel.name} would broadcast "
                                            f"{port.value.label!r} to full size before each run")
                full = broadcast_layout(dense_layout(source), kernel.space)
                source, filling = self.densify(full)
                prepare += filling
            ports.append(source.reshape(port.view))
        outputs = [self.values[v].reshape(nest.dims) for v in nest.full_outputs]
        outputs += [self.values[v].reshape(nest.dims[0], nest.dims[2])
                    for v in nest.reduced_outputs]
        function = self.plan.functions[kernel.index]
        dims = [int(d) for d in nest.dims]
        if nest.variant == "rows":
            launch = function[max(1, min(dims[0], MAX_GRID)), _row_threads(dims[1])]
        else:
            launch = self.launch(function, int(np.prod(dims, dtype=np.int64)))
        return prepare + [(launch, tuple(dims + ports + outputs))]

    def densify(self, layout):
        """A new dense device array for ``layout`` and the steps that fill it."""
        target = self.cuda.device_array(layout.shape, layout.root.dtype)
        return target, opaque.copy_from(self, layout, target)

    def _view(self, kernel):
        node = kernel.nodes[0]
        value = node.outputs[0]
        dtype = self.plan.types[value].dtype
        others = [self.plan.types[v].shape for v in node.inputs[1:]]
        steps = []
        layout = view_layout(node, self.layout(node.inputs[0]), dtype, others)
        copied = f"{describe(node)}: not a view of its input here; it would be copied " \
            "before each run"
        if layout is None:  # numpy would copy: make the input dense, then view that
            self._refuse_copy_if_strict(copied)
            source, steps = self.densify(self.layout(node.inputs[0]))
            layout = view_layout(node, dense_layout(source), dtype, others)
        self.layouts[value] = layout
        if layout.is_dense():
            self.values[value] = layout.dense_view()
        elif value in self.needs_dense:
            self._refuse_copy_if_strict(copied)
            self.values[value], filling = self.densify(layout)
            steps += filling
        return steps

    def _refuse_copy_if_strict(self, what):
        """Strict mode refuses the copies the CPU's strict mode refuses."""
        if self.options.strict:
            raise LoweringError(f"{what} (strict mode)")

    def check_indices(self, slot, indices, low, high, what):
        """Stop the run at a gather that met a bad index, with the CPU's error."""
        if self.errors[slot:slot + 1].copy_to_host()[0]:
            self.errors.copy_to_device(np.zeros(self.errors.size, np.int32))
            checked_indices(indices.copy_to_host(), low, high, what)
            raise InternalError("a gather kernel flagged an index that is in range")


def _needs_dense(plan):
    """Values some kernel reads as plain arrays (a matmul reads layouts)."""
    dense = set(plan.graph.outputs) | set(plan.write_back)
    for kernel in plan.kernel_graph.kernels:
        if kernel.kind != VIEW and not all(n.op == "matmul" for n in kernel.nodes):
            dense.update(kernel.inputs)
    return dense


def _row_threads(width):
    """Threads per row: a power of two from one warp to the shared arrays' size."""
    threads = 32
    while threads < min(width, MAX_ROW_THREADS):
        threads *= 2
    return threads


def _timed(cuda, steps, record):
    cuda.synchronize()
    start = time.perf_counter()
    for function, args in steps:
        function(*args)
    cuda.synchronize()
    record[0] += time.perf_counter() - start
    record[1] += 1


def _snapshot(snapshots, value, array):
    snapshots[value] = device.to_host(array)
