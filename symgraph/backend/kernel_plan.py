"""The backend-neutral half of lowering a graph: its fused kernels, where the
parameter updates are written, and the memory plan. The CPU and CUDA plans
both start from this and differ only in how they turn kernels into code."""

from ..passes.fuse import fuse
from ..passes.plan_memory import plan_memory
from ..passes.updates import place_updates


def plan_kernels(graph, types, phase_of=None, assign=None, check=False):
    """``(kernel_graph, direct, write_back, memory)`` for ``graph``; ``assign``
    maps output values to the variables they update in place, and ``check``
    proves the memory plan (no two live values share bytes)."""
    kernel_graph = fuse(graph, types, phase_of)
    direct, write_back = place_updates(kernel_graph, assign or {})
    memory = plan_memory(kernel_graph, external=direct)
    if check:
        memory.verify()
    return kernel_graph, direct, write_back, memory
