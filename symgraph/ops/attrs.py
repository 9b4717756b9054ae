"""Attribute specs: what values an op attribute accepts, and its canonical form.

Attributes are plain, hashable Python values (ints, floats, bools, strings,
tuples, ``None``) so nodes can be compared, hashed for CSE and saved as JSON.
Each ``AttrSpec`` turns what a user passed (a list, a numpy int, a dtype
object) into that canonical form, or raises ``AttrError`` saying what it wanted.
"""

import math
import numbers
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from ..dtypes import as_dtype
from ..errors import AttrError, DTypeError

REQUIRED = object()


@dataclass(frozen=True)
class AttrSpec:
    """One attribute: a canonicalizing checker, its default, what it is for."""

    check: Callable[[Any, str], Any]
    default: Any = REQUIRED

    def canonical(self, value, where):
        if value is REQUIRED:
            raise AttrError(f"{where} is required")
        return self.check(value, where)


def _int(value, where):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise AttrError(f"{where} must be an int, got {value!r}")
    return int(value)


def _float(value, where):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise AttrError(f"{where} must be a number, got {value!r}")
    return float(value)


def _number(value, where):
    """An int stays an int (so integer tensors keep their dtype); others become float."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    return _float(value, where)


def _bool(value, where):
    if not isinstance(value, (bool, np.bool_)):
        raise AttrError(f"{where} must be True or False, got {value!r}")
    return bool(value)


def _str(value, where):
    if not isinstance(value, str):
        raise AttrError(f"{where} must be a string, got {value!r}")
    return value


def _dtype(value, where):
    try:
        return as_dtype(value, what=where).name
    except DTypeError as err:
        raise AttrError(str(err)) from None


def _int_tuple(value, where):
    if isinstance(value, (numbers.Integral, np.integer)) and not isinstance(value, bool):
        return (int(value),)
    if not isinstance(value, (tuple, list)):
        raise AttrError(f"{where} must be a tuple of ints, got {value!r}")
    return tuple(_int(v, where) for v in value)


def _sizes(value, where):
    """A concrete shape: non-negative ints (``reshape``'s ``-1`` is ``SHAPE``)."""
    sizes = _int_tuple(value, where)
    if any(d < 0 for d in sizes):
        raise AttrError(f"{where} must not have a negative size, got {value!r}")
    return sizes


def _positive_int(value, where):
    value = _int(value, where)
    if value < 1:
        raise AttrError(f"{where} must be at least 1, got {value}")
    return value


def _dims(value, where):
    """A shape hint: ints, with ``None`` for a dimension not known yet."""
    if not isinstance(value, (tuple, list)):
        value = _int_tuple(value, where)
    dims = tuple(None if v is None else _int(v, where) for v in value)
    if any(d is not None and d < 0 for d in dims):
        raise AttrError(f"{where} has a negative dimension: {value!r}")
    return dims


def _axis(value, where):
    """``None`` (all axes), an int, or a tuple of ints."""
    if value is None:
        return None
    if isinstance(value, (tuple, list)):
        return tuple(_int(v, where) for v in value)
    return _int(value, where)


def _optional(check):
    def optional(value, where):
        return None if value is None else check(value, where)

    return optional


def _choice(*options):
    def choice(value, where):
        if value not in options:
            allowed = ", ".join(map(repr, options))
            raise AttrError(f"{where} must be one of {allowed}, got {value!r}")
        return value

    return choice


def _plain(value, where):
    """Any nest of tuples of ints, floats, bools, strings and None (slice specs)."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        if math.isnan(value):
            raise AttrError(f"{where} must not be NaN")
        return float(value)
    if isinstance(value, (tuple, list)):
        return tuple(_plain(v, where) for v in value)
    raise AttrError(f"{where} holds {type(value).__name__} {value!r}, not a plain value")


def INT(default=REQUIRED):
    return AttrSpec(_int, default)


def POSITIVE_INT(default=REQUIRED):
    return AttrSpec(_positive_int, default)


def OPTIONAL_INT(default=None):
    return AttrSpec(_optional(_int), default)


def FLOAT(default=REQUIRED):
    return AttrSpec(_float, default)


def NUMBER(default=REQUIRED):
    return AttrSpec(_number, default)


def OPTIONAL_NUMBER(default=None):
    return AttrSpec(_optional(_number), default)


def BOOL(default=REQUIRED):
    return AttrSpec(_bool, default)


def STR(default=REQUIRED):
    return AttrSpec(_str, default)


def CHOICE(*options, default=REQUIRED):
    return AttrSpec(_choice(*options), default)


def DTYPE(default=REQUIRED):
    return AttrSpec(_dtype, default)


def OPTIONAL_DTYPE(default=None):
    return AttrSpec(_optional(_dtype), default)


def SHAPE(default=REQUIRED):
    return AttrSpec(_int_tuple, default)


def SIZES(default=REQUIRED):
    return AttrSpec(_sizes, default)


def OPTIONAL_SIZES(default=None):
    return AttrSpec(_optional(_sizes), default)


def OPTIONAL_DIMS(default=None):
    return AttrSpec(_optional(_dims), default)


def OPTIONAL_INT_TUPLE(default=None):
    return AttrSpec(_optional(_int_tuple), default)


def AXIS(default=None):
    return AttrSpec(_axis, default)


def PLAIN(default=REQUIRED):
    return AttrSpec(_plain, default)
