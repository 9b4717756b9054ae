"""The scalar functions CUDA kernels call: the CPU backend's scalar library
(``cpu/scalars.py``, the exact flavour) compiled a second time, as
``numba.cuda`` device functions, and the warp shuffle reductions use.

The Python bodies are shared, not copied: each CPU function's code object is
rebound to a namespace where the names it calls are the device versions
too, then compiled with ``cuda.jit(device=True)``. libm on the device is
CUDA's (``math.exp`` of a float32 is ``expf``). Under the simulator, device
functions run as plain Python, where ``math.exp`` raises on overflow and
``math.log`` on zero, and numpy's bools do not subtract; there numpy's
functions, which give IEEE's inf and nan as the device does, stand in, and
``shfl_down`` is emulated with a barrier per warp (the simulator has no
warp shuffles).
"""

import math
import threading
import types

import numpy as np

from ..cpu import scalars as cpu_scalars
from .device import cuda_module, simulating

WARP = 32
_TRANSCENDENTAL = ("exp", "log", "log1p", "expm1", "tanh", "sigmoid", "softplus")
_NUMPY_IN_SIMULATOR = {"sign": np.sign, "exp": np.exp, "log": np.log, "log1p": np.log1p,
                       "expm1": np.expm1, "tanh": np.tanh, "sqrt": np.sqrt, "sin": np.sin,
                       "cos": np.cos}

cuda = cuda_module()
_device = cuda.jit(device=True)
_namespace = {"math": math}


def _compile(name, python_function):
    body = types.FunctionType(python_function.__code__, _namespace, name)
    _namespace[name] = _device(body)
    return _namespace[name]


def _simulated(ufunc):
    """A Python function for the simulator's device-function wrapper."""
    def call(x):
        return ufunc(x)
    return _device(call)


for _name in cpu_scalars.COMMON + _TRANSCENDENTAL:
    if simulating() and _name in _NUMPY_IN_SIMULATOR:
        _namespace[_name] = _simulated(_NUMPY_IN_SIMULATOR[_name])
    else:
        cpu_name = _name if _name in cpu_scalars.COMMON else f"exact_{_name}"
        _compile(_name, getattr(cpu_scalars, cpu_name).py_func)
for _name in ("sqrt", "sin", "cos"):
    _namespace[_name] = (_simulated(_NUMPY_IN_SIMULATOR[_name]) if simulating()
                         else getattr(math, _name))

globals().update({name: f for name, f in _namespace.items() if name != "math"})
NAMES = tuple(cpu_scalars.COMMON) + _TRANSCENDENTAL + ("sqrt", "sin", "cos")


class _WarpExchange:
    """The simulator's warp shuffle: lanes post values, meet at a barrier, read
    a neighbour's. Two boards, used in turn, make one barrier per shuffle
    enough: a lane can post to a board again only after every lane has met it
    at the next barrier, which it reaches after reading."""

    def __init__(self):
        self._lock = threading.Lock()
        self._warps = {}
        self._turn = threading.local()

    def shuffle(self, warp, lane, value, delta):
        with self._lock:
            if warp not in self._warps:
                self._warps[warp] = (threading.Barrier(WARP), [[None] * WARP, [None] * WARP])
        barrier, boards = self._warps[warp]
        turn = getattr(self._turn, "value", 0)
        self._turn.value = 1 - turn
        board = boards[turn]
        board[lane] = value
        barrier.wait()
        return board[lane + delta] if lane + delta < WARP else value


_EXCHANGE = _WarpExchange()


def _simulated_shfl_down(value, delta):
    lane = cuda.threadIdx.x % WARP
    return _EXCHANGE.shuffle(cuda.threadIdx.x // WARP, lane, value, delta)


def _shfl_down(value, delta):
    return cuda.shfl_down_sync(0xFFFFFFFF, value, delta)


shfl_down = _device(_simulated_shfl_down if simulating() else _shfl_down)


def import_header():
    """The imports of a generated CUDA kernel module."""
    return "\n".join([
        "import math",
        "import numpy as np",
        "from numba import cuda, float64, int64",
        "from symgraph.backend.cuda.scalars import shfl_down, " + ", ".join(NAMES),
    ])
