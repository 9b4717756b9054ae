"""Shape arithmetic shared by op families: broadcasting and axis handling.

Each helper returns a plain value or raises ``ValueError`` with the rule that
was broken; the op's ``infer`` turns that into a ``ShapeError`` that names the
node and its inputs (``InferContext.fail``).
"""


def broadcast_shapes(*shapes):
    """numpy's broadcasting of ``shapes``; ``None`` dims stay unknown unless
    another operand fixes them."""
    ndim = max((len(s) for s in shapes), default=0)
    result = []
    for axis in range(-ndim, 0):
        dims = {s[axis] for s in shapes if len(s) >= -axis}
        sized = dims - {1, None}
        if len(sized) > 1:
            raise ValueError(
                f"shapes {' and '.join(map(_fmt, shapes))} do not broadcast "
                f"(axis {axis}: sizes {', '.join(map(str, sorted(sized)))})"
            )
        if sized:
            result.append(sized.pop())
        else:
            result.append(None if None in dims else 1)
    return tuple(result)


def normalize_axis(axis, ndim):
    """``axis`` in ``[-ndim, ndim)`` as a non-negative int."""
    if not -ndim <= axis < ndim:
        raise ValueError(f"axis {axis} is out of range for {ndim} dimensions")
    return axis % ndim if ndim else 0


def normalize_axes(axis, ndim):
    """``None`` (every axis), an int or a tuple, as a sorted tuple of distinct axes."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int) else axis
    normal = tuple(sorted(normalize_axis(a, ndim) for a in axes))
    if len(set(normal)) != len(normal):
        raise ValueError(f"axis {axis} repeats an axis")
    return normal


def reduced_shape(shape, axes, keepdims):
    """The shape left after reducing ``axes`` (already normalized)."""
    if keepdims:
        return tuple(1 if i in axes else d for i, d in enumerate(shape))
    return tuple(d for i, d in enumerate(shape) if i not in axes)


def _fmt(shape):
    dims = ", ".join("?" if d is None else str(d) for d in shape)
    return f"({dims},)" if len(shape) == 1 else f"({dims})"
