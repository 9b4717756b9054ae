"""The example table of every op: ``CASES``, one ``Case`` (see ``table.py``) per
example, for every registered op but ``var`` and ``const`` (which every case
uses). ``test_reference.py`` fails for a registered op without a case here, so
a new op gets its examples when it gets its rules."""

from . import cases_layout, cases_math, cases_nn

CASES = cases_math.CASES + cases_layout.CASES + cases_nn.CASES
SOURCE_OPS = frozenset({"var", "const"})
