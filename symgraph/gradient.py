"""``sg.grad``: gradients as symbols, from the autodiff pass.

The result is an ordinary Symbol that shares the forward graph: run it,
save it, draw it, or differentiate it again for higher-order derivatives.
"""

from .build import group
from .compiler import differentiate
from .errors import GradientError
from .symbol import Symbol


def grad(outputs, wrt, head_grads=None, **shapes):
    """Gradients of ``outputs`` with respect to each symbol in ``wrt``.

    ``outputs``: a Symbol (or list of them); a non-scalar output is summed,
    or weighted by the matching ``head_grads`` Symbol. ``wrt``: a Symbol or a
    list of them (variables or other single outputs). ``shapes`` may give
    argument shapes for ops whose gradient needs ranks (matmul of vectors).
    Returns a list of Symbols, one per ``wrt``."""
    outputs = group(outputs) if isinstance(outputs, (list, tuple)) else outputs
    wrt = list(wrt) if isinstance(wrt, (list, tuple)) else [wrt]
    for what, value in [("outputs", outputs), *(("wrt", w) for w in wrt)]:
        if not isinstance(value, Symbol):
            raise GradientError(f"grad's {what} must be Symbols (sg.var(...) or ops on them), "
                                f"got {type(value).__name__} {value!r}")
    if head_grads is None:
        head_grads = [None] * len(outputs.outputs)
    elif isinstance(head_grads, Symbol):
        head_grads = list(head_grads)  # one per output of a group
    elif not isinstance(head_grads, (list, tuple)):
        head_grads = [head_grads]
    for head in head_grads:
        if head is not None and not isinstance(head, Symbol):
            raise GradientError(f"head_grads must be Symbols (or None for ones), got "
                                f"{type(head).__name__}; make an array a variable and feed it")
    if len(head_grads) != len(outputs.outputs):
        raise GradientError(f"{len(head_grads)} head gradients for {len(outputs.outputs)} outputs")
    heads = [None if h is None else h.value for h in head_grads]
    bound = outputs._bound_types(shapes)
    graph = differentiate(outputs.graph(), [w.value for w in wrt], heads, bound, partial=True)
    grads = graph.outputs[len(outputs.outputs):]
    return [Symbol([g]) for g in grads]
