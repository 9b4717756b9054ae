"""Composite ops: ``expand`` rewrites them into primitives that compute what
the composite's own reference computes, for every composite example in the
table and for Dropout in training mode; layers create their parameters."""

import numpy as np
import pytest

import symgraph as sg
from symgraph.backend.reference import evaluate
from symgraph.graph.ir import TensorType
from symgraph.ops import Kind, get
from symgraph.passes.expand import expand
from symgraph.run_context import RunContext

from .cases import CASES
from .table import assert_matches, f32, f64

COMPOSITE_CASES = [
    pytest.param(case, id=case.id, marks=[pytest.mark.xfail(strict=True, reason=case.bug)]
                 if case.bug else [])
    for case in CASES if get(case.op).kind == Kind.COMPOSITE
]


def bound_types(feeds):
    return {name: TensorType(array.shape, array.dtype) for name, array in feeds.items()}


def evaluate_expanded(symbol, feeds, run=RunContext()):
    expanded = expand(symbol.graph(), bound_types(feeds), run)
    left = [n.op for n in expanded.nodes if get(n.op).kind == Kind.COMPOSITE]
    assert not left, f"composites left after expand: {left}"
    # The loss-output heads' forward does not read the label, so it may be gone.
    used = {node.name for node in expanded.variables()}
    return evaluate(expanded, {k: v for k, v in feeds.items() if k in used}, run)


def assert_expansion_matches(symbol, feeds, run=RunContext()):
    (direct,) = evaluate(symbol.graph(), feeds, run)
    (primitive,) = evaluate_expanded(symbol, feeds, run)
    assert_matches(primitive, direct, what="expanded graph")


def test_the_table_has_an_example_of_every_composite():
    composites = {op.name for op in sg.ops.all_ops() if op.kind == Kind.COMPOSITE}
    assert composites <= {p.values[0].op for p in COMPOSITE_CASES}


@pytest.mark.parametrize("case", COMPOSITE_CASES)
def test_expansion_computes_the_composite(case):
    assert_expansion_matches(case.symbol(), case.feeds)


@pytest.mark.parametrize("p", [0.0, 0.3, 0.9])
@pytest.mark.parametrize("data", [f32(4, 5), f64(3, 2, 2)], ids=["f32", "f64"])
@pytest.mark.parametrize("is_train", [True, False], ids=["train", "predict"])
def test_dropout_expansion_in_each_mode(data, p, is_train):
    symbol = sg.Dropout(sg.var("data"), p=p, seed=11)
    assert_expansion_matches(symbol, {"data": data}, RunContext(is_train=is_train, step=3))


@pytest.mark.parametrize("layer, data_shape, params", [
    (lambda x: sg.FullyConnected(x, num_hidden=4, name="fc1"), (2, 3, 5),
     {"fc1_weight": (4, 15), "fc1_bias": (4,)}),
    (lambda x: sg.FullyConnected(data=x, num_hidden=4, flatten=False, name="fc1"), (2, 3, 5),
     {"fc1_weight": (4, 5), "fc1_bias": (4,)}),
    (lambda x: sg.FullyConnected(x, num_hidden=2, no_bias=True, name="fc1"), (6, 3),
     {"fc1_weight": (2, 3)}),
    (lambda x: sg.SoftmaxOutput(x, name="out"), (6, 3), {"out_label": (6,)}),
    (lambda x: sg.LinearRegressionOutput(x, name="out"), (6, 3), {"out_label": (6, 3)}),
    (lambda x: sg.LogisticRegressionOutput(data=x, name="out"), (6,), {"out_label": (6,)}),
], ids=["fc", "fc-no-flatten", "fc-no-bias", "softmax-output", "linear", "logistic"])
def test_layers_create_their_inputs_with_inferred_shapes(layer, data_shape, params):
    symbol = layer(sg.var("x"))
    assert symbol.list_arguments() == ["x", *params]
    arg_shapes, _, _ = symbol.infer_shape(x=data_shape)
    assert arg_shapes == [data_shape, *params.values()]


@pytest.mark.parametrize("loss", ["l2_loss", "l1_loss", "sigmoid_binary_cross_entropy"])
def test_loss_expansion_keeps_the_dtype_of_pred_with_labels_of_another(loss):
    symbol = getattr(sg, loss)(sg.var("pred"), sg.var("label"))
    assert_expansion_matches(symbol, {"pred": f32(2, 3), "label": f64(2, 3)})


def test_softmax_output_forward_ignores_labels_and_backward_checks_them():
    """MXNet's SoftmaxOutput reads its label only in backward, where it is checked."""
    x = sg.var("x")
    symbol = sg.SoftmaxOutput(x, sg.var("y"))
    feeds = {"x": f32(2, 3), "y": np.array([0, 3], np.int32)}
    evaluate(symbol.graph(), feeds)
    evaluate_expanded(symbol, feeds)
    (grad,) = sg.grad(symbol, x, x=(2, 3))
    with pytest.raises(sg.OutOfRangeError, match="class label 3"):
        evaluate(grad.graph(), feeds)
