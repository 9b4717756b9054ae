"""Regularizers: penalties on a parameter added to the training loss.

As Keras's: ``l1(0.01)`` adds ``0.01 * sum(|w|)``, ``l2(0.01)`` adds
``0.01 * sum(w**2)``, ``l1_l2(l1, l2)`` both. A regularizer is an immutable
description (``('l1_l2', l1, l2)``) stored on the parameter's variable, so a
saved graph keeps it::

    w = sg.var("fc1_weight", attr={"__regularizer__": sg.nn.l2(1e-4)})
    layer = sg.nn.Dense(256, kernel_regularizer=sg.nn.l2(1e-4))

The penalty is part of the loss graph, so its gradient comes from autodiff
and is fused into the step with the rest.
"""

from ..build import apply
from ..errors import AttrError
from ..symbol import Symbol

ATTR = "__regularizer__"


class Regularizer(tuple):
    """``('l1_l2', l1, l2)``: the penalty ``l1 * sum(|w|) + l2 * sum(w**2)``."""

    def __new__(cls, l1=0.0, l2=0.0):
        if l1 < 0 or l2 < 0:
            raise AttrError(f"regularization factors must be non-negative, got l1={l1}, l2={l2}")
        return super().__new__(cls, ("l1_l2", float(l1), float(l2)))

    l1 = property(lambda self: self[1])
    l2 = property(lambda self: self[2])

    def penalty(self, param):
        """The penalty on ``param`` (a Symbol) as a scalar Symbol."""
        terms = []
        if self.l1:
            terms.append(self.l1 * apply("sum", (apply("abs", (param,), {}),), {}))
        if self.l2:
            terms.append(self.l2 * apply("sum", (apply("square", (param,), {}),), {}))
        return sum(terms[1:], terms[0]) if terms else None

    def __repr__(self):
        return f"l1_l2(l1={self.l1}, l2={self.l2})"


def l1(factor=0.01):
    return Regularizer(l1=factor)


def l2(factor=0.01):
    return Regularizer(l2=factor)


def l1_l2(l1=0.01, l2=0.01):  # noqa: F811 (the arguments shadow the functions, as Keras's)
    return Regularizer(l1=l1, l2=l2)


def get(spec):
    """A Regularizer from a Regularizer or its stored description."""
    if isinstance(spec, Regularizer):
        return spec
    if isinstance(spec, tuple) and len(spec) == 3 and spec[0] == "l1_l2":
        return Regularizer(spec[1], spec[2])
    raise AttrError(f"{spec!r} is not a regularizer; use sg.nn.l1, l2 or l1_l2")


def regularizer_of(node):
    """The regularizer stored on a variable node, or ``None``."""
    found = dict(node.attrs["user"]).get(ATTR)
    return None if found is None else get(found)


def penalty(symbol):
    """The summed penalties of every regularized variable of ``symbol``
    (a scalar Symbol), or ``None`` when none is regularized."""
    terms = []
    for node in symbol.graph().variables():
        reg = regularizer_of(node)
        term = reg.penalty(Symbol(node.outputs)) if reg is not None else None
        if term is not None:
            terms.append(term)
    return sum(terms[1:], terms[0]) if terms else None
