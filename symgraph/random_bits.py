"""Counter-based random numbers: value ``i`` of a random tensor is a hash of
(seed, step, i), so results never depend on evaluation order, thread count or
device, and a dropout mask can be recomputed from its seed and step alone.

The hash is SplitMix64's finalizer over a Weyl sequence. It needs only 64-bit
integer multiply, add, xor and shift, which numba on CPU and numba.cuda both
have, so compiled backends reproduce these numbers bit for bit.

``seed(s)`` restarts the process-wide sequence that hands a fresh seed to
every random op created without an explicit one.
"""

import threading

import numpy as np

GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def mix64(z):
    """SplitMix64's finalizer: a bijection on uint64 with full avalanche."""
    z = np.asarray(z, dtype=np.uint64)
    with np.errstate(over="ignore"):
        z = (z ^ (z >> np.uint64(30))) * _M1
        z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


def stream_key(seed, step, stream=0):
    """The key of one random tensor in one run; ``stream`` separates the
    several draws one op needs (a normal sample takes two uniforms)."""
    with np.errstate(over="ignore"):
        z = mix64(np.uint64(seed & 0xFFFFFFFFFFFFFFFF)) + mix64(np.uint64(step)) * GOLDEN
        return mix64(z + np.uint64(stream) * _M2)


def random_bits(seed, step, size, stream=0):
    """``size`` independent uint64 words for counters 0 .. size-1."""
    with np.errstate(over="ignore"):
        return mix64(stream_key(seed, step, stream) + np.arange(size, dtype=np.uint64) * GOLDEN)


def unit_uniform(bits):
    """Floats in [0, 1) from the top 53 bits."""
    return (bits >> np.uint64(11)).astype(np.float64) * (1.0 / 9007199254740992.0)


class _SeedSequence:
    def __init__(self):
        self._lock = threading.Lock()
        self.reset(0)

    def reset(self, value):
        with self._lock:
            self._base, self._count = int(value), 0

    def next(self):
        with self._lock:
            self._count += 1
            # A seed is a non-negative int63, so it fits any integer attribute.
            return int(stream_key(self._base, self._count)) >> 1


_SEEDS = _SeedSequence()


def seed(value):
    """Restart the seed sequence: the same program then draws the same numbers."""
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool):
        raise TypeError(f"a seed must be an int, got {value!r}")
    _SEEDS.reset(value)


def next_seed():
    return _SEEDS.next()
