"""``random_uniform`` as a fixed numba kernel, bit for bit the reference's
``uniform_sample``: the counter-based hash of ``random_bits``, then
``low + (high - low) * u`` in float64, rounded to the sample's dtype and kept
below ``high``.

Through numpy, the uint64 arithmetic of the hash made every dropout mask
expensive: 790 us for a 256x256 one, more than the GEMM it follows. The
kernel computes each element's bits where it stores the sample. Its source
is fixed text loaded through the kernel cache like a generated kernel; the
run's step, which changes the mask every training step, is an argument.
"""

import numpy as np

from .cache import compile_for, load_kernel

_UNIFORM = '''
import numpy as np
from numba import njit

GOLDEN = np.uint64(0x9E3779B97F4A7C15)
M1 = np.uint64(0xBF58476D1CE4E5B9)
M2 = np.uint64(0x94D049BB133111EB)


@njit(inline='always')
def mix64(z):
    z = (z ^ (z >> np.uint64(30))) * M1
    z = (z ^ (z >> np.uint64(27))) * M2
    return z ^ (z >> np.uint64(31))


@njit(error_model='numpy', cache=True)
def kernel(seed, step, low, span, below_high, out):
    """random_bits.stream_key(seed, step), then one uniform per element of out."""
    key = mix64(mix64(seed) + mix64(np.uint64(step)) * GOLDEN)
    for i in range(out.size):
        bits = mix64(key + np.uint64(i) * GOLDEN)
        out[i] = low + span * (np.float64(bits >> np.uint64(11)) * (1.0 / 9007199254740992.0))
        if out[i] > below_high:
            out[i] = below_high
'''

SUPPORTED = (np.dtype(np.float32), np.dtype(np.float64))


def uniform_step(attrs, out, run_state, strict=False):
    """The ``(function, args)`` step that writes ``random_uniform``'s sample
    for the current run step into ``out`` (contiguous, float32 or float64);
    ``strict`` as for generated kernels (``cache.load_kernel``)."""
    kernel = load_kernel(_UNIFORM, strict=strict)
    low, high = float(attrs["low"]), float(attrs["high"])
    below_high = np.nextafter(out.dtype.type(high), out.dtype.type(low))
    args = (np.uint64(attrs["seed"] & 0xFFFFFFFFFFFFFFFF), 0, low, high - low, below_high,
            out.reshape(-1))
    compile_for(kernel, args)
    return _uniform, (kernel, args, run_state)


def _uniform(kernel, args, run_state):
    seed, _, low, span, below_high, flat = args
    kernel(seed, run_state.step, low, span, below_high, flat)
