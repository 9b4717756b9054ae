"""What every backend's kernel generator shares: how the values of a fused
kernel become source text, whatever loops run them.

    node       v3 = np.float32(p0[o, r, 0] + v2)
    reduction  a4 = np.float64(0.0)                 before the loop over r
               a4 = np.float64(a4 + v3)             inside it
               v4 = np.float32(a4)                  after it

Each node becomes one assignment ``v{i} = <dtype>(<its op's scalar template>)``;
the conversion keeps every intermediate at the dtype inference gave it, and
operands of another dtype are first converted to the one the op computes in,
as numpy does (numba's own rules differ: float32 ** int32 stays float32).
A reduction starts at its identity in a wide accumulator, combines with its
op's template and finishes converted back (a mean divided by R). A backend
subclasses ``KernelSource`` with its decorator and one method per loop-nest
variant (``_elementwise``, ``_rows``, ``_columns``): only the loops differ
between the CPU's ``prange`` and CUDA's threads and blocks.
Identifiers are generated (``p0``, ``v3``); no name a user chose reaches the
source, so the same kernel in any graph has the same text and cache entry.
"""

import math

import numpy as np

from .. import dtypes
from ..ops import registry
from ..ops.source import ConstArray
from ..passes.fuse import ELEMENTWISE
from .loopnest import access_shape, is_reduction

REDUCERS = {  # op -> (combine template, identity)
    "sum": ("{acc} + {v}", 0), "sum_to_like": ("{acc} + {v}", 0), "mean": ("{acc} + {v}", 0),
    "prod": ("{acc} * {v}", 1), "max": ("maximum({acc}, {v})", -math.inf),
    "min": ("minimum({acc}, {v})", math.inf),
}


def is_inlined(value):
    """Python scalar constants are written into the source as typed literals."""
    return value.node.op == "const" and not isinstance(value.node.attrs["value"], ConstArray)


def literal(value, dtype):
    """``value`` as source text that numba types as ``dtype``."""
    dtype = np.dtype(dtype)
    if dtype.kind == "b":
        return repr(bool(value))
    if dtype.kind == "f":
        if math.isnan(value):
            text = "np.nan"
        elif math.isinf(value):
            text = "np.inf" if value > 0 else "-np.inf"
        else:
            text = repr(float(value))
        return f"np.{dtype.name}({text})"
    return f"np.{dtype.name}({int(value)})"


def converter(dtype):
    """The source text of the numpy scalar type that converts a value to ``dtype``."""
    return "np.bool_" if np.dtype(dtype).kind == "b" else f"np.{np.dtype(dtype).name}"


def accumulator_dtype(dtype):
    """Sums of float32 accumulate in float64; integers and bools in int64."""
    return np.dtype(np.float64) if np.dtype(dtype).kind == "f" else np.dtype(np.int64)


class _Writer:
    def __init__(self):
        self.lines, self.depth = [], 0

    def line(self, text):
        self.lines.append("    " * self.depth + text)

    def open(self, header):
        self.line(header)
        self.depth += 1

    def close(self, levels=1):
        self.depth -= levels


class KernelSource:
    """Generates one kernel over its loop nest; see the module docstring.
    Subclasses define ``decorator()`` and the loop methods of each variant."""

    label = ""  # what the header comment says before the variant ("CUDA ")

    def __init__(self, kernel, nest, types):
        self.kernel, self.nest, self.types = kernel, nest, types
        self.ids = {node: i for i, node in enumerate(kernel.nodes)}
        self.members = set(kernel.nodes)
        self.ports = {(p.value, p.access): j for j, p in enumerate(nest.ports)}
        full, reduced = nest.output_arrays()
        self.out_names = {v: f"o{j}" for j, v in enumerate(full + reduced)}
        self.store_names = {**self.out_names,
                            **{v: f"p{j}" for v, j in nest.written_over.items()}}
        self.w = _Writer()

    def source(self):
        """A header comment naming the fused ops, then ``def kernel(...)``."""
        ops = ", ".join(dict.fromkeys(n.op for n in self.kernel.nodes))
        self.w.line(f"# {self.label}{self.nest.variant} kernel over "
                    f"{len(self.nest.dims)} collapsed dims: {ops}")
        args = [f"p{j}" for j in range(len(self.nest.ports))] + list(self.out_names.values())
        dims = ("O", "R", "K") if self.kernel.kind != ELEMENTWISE else tuple(
            f"n{d}" for d in range(len(self.nest.dims)))
        self.w.line(self.decorator())
        self.w.open(f"def kernel({', '.join(dims + tuple(args))}):")
        getattr(self, f"_{self.nest.variant}")(dims)
        return "\n".join(self.w.lines) + "\n"

    # ---- expressions ---------------------------------------------------------------
    def operand(self, node, index, loop_index):
        value = node.inputs[index]
        if is_inlined(value):
            return literal(value.node.attrs["value"], self.compute_dtype(node))
        if value.node in self.members:
            text = f"v{self.ids[value.node]}"
        else:
            j = self.ports[(value, access_shape(self.kernel, node, index, self.types))]
            view = self.nest.ports[j].view
            text = f"p{j}[{', '.join('0' if n == 1 else i for n, i in zip(view, loop_index))}]"
        if is_reduction(node) or (node.op == "where" and index == 0):
            return text  # an accumulated value, or a truth value: nothing to promote
        dtype = self.compute_dtype(node)
        return text if self.types[value].dtype == dtype else f"{converter(dtype)}({text})"

    def compute_dtype(self, node):
        """The dtype an elementwise op computes in: its operands promoted, as numpy
        converts them before computing (float32 ** int32 is a float64 power)."""
        inputs = node.inputs[1:] if node.op == "where" else node.inputs
        return dtypes.promote([self.types[v] for v in inputs])

    def expression(self, node, loop_index):
        operands = [self.operand(node, i, loop_index) for i in range(len(node.inputs))]
        if node.op in ("broadcast_to", "broadcast_like", "unreduce", "cast"):
            return operands[0]  # a re-read; cast converts through the result's dtype
        attrs = {}
        if node.op == "clip":
            attrs = {k: literal(_bound(node.attrs[k], self.types[node.outputs[0]].dtype, k),
                                self.types[node.outputs[0]].dtype) for k in ("a_min", "a_max")}
        return registry.get(node.op).scalar.format(*operands, **attrs)

    def assign(self, node, loop_index):
        dtype = self.types[node.outputs[0]].dtype
        self.w.line(f"v{self.ids[node]} = {converter(dtype)}({self.expression(node, loop_index)})")

    def closure(self, targets):
        """In-kernel, full-size nodes that computing ``targets`` needs, in order
        (a reduction's own value is ready before the pass that reads it)."""
        needed, stack = set(), [v.node for t in targets for v in t.inputs
                                if is_reduction(t) and v.node in self.members]
        stack += [t for t in targets if not is_reduction(t)]
        while stack:
            node = stack.pop()
            if node in needed or is_reduction(node) or self.is_reduced(node):
                continue
            needed.add(node)
            stack.extend(v.node for v in node.inputs if v.node in self.members)
        return [n for n in self.kernel.nodes if n in needed]

    def is_reduced(self, node):
        """A reduced-size node of a reduction kernel: computed once per row."""
        return (self.kernel.kind != ELEMENTWISE and not is_reduction(node)
                and self.types[node.outputs[0]].shape != self.kernel.space)

    # ---- reductions ----------------------------------------------------------------
    def reduced_nodes(self, done, level, accumulator, index):
        """Finish the reductions of ``level`` and compute the reduced-size nodes
        that are ready."""
        for node in self.kernel.nodes:
            if node in done and is_reduction(node) and self.level(node) == level:
                total = accumulator.format(self.ids[node])
                if node.op == "mean":
                    total = f"{total} / R"
                dtype = self.types[node.outputs[0]].dtype
                self.w.line(f"v{self.ids[node]} = {converter(dtype)}({total})")
        for node in self.kernel.nodes:
            if node not in done and self.is_reduced(node) and self.level(node) <= level:
                self.assign(node, index)
                done.add(node)

    def level(self, node):
        """Reductions a node's value passes through inside this kernel."""
        inner = max((self.level(v.node) for v in node.inputs if v.node in self.members),
                    default=0)
        return inner + 1 if is_reduction(node) else inner

    def accumulator_init(self, node):
        dtype = accumulator_dtype(self.types[node.inputs[0]].dtype)
        identity = REDUCERS[node.op][1]
        if dtype.kind != "f" and math.isinf(identity):
            identity = np.iinfo(dtype).min if identity < 0 else np.iinfo(dtype).max
        return literal(identity, dtype)

    def combine(self, node, accumulator, index):
        value = f"v{self.ids[node.inputs[0].node]}" if node.inputs[0].node in self.members \
            else self.operand(node, 0, index)
        step = REDUCERS[node.op][0].format(acc=accumulator, v=value)
        dtype = accumulator_dtype(self.types[node.inputs[0]].dtype)
        self.w.line(f"{accumulator} = {converter(dtype)}({step})")

    def pass_body(self, reductions, stored, index, accumulator="a{}"):
        """The body of one loop over a reduction's elements at ``index``: the
        values it needs, ``reductions`` combined into their ``accumulator``
        (a template of the node id), then the full-size ``stored`` outputs."""
        for node in self.closure(reductions + [v.node for v in stored]):
            self.assign(node, index)
        for node in reductions:
            self.combine(node, accumulator.format(self.ids[node]), index)
        for value in stored:
            self.w.line(f"{self.store_names[value]}[{', '.join(index)}] = "
                        f"v{self.ids[value.node]}")


def _bound(value, dtype, which):
    if value is not None:
        return value
    if np.dtype(dtype).kind == "f":
        return -math.inf if which == "a_min" else math.inf
    info = np.iinfo(dtype)
    return info.min if which == "a_min" else info.max
