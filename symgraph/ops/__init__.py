"""The op set. Importing this package registers every op family."""

from . import (  # noqa: F401  (registration side effects)
    elementwise, indexing, layout, linalg, losses, nn, random, reduce, source,
)
from .registry import Kind, OpDef, all_ops, get, register  # noqa: F401
