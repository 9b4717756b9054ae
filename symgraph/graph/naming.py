"""Automatic unique names for nodes, as MXNet gives them (``fullyconnected0``).

Counters are per process (shared by threads) and per op hint.
``name_scope("block1_")`` prefixes automatic and explicit names inside a
``with`` block of the current thread, like MXNet's ``mx.name.Prefix``;
``expanding`` marks nodes built inside as parts of a user-level layer.
"""

import contextlib
import itertools
import threading
from collections import defaultdict

_counters = defaultdict(itertools.count)
_counters_lock = threading.Lock()
_scope = threading.local()


def _prefix():
    return getattr(_scope, "prefix", "")


def fresh_name(hint):
    """A new name ``{prefix}{hint}{k}`` that this process has not handed out."""
    base = _prefix() + hint.lower()
    with _counters_lock:
        return f"{base}{next(_counters[base])}"


def scoped(name):
    """An explicit user name, with the active prefix applied."""
    return _prefix() + name


@contextlib.contextmanager
def name_scope(prefix):
    """Prefix every node name created inside the block with ``prefix``."""
    saved = _prefix()
    _scope.prefix = saved + prefix
    try:
        yield
    finally:
        _scope.prefix = saved


def current_origin():
    """The user-level node being expanded, if any (see ``expanding``)."""
    return getattr(_scope, "origin", None)


@contextlib.contextmanager
def expanding(origin):
    """Mark nodes built inside as parts of the layer ``origin`` describes, so
    errors and pictures name the layer."""
    saved = current_origin()
    _scope.origin = origin
    try:
        yield
    finally:
        _scope.origin = saved
