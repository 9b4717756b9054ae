"""Automatic unique names for nodes, as MXNet gives them (``fullyconnected0``).

Counters are per process and per op hint. ``name_scope("block1_")`` prefixes
automatic and explicit names inside a ``with`` block, like MXNet's
``mx.name.Prefix``.
"""

import contextlib
import itertools
import threading
from collections import defaultdict

_state = threading.local()


def _counters():
    if not hasattr(_state, "counters"):
        _state.counters = defaultdict(itertools.count)
        _state.prefix = ""
    return _state.counters


def fresh_name(hint):
    """A new name ``{prefix}{hint}{k}`` that this process has not handed out."""
    counters = _counters()
    base = hint.lower()
    return f"{_state.prefix}{base}{next(counters[_state.prefix + base])}"


def scoped(name):
    """An explicit user name, with the active prefix applied."""
    _counters()
    return f"{_state.prefix}{name}"


@contextlib.contextmanager
def name_scope(prefix):
    """Prefix every node name created inside the block with ``prefix``."""
    _counters()
    saved = _state.prefix
    _state.prefix = saved + prefix
    try:
        yield
    finally:
        _state.prefix = saved


def current_origin():
    """The user-level node being expanded, if any (see ``expanding``)."""
    _counters()
    return getattr(_state, "origin", None)


@contextlib.contextmanager
def expanding(origin):
    """Name nodes built inside after the layer ``origin`` describes, and mark
    them as coming from it, so errors and pictures name the layer."""
    _counters()
    saved = getattr(_state, "origin", None)
    _state.origin = origin
    try:
        yield
    finally:
        _state.origin = saved
