"""Python source for one fused kernel, compiled later with ``numba.njit``.

    kernel (nodes, loop nest) ──> def kernel(O, R, K, p0, p1, o0, o1):
                                      for o in prange(O):
                                          a3 = np.float64(-np.inf)
                                          for r in range(R):            # pass 1
                                              v2 = np.float32(p0[o, r, 0] + p1[0, r, 0])
                                              a3 = maximum(a3, v2)
                                          ...

Each node becomes one assignment ``v{i} = <dtype>(<its op's scalar template>)``;
the conversion keeps every intermediate at the dtype inference gave it, and
operands of another dtype are first converted to the one the op computes in,
as numpy does (numba's own rules differ: float32 ** int32 stays float32).
A reduction kernel runs, per row, one pass per reduction level (softmax:
max, then sum) and a last pass that stores full-size outputs; values a row
needs more than once are recomputed from cached inputs rather than stored.
Identifiers are generated (``p0``, ``v3``); no name a user chose reaches the
source, so the same kernel in any graph has the same text and cache entry.
"""

import math

import numpy as np

from ... import dtypes
from ...ops import registry
from ...ops.source import ConstArray
from ...passes.fuse import ELEMENTWISE
from .loopnest import is_reduction

BLOCK = 128  # columns per parallel block in column reductions

_REDUCERS = {  # op -> (combine template, identity)
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


class _Kernel:
    """Generates the body of one kernel; see the module docstring."""

    def __init__(self, kernel, nest, types, parallel):
        self.kernel, self.nest, self.types, self.parallel = kernel, nest, types, parallel
        self.ids = {node: i for i, node in enumerate(kernel.nodes)}
        self.members = set(kernel.nodes)
        self.ports = {(p.value, p.access): j for j, p in enumerate(nest.ports)}
        full, reduced = nest.output_arrays()
        self.out_names = {v: f"o{j}" for j, v in enumerate(full + reduced)}
        self.store_names = {**self.out_names,
                            **{v: f"p{j}" for v, j in nest.written_over.items()}}
        self.w = _Writer()

    # ---- expressions ---------------------------------------------------------------
    def operand(self, node, index, loop_index):
        value = node.inputs[index]
        if is_inlined(value):
            return literal(value.node.attrs["value"], self.compute_dtype(node))
        if value.node in self.members:
            text = f"v{self.ids[value.node]}"
        else:
            from .loopnest import access_shape

            j = self.ports[(value, access_shape(self.kernel, node, index, self.types))]
            view = self.nest.ports[j].view
            text = f"p{j}[{', '.join('0' if n == 1 else i for n, i in zip(view, loop_index))}]"
        if is_reduction(node) or (node.op == "where" and index == 0):
            return text  # an accumulated value, or a truth value: nothing to promote
        dtype = self.compute_dtype(node)
        return text if self.types[value].dtype == dtype else f"{_convert(dtype)}({text})"

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
        self.w.line(f"v{self.ids[node]} = {_convert(dtype)}({self.expression(node, loop_index)})")

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

    # ---- whole kernels ---------------------------------------------------------------
    def source(self):
        args = [f"p{j}" for j in range(len(self.nest.ports))] + list(self.out_names.values())
        dims = ("O", "R", "K") if self.kernel.kind != ELEMENTWISE else tuple(
            f"n{d}" for d in range(len(self.nest.dims)))
        self.w.line(f"@njit(parallel={self.parallel}, error_model='numpy', cache=True)")
        self.w.open(f"def kernel({', '.join(dims + tuple(args))}):")
        getattr(self, f"_{self.nest.variant}")(dims)
        return "\n".join(self.w.lines)

    def _loop(self, index, size, parallel=False):
        self.w.open(f"for {index} in {'prange' if parallel else 'range'}({size}):")

    def _elementwise(self, dims):
        index = tuple(f"i{d}" for d in range(len(dims)))
        for d, size in enumerate(dims):
            self._loop(index[d], size, parallel=self.parallel and d == 0)
        for node in self.kernel.nodes:
            self.assign(node, index)
        for value in self.nest.full_outputs:
            self.w.line(f"{self.store_names[value]}[{', '.join(index)}] = "
                        f"v{self.ids[value.node]}")

    def _rows(self, dims):
        self._loop("o", "O", parallel=self.parallel)
        done = set()
        for level in sorted({self.level(n) for n in self.kernel.nodes if is_reduction(n)}):
            reductions = [n for n in self.kernel.nodes
                          if is_reduction(n) and self.level(n) == level]
            for node in reductions:
                self.w.line(f"a{self.ids[node]} = {self.accumulator_init(node)}")
            self._loop("r", "R")
            for node in self.closure(reductions):
                self.assign(node, ("o", "r", "0"))
            for node in reductions:
                self.combine(node, f"a{self.ids[node]}", ("o", "r", "0"))
            self.w.close()
            done |= set(reductions)
            self.reduced_nodes(done, level, "a{}", ("o", "0", "0"))
        full = [v for v in self.nest.full_outputs]
        if full:
            self._loop("r", "R")
            for node in self.closure([v.node for v in full]):
                self.assign(node, ("o", "r", "0"))
            for value in full:
                self.w.line(f"{self.store_names[value]}[o, r, 0] = v{self.ids[value.node]}")
            self.w.close()
        for value in self.nest.reduced_outputs:
            self.w.line(f"{self.out_names[value]}[o, 0] = v{self.ids[value.node]}")

    def _columns(self, dims):
        block = BLOCK if self.parallel else "K"
        reductions = [n for n in self.kernel.nodes if is_reduction(n)]
        self._loop("o", "O")
        self._loop("b", f"(K + {block} - 1) // {block}" if self.parallel else "1",
                   parallel=self.parallel)
        self.w.line(f"k0 = b * {block}")
        self.w.line(f"k1 = min(K, k0 + {block})")
        for node in reductions:
            self.w.line(f"a{self.ids[node]} = np.full(k1 - k0, {self.accumulator_init(node)})")
        self._loop("r", "R")
        self._loop("k", "k0, k1")
        index = ("o", "r", "k")
        full = list(self.nest.full_outputs)
        for node in self.closure(reductions + [v.node for v in full]):
            self.assign(node, index)
        for node in reductions:
            self.combine(node, f"a{self.ids[node]}[k - k0]", index)
        for value in full:
            self.w.line(f"{self.store_names[value]}[o, r, k] = v{self.ids[value.node]}")
        self.w.close(2)
        self._loop("k", "k0, k1")
        self.reduced_nodes(set(reductions), 1, "a{}[k - k0]", ("o", "0", "k"))
        for value in self.nest.reduced_outputs:
            self.w.line(f"{self.out_names[value]}[o, k] = v{self.ids[value.node]}")

    def reduced_nodes(self, done, level, accumulator, index):
        """Finish the reductions of ``level`` and compute the reduced-size nodes
        that are ready."""
        for node in self.kernel.nodes:
            if node in done and is_reduction(node) and self.level(node) == level:
                total = accumulator.format(self.ids[node])
                if node.op == "mean":
                    total = f"{total} / R"
                dtype = self.types[node.outputs[0]].dtype
                self.w.line(f"v{self.ids[node]} = {_convert(dtype)}({total})")
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
        dtype = _accumulator(self.types[node.inputs[0]].dtype)
        identity = _REDUCERS[node.op][1]
        if dtype.kind != "f" and math.isinf(identity):
            identity = np.iinfo(dtype).min if identity < 0 else np.iinfo(dtype).max
        return literal(identity, dtype)

    def combine(self, node, accumulator, index):
        value = f"v{self.ids[node.inputs[0].node]}" if node.inputs[0].node in self.members \
            else self.operand(node, 0, index)
        step = _REDUCERS[node.op][0].format(acc=accumulator, v=value)
        dtype = _accumulator(self.types[node.inputs[0]].dtype)
        self.w.line(f"{accumulator} = {_convert(dtype)}({step})")


def _convert(dtype):
    return "np.bool_" if np.dtype(dtype).kind == "b" else f"np.{np.dtype(dtype).name}"


def _accumulator(dtype):
    """Sums of float32 accumulate in float64; integers and bools in int64."""
    return np.dtype(np.float64) if np.dtype(dtype).kind == "f" else np.dtype(np.int64)


def _bound(value, dtype, which):
    if value is not None:
        return value
    if np.dtype(dtype).kind == "f":
        return -math.inf if which == "a_min" else math.inf
    info = np.iinfo(dtype)
    return info.min if which == "a_min" else info.max


def kernel_source(kernel, nest, types, parallel):
    """The source of ``def kernel(...)`` for a fused kernel and its loop nest."""
    ops = ", ".join(dict.fromkeys(n.op for n in kernel.nodes))
    header = f"# {nest.variant} kernel over {len(nest.dims)} collapsed dims: {ops}"
    return header + "\n" + _Kernel(kernel, nest, types, parallel).source() + "\n"
