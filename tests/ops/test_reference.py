"""Every op against the numpy expectation of its examples (``cases.py``): values,
exact dtype and shape on the reference backend, and ``infer_shape`` /
``infer_type`` (with shapes and without) agreeing with what was computed."""

import numpy as np
import pytest

import symgraph as sg
from symgraph.ops import all_ops

from .cases import CASES, SOURCE_OPS
from .table import HAS_NDARRAY, assert_matches, eval_symbol, run_symbol


def case_params(evaluating):
    """``CASES`` as pytest params; a known bug makes an evaluating test an xfail."""
    return [pytest.param(case, id=case.id, marks=[
        pytest.mark.xfail(strict=True, reason=case.bug)] if case.bug and evaluating else [])
        for case in CASES]


def test_every_registered_op_has_a_case():
    covered = {case.op for case in CASES}
    missing = [op.name for op in all_ops() if op.name not in SOURCE_OPS | covered]
    assert not missing, f"add examples of {missing} to tests/ops/cases_*.py"


@pytest.mark.parametrize("case", case_params(evaluating=False))
def test_case_builds_the_op_it_names(case):
    assert case.symbol().value.node.op == case.op


def assert_sample(out, expected, sample_range):
    """A random sample: the expected shape and dtype, finite, inside ``[low, high)``."""
    assert (out.shape, out.dtype) == (expected.shape, expected.dtype)
    low, high = sample_range
    assert np.isfinite(out).all() and (out >= low).all() and (out < high).all()


@pytest.mark.parametrize("case", case_params(evaluating=True))
def test_values_match_numpy(case):
    symbol = case.symbol()
    expected = case.expected()
    runs = {"reference": run_symbol(symbol, case.feeds)}
    if HAS_NDARRAY:
        runs["Symbol.eval"] = eval_symbol(symbol, case.feeds)
    for how, outputs in runs.items():
        assert len(outputs) == 1
        if case.sample_range:
            assert_sample(outputs[0], expected, case.sample_range)
        else:
            assert_matches(outputs[0], expected, what=how)


@pytest.mark.parametrize("case", case_params(evaluating=False))
def test_infer_shape_agrees(case):
    symbol = case.symbol(declare=lambda name, array: sg.var(name, dtype=array.dtype))
    arg_shapes, out_shapes, aux_shapes = symbol.infer_shape(
        **{name: array.shape for name, array in case.feeds.items()})
    assert out_shapes == [case.expected().shape]
    assert arg_shapes == [case.feeds[name].shape for name in symbol.list_arguments()]
    assert aux_shapes == []


@pytest.mark.parametrize("case", case_params(evaluating=False))
def test_infer_type_agrees(case):
    symbol = case.symbol(declare=lambda name, array: sg.var(name, shape=array.shape))
    arg_types, out_types, _ = symbol.infer_type(
        **{name: array.dtype for name, array in case.feeds.items()})
    assert out_types == [case.expected().dtype.type]
    assert arg_types == [case.feeds[name].dtype.type for name in symbol.list_arguments()]


# Ops whose rules need real sizes (a fixed reshape, an index): a stand-in of ones
# may not fit them, and infer_type without shapes may leave their dtype unknown.
NEEDS_SIZES = frozenset({"reshape", "slice", "unslice", "concat_part"})


@pytest.mark.parametrize("case", case_params(evaluating=False))
def test_infer_type_needs_no_shapes(case):
    symbol = case.symbol()
    arg_types, out_types, _ = symbol.infer_type(
        **{name: array.dtype for name, array in case.feeds.items()})
    if out_types == [None] and case.op in NEEDS_SIZES:
        return
    assert out_types == [case.expected().dtype.type]
    assert arg_types == [case.feeds[name].dtype.type for name in symbol.list_arguments()]


@pytest.mark.parametrize("case", case_params(evaluating=False))
def test_shape_property_from_declared_variables(case):
    symbol = case.symbol(declare=lambda name, array: sg.var(name, shape=array.shape,
                                                            dtype=array.dtype))
    assert symbol.shape == case.expected().shape
