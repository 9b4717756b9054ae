"""The exceptions symgraph raises.

Every error a user can cause is one of these classes. Each subclasses the
built-in exception a Python programmer would expect (``ValueError`` for a bad
value, ``TypeError`` for a bad dtype, ``IndexError`` for an out-of-range
index), so ``except ValueError`` keeps working, while ``except
symgraph.SymgraphError`` catches everything symgraph raises on purpose.
"""


class SymgraphError(Exception):
    """Base class of every error symgraph raises on purpose."""


class ShapeError(SymgraphError, ValueError):
    """Shapes of an op's inputs break the op's rule, or are unknown where needed."""


class DTypeError(SymgraphError, TypeError):
    """An op got a dtype it does not accept, or dtypes that do not agree."""


class AttrError(SymgraphError, ValueError):
    """An op attribute is missing, unknown or of the wrong type."""


class GraphError(SymgraphError, ValueError):
    """A graph is ill-formed: two different variables share a name, or it has a cycle."""


class GraphFormatError(SymgraphError, ValueError):
    """A saved graph is malformed: bad JSON, unknown op, dangling input, wrong version."""


class BindError(SymgraphError, ValueError):
    """Arrays given to an executor do not match the graph's arguments."""


class OutOfRangeError(SymgraphError, IndexError):
    """A class label or gather index lies outside the valid range."""


class DomainError(SymgraphError, ValueError):
    """An op got a value it has no result for where numpy raises too: an
    integer to a negative integer power."""


class ContextError(SymgraphError, ValueError):
    """An array lives on a device that cannot be used for the request."""


class GradientError(SymgraphError, ValueError):
    """A gradient was asked for something that has none, or is not in the graph."""


class LoweringError(SymgraphError, RuntimeError):
    """Strict mode: a graph would run through a fallback instead of a fused,
    cached kernel."""


class CheckError(SymgraphError, AssertionError):
    """Check mode: a compiled kernel computed something other than the reference."""


class TraceError(SymgraphError, TypeError):
    """A traced function read a value while being traced, so its Python control
    flow would be frozen on one path."""


class InternalError(SymgraphError, RuntimeError):
    """A symgraph invariant broke: a bug in symgraph, never in user code."""
