"""``sg.nd``: eager arrays with MXNet's NDArray API; every op of the registry
is here as a function (``sg.nd.exp(x)``, ``sg.nd.dot(a, b)``,
``sg.nd.add(x, y, out=z)``)."""

from ..api import op_function, public_ops
from . import random  # noqa: F401
from .creation import arange, array, empty, full, ones, zeros  # noqa: F401
from .eager import invoke
from .ndarray import NDArray  # noqa: F401

globals().update({op.name: op_function(op, invoke, options=("name", "out"))
                  for op in public_ops()})
Flatten = globals()["flatten"]
