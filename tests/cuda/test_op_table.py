"""The op table on the device: the first example of every registered op
(``tests/ops/cases.py``, as the CPU backend's op tests select them) and
every example with a 0-d or an empty array, against the reference backend,
with gradients where the CPU's tests compare them (random ops too: their
numbers are the same on every backend)."""

import pathlib
import sys

import pytest

from symgraph.ops import registry

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "backend"))
from test_cpu_ops import SELECTED, differentiable, features  # noqa: E402


def _chosen():
    """The first example of each op, and of each op kind the first example
    with a 0-d and with an empty array (the simulator is slow: one Python
    thread per GPU thread)."""
    seen, chosen = set(), []
    for case in SELECTED:
        kind = registry.get(case.op).kind
        keys = {case.op} | {(kind, f) for f in features(case) & {"0-d", "size-0"}}
        if keys - seen:
            chosen.append(case)
            seen |= keys
    return chosen


@pytest.mark.parametrize("case", _chosen(), ids=lambda case: case.id)
def test_op_matches_reference_on_the_device(case, compare_gpu):
    compare_gpu(case.symbol(), case.feeds, grads=differentiable(case))
