"""The fast transcendental functions: accuracy in ulps over the whole float32
range (a dense sweep of bit patterns against float64) and over float64 (a
sample against ``np.longdouble``), special values, dtypes, and that a loop
calling them vectorizes. ``max_ulps_float32(name, stride=1)`` checks every
float32 (a few minutes per function).
"""

import math

import numpy as np
import pytest
from numba import njit, typeof, types

from symgraph.backend.cpu import fastmath
from symgraph.backend.cpu.fastmath import FUNCTIONS, NAMES

MAX_ULPS = {  # the targets
    np.float32: {"exp": 2, "log": 2, "log1p": 2, "expm1": 2,
                 "tanh": 3, "sigmoid": 3, "softplus": 3},
    np.float64: {name: 4 for name in NAMES},
}
STRIDE = 251  # float32 bit patterns 0, 251, 502, ...: 17 million, every binade, varied low bits


def exact(name, x):
    """``name(x)`` in the next wider float type (float64 for float32, longdouble for float64)."""
    with np.errstate(all="ignore"):
        x = x.astype(np.float64 if x.dtype == np.float32 else np.longdouble)
        if name == "sigmoid":
            e = np.exp(-abs(x))
            return np.where(x >= 0, 1, e) / (1 + e)
        if name == "softplus":
            return np.maximum(x, 0) + np.log1p(np.exp(-abs(x)))
        return getattr(np, name)(x)


def ulp_errors(y, exact_values):
    """|y - exact| in ulps of y's dtype at the exact value (the spacing of its binade,
    denormal spacing below the normals); inf where y is not the inf or nan that the
    exact value rounds to."""
    with np.errstate(all="ignore"):
        rounded = exact_values.astype(y.dtype)
        magnitude = abs(rounded)
        rounded_up_a_binade = abs(exact_values) < magnitude
        ulp = np.spacing(np.where(rounded_up_a_binade, np.nextafter(magnitude, 0), magnitude))
        errors = abs(y - exact_values) / ulp
    special = ~np.isfinite(rounded)
    errors[special] = np.where((y[special] == rounded[special])
                               | (np.isnan(y[special]) & np.isnan(rounded[special])), 0, np.inf)
    return np.where(np.isnan(errors), np.inf, errors)


@njit
def _apply(function, x):
    out = np.empty_like(x)
    for i in range(x.size):
        out[i] = function(x[i])
    return out


def max_ulps(name, x, flavour="fast"):
    """(max ulp error, the input where it is) of ``name`` over the array ``x``."""
    errors = ulp_errors(_apply(FUNCTIONS[flavour][name], x), exact(name, x))
    worst = int(np.argmax(errors))
    return float(errors[worst]), x[worst]


def max_ulps_float32(name, stride=STRIDE, flavour="fast", block=2**18):
    """``max_ulps`` over the float32 bit patterns 0, stride, 2 * stride, ..."""
    count = 2**32 // stride
    results = []
    for start in range(0, count, block):
        bits = np.arange(start, min(start + block, count), dtype=np.uint64) * np.uint64(stride)
        results.append(max_ulps(name, bits.astype(np.uint32).view(np.float32), flavour))
    return max(results, key=lambda result: result[0])


def float64_sample():
    """2**19 random bit patterns (every binade) and 2**19 values where the functions bend."""
    rng = np.random.default_rng(0)
    bits = rng.integers(0, 2**64, 2**19, dtype=np.uint64, endpoint=False).view(np.float64)
    return np.concatenate([bits[np.isfinite(bits)], rng.uniform(-750, 750, 2**17),
                           rng.uniform(-40, 40, 2**17), rng.uniform(-1, 3, 2**18)])


@pytest.mark.parametrize("name", NAMES)
def test_float32_accuracy_over_the_whole_range(name):
    error, x = max_ulps_float32(name)
    assert error <= MAX_ULPS[np.float32][name], f"{name}({x!r}) is {error:.2f} ulps off"


@pytest.mark.parametrize("name", NAMES)
def test_float64_accuracy(name):
    error, x = max_ulps(name, float64_sample())
    assert error <= MAX_ULPS[np.float64][name], f"{name}({x!r}) is {error:.2f} ulps off"


INF, NAN = math.inf, math.nan
MAX32, TINY32, DENORMAL32 = 3.4028234663852886e38, 1.1754943508222875e-38, 1e-45
EDGES = [  # (name, x, expected) for float32 and float64
    ("exp", INF, INF), ("exp", -INF, 0.0), ("exp", NAN, NAN), ("exp", 0.0, 1.0), ("exp", -0.0, 1.0),
    ("exp", 710.0, INF), ("exp", -746.0, 0.0), ("exp", DENORMAL32, 1.0),
    ("log", 0.0, -INF), ("log", -0.0, -INF), ("log", -1.0, NAN), ("log", -INF, NAN),
    ("log", INF, INF), ("log", NAN, NAN), ("log", 1.0, 0.0), ("log", -DENORMAL32, NAN),
    ("log1p", -1.0, -INF), ("log1p", -2.0, NAN), ("log1p", INF, INF), ("log1p", -INF, NAN),
    ("log1p", NAN, NAN), ("log1p", 0.0, 0.0), ("log1p", -0.0, -0.0),
    ("log1p", DENORMAL32, DENORMAL32), ("log1p", -DENORMAL32, -DENORMAL32),
    ("expm1", INF, INF), ("expm1", -INF, -1.0), ("expm1", NAN, NAN), ("expm1", 0.0, 0.0),
    ("expm1", -0.0, -0.0), ("expm1", -200.0, -1.0), ("expm1", 710.0, INF),
    ("expm1", DENORMAL32, DENORMAL32), ("expm1", -DENORMAL32, -DENORMAL32),
    ("tanh", INF, 1.0), ("tanh", -INF, -1.0), ("tanh", NAN, NAN), ("tanh", 0.0, 0.0),
    ("tanh", -0.0, -0.0), ("tanh", 50.0, 1.0), ("tanh", -MAX32, -1.0),
    ("tanh", DENORMAL32, DENORMAL32), ("tanh", -TINY32, -TINY32),
    ("sigmoid", INF, 1.0), ("sigmoid", -INF, 0.0), ("sigmoid", NAN, NAN), ("sigmoid", 0.0, 0.5),
    ("sigmoid", -0.0, 0.5), ("sigmoid", -MAX32, 0.0), ("sigmoid", MAX32, 1.0),
    ("softplus", INF, INF), ("softplus", -INF, 0.0), ("softplus", NAN, NAN),
    ("softplus", MAX32, MAX32), ("softplus", -MAX32, 0.0), ("softplus", 100.0, 100.0),
]
EDGES32 = [  # where float32 overflows or underflows and float64 does not
    ("exp", 89.0, INF), ("exp", -104.0, 0.0), ("exp", -103.9, DENORMAL32), ("expm1", 89.0, INF),
    ("sigmoid", -100.0, math.exp(-100)), ("softplus", -100.0, math.exp(-100)),
]


def _same(y, expected):
    """Equal as floats, nan to nan, and -0.0 is not 0.0."""
    if math.isnan(expected):
        return math.isnan(y)
    return y == expected and math.copysign(1, y) == math.copysign(1, expected)


@pytest.mark.parametrize("flavour", ["fast", "exact"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_special_values(flavour, dtype):
    wrong = []
    for name, x, expected in EDGES + (EDGES32 if dtype == np.float32 else []):
        y = FUNCTIONS[flavour][name](dtype(x))
        if not _same(y, dtype(expected)):
            wrong.append(f"{name}({x!r}) = {y!r}, not {expected!r}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("flavour", ["fast", "exact"])
@pytest.mark.parametrize("name", NAMES)
def test_the_argument_dtype_is_the_result_dtype(flavour, name):
    function = FUNCTIONS[flavour][name]
    for argument, result in [(np.float32(0.5), types.float32), (0.5, types.float64),
                             (3, types.float64), (True, types.float64)]:
        function(argument)
        returns = {sig.args: sig.return_type for sig in function.nopython_signatures}
        assert returns[(typeof(argument),)] == result


def test_public_names_are_the_table():
    for flavour, prefix in [("fast", ""), ("exact", "exact_")]:
        for name in NAMES:
            assert getattr(fastmath, prefix + name) is FUNCTIONS[flavour][name]


def test_a_loop_of_fast_functions_is_vectorized():
    @njit
    def loop(x, out):
        for i in range(x.size):
            out[i] = (fastmath.exp(x[i]) + fastmath.log(x[i]) + fastmath.log1p(x[i])
                      + fastmath.expm1(x[i]) + fastmath.tanh(x[i]) + fastmath.sigmoid(x[i])
                      + fastmath.softplus(x[i]))

    x = np.linspace(0, 1, 64, dtype=np.float32)
    loop(x, np.empty_like(x))
    llvm = loop.inspect_llvm(loop.signatures[0])
    assert " x float>" in llvm, "the loop is not vectorized"
    calls = [line for line in llvm.splitlines() if " call " in line and "float" in line
             and "@llvm." not in line]
    assert not calls, f"calls left in the loop: {calls}"
