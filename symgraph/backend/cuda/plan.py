"""A graph compiled for a CUDA device: the same kernel graph, update
placement and memory plan as the CPU's, lowered to ``numba.cuda`` kernels.

    Graph ──fuse──> kernels ──place_updates, plan_memory──> storages (device)
                       ├── elementwise, reduce: loopnest ──> codegen.py ──> cuda.jit
                       ├── opaque ops (matmul, gathers, random, slices): opaque.py
                       └── views: free, or a strided copy (bound.py)

An opaque op without a CUDA kernel is refused here, at compile time, with
the op's name: nothing falls back to the CPU behind the user's back.
Kernels are compiled once per process: the source text is the cache key.
"""

import hashlib

import numpy as np

from ...errors import LoweringError
from ...ops.registry import describe
from ...options import CompileOptions
from ...passes.fuse import ELEMENTWISE, OPAQUE, REDUCE
from ..codegen import is_inlined
from ..dump import dump
from ..kernel_plan import plan_kernels
from ..loopnest import plan_loops
from .codegen import kernel_source
from .opaque import is_lowered
from .scalars import import_header

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))

_kernels = {}  # source hash -> kernel: compiled once per process


class CUDAPlan:
    """Kernels and a memory plan for ``graph`` on a device (plain data until bound)."""

    def __init__(self, graph, types, phase_of=None, assign=None, options=CompileOptions()):
        self.graph, self.types, self.options = graph, types, options
        self.kernel_graph, self.direct, self.write_back, self.memory = plan_kernels(
            graph, types, phase_of, assign, check=options.check)
        self.nests, self.functions, self.sources = {}, {}, {}
        for kernel in self.kernel_graph.kernels:
            if kernel.kind in (ELEMENTWISE, REDUCE):
                for node in kernel.nodes:
                    _check_integer_power(node, types)
                nest = plan_loops(kernel, types, is_inlined)
                source = import_header() + "\n\n\n" + kernel_source(kernel, nest, types)
                self.nests[kernel.index] = nest
                self.sources[kernel.index] = source
                self.functions[kernel.index] = load_kernel(source)
            elif kernel.kind == OPAQUE:
                for node in kernel.nodes:
                    _check_lowered(node, types)

    def bind(self, arrays, run, context):
        """``CUDABoundPlan`` over device ``arrays`` (variable name -> device array)."""
        from .bound import CUDABoundPlan

        return CUDABoundPlan(self, arrays, run, context)

    def report(self):
        return self.memory.report()


def _check_lowered(node, types):
    if not is_lowered(node):
        raise LoweringError(f"{describe(node)}: the CUDA backend has no kernel for "
                            f"{node.op!r} yet; run this graph with ctx=sg.cpu()")
    if node.op == "matmul" and types[node.outputs[0]].dtype not in _FLOATS:
        raise LoweringError(f"{describe(node)}: the CUDA matmul multiplies float32 and "
                            f"float64, not {types[node.outputs[0]].dtype}")


def _check_integer_power(node, types):
    """numpy raises for an integer to a negative integer power; a CUDA kernel
    cannot stop there, so only exponents known not to be negative are taken."""
    if node.op != "power" or not all(types[v].dtype.kind in "iub" for v in node.inputs):
        return
    exponent = node.inputs[1]
    if not (is_inlined(exponent) and exponent.node.attrs["value"] >= 0):
        raise LoweringError(f"{describe(node)}: an integer power with an integer exponent "
                            "that may be negative (numpy raises there, a CUDA kernel cannot); "
                            "use a float exponent or a non-negative constant")


def load_kernel(source):
    """The ``kernel`` that ``source`` defines, compiled once per process.
    ``SYMGRAPH_DUMP=dir`` writes the source there, as for the CPU."""
    name = "sgk_cuda_" + hashlib.sha256(source.encode()).hexdigest()[:32]
    if name not in _kernels:
        namespace = {"__name__": name}
        exec(compile(source, f"<{name}>", "exec"), namespace)  # noqa: S102 (generated)
        dump(name, source)
        _kernels[name] = namespace["kernel"]
    return _kernels[name]
