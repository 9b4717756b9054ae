"""The experiment behind one of the compiler's choices: a bound plan runs as
a list of steps called from Python (symgraph's way), or as one generated
``numba.njit`` function that calls every kernel and GEMM itself (PyTensor's
numba mode). ``tools/bench.py`` (workload D) times both on the W2 step.

    step list:   for function, args in steps: function(*args)    # ~0.5 us a call
    whole plan:  segment0(a0, a1, ...)  ->  one_hot (Python)  ->  segment1(...)

Steps with no numba form (numpy library calls, port copies) split the plan
into segments, each one njit function. GEMMs call numpy's own OpenBLAS
(``cblas_sgemm`` found through numpy's extension module), so both versions
use one BLAS and one thread pool; numba's ``np.dot`` would use scipy's.
This module is a measurement, not part of symgraph: it exists so that the
numbers in ``tools/README.md`` can be reproduced.
"""

import ctypes
import hashlib
import importlib
import pathlib
import re
import sys
import tempfile
import time

import llvmlite.binding as llvm
import numpy as np
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

from symgraph.backend.cpu import bound as bound_steps

ROW_MAJOR, NO_TRANS, TRANS = 101, 111, 112


def _find_cblas():
    """Register numpy's ``cblas_?gemm`` as JIT symbols; their integer width."""
    library = ctypes.CDLL(np._core._multiarray_umath.__file__)  # searches its BLAS too
    for prefix, suffix, bits in [("scipy_cblas_", "64_", 64), ("cblas_", "64_", 64),
                                 ("scipy_cblas_", "", 32), ("cblas_", "", 32)]:
        try:
            found = {t: getattr(library, f"{prefix}{t}gemm{suffix}") for t in "sd"}
        except AttributeError:
            continue
        for t, function in found.items():
            llvm.add_symbol(f"whole_plan_{t}gemm", ctypes.cast(function, ctypes.c_void_p).value)
        return bits
    raise RuntimeError("numpy's BLAS exports no cblas_sgemm")


INT_BITS = _find_cblas()


@intrinsic
def _gemm(typingctx, trans_a, trans_b, m, n, k, a, lda, b, ldb, c, ldc):
    """``c = a @ b`` through cblas, row-major; float32 or float64 arrays."""
    def codegen(context, builder, signature, args):
        dtype = signature.args[5].dtype
        real = ir.FloatType() if dtype == types.float32 else ir.DoubleType()
        i32, blasint = ir.IntType(32), ir.IntType(INT_BITS)
        pointer = real.as_pointer()
        function = cgutils.get_or_insert_function(
            builder.module,
            ir.FunctionType(ir.VoidType(), [i32, i32, i32, blasint, blasint, blasint, real,
                                            pointer, blasint, pointer, blasint, real,
                                            pointer, blasint]),
            f"whole_plan_{'s' if dtype == types.float32 else 'd'}gemm")
        ta, tb, m_, n_, k_, a_, lda_, b_, ldb_, c_, ldc_ = args
        size = (lambda v: builder.trunc(v, blasint)) if INT_BITS == 32 else (lambda v: v)
        data = [context.make_array(signature.args[i])(context, builder, v).data
                for i, v in ((5, a_), (7, b_), (9, c_))]
        builder.call(function, [i32(ROW_MAJOR), builder.trunc(ta, i32), builder.trunc(tb, i32),
                                size(m_), size(n_), size(k_), real(1.0), data[0], size(lda_),
                                data[1], size(ldb_), real(0.0), data[2], size(ldc_)])
        return context.get_dummy_value()
    return types.void(trans_a, trans_b, m, n, k, a, lda, b, ldb, c, ldc), codegen


GEMM_SOURCE = f'''
@njit(cache=True)
def layout(x):
    """(transpose flag, leading dimension) of a row- or column-major matrix."""
    if x.strides[1] == x.itemsize:
        return {NO_TRANS}, max(x.strides[0] // x.itemsize, x.shape[1])
    return {TRANS}, max(x.strides[1] // x.itemsize, x.shape[0])


@njit(cache=True)
def matmul(a, b, out):
    ta, lda = layout(a)
    tb, ldb = layout(b)
    _gemm(ta, tb, a.shape[0], b.shape[1], a.shape[1], a, lda, b, ldb, out, out.shape[1])
'''


def _gemm_ready(a, b, out):
    """A 2-D float GEMM whose operands cblas can read in place."""
    arrays = (a, b, out)
    if any(x.ndim != 2 or x.dtype not in (np.float32, np.float64) or x.dtype != out.dtype
           for x in arrays) or not out.flags.c_contiguous:
        return False
    return all(x.flags.c_contiguous or x.flags.f_contiguous for x in (a, b))


class WholePlan:
    """A bound plan's phase as generated njit segments between Python steps."""

    def __init__(self, bound, phase=0, folder=None):
        self.arrays, index = [], {}
        self.folder = pathlib.Path(folder or tempfile.mkdtemp(prefix="whole_plan_"))

        def name_of(array):
            if id(array) not in index:
                index[id(array)] = len(self.arrays)
                self.arrays.append(array)
            return f"a{index[id(array)]}"

        pieces, lines, imports = [], [], set()
        for function, args in bound.steps.get(phase, ()):
            text = self._call(function, args, name_of, imports)
            if text is None:  # no numba form: a Python step between segments
                if lines:
                    pieces.append(lines)
                    lines = []
                pieces.append((function, args))
            else:
                lines.append(text)
        if lines:
            pieces.append(lines)
        self.source, self.runs = self._module(pieces, imports)

    def _call(self, function, args, name_of, imports):
        if hasattr(function, "py_func"):  # a generated kernel
            imports.add(function.__module__)
            names = (str(a) if isinstance(a, int) else name_of(a) for a in args)
            return f"{function.__module__}.kernel({', '.join(names)})"
        if function is bound_steps._matmul and _gemm_ready(*args):
            return f"matmul({', '.join(name_of(a) for a in args)})"
        if function is np.copyto and all(a.flags.c_contiguous and a.ndim for a in args):
            return f"{name_of(args[0])}[:] = {name_of(args[1])}"
        return None

    def _module(self, pieces, imports):
        source = ["import numpy as np", "from numba import njit",
                  "from whole_plan import _gemm"] + [f"import {m}" for m in sorted(imports)]
        source.append(GEMM_SOURCE)
        segments = []
        for number, piece in enumerate(pieces):
            if isinstance(piece, tuple):
                segments.append(piece)
                continue
            names = sorted({w for line in piece for w in re.findall(r"\ba\d+\b", line)},
                           key=lambda w: int(w[1:]))
            source += ["", "@njit(cache=True)", f"def segment{number}({', '.join(names)}):"]
            source += [f"    {line}" for line in piece]
            segments.append((number, tuple(self.arrays[int(w[1:])] for w in names)))
        text = "\n".join(source) + "\n"
        name = "whole_plan_" + hashlib.sha256(text.encode()).hexdigest()[:24]
        (self.folder / f"{name}.py").write_text(text)
        if str(self.folder) not in sys.path:
            sys.path.insert(0, str(self.folder))
        module = importlib.import_module(name)
        runs = [(getattr(module, f"segment{p[0]}"), p[1]) if isinstance(p[0], int) else p
                for p in segments]
        return text, runs

    def compile(self):
        """Compile every segment (by running it once); the seconds it took."""
        start = time.perf_counter()
        self.run()
        return time.perf_counter() - start

    @property
    def segments(self):
        return sum(1 for function, _ in self.runs if hasattr(function, "py_func"))

    def run(self):
        for function, args in self.runs:
            function(*args)
