"""What binding a compiled plan to arrays means on any device: every value
gets its array, and a run's steps are listed by phase. The CPU and CUDA
bound plans (``cpu/bound.py``, ``cuda/bound.py``) differ only in the arrays
they allocate and in how one kernel becomes steps."""

from ..ops.source import ConstArray


def bound_values(plan, arrays, storages, upload):
    """Value -> array: variables and direct updates are the caller's
    ``arrays`` (by name), constants their value (an array constant through
    ``upload``), planned values typed views of their bytes in ``storages``."""
    values = {}
    for node in plan.graph.nodes:
        if node.op == "var":
            values[node.outputs[0]] = arrays[node.name]
        elif node.op == "const":
            value = node.attrs["value"]
            values[node.outputs[0]] = upload(value.array) if isinstance(value, ConstArray) \
                else value
    for value, storage in plan.memory.storage_of.items():
        t, offset = plan.types[value], plan.memory.offset_of[value]
        values[value] = storages[storage][offset:offset + t.nbytes].view(t.dtype).reshape(t.shape)
    for value, name in plan.direct.items():
        values[value] = arrays[name]
    return values


def phase_steps(plan, kernel_steps, copy, arrays, values):
    """Phase -> the ``(function, args)`` steps a run calls: each kernel's
    ``kernel_steps(kernel)`` in schedule order, then, at the end of the last
    phase, ``copy`` of every written-back value into its variable's array."""
    steps = {}
    for kernel in plan.kernel_graph.kernels:
        steps.setdefault(kernel.phase, []).extend(kernel_steps(kernel))
    last_phase = max(steps, default=0)
    steps.setdefault(last_phase, []).extend(
        (copy, (arrays[name], values[value])) for value, name in plan.write_back.items())
    return steps
