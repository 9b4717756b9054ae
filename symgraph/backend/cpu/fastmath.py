"""Vectorizable exp, log, log1p, expm1, tanh, sigmoid and softplus for numba.

numba's ``math.exp`` and friends are scalar libm calls that LLVM cannot
vectorize (numba's SVML is off with the PyPI llvmlite wheels), so a fused
loop of transcendental functions runs at libm speed. The functions here are
straight-line float arithmetic, comparisons that become selects, and two
bit-level intrinsics, so a ``for i in range(n)`` loop that calls them is
vectorized whole by LLVM (no calls left in the loop)::

    exp(x)   = (1 + p) * 2**n      x = n*ln2 + r, |r| <= ln2/2, p = expm1(r)
    expm1(x) = 2**n * p + (2**n - 1)                  (the same p and n)
    log(x)   = k*ln2 + log(m)      x = m * 2**k, m in [sqrt(1/2), sqrt(2))
    log1p(x) = log(u) + (x - (u - 1)) / u      u = 1 + x, corrected for rounding
    tanh(x)  = sign(x) * e / (e + 2)          e = expm1(2|x|)
    sigmoid(x) = (1 if x >= 0 else e) / (1 + e),  e = exp(-|x|)   (no overflow)
    softplus(x) = max(x, 0) + log1p(exp(-|x|))

(Cody-Waite splits of ln2; polynomials: cephes ``expf``, fdlibm ``logf`` and
``log``, Taylor for double ``expm1``.) ``2**n`` is built from exponent bits in
two halves, so results overflow to inf and underflow through the denormals to
0 exactly as libm's do. The argument's dtype picks the precision: float32 in,
float32 out, computed in float32; float64, integers and bools in float64.
Special values follow C99 Annex F: nan propagates, ±inf and ±0 give libm's
results (log(0) = -inf, log(-1) = nan, log1p(-1) = -inf, tanh(-0) = -0).

API. ``exp``, ``log``, ``log1p``, ``expm1``, ``tanh``, ``sigmoid``,
``softplus`` are the fast flavour; ``exact_exp`` ... ``exact_softplus`` the
same through libm (numba's ``math.*``; sigmoid and softplus by the formulas
above). ``FUNCTIONS[flavour][name]`` ("fast" or "exact") holds both for code
generators; kernels import by name (``from symgraph.backend.cpu.fastmath
import exp, tanh``). Each is a numba dispatcher, callable from Python and from
jitted code, and keeps its own float flags: no ``nnan``/``ninf``, whatever the
calling kernel was compiled with.

Accuracy: max |y - f(x)| / ulp, the ulp being the spacing of the binade of the
exact f(x) (denormal spacing below the normals, so denormal results count):

    float32, every one of the 2**32 inputs, against float64 libm:
        exp 1.01  log 0.83  log1p 0.83  expm1 1.44  tanh 2.42  sigmoid 2.40  softplus 1.64
    float64, 9.4 million inputs (random bit patterns, and dense where the
    functions bend), against np.longdouble:
        exp 0.98  log 0.80  log1p 0.79  expm1 1.80  tanh 2.54  sigmoid 2.31  softplus 1.62

Without FMA (``NUMBA_CPU_NAME=x86-64 NUMBA_CPU_FEATURES=+sse2``) the errors on
the tests' samples move by at most 0.2 ulp.

Speed (``benchmark()``: 1e7 float32, one core of a 2-core AVX-512 machine,
best of 5): ``tanh(a*b+c)*exp(-a)+sigmoid(b)`` takes 21 ms fast, 260 ms with
``math.*``, 95 ms in numpy, against 10.5 ms for ``a*b+c-a``, which only moves
memory; the fused loop is compute bound at about 2 ns an element (8 lanes:
LLVM keeps to 256-bit vectors on this CPU). Denormal results are slow (the
CPU's microcode makes them): exp of 1e7 values in [-100, 100], 8% of them
denormal, takes 36 ms; in [-80, 100], 9.5 ms.
Compiling a kernel that calls three of the functions takes 0.15 s, as long as
one of plain arithmetic, once they are in numba's disk cache (``cache=True``);
the first compile on a machine, which fills the cache, about 1 s.
"""

import math
import time
from typing import NamedTuple

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic, overload

NAMES = ("exp", "log", "log1p", "expm1", "tanh", "sigmoid", "softplus")

# contract: FMAs where the CPU has them (one rounding instead of two).
# error_model numpy: x / 0 gives inf or nan instead of a check that raises,
# which would keep the loop from vectorizing.
# cache: compiled once per machine, not once per process.
_jit = njit(fastmath={"contract"}, error_model="numpy", cache=True)


@intrinsic
def _pow2(typingctx, n):
    """2.0**n for a float ``n`` that holds an integer in the normal exponent range."""
    if not isinstance(n, types.Float):
        return None
    finfo = np.finfo(f"float{n.bitwidth}")

    def codegen(context, builder, signature, args):
        int_type = ir.IntType(n.bitwidth)
        bias = ir.Constant(int_type, finfo.maxexp - 1)
        biased = builder.add(builder.fptosi(args[0], int_type), bias)
        bits = builder.shl(biased, ir.Constant(int_type, finfo.nmant))
        return builder.bitcast(bits, context.get_value_type(n))

    return n(n), codegen


@intrinsic
def _split(typingctx, x):
    """(m, k) with x = m * 2.0**k and m in [sqrt(1/2), sqrt(2)), for a positive normal ``x``.

    Adding bits(1) - bits(sqrt(1/2)) to the bits of x moves the binade edge from
    1 to sqrt(1/2), so |log(m)| stays small without a branch (musl's trick).
    """
    if not isinstance(x, types.Float):
        return None
    finfo = np.finfo(f"float{x.bitwidth}")
    sqrt_half = int(np.array(np.sqrt(0.5), finfo.dtype).view(f"int{x.bitwidth}"))
    one = int(np.array(1, finfo.dtype).view(f"int{x.bitwidth}"))

    def codegen(context, builder, signature, args):
        int_type = ir.IntType(x.bitwidth)
        float_type = context.get_value_type(x)
        shift = ir.Constant(int_type, one - sqrt_half)
        bits = builder.add(builder.bitcast(args[0], int_type), shift)
        k = builder.sub(builder.ashr(bits, ir.Constant(int_type, finfo.nmant)),
                        ir.Constant(int_type, finfo.maxexp - 1))
        fraction = builder.and_(bits, ir.Constant(int_type, (1 << finfo.nmant) - 1))
        m = builder.bitcast(builder.add(fraction, ir.Constant(int_type, sqrt_half)), float_type)
        k = builder.sitofp(k, float_type)
        return context.make_tuple(builder, signature.return_type, (m, k))

    return types.UniTuple(x, 2)(x), codegen


@_jit
def _polynomial(coefficients, x):
    """c0 + c1*x + c2*x**2 + ... by Horner's rule; ``coefficients`` is a constant tuple."""
    y = coefficients[-1]
    for c in coefficients[-2::-1]:
        y = y * x + c
    return y


class _Precision(NamedTuple):
    dtype: type
    exp_bounds: tuple  # clamp: exp is 0 / inf beyond, and each half of 2**n stays normal
    ln2: tuple  # hi + lo; hi has trailing zero bits, so n * hi is exact for every n used
    expm1_poly: tuple  # (expm1(r) - r) / r**2, |r| <= ln2/2, ascending powers of r
    log_poly: tuple  # fdlibm's Lg: log(1+f) = 2s + s*z*poly(z), s = f/(2+f), z = s**2
    tanh_saturation: float  # tanh rounds to 1 beyond; keeps expm1 finite


_FLOAT32 = _Precision(
    np.float32, (-110.0, 90.0), (float.fromhex("0x1.62e4p-1"), float.fromhex("0x1.7f7d1cp-20")),
    (5.0000001201e-1, 1.6666665459e-1, 4.1665795894e-2, 8.3334519073e-3, 1.3981999507e-3,
     1.9875691500e-4),
    (float.fromhex("0xaaaaaa.0p-24"), float.fromhex("0xccce13.0p-25"),
     float.fromhex("0x91e9ee.0p-25"), float.fromhex("0xf89e26.0p-26")),
    10.0)

_FLOAT64 = _Precision(
    np.float64, (-760.0, 720.0), (6.93147180369123816490e-01, 1.90821492927058770002e-10),
    tuple(1 / math.factorial(k) for k in range(2, 14)),
    (6.666666666666735130e-01, 3.999999999940941908e-01, 2.857142874366239149e-01,
     2.222219843214978396e-01, 1.818357216161805012e-01, 1.531383769920937332e-01,
     1.479819860511658591e-01),
    20.0)


def _logistic(P, exp, log1p):
    """sigmoid and softplus of one precision, from that precision's exp and log1p."""
    one, zero = P.dtype(1), P.dtype(0)

    @_jit
    def sigmoid(x):
        e = exp(-abs(x))
        return (one if x >= zero else e) / (one + e)

    @_jit
    def softplus(x):
        return (x if x > zero else zero) + log1p(exp(-abs(x)))

    return {"sigmoid": sigmoid, "softplus": softplus}


def _fast(P):
    """The fast functions of one precision; see the module docstring."""
    F, finfo = P.dtype, np.finfo(P.dtype)
    zero, half, one, two, inf, nan = F(0), F(0.5), F(1), F(2), F(np.inf), F(np.nan)
    low, high = map(F, P.exp_bounds)
    ln2_hi, ln2_lo = map(F, P.ln2)
    log2e, round_add = F(1 / math.log(2)), F(1.5 * 2.0**finfo.nmant)
    expm1_poly, log_poly = tuple(map(F, P.expm1_poly)), tuple(map(F, P.log_poly))
    tiny, denormal_scale, denormal_k = F(finfo.tiny), F(2.0**finfo.nmant), F(finfo.nmant)
    saturation = F(P.tanh_saturation)

    @_jit
    def reduce(x):
        """(p, n1, n2) with exp(x) = (1 + p) * 2**n1 * 2**n2, n2 >= n1 and p = expm1(r)."""
        x = high if x > high else (low if x < low else x)
        n = (x * log2e + round_add) - round_add  # round to nearest integer
        r = (x - n * ln2_hi) - n * ln2_lo
        p = r + r * r * _polynomial(expm1_poly, r)
        n1 = np.floor(n * half)
        return p, n1, n - n1

    @_jit
    def exp(x):
        p, n1, n2 = reduce(x)
        return (one + p) * _pow2(n2) * _pow2(n1)  # exact and normal until the last product

    @_jit
    def expm1(x):
        p, n1, n2 = reduce(x)
        s2 = _pow2(n2)
        y = _pow2(n1) * (s2 * p + (s2 - _pow2(-n1)))  # 2**n * p + (2**n - 1), without overflow
        return x if x == zero else y  # keeps the sign of -0

    @_jit
    def log_plus(u, c):
        """log(u) + c for a tiny c, added among the smallest terms; special cases of log(u)."""
        denormal = u < tiny
        m, k = _split(u * denormal_scale if denormal else u)
        k = k - denormal_k if denormal else k
        f = m - one
        s = f / (two + f)
        z = s * s
        hfsq = half * f * f
        r = z * _polynomial(log_poly, z)
        y = k * ln2_hi - ((hfsq - (s * (hfsq + r) + (k * ln2_lo + c))) - f)  # fdlibm's order
        y = y if u < inf else u  # inf, nan
        y = -inf if u == zero else y
        return nan if u < zero else y

    @_jit
    def log(x):
        return log_plus(x, zero)

    @_jit
    def log1p(x):
        u = one + x
        y = log_plus(u, (x - (u - one)) / u)  # x - (u - 1): what rounding 1 + x lost
        return x if x == zero else y  # keeps the sign of -0

    @_jit
    def tanh(x):
        a = abs(x)
        e = expm1(two * (saturation if a > saturation else a))
        return math.copysign(e / (e + two), x)

    return dict(exp=exp, log=log, log1p=log1p, expm1=expm1, tanh=tanh,
                **_logistic(P, exp, log1p))


def _libm(function):
    return _jit(lambda x: function(x))


def _exact(P):
    """The libm functions of one precision (numba's ``math`` keeps float32 as float32)."""
    libm = {name: _libm(getattr(math, name)) for name in ("exp", "log", "log1p", "expm1", "tanh")}
    return dict(libm, **_logistic(P, math.exp, math.log1p))


def _by_dtype(name, flavour, for_float32, for_float64):
    """One dispatcher for ``name`` that calls ``for_float32`` or ``for_float64`` by the
    argument's numba type (an ``overload`` picks one while typing, at no run-time cost)."""
    def choose(x):
        """Typing stub: the overload below says what it compiles to."""

    @overload(choose)
    def _choose(x):
        if x == types.float32:
            return lambda x: for_float32(x)
        if isinstance(x, (types.Float, types.Integer, types.Boolean)):
            return lambda x: for_float64(np.float64(x))
        return None

    def function(x):
        return choose(x)

    function.__name__ = function.__qualname__ = name if flavour == "fast" else f"exact_{name}"
    function.__doc__ = f"{name}(x), {flavour} flavour: float32 in, float32 out (module docstring)."
    return _jit(function)


def _flavour(flavour, make):
    float32, float64 = make(_FLOAT32), make(_FLOAT64)
    return {name: _by_dtype(name, flavour, float32[name], float64[name]) for name in NAMES}


FUNCTIONS = {"fast": _flavour("fast", _fast), "exact": _flavour("exact", _exact)}
exp, log, log1p, expm1, tanh, sigmoid, softplus = (FUNCTIONS["fast"][n] for n in NAMES)
exact_exp, exact_log, exact_log1p, exact_expm1, exact_tanh, exact_sigmoid, exact_softplus = (
    FUNCTIONS["exact"][n] for n in NAMES)


def _fused(tanh, exp, sigmoid):
    @njit
    def kernel(a, b, c, out):
        for i in range(out.size):
            out[i] = tanh(a[i] * b[i] + c[i]) * exp(-a[i]) + sigmoid(b[i])
    return kernel


def benchmark(size=10**7, repeat=5):
    """Print ms for ``tanh(a*b+c)*exp(-a)+sigmoid(b)`` over ``size`` float32s in numpy,
    numba with ``math.*`` and numba with these functions, and s for each first call."""
    rng = np.random.default_rng(0)
    a, b, c = (rng.standard_normal(size, dtype=np.float32) * 3 for _ in range(3))
    out = np.empty_like(a)

    def numpy(a, b, c, out):
        np.add(np.tanh(a * b + c) * np.exp(-a), 1 / (1 + np.exp(-b)), out=out)

    for label, run in (("numpy", numpy),
                       ("math.*", _fused(exact_tanh, exact_exp, exact_sigmoid)),
                       ("fast", _fused(tanh, exp, sigmoid))):
        start = time.perf_counter()
        run(a, b, c, out)
        first = time.perf_counter() - start
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            run(a, b, c, out)
            times.append(time.perf_counter() - start)
        print(f"{label:7s} {min(times) * 1e3:7.1f} ms   first call {first:.2f} s")


if __name__ == "__main__":
    benchmark()
