"""The steps of opaque kernels on a device, one builder per op: each takes
the bound plan and a node and returns the launches that compute it.

    matmul               the strided GEMM, operands read through their layouts
    take, one_hot, ...   gathers, then a look at the error word (bound.py)
    random_*             the counter-based hash, keyed on the host per run
    slice, concat, ...   strided copies out of, or scatters into, a layout
    argmax, argmin       one thread per output, first extreme as numpy
    sum, max, ...        reductions over axes that interleave kept ones:
                         permuted so the reduced axes come last, then a row each

Ops not listed here have no CUDA kernel; ``plan.py`` refuses them by name.
"""

import math

import numpy as np

from ...ops.indexing import index_key
from ...ops.shape_rules import normalize_axes, normalize_axis
from ...passes.fuse import INLINE_REDUCTIONS, reduce_axes
from ...random_bits import stream_key
from ..codegen import REDUCERS, accumulator_dtype
from . import kernels
from .device import flat
from .layout import Layout, dense_layout, indexed_layout

GATHERS = ("take", "take_backward", "one_hot")
_REDUCE_CODES = {"sum": 0, "sum_to_like": 0, "mean": 1, "prod": 2, "max": 3, "min": 4}


def is_lowered(node):
    return node.op in _BUILDERS or node.op in INLINE_REDUCTIONS


def steps(bound, node):
    build = _BUILDERS.get(node.op, _reduction)
    return build(bound, node)


def _out(bound, node):
    return bound.values[node.outputs[0]]


# ---- matmul ----------------------------------------------------------------------------

def _matmul(bound, node):
    """The GEMM launch for ``a @ b`` with numpy's rules for 1-D operands."""
    a, b = (bound.layout(v) for v in node.inputs)
    out = _out(bound, node)
    if len(a.shape) == 1:
        a = Layout(a.root, a.offset, (1,) + a.shape, (0,) + a.strides)
    if len(b.shape) == 1:
        b = Layout(b.root, b.offset, b.shape + (1,), b.strides + (0,))
    (m, k), n = a.shape[-2:], b.shape[-1]
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    offsets = [bound.cuda.to_device(_batch_offsets(x, batch)) for x in (a, b)]
    grid = (-(-n // kernels.BN), -(-m // kernels.BM), max(1, math.prod(batch)))
    launch = kernels.gemm(out.dtype)[grid, kernels.GEMM_THREADS]
    return [(launch, (a.root, b.root, flat(out), m, n, k, *offsets,
                      a.strides[-2], a.strides[-1], b.strides[-2], b.strides[-1]))]


def _batch_offsets(layout, batch):
    """The offset of each matrix of ``layout`` in the broadcast batch ``batch``."""
    dims, strides = layout.shape[:-2], layout.strides[:-2]
    offsets = np.full(dims, layout.offset, np.int64)
    for axis, (size, stride) in enumerate(zip(dims, strides)):
        shape = [1] * len(dims)
        shape[axis] = size
        offsets = offsets + (np.arange(size, dtype=np.int64) * stride).reshape(shape)
    return np.ascontiguousarray(np.broadcast_to(offsets, batch)).reshape(-1)


# ---- gathers ---------------------------------------------------------------------------

def _one_hot(bound, node):
    labels, out, attrs, slot = bound.values[node.inputs[0]], _out(bound, node), node.attrs, \
        bound.slots[node]
    args = (flat(labels), flat(out), attrs["depth"], attrs["on_value"], attrs["off_value"],
            bound.errors, slot)
    return [(bound.launch(kernels.one_hot, out.size), args),
            (bound.check_indices, (slot, labels, 0, attrs["depth"], "class label"))]


def _take(bound, node):
    """``take(a, indices)`` and its gradient ``take_backward(g, indices, a)``."""
    inputs = [bound.values[v] for v in node.inputs]
    out, slot = _out(bound, node), bound.slots[node]
    source = inputs[2] if node.op == "take_backward" else inputs[0]
    axis = normalize_axis(node.attrs["axis"], len(source.shape))
    n = int(source.shape[axis])
    inner = max(1, math.prod(source.shape[axis + 1:]))
    data, indices = inputs[0], inputs[1]
    steps = []
    if node.op == "take_backward":
        steps.append((bound.launch(kernels.fill, out.size), (flat(out), out.dtype.type(0))))
    launch = bound.launch(getattr(kernels, node.op), max(data.size, out.size))
    steps.append((launch, (flat(data), flat(indices), flat(out), n, inner, bound.errors, slot)))
    return steps + [(bound.check_indices, (slot, indices, -n, n, "take index"))]


# ---- random ----------------------------------------------------------------------------

def _random(bound, node):
    out = flat(_out(bound, node))
    kernel = kernels.uniform if node.op == "random_uniform" else kernels.normal
    return [(_draw, (bound.launch(kernel, out.size), bound.run_state, node.op, node.attrs,
                     out))]


def _draw(launch, run_state, op, attrs, out):
    """The launch with this run's keys (``random_bits.stream_key``, on the host)."""
    seed, step = attrs["seed"], run_state.step
    if op == "random_uniform":
        dtype = out.dtype
        cap = np.nextafter(np.asarray(attrs["high"], dtype), np.asarray(attrs["low"], dtype))
        launch(stream_key(seed, step), attrs["low"], attrs["high"], float(cap), out)
    else:
        launch(stream_key(seed, step, 1), stream_key(seed, step, 2), attrs["loc"],
               attrs["scale"], out)


# ---- layout ops ------------------------------------------------------------------------

def copy_from(bound, layout, out):
    """Steps that copy ``layout`` into the dense array ``out``."""
    if not out.size:
        return []
    shape, strides = _device_shape(bound, layout)
    return [(bound.launch(kernels.strided_copy, out.size),
             (layout.root, layout.offset, shape, strides, flat(out)))]


def _scatter_into(bound, source, layout):
    """Steps that write dense ``source`` into ``layout``."""
    if not source.size:
        return []
    shape, strides = _device_shape(bound, layout)
    return [(bound.launch(kernels.strided_scatter, source.size),
             (flat(source), layout.root, layout.offset, shape, strides))]


def _device_shape(bound, layout):
    """Shape and strides as device arrays (a 0-d layout as one element)."""
    return (bound.cuda.to_device(np.array(layout.shape or (1,), np.int64)),
            bound.cuda.to_device(np.array(layout.strides or (0,), np.int64)))


def _along(axis, start, stop, ndim):
    return (slice(None),) * axis + (slice(start, stop),) + (slice(None),) * (ndim - axis - 1)


def _parts(bound, node, parts):
    """(start, stop) along the concatenation axis of each of ``parts``."""
    ndim = len(bound.plan.types[parts[0]].shape)
    axis = normalize_axis(node.attrs["axis"], ndim)
    stops = np.cumsum([bound.plan.types[p].shape[axis] for p in parts])
    return axis, ndim, list(zip([0, *stops[:-1]], stops))


def _slice(bound, node):
    x = node.inputs[0]
    layout = indexed_layout(bound.layout(x), bound.plan.types[x].dtype,
                            index_key(node.attrs["index"]))
    return copy_from(bound, layout, _out(bound, node))


def _unslice(bound, node):
    out = _out(bound, node)
    target = indexed_layout(dense_layout(out), out.dtype, index_key(node.attrs["index"]))
    return [(bound.launch(kernels.fill, out.size), (flat(out), out.dtype.type(0)))] + \
        _scatter_into(bound, bound.values[node.inputs[0]], target)


def _concat(bound, node):
    out = _out(bound, node)
    axis, ndim, spans = _parts(bound, node, node.inputs)
    steps = []
    for value, (start, stop) in zip(node.inputs, spans):
        target = indexed_layout(dense_layout(out), out.dtype, _along(axis, start, stop, ndim))
        steps += _scatter_into(bound, bound.values[value], target)
    return steps


def _concat_part(bound, node):
    g = node.inputs[0]
    axis, ndim, spans = _parts(bound, node, node.inputs[1:])
    start, stop = spans[node.attrs["index"]]
    layout = indexed_layout(bound.layout(g), bound.plan.types[g].dtype,
                            _along(axis, start, stop, ndim))
    return copy_from(bound, layout, _out(bound, node))


def _size_of(bound, node):
    out, shape = _out(bound, node), bound.plan.types[node.inputs[0]].shape
    axes = normalize_axes(node.attrs["axis"], len(shape))
    count = out.dtype.type(math.prod(shape[a] for a in axes))
    return [(bound.launch(kernels.fill, 1), (flat(out), count))]


# ---- reductions ------------------------------------------------------------------------

def _arg_extreme(bound, node):
    x, out = bound.values[node.inputs[0]], _out(bound, node)
    axis = node.attrs["axis"]
    if axis is None:
        n, inner = x.size, 1
    else:
        axis = normalize_axis(axis, len(x.shape))
        n, inner = int(x.shape[axis]), max(1, math.prod(x.shape[axis + 1:]))
    return [(bound.launch(kernels.arg_extreme, out.size),
             (flat(x), flat(out), n, inner, node.op == "argmax"))]


def _reduction(bound, node):
    """A reduction over axes that interleave kept ones (see the module docstring)."""
    x = node.inputs[0]
    t = bound.plan.types[x]
    axes = reduce_axes(node, bound.plan.types)
    kept = [d for d in range(t.ndim) if d not in axes]
    layout = bound.layout(x)
    order = kept + list(axes)
    permuted = Layout(layout.root, layout.offset, tuple(t.shape[d] for d in order),
                      tuple(layout.strides[d] for d in order))
    source, steps = bound.densify(permuted)
    dtype = accumulator_dtype(t.dtype)
    identity = REDUCERS[node.op][1]
    if dtype.kind != "f" and math.isinf(identity):
        identity = np.iinfo(dtype).min if identity < 0 else np.iinfo(dtype).max
    out = _out(bound, node)
    width = math.prod(t.shape[a] for a in axes)
    return steps + [(bound.launch(kernels.reduce_rows, out.size),
                     (flat(source), flat(out), width, _REDUCE_CODES[node.op],
                      dtype.type(identity)))]


_BUILDERS = {"matmul": _matmul, "take": _take, "take_backward": _take, "one_hot": _one_hot,
             "random_uniform": _random, "random_normal": _random, "slice": _slice,
             "unslice": _unslice, "concat": _concat, "concat_part": _concat_part,
             "size_of": _size_of, "argmax": _arg_extreme, "argmin": _arg_extreme}
