"""The hand-written CUDA kernels: matrix products, strided copies, gathers
and random numbers. Each is compiled once per process (``numba.cuda``
caches per argument types), on first use.

GEMM (``matmul``). C (batch, M, N) = A @ B, A and B read through strides,
so the transposed operands autodiff makes (``swapaxes`` views) and
broadcast batches are read in place, never copied::

    block: BM x BN of C (64 x 64), 16 x 16 threads, each 4 x 4 outputs in registers
    (rows ty + 16 i, columns tx + 16 j: a warp's loads from shared memory and
    its stores to C touch neighbouring addresses)
    loop over K in steps of BK (16): stage A[BM, BK] and B[BK, BN] in shared
    memory, then each thread multiplies its 4 rows of A by its 4 columns of B

Accumulation is in the operands' dtype, as BLAS does.

Gathers check every index; a bad one sets the kernel's error word and is
never dereferenced. The plan reads the word after the kernel and raises
the CPU's error (``bound.py``).

Random numbers are ``random_bits``' counter-based hash, with the per-run
key computed on the host, so the device draws exactly the CPU's bits.
"""

import functools
import math

import numpy as np

from ...random_bits import GOLDEN, _M1, _M2
from .device import cuda_module
from .scalars import maximum, minimum

BM = BN = 64
BK = 16
TM = TN = 4
GEMM_THREADS = (BN // TN, BM // TM)

cuda = cuda_module()


@functools.lru_cache(maxsize=None)
def gemm(dtype):
    """The GEMM kernel for float ``dtype`` (see the module docstring)."""
    numba_type = {np.dtype(np.float32): "float32", np.dtype(np.float64): "float64"}[
        np.dtype(dtype)]
    from numba import types

    element = getattr(types, numba_type)

    @cuda.jit
    def kernel(a, b, c, M, N, K, a_batch, b_batch, sam, sak, sbk, sbn):
        a_tile = cuda.shared.array((BK, BM), element)
        b_tile = cuda.shared.array((BK, BN), element)
        acc = cuda.local.array((TM, TN), element)
        row_part = cuda.local.array(TM, element)
        col_part = cuda.local.array(TN, element)
        tx, ty = cuda.threadIdx.x, cuda.threadIdx.y
        thread = ty * GEMM_THREADS[0] + tx
        batch = cuda.blockIdx.z
        row0, col0 = cuda.blockIdx.y * BM, cuda.blockIdx.x * BN
        a0, b0 = a_batch[batch], b_batch[batch]
        for i in range(TM):
            for j in range(TN):
                acc[i, j] = 0
        for k0 in range(0, K, BK):
            for e in range(thread, BM * BK, GEMM_THREADS[0] * GEMM_THREADS[1]):
                # Neighbouring threads read neighbouring addresses: along k
                # for a row-major A, along m for a transposed one (B likewise).
                m, kk = (e // BK, e % BK) if sak == 1 else (e % BM, e // BM)
                inside = row0 + m < M and k0 + kk < K
                a_tile[kk, m] = a[a0 + (row0 + m) * sam + (k0 + kk) * sak] if inside else 0
                kk, n = (e // BN, e % BN) if sbn == 1 else (e % BK, e // BK)
                inside = k0 + kk < K and col0 + n < N
                b_tile[kk, n] = b[b0 + (k0 + kk) * sbk + (col0 + n) * sbn] if inside else 0
            cuda.syncthreads()
            for kk in range(BK):
                for i in range(TM):
                    row_part[i] = a_tile[kk, ty + i * GEMM_THREADS[1]]
                for j in range(TN):
                    col_part[j] = b_tile[kk, tx + j * GEMM_THREADS[0]]
                for i in range(TM):
                    for j in range(TN):
                        acc[i, j] += row_part[i] * col_part[j]
            cuda.syncthreads()
        for i in range(TM):
            m = row0 + ty + i * GEMM_THREADS[1]
            for j in range(TN):
                n = col0 + tx + j * GEMM_THREADS[0]
                if m < M and n < N:
                    c[(batch * M + m) * N + n] = acc[i, j]

    return kernel


@cuda.jit(device=True)
def _strided_position(t, offset, shape, strides):
    """Where element ``t`` (C order over ``shape``) of a strided layout sits."""
    rest, position = t, offset
    for d in range(shape.shape[0] - 1, -1, -1):
        position += (rest % shape[d]) * strides[d]
        rest //= shape[d]
    return position


@cuda.jit
def strided_copy(source, offset, shape, strides, out):
    """``out`` (flat, C order over ``shape``) = the elements of flat ``source``
    at ``offset + sum(index * strides)``: views and broadcasts made dense."""
    t = cuda.grid(1)
    while t < out.shape[0]:
        out[t] = source[_strided_position(t, offset, shape, strides)]
        t += cuda.gridsize(1)


@cuda.jit
def strided_scatter(source, target, offset, shape, strides):
    """The other way: flat dense ``source`` written into a strided layout of
    ``target`` (a slice of a zeroed gradient, a part of a concatenation)."""
    t = cuda.grid(1)
    while t < source.shape[0]:
        target[_strided_position(t, offset, shape, strides)] = source[t]
        t += cuda.gridsize(1)


@cuda.jit
def reduce_rows(x, out, width, op, identity):
    """``out[t]`` = the reduction of row ``t`` of ``x`` as (rows, width), one
    thread per row: reductions whose axes fusion could not make one loop nest
    (their input is first permuted so the reduced axes come last). ``op``:
    0 sum, 1 mean, 2 prod, 3 max, 4 min; ``identity`` has the accumulator's
    dtype (float64 for floats, int64 for integers, as on the CPU)."""
    t = cuda.grid(1)
    while t < out.shape[0]:
        acc = identity
        for r in range(t * width, (t + 1) * width):
            if op <= 1:
                acc = acc + x[r]
            elif op == 2:
                acc = acc * x[r]
            elif op == 3:
                acc = maximum(acc, x[r])
            else:
                acc = minimum(acc, x[r])
        if op == 1:
            out[t] = acc / width
        else:
            out[t] = acc
        t += cuda.gridsize(1)


@cuda.jit
def arg_extreme(x, out, n, inner, largest):
    """numpy's argmax (``largest``) or argmin along the middle axis of ``x``
    as (outer, n, inner): the first extreme index, or the first NaN's."""
    t = cuda.grid(1)
    while t < out.shape[0]:
        base = (t // inner) * n * inner + t % inner
        best, at = x[base], 0
        r = 1
        while r < n and best == best:
            value = x[base + r * inner]
            if value != value or (value > best if largest else value < best):
                best, at = value, r
            r += 1
        out[t] = at
        t += cuda.gridsize(1)


@cuda.jit(device=True)
def _taken(t, indices, n, inner):
    """Element ``t`` of a take's (outer, m, inner) result comes from this flat
    position of its (outer, n, inner) source; -1 for an index out of range."""
    m = indices.shape[0]
    i = indices[(t // inner) % m]
    if i < -n or i >= n:
        return -1
    return ((t // (inner * m)) * n + (i + n if i < 0 else i)) * inner + t % inner


@cuda.jit
def take(a, indices, out, n, inner, error, slot):
    """``out[o, j, k] = a[o, indices[j], k]`` with ``a`` as (outer, n, inner)."""
    t = cuda.grid(1)
    while t < out.shape[0]:
        position = _taken(t, indices, n, inner)
        if position < 0:
            error[slot] = 1
            out[t] = 0
        else:
            out[t] = a[position]
        t += cuda.gridsize(1)


@cuda.jit
def take_backward(g, indices, out, n, inner, error, slot):
    """Scatter-add: ``out[o, indices[j], k] += g[o, j, k]`` (``out`` zeroed first)."""
    t = cuda.grid(1)
    while t < g.shape[0]:
        position = _taken(t, indices, n, inner)
        if position < 0:
            error[slot] = 1
        else:
            cuda.atomic.add(out, position, g[t])
        t += cuda.gridsize(1)


@cuda.jit
def one_hot(labels, out, depth, on_value, off_value, error, slot):
    t = cuda.grid(1)
    while t < out.shape[0]:
        label = labels[t // depth]
        if label < 0 or label >= depth:
            error[slot] = 1
            out[t] = off_value
        else:
            out[t] = on_value if label == t % depth else off_value
        t += cuda.gridsize(1)


@cuda.jit
def fill(out, value):
    t = cuda.grid(1)
    while t < out.shape[0]:
        out[t] = value
        t += cuda.gridsize(1)


@cuda.jit(device=True)
def _mix64(z):
    """``random_bits.mix64`` on one uint64."""
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


@cuda.jit(device=True)
def _unit_uniform(key, i):
    bits = _mix64(key + np.uint64(i) * GOLDEN)
    return np.float64(bits >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@cuda.jit
def uniform(key, low, high, cap, out):
    """``ops.random.uniform_sample``: ``low + (high - low) * u`` below ``cap``."""
    t = cuda.grid(1)
    while t < out.shape[0]:
        out[t] = low + (high - low) * _unit_uniform(key, t)  # rounded to out's dtype
        if out[t] > cap:
            out[t] = cap
        t += cuda.gridsize(1)


@cuda.jit
def normal(key1, key2, loc, scale, out):
    """``ops.random``'s Box-Muller over two streams of uniforms."""
    t = cuda.grid(1)
    while t < out.shape[0]:
        u1 = _unit_uniform(key1, t)
        u2 = _unit_uniform(key2, t)
        z = math.sqrt(-2.0 * math.log1p(-u1)) * math.cos(2.0 * np.pi * u2)
        out[t] = loc + scale * z
        t += cuda.gridsize(1)
