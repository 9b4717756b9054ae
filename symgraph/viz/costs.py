"""What a kernel costs: bytes it moves through memory and floating-point
operations it performs, estimated from the types of its values.

Bytes are what the kernel reads from and writes to memory: its inputs and
outputs (a view moves nothing). FLOPs count one operation per output element
of each elementwise node, one per input element of each reduction, and
``2·M·N·K`` for a matrix product; moving data (layout ops, gathers) costs none.
"""

from ..ops import registry
from ..ops.registry import Kind
from ..passes.fuse import VIEW


def kernel_bytes(kernel, types):
    if kernel.kind == VIEW:
        return 0
    return sum(types[v].nbytes for v in list(kernel.inputs) + list(kernel.outputs))


def kernel_flops(kernel, types):
    return sum(node_flops(node, types) for node in kernel.nodes)


def node_flops(node, types):
    kind = registry.get(node.op).kind
    if node.op == "matmul":   # the one opaque op that computes: 2 flops per multiply-add
        return 2 * types[node.outputs[0]].size * types[node.inputs[0]].shape[-1]
    if kind in (Kind.ELEMWISE, Kind.RANDOM):
        return sum(types[v].size for v in node.outputs)
    if kind == Kind.REDUCE:
        return types[node.inputs[0]].size
    return 0
