"""CUDA loops for one fused kernel, compiled later with ``numba.cuda.jit``.

    elementwise   one thread per element, grid-stride:  t = grid(1); while t < n: ...
    rows          one block per row (K = 1): each thread folds a strided part
                  of the row, the block combines the partial values in shared
                  memory down to one warp, the warp with shuffles; every
                  thread then reads the total and goes on to the next level
                  (softmax: max, then sum) and to the full-size outputs
    columns       one thread per (o, k): a sequential fold over r, coalesced
                  along k

Everything about values is the shared generator's (``backend/codegen.py``,
as for the CPU): how a node becomes ``v{i} = <dtype>(<scalar template>)``,
which nodes a pass needs, how reductions start, combine and finish. This
module writes only the loops, and reads and writes the same port and output
views as the CPU's kernels, from the same ``LoopNest`` (whose
``written_over`` a CUDA plan leaves empty: every output has its own array).
"""

from ..codegen import REDUCERS, KernelSource, accumulator_dtype, converter
from ..loopnest import is_reduction
from .scalars import WARP

MAX_ROW_THREADS = 256  # the shared arrays' size: the widest block a row kernel runs with


class _CUDAKernel(KernelSource):
    label = "CUDA "

    def decorator(self):
        return "@cuda.jit"

    def _grid_stride(self, total):
        self.w.line("t = cuda.grid(1)")
        self.w.open(f"while t < {total}:")

    def _elementwise(self, dims):
        index = tuple(f"i{d}" for d in range(len(dims)))
        self._grid_stride(" * ".join(dims))
        self.w.line("rest = t")
        for d in reversed(range(len(dims))):
            self.w.line(f"{index[d]} = rest % {dims[d]}")
            if d:
                self.w.line(f"rest = rest // {dims[d]}")
        for node in self.kernel.nodes:
            self.assign(node, index)
        for value, name in self.out_names.items():
            self.w.line(f"{name}[{', '.join(index)}] = v{self.ids[value.node]}")
        self.w.line("t += cuda.gridsize(1)")

    def _columns(self, dims):
        reductions = [n for n in self.kernel.nodes if is_reduction(n)]
        self._grid_stride("O * K")
        self.w.line("o = t // K")
        self.w.line("k = t % K")
        for node in reductions:
            self.w.line(f"a{self.ids[node]} = {self.accumulator_init(node)}")
        self.w.open("for r in range(R):")
        self.pass_body(reductions, list(self.nest.full_outputs), ("o", "r", "k"))
        self.w.close()
        self.reduced_nodes(set(reductions), 1, "a{}", ("o", "0", "k"))
        for value in self.nest.reduced_outputs:
            self.w.line(f"{self.out_names[value]}[o, k] = v{self.ids[value.node]}")
        self.w.line("t += cuda.gridsize(1)")

    def _rows(self, dims):
        reductions = [n for n in self.kernel.nodes if is_reduction(n)]
        self.w.line("tid = cuda.threadIdx.x")
        self.w.line("width = cuda.blockDim.x")
        for node in reductions:
            dtype = accumulator_dtype(self.types[node.inputs[0]].dtype).name
            self.w.line(f"s{self.ids[node]} = cuda.shared.array({MAX_ROW_THREADS}, {dtype})")
        self.w.line("o = cuda.blockIdx.x")
        self.w.open("while o < O:")
        done = set()
        for level in sorted({self.level(n) for n in reductions}):
            at_level = [n for n in reductions if self.level(n) == level]
            for node in at_level:
                self.w.line(f"a{self.ids[node]} = {self.accumulator_init(node)}")
            self._strided_row()
            self.pass_body(at_level, [], ("o", "r", "0"))
            self.w.line("r += width")
            self.w.close()
            for node in at_level:
                self._block_combine(node)
            done |= set(at_level)
            self.reduced_nodes(done, level, "a{}", ("o", "0", "0"))
        full = list(self.nest.full_outputs)
        if full:
            self._strided_row()
            self.pass_body([], full, ("o", "r", "0"))
            self.w.line("r += width")
            self.w.close()
        if self.nest.reduced_outputs:
            self.w.open("if tid == 0:")
            for value in self.nest.reduced_outputs:
                self.w.line(f"{self.out_names[value]}[o, 0] = v{self.ids[value.node]}")
            self.w.close()
        self.w.line("o += cuda.gridDim.x")

    def _strided_row(self):
        self.w.line("r = tid")
        self.w.open("while r < R:")

    def _block_combine(self, node):
        """Every thread's ``a{i}`` becomes the block's total: a tree in shared
        memory down to one warp, then shuffles within the warp."""
        i = self.ids[node]
        acc, shared = f"a{i}", f"s{i}"
        convert = converter(accumulator_dtype(self.types[node.inputs[0]].dtype))
        step = REDUCERS[node.op][0]
        w = self.w
        w.line(f"{shared}[tid] = {acc}")
        w.line("cuda.syncthreads()")
        w.line("h = width // 2")
        w.open(f"while h >= {WARP}:")
        w.open("if tid < h:")
        pair = step.format(acc=f"{shared}[tid]", v=f"{shared}[tid + h]")
        w.line(f"{shared}[tid] = {convert}({pair})")
        w.close()
        w.line("cuda.syncthreads()")
        w.line("h //= 2")
        w.close()
        w.open(f"if tid < {WARP}:")
        w.line(f"{acc} = {shared}[tid]")
        w.line(f"h = {WARP // 2}")
        w.open("while h > 0:")
        w.line(f"{acc} = {convert}({step.format(acc=acc, v=f'shfl_down({acc}, h)')})")
        w.line("h //= 2")
        w.close()
        w.open("if tid == 0:")
        w.line(f"{shared}[0] = {acc}")
        w.close(2)
        w.line("cuda.syncthreads()")
        w.line(f"{acc} = {shared}[0]")
        w.line("cuda.syncthreads()")


def kernel_source(kernel, nest, types):
    """The source of ``def kernel(...)``, a ``cuda.jit`` kernel, for a fused
    kernel and its loop nest."""
    return _CUDAKernel(kernel, nest, types).source()
