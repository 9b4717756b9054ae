"""The graph IR and node naming."""

from .ir import Attrs, Graph, Node, TensorType, Value  # noqa: F401
from .naming import name_scope  # noqa: F401
