"""Random NDArrays from the same counter-based ops graphs use; seed them with
``sg.random.seed``."""

from .eager import invoke


def uniform(low=0.0, high=1.0, shape=(1,), dtype="float32", ctx=None):
    """Uniform samples in [low, high)."""
    return _sample("random_uniform", {"low": low, "high": high}, shape, dtype, ctx)


def normal(loc=0.0, scale=1.0, shape=(1,), dtype="float32", ctx=None):
    """Normal samples with mean ``loc`` and deviation ``scale``."""
    return _sample("random_normal", {"loc": loc, "scale": scale}, shape, dtype, ctx)


def _sample(op_name, params, shape, dtype, ctx):
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    result = invoke(op_name, (), {**params, "shape": shape, "dtype": dtype})
    return result if ctx is None else result.as_in_context(ctx)
