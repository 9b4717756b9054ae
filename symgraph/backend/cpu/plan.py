"""A graph compiled for the CPU: fused kernels as numba functions and a
memory plan, plain data until ``bind`` gives it arrays (``bound.py``).

    Graph ──fuse──> kernels ──place_updates, plan_memory──> storages
                       └──loopnest, codegen, cache──> numba kernels

The loop nests and the kernels' values are planned as for CUDA
(``backend/loopnest.py``, ``backend/codegen.py``); what is the CPU's is
choosing which kernels run in parallel and which outputs a kernel stores
over an input it reads (``LoopNest.written_over``).
"""

from dataclasses import replace

import numpy as np

from ...errors import LoweringError
from ...ops import registry
from ...ops.registry import Kind, describe
from ...options import CompileOptions
from ...passes.fuse import ELEMENTWISE, INLINE_REDUCTIONS, OPAQUE, REDUCE
from ..codegen import is_inlined
from ..kernel_plan import plan_kernels
from ..loopnest import plan_loops
from .cache import load_kernel
from .codegen import kernel_source
from .scalars import import_header

PARALLEL_MIN_ELEMENTS = 1 << 20  # below this, a thread pool costs more than it gives
# In a plan that also calls BLAS, OpenBLAS's threads spin on the cores for a
# while after every GEMM, so a kernel's own threads compete with them: measured
# on 2 cores, the W3 step (2M-element kernels between GEMMs) took 111 ms with
# parallel kernels and 80 ms without. Such plans go parallel only when larger.
PARALLEL_MIN_ELEMENTS_BESIDE_BLAS = 1 << 23


class CompiledPlan:
    """Kernels and a memory plan for ``graph`` (plain data until bound)."""

    def __init__(self, graph, types, phase_of=None, assign=None, options=CompileOptions()):
        """``assign`` maps output values to the variables they update in place."""
        self.graph, self.types, self.options = graph, types, options
        self.kernel_graph, self.direct, self.write_back, self.memory = plan_kernels(
            graph, types, phase_of, assign, check=options.check)
        if options.strict:
            _refuse_fallbacks(self.kernel_graph)
        self.nests, self.functions, self.sources = {}, {}, {}
        beside_blas = any(node.op == "matmul" for kernel in self.kernel_graph.kernels
                          if kernel.kind == OPAQUE for node in kernel.nodes)
        for kernel in self.kernel_graph.kernels:
            if kernel.kind in (ELEMENTWISE, REDUCE):
                nest = plan_loops(kernel, types, is_inlined)
                nest = replace(nest, written_over=_written_over(nest, self.memory, self.direct))
                parallel = _worth_parallel(nest, beside_blas)
                source = (import_header(options.math) + "\n\n\n"
                          + kernel_source(kernel, nest, types, parallel))
                self.nests[kernel.index] = nest
                self.sources[kernel.index] = source
                self.functions[kernel.index] = load_kernel(source, strict=options.strict)

    def bind(self, arrays, run):
        """``BoundPlan`` over ``arrays`` (variable name -> array); ``run`` is the
        mutable run state (step, train mode) random ops read."""
        from .bound import BoundPlan

        return BoundPlan(self, arrays, run)

    def report(self):
        return self.memory.report()


def _refuse_fallbacks(kernel_graph):
    """Strict mode: a reduction whose axes cannot be one loop nest runs through
    numpy; say so instead."""
    for kernel in kernel_graph.kernels:
        if kernel.kind == OPAQUE and registry.get(kernel.nodes[0].op).kind == Kind.REDUCE \
                and kernel.nodes[0].op in INLINE_REDUCTIONS:
            raise LoweringError(
                f"{describe(kernel.nodes[0])}: reducing axes that interleave kept axes has "
                "no fused kernel; it would run through numpy (strict mode)")


def _written_over(nest, memory, direct):
    """``LoopNest.written_over``: full outputs placed on the bytes of an input
    the kernel reads through one full-size port (the memory plan's in-place
    writes, and parameter updates written into the parameter's own array)."""
    source_of = dict(memory.in_place)  # output value -> the input whose bytes it takes
    ports_of = {}
    for j, port in enumerate(nest.ports):
        ports_of.setdefault(port.value, []).append(j)
        if port.value.node.op == "var":
            source_of.update({value: port.value for value, name in direct.items()
                              if name == port.value.node.name})
    written = {}
    for value in nest.full_outputs:
        ports = ports_of.get(source_of.get(value), [])
        if len(ports) == 1 and nest.ports[ports[0]].view == nest.dims \
                and not nest.ports[ports[0]].dense:
            written[value] = ports[0]
    return written


def _worth_parallel(nest, beside_blas):
    size = int(np.prod(nest.dims, dtype=np.int64))
    if size < (PARALLEL_MIN_ELEMENTS_BESIDE_BLAS if beside_blas else PARALLEL_MIN_ELEMENTS):
        return False
    if nest.variant == "rows":
        return nest.dims[0] > 1
    if nest.variant == "columns":
        return nest.dims[2] >= 256
    return True
