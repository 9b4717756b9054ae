"""Random ops: uniform and normal samples from counter-based bits.

Element ``i`` of a sample is computed from (seed, run step, i) alone
(``random_bits``), so two backends, or two orders of evaluation, give the
same numbers. A node's ``seed`` is fixed when it is built (drawn from
``sg.random.seed``'s sequence if not given); the executor advances ``step``
each training iteration so dropout masks change from step to step.

The shape comes from the ``shape`` attribute, or, when that is ``None``,
from a ``like`` input, which keeps masks over data of any batch size
expressible without numbers baked in.
"""

import numpy as np

from .. import dtypes
from ..errors import AttrError, DTypeError
from ..graph.ir import TensorType
from ..random_bits import next_seed, random_bits, unit_uniform
from . import attrs as A
from .attrs import AttrSpec
from .registry import Kind, OpDef, describe, register


def _seed(value, where):
    """``None`` draws a fresh seed: each random node gets its own stream."""
    return next_seed() if value is None else A.INT().canonical(value, where)


SEED = AttrSpec(_seed, None)


def _random_infer(ctx, broken_rule):
    problem = broken_rule(ctx.attrs)
    if problem:
        raise AttrError(f"{describe(ctx.node)}: {problem}")
    shape = ctx.attrs["shape"]
    if shape is None:
        shape = ctx.types[0].shape
    if not dtypes.is_float(np.dtype(ctx.attrs["dtype"])):
        raise DTypeError(f"{ctx.node.name}: random samples are floats, not {ctx.attrs['dtype']}")
    return [TensorType(shape, ctx.attrs["dtype"])]


def _sample_shape(like, shape):
    return np.shape(like[0]) if shape is None else shape


def uniform_sample(shape, low, high, dtype, seed, step):
    """The uniform sample a ``random_uniform`` node with these attributes gives."""
    u = unit_uniform(random_bits(seed, step, int(np.prod(shape, dtype=np.int64))))
    sample = (low + (high - low) * u).reshape(shape).astype(dtype)
    # Rounding to float32 can reach ``high``; the interval is half-open.
    return np.minimum(sample, np.nextafter(np.asarray(high, dtype), np.asarray(low, dtype)))


def _uniform_reference(*like, low, high, shape, dtype, seed, run):
    return uniform_sample(_sample_shape(like, shape), low, high, dtype, seed, run.step)


def _normal_reference(*like, loc, scale, shape, dtype, seed, run):
    """Box-Muller over two independent streams of uniforms."""
    shape = _sample_shape(like, shape)
    size = int(np.prod(shape, dtype=np.int64))
    u1 = unit_uniform(random_bits(seed, run.step, size, stream=1))
    u2 = unit_uniform(random_bits(seed, run.step, size, stream=2))
    z = np.sqrt(-2.0 * np.log1p(-u1)) * np.cos(2.0 * np.pi * u2)
    return (loc + scale * z).reshape(shape).astype(dtype)


def _random_op(name, params, broken_rule, reference, doc):
    """``broken_rule(attrs)`` says what is wrong with the distribution's parameters."""
    register(OpDef(
        name=name, kind=Kind.RANDOM, infer=lambda ctx: _random_infer(ctx, broken_rule),
        reference=reference, uses_run=True,
        arity=lambda attrs: 0 if attrs["shape"] is not None else 1,
        attrs={**params, "shape": A.OPTIONAL_SIZES(), "dtype": A.DTYPE("float32"),
               "seed": SEED},
        nondiff_inputs=(0,), grad=lambda c, g: [None] * len(c.inputs), doc=doc,
    ))


_random_op("random_uniform", {"low": A.FLOAT(0.0), "high": A.FLOAT(1.0)},
           lambda a: None if a["low"] < a["high"] else
           f"low must be below high, got low={a['low']}, high={a['high']}",
           _uniform_reference, "Uniform samples in [low, high).")
_random_op("random_normal", {"loc": A.FLOAT(0.0), "scale": A.FLOAT(1.0)},
           lambda a: None if a["scale"] >= 0 else f"scale must not be negative, got {a['scale']}",
           _normal_reference, "Normal samples with mean ``loc`` and standard deviation ``scale``.")
