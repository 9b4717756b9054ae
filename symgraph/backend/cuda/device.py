"""The one door to ``numba.cuda``: is there a device, and moving arrays.

Device arrays are numba's (``DeviceNDArray``; ``FakeCUDAArray`` under the
simulator, ``NUMBA_ENABLE_CUDASIM=1``). ``numba.cuda`` is imported on first
use, so CPU-only installations never load it, and every failure to find a
device becomes one ``ContextError`` that says what is missing.
"""

import contextlib
import functools

import numpy as np

from ...errors import ContextError

THREADS = 128        # threads per block of the grid-stride kernels
MAX_BLOCKS = 4096    # enough blocks to fill any current GPU; the loops stride past it


@functools.lru_cache(maxsize=None)
def _cuda():
    try:
        from numba import cuda
    except ImportError:
        return None
    return cuda if cuda.is_available() else None


def cuda_module(context=None):
    """``numba.cuda``, or ``ContextError`` if it has no device (for ``context``)."""
    cuda = _cuda()
    who = f"{context} arrays need" if context is not None else "the CUDA backend needs"
    if cuda is None:
        raise ContextError(f"{who} symgraph's GPU backend: numba-cuda and a CUDA GPU "
                           "(pip install numba-cuda), or NUMBA_ENABLE_CUDASIM=1 for the "
                           "simulator; no device is available in this installation")
    if context is not None and context.device_id >= len(cuda.gpus):
        raise ContextError(f"{context} does not exist: {len(cuda.gpus)} GPU(s) visible")
    return cuda


def available():
    return _cuda() is not None


def simulating():
    from numba.core import config

    return bool(config.ENABLE_CUDASIM)


@contextlib.contextmanager
def on(context):
    """Run a block with ``context``'s GPU current (allocation, launches)."""
    cuda = cuda_module(context)
    with cuda.gpus[context.device_id]:
        yield cuda


def is_device_array(array):
    return hasattr(array, "copy_to_host")


def to_device(host, context):
    with on(context) as cuda:
        return cuda.to_device(np.asarray(host, order="C"))


def empty(shape, dtype, context):
    with on(context) as cuda:
        return cuda.device_array(shape, dtype)


def filled(shape, value, context):
    """A new device array of ``shape`` holding ``value`` (a numpy scalar of
    the array's dtype), filled by a kernel: nothing crosses from the host."""
    with on(context) as cuda:
        from .kernels import fill

        array = cuda.device_array(shape, value.dtype)
        if array.size:
            fill[blocks(array.size), THREADS](flat(array), value)
    return array


def copy(target, source):
    """Copy ``source`` (host or device, ``target``'s shape and dtype) into the
    device array ``target``; an empty copy is no copy (numba would compare
    the strides of empty arrays, which mean nothing)."""
    if target.size:
        target.copy_to_device(source if is_device_array(source)
                              else np.asarray(source, order="C"))


def to_host(array):
    return array.copy_to_host() if is_device_array(array) else np.asarray(array)


def flat(array):
    """A contiguous device array as one dimension (a view)."""
    return array.reshape(int(np.prod(array.shape, dtype=np.int64)))


def blocks(n, threads=THREADS):
    """Blocks for a grid-stride loop over ``n`` items."""
    return max(1, min(MAX_BLOCKS, -(-int(n) // threads)))
