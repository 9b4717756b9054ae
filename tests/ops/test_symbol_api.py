"""The Symbol API as MXNet users know it: names, structure, attributes,
shape inference (full and partial), methods with MXNet's keywords, and
what a wrong call says."""

import re

import numpy as np
import pytest

import symgraph as sg


def test_unnamed_nodes_get_unique_names_from_their_op():
    x = sg.var("x")
    first, second = sg.FullyConnected(x, num_hidden=2), sg.FullyConnected(x, num_hidden=2)
    assert re.fullmatch(r"fullyconnected\d+", first.name) and first.name != second.name
    assert first.list_arguments() == ["x", f"{first.name}_weight", f"{first.name}_bias"]
    assert re.fullmatch(r"add\d+", (x + 1.0).name)
    assert sg.exp(x, name="e").name == "e" and first.list_outputs() == [f"{first.name}_output"]


def test_structure_arguments_inputs_children_and_internals():
    x = sg.var("x")
    fc = sg.FullyConnected(x, num_hidden=3, name="fc")
    out = sg.Activation(fc, act_type="relu", name="relu")
    assert out.list_inputs() == out.list_arguments() == ["x", "fc_weight", "fc_bias"]
    assert out.get_children().list_outputs() == ["fc_output"]
    assert fc.get_children().list_outputs() == ["x", "fc_weight", "fc_bias"]
    assert x.get_children() is None
    internals = out.get_internals()
    assert internals.list_outputs() == ["x", "fc_weight", "fc_bias", "fc_output", "relu_output"]
    assert internals["fc_output"].infer_shape(x=(2, 5))[1] == [(2, 3)]
    assert sg.group(out, fc).list_outputs() == ["relu_output", "fc_output"]


def test_attributes_of_variables_and_ops_as_mxnet_lists_them():
    w = sg.var("w", shape=(2, 3), init="zeros", attr={"lr_mult": "0.1"}, wd_mult="0")
    assert w.attr("lr_mult") == "0.1" and w.attr("missing") is None
    assert w.list_attr() == {"lr_mult": "0.1", "wd_mult": "0", "__shape__": "(2, 3)",
                             "__init__": "zeros"}
    fc = sg.FullyConnected(sg.var("x"), num_hidden=3, no_bias=True, name="fc")
    assert fc.attr("num_hidden") == "3"
    assert fc.list_attr() == {"num_hidden": "3", "no_bias": "True", "flatten": "True"}


def test_infer_shape_in_argument_order_and_partial_inference():
    x, y = sg.var("x"), sg.var("y")
    net = sg.FullyConnected(x, num_hidden=4, name="fc") + y
    assert net.infer_shape(x=(2, 5), y=(4,)) == ([(2, 5), (4, 5), (4,), (4,)], [(2, 4)], [])
    assert net.infer_shape((2, 5), None, None, (4,))[1] == [(2, 4)]  # positional, MXNet's way
    assert net.infer_shape_partial(x=(2, 5)) == ([(2, 5), (4, 5), (4,), None], [None], [])
    assert net.infer_shape_partial() == ([None] * 4, [None], [])
    with pytest.raises(sg.ShapeError, match="no shape for variable 'y'"):
        net.infer_shape(x=(2, 5))
    with pytest.raises(sg.ShapeError, match="do not broadcast"):  # partial still checks
        net.infer_shape_partial(x=(2, 5), y=(3,))


def test_infer_type_from_given_dtypes():
    x, label = sg.var("x", shape=(2, 3)), sg.var("label", shape=(2,), dtype="int32")
    loss = sg.softmax_cross_entropy(x, label) * 2.0
    assert loss.infer_type(x="float64") == ([np.float64, np.int32], [np.float64], [])
    assert loss.infer_type() == ([np.float32, np.int32], [np.float32], [])
    # No shapes needed (MXNet's infer_type): layers give their parameters the data's dtype.
    data = sg.var("data")
    net = sg.FullyConnected(data, num_hidden=3, name="fc").argmax(axis=-1)
    assert net.infer_type(data="float64") == ([np.float64] * 3, [np.int64], [])
    assert (data + 1).infer_type(data=np.int8) == ([np.int8], [np.int8], [])
    assert data.reshape(2, 3).infer_type(data="float64") == ([None], [None], [])  # needs sizes


def test_methods_take_mxnets_keywords_too():
    x = sg.var("x")
    assert x.reshape(shape=(3, -1)).infer_shape(x=(2, 3))[1] == [(3, 2)]
    assert x.transpose(axes=(1, 0)).infer_shape(x=(2, 3))[1] == [(3, 2)]
    assert x.reshape((3, 2)).infer_shape(x=(2, 3))[1] == x.reshape(3, 2).infer_shape(x=(2, 3))[1]
    with pytest.raises(sg.AttrError, match="reshape got shape both positionally and as a keyword"):
        x.reshape(3, shape=(3, 2))


@pytest.mark.parametrize("call, error, message", [
    (lambda x: sg.group(x, 3), sg.AttrError, "group takes Symbols, got int 3"),
    (lambda x: sg.group(x, x * 2.0)[2], IndexError, "has 2 outputs; there is no output 2"),
    (lambda x: sg.group(x, x * 2.0)["nope"], KeyError, "no output named 'nope'"),
    (lambda x: sg.group(x, x * 2.0).shape, sg.ShapeError, "pick one with sym"),
    (lambda x: x.infer_shape(x=(2,), y=(3,)), sg.ShapeError, "'y' is not an argument"),
])
def test_wrong_calls_say_what_is_wrong(call, error, message):
    with pytest.raises(error, match=re.escape(message)):
        call(sg.var("x"))


def test_the_public_modules_are_attributes_of_the_package():
    """``sg.testing.check_numeric_gradient`` as the docs write it, without an import of its own."""
    import subprocess
    import sys

    code = ("import symgraph as sg; "
            "[getattr(sg, m) for m in ('nd', 'nn', 'data', 'metrics', 'optim', 'testing', "
            "'autograd', 'random', 'viz')]; sg.testing.check_numeric_gradient")
    subprocess.run([sys.executable, "-c", code], check=True)
