"""Device contexts: ``sg.cpu()``, ``sg.gpu(0)``, as MXNet names them.

A context says where an array's data lives. ``with sg.gpu(0):`` makes a
context the default for arrays created inside the block.
"""

import threading

from .errors import ContextError

_DEVICE_TYPES = ("cpu", "gpu")
_default = threading.local()


class Context:
    """A device: its type ("cpu" or "gpu") and number."""

    __slots__ = ("device_type", "device_id", "_saved")

    def __init__(self, device_type, device_id=0):
        if device_type not in _DEVICE_TYPES:
            raise ContextError(f"unknown device type {device_type!r}; use 'cpu' or 'gpu'")
        if not isinstance(device_id, int) or device_id < 0:
            raise ContextError(f"a device id is a non-negative int, got {device_id!r}")
        self.device_type = device_type
        self.device_id = device_id

    def __eq__(self, other):
        return (isinstance(other, Context) and self.device_type == other.device_type
                and self.device_id == other.device_id)

    def __hash__(self):
        return hash((self.device_type, self.device_id))

    def __repr__(self):
        return f"{self.device_type}({self.device_id})"

    def __enter__(self):
        self._saved = current_context()
        _default.context = self
        return self

    def __exit__(self, *exc):
        _default.context = self._saved


def cpu(device_id=0):
    return Context("cpu", device_id)


def gpu(device_id=0):
    return Context("gpu", device_id)


def current_context():
    """The default context: ``cpu(0)`` unless a ``with ctx:`` block says otherwise."""
    return getattr(_default, "context", None) or cpu()
