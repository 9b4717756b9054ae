"""CPU loops for one fused kernel, compiled later with ``numba.njit``.

    kernel (nodes, loop nest) ──> def kernel(O, R, K, p0, p1, o0, o1):
                                      for o in prange(O):
                                          a3 = np.float64(-np.inf)
                                          for r in range(R):            # pass 1
                                              v2 = np.float32(p0[o, r, 0] + p1[0, r, 0])
                                              a3 = maximum(a3, v2)
                                          ...

The values (one assignment per node, accumulators, conversions) come from
the shared generator (``backend/codegen.py``); this module writes the loops
around them. A reduction kernel runs, per row, one pass per reduction level
(softmax: max, then sum) and a last pass that stores full-size outputs;
values a row needs more than once are recomputed from cached inputs rather
than stored. Column reductions run in parallel blocks of ``BLOCK`` columns.
A full output the nest writes over an input it reads (``written_over``) is
stored through that input's array, so LLVM sees no second array to check.
"""

from ..codegen import KernelSource
from ..loopnest import is_reduction

BLOCK = 128  # columns per parallel block in column reductions


class _CPUKernel(KernelSource):
    def __init__(self, kernel, nest, types, parallel):
        super().__init__(kernel, nest, types)
        self.parallel = parallel

    def decorator(self):
        return f"@njit(parallel={self.parallel}, error_model='numpy', cache=True)"

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
            self.pass_body(reductions, [], ("o", "r", "0"))
            self.w.close()
            done |= set(reductions)
            self.reduced_nodes(done, level, "a{}", ("o", "0", "0"))
        full = list(self.nest.full_outputs)
        if full:
            self._loop("r", "R")
            self.pass_body([], full, ("o", "r", "0"))
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
        self.pass_body(reductions, list(self.nest.full_outputs), ("o", "r", "k"), "a{}[k - k0]")
        self.w.close(2)
        self._loop("k", "k0, k1")
        self.reduced_nodes(set(reductions), 1, "a{}[k - k0]", ("o", "0", "k"))
        for value in self.nest.reduced_outputs:
            self.w.line(f"{self.out_names[value]}[o, k] = v{self.ids[value.node]}")


def kernel_source(kernel, nest, types, parallel):
    """The source of ``def kernel(...)`` for a fused kernel and its loop nest."""
    return _CPUKernel(kernel, nest, types, parallel).source()
