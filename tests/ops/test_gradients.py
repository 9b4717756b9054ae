"""Every differentiable op's gradient against central finite differences in
float64, for every example of the op table (``cases.py``): broadcasting,
0-d, size-0 and mixed-dtype examples included.

The float inputs are fed as float64 (``check_numeric_gradient`` does so), so
the differences are accurate to ~1e-10 and the tolerance can be tight. Integer
and boolean inputs, and the inputs an op declares without gradient (class
labels, shape donors), are held fixed. Excluded are the ops whose backward is
by definition not the derivative of their forward (the MXNet loss-output
heads, tested in ``tests/test_executor.py`` and ``tests/passes/test_autodiff.py``)
and the random ops, whose values are not functions of their inputs.
"""

import numpy as np
import pytest

import symgraph as sg
from symgraph.ops import Kind, all_ops, get
from symgraph.testing import check_numeric_gradient

from .cases import CASES
from .table import run_symbol

# Backward uses the label instead of the head gradient, as MXNet's does.
NOT_DERIVATIVES = frozenset({"SoftmaxOutput", "LinearRegressionOutput",
                             "LogisticRegressionOutput"})
INTEGER_INPUTS_ONLY = frozenset({"one_hot"})


def _differentiable(case):
    op = get(case.op)
    return (op.kind != Kind.RANDOM and op.name not in NOT_DERIVATIVES
            and any(x.dtype.kind == "f" for x in case.feeds.values()))


GRADIENT_CASES = [
    pytest.param(case, id=case.id, marks=[pytest.mark.xfail(strict=True, reason=case.bug)]
                 if case.bug else [])
    for case in CASES if _differentiable(case)
]


def test_every_op_with_a_gradient_rule_is_checked():
    checked = {p.values[0].op for p in GRADIENT_CASES}
    exempt = NOT_DERIVATIVES | INTEGER_INPUTS_ONLY | checked
    unchecked = [op.name for op in all_ops() if op.grad is not None
                 and op.kind != Kind.RANDOM and op.name not in exempt]
    assert not unchecked, f"add float examples of {unchecked} to tests/ops/cases_*.py"


def _checked_inputs(case, symbol):
    """The float inputs that have a gradient (not labels or shape donors)."""
    node = symbol.value.node
    fixed = {node.inputs[i].node.name for i in get(case.op).nondiff(node.attrs)}
    return [name for name, x in case.feeds.items() if x.dtype.kind == "f" and name not in fixed]


@pytest.mark.parametrize("case", GRADIENT_CASES)
def test_gradient_matches_finite_differences(case):
    symbol = case.symbol()
    wide = {k: x.astype(np.float64) if x.dtype.kind == "f" else x for k, x in case.feeds.items()}
    (out,) = run_symbol(symbol, wide)
    # An op that computes in float32 from float64 inputs (cast) needs float32's step and tolerance.
    tolerance = (dict(numeric_eps=1e-6, rtol=1e-5, atol=1e-7) if out.dtype != np.float32
                 else dict(numeric_eps=1e-3, rtol=1e-2, atol=1e-4))
    check_numeric_gradient(symbol, case.feeds, grad_nodes=_checked_inputs(case, symbol),
                           **tolerance)


@pytest.mark.parametrize("case", GRADIENT_CASES)
def test_gradient_without_shapes_is_built_or_asks_for_them(case):
    """``sg.grad`` of variables without shapes: a rule that needs a shape says so."""
    symbol = case.symbol()
    variables = {node.name: sg.Symbol(node.outputs) for node in symbol.graph().variables()}
    wrt = [variables[name] for name in _checked_inputs(case, symbol)]
    try:
        sg.grad(symbol.sum(), wrt)
    except sg.SymgraphError as err:
        assert "give the variables shapes" in str(err)
