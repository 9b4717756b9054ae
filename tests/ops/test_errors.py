"""Errors a user can cause: the symgraph exception class, and a message that
names the op, the node and each input with its shape (STYLE.md, 7)."""

import numpy as np
import pytest

import symgraph as sg
from symgraph.backend.reference import evaluate
from symgraph.build import apply

x, w, i = sg.var("x"), sg.var("w"), sg.var("i")


def evaluated(symbol, **feeds):
    return evaluate(symbol.graph(), feeds)


def case(error, trigger, *fragments, bug=""):
    """``trigger()`` raises ``error`` with every fragment in its message."""
    marks = [pytest.mark.xfail(strict=True, reason=bug)] if bug else []
    return pytest.param(error, trigger, fragments, marks=marks,
                        id=f"{error.__name__}-{fragments[0]}")


ERRORS = [
    # ---- shapes: the node, its op, each input with its shape ---------------------------
    case(sg.ShapeError, lambda: sg.add(x, w, name="plus").infer_shape(x=(2, 3), w=(4,)),
         "plus (add)", "'x' (2, 3) float32", "'w' (4,) float32", "do not broadcast"),
    case(sg.ShapeError, lambda: sg.FullyConnected(
        sg.var("data"), sg.var("fc2_weight", shape=(10, 256)), num_hidden=10,
        name="fc2").infer_shape(data=(4, 128)),
         "fc2 (FullyConnected)", "'data' has 128 features but 'fc2_weight' expects 256",
         "'fc2_bias' (10,)"),
    case(sg.ShapeError, lambda: sg.FullyConnected(x, w, num_hidden=10, name="fc").infer_shape(
        x=(4, 3), w=(5, 3)), "fc (FullyConnected)", "'w' has 5 rows but num_hidden is 10"),
    case(sg.ShapeError, lambda: sg.reshape(x, shape=(4, 5), name="r").infer_shape(x=(2, 3)),
         "r (reshape)", "cannot reshape 6 elements into (4, 5)", "'x' (2, 3)"),
    case(sg.ShapeError, lambda: x.reshape(-1, -1).infer_shape(x=(2, 3)), "one -1"),
    case(sg.ShapeError, lambda: sg.sum(x, axis=2, name="s").infer_shape(x=(2, 3)),
         "s (sum)", "axis 2 is out of range for 2 dimensions", "'x' (2, 3)"),
    case(sg.ShapeError, lambda: sg.mean(x, axis=(1, -1)).infer_shape(x=(2, 3)),
         "repeats an axis"),
    case(sg.ShapeError, lambda: sg.expand_dims(x, axis=-4).infer_shape(x=(2, 3)),
         "axis -4 is out of range"),
    case(sg.ShapeError, lambda: sg.transpose(x, axes=(0, 0)).infer_shape(x=(2, 3)),
         "do not list each of 2 axes"),
    case(sg.ShapeError, lambda: sg.squeeze(x, axis=0).infer_shape(x=(2, 3)),
         "cannot squeeze axis 0"),
    case(sg.ShapeError, lambda: sg.concat(x, w, name="c").infer_shape(x=(2, 3), w=(2, 4)),
         "c (concat)", "sizes differ off the concatenation axis 0", "'x' (2, 3)", "'w' (2, 4)"),
    case(sg.ShapeError, lambda: sg.broadcast_to(x, shape=(2, 3)).infer_shape(x=(2,)),
         "broadcast_to", "(2,) and (2, 3) do not broadcast", "'x' (2,)"),
    case(sg.ShapeError, lambda: sg.broadcast_to(x, shape=(3,)).infer_shape(x=(2, 3)),
         "cannot broadcast (2, 3) to (3,)"),
    case(sg.ShapeError, lambda: sg.matmul(x, w, name="mm").infer_shape(x=(2, 3), w=(4, 5)),
         "mm (matmul)", "inner dimensions differ: 3", "vs 4", "'x' (2, 3)", "'w' (4, 5)"),
    case(sg.ShapeError, lambda: sg.max(x, axis=0).infer_shape(x=(0, 3)),
         "max of an empty axis has no value"),
    case(sg.ShapeError, lambda: x[5].infer_shape(x=(2, 3)), "index [5]", "(2, 3)"),
    case(sg.ShapeError, lambda: x[1, 2, 3].infer_shape(x=(2, 3)), "index [1, 2, 3]"),
    case(sg.ShapeError, lambda: x[::0].infer_shape(x=(3,)), "index [::0]"),
    case(sg.ShapeError, lambda: x[..., 0, ...].infer_shape(x=(2, 3)), "index [..., 0, ...]"),
    case(sg.ShapeError, lambda: sg.Dropout(x, p=1.0).infer_shape(x=(2,)), "p must be in [0, 1)"),
    case(sg.ShapeError, lambda: sg.softmax_cross_entropy(x, w).infer_shape(x=(4, 3), w=(3,)),
         "'w' of shape (3,) should hold one class per row of 'x'"),
    case(sg.ShapeError, lambda: (x + w).infer_shape(x=(2, 3)), "no shape for variable 'w'"),
    case(sg.ShapeError, lambda: sg.exp(sg.var("v", shape=(2, 3))).infer_shape(v=(3, 3)),
         "variable 'v' was declared with shape (2, 3) but is given shape (3, 3)"),
    case(sg.ShapeError, lambda: sg.softmax(x, axis=2).infer_shape(x=(2, 3)), "axis 2"),
    case(sg.ShapeError, lambda: sg.log_softmax(x, axis=-3).infer_shape(x=(2, 3)), "axis -3"),
    case(sg.ShapeError, lambda: evaluated(sg.softmax(x, axis=0), x=np.ones((0, 3))),
         "softmax over axis 0, of size 0, has no values"),
    # ---- dtypes ------------------------------------------------------------------------
    case(sg.DTypeError, lambda: sg.take(x, i, name="t").infer_shape(x=(3, 2), i=(2,)),
         "t (take)", "'i' holds indices and must be an integer dtype, not float32"),
    case(sg.DTypeError, lambda: sg.negative(sg.var("b", dtype=bool)).infer_shape(b=(2,)),
         "'b' is bool"),
    case(sg.DTypeError, lambda: sg.FullyConnected(sg.var("d", dtype="int32"), num_hidden=2)
         .infer_shape(d=(2, 3)), "'d' must be float, not int32"),
    case(sg.DTypeError, lambda: sg.random.uniform(shape=(2,), dtype="int32").infer_shape(),
         "not int32"),
    case(sg.DTypeError, lambda: sg.add(sg.var("p", dtype="int8"), sg.var("q", dtype="uint8"),
                                       name="mix").infer_shape(p=(2,), q=(2,)),
         "mix (add)", "'p'", "'q'", "int16"),
    # ---- out-of-range indices and labels, found when the graph runs --------------------
    case(sg.OutOfRangeError, lambda: evaluated(sg.take(x, i), x=np.zeros((3, 2)),
                                               i=np.array([0, 5])),
         "take index 5 at position (1,) is out of range [-3, 3)"),
    case(sg.OutOfRangeError, lambda: evaluated(sg.take(x, i, axis=1), x=np.zeros((3, 2)),
                                               i=np.array([[1], [-3]])),
         "take index -3 at position (1, 0)", "[-2, 2)"),
    case(sg.OutOfRangeError, lambda: evaluated(sg.one_hot(i, depth=3), i=np.array([0, 3])),
         "class label 3"),
    case(sg.OutOfRangeError, lambda: evaluated(sg.one_hot(i, depth=3), i=np.array([-1])),
         "class label -1"),
    case(sg.OutOfRangeError, lambda: evaluated(sg.softmax_cross_entropy(x, i),
                                               x=np.zeros((2, 3), np.float32), i=np.array([1, 7])),
         "class label 7"),
    case(sg.OutOfRangeError, lambda: evaluated(sg.grad(sg.SoftmaxOutput(x, i), x, x=(2, 3))[0],
                                               x=np.zeros((2, 3), np.float32), i=np.array([0, -2])),
         "class label -2"),
    case(sg.OutOfRangeError, lambda: evaluated(
        sg.grad(sg.SoftmaxOutput(x, i, use_ignore=True), x, x=(2, 3))[0],
        x=np.zeros((2, 3), np.float32), i=np.array([-1, 3])), "class label 3"),
    # ---- attributes and inputs, found when the node is built ---------------------------
    case(sg.AttrError, lambda: sg.sum(x, axes=1), "axes"),
    case(sg.AttrError, lambda: apply("sum", [x], {"axes": 1}),
         "sum has no attribute axes", "axis, keepdims"),
    case(sg.AttrError, lambda: sg.reshape(x, name="r"), "r (reshape): reshape.shape is required"),
    case(sg.AttrError, lambda: sg.FullyConnected(x), "num_hidden is required"),
    case(sg.AttrError, lambda: sg.sum(x, keepdims=1), "keepdims must be True or False, got 1"),
    case(sg.AttrError, lambda: sg.Activation(x, act_type="gelu"), "act_type must be one of",
         "'gelu'"),
    case(sg.AttrError, lambda: sg.cast(x, dtype="float16"), "float16 is not supported"),
    case(sg.AttrError, lambda: apply("add", [x], {}), "missing"),
    case(sg.AttrError, lambda: apply("exp", [x, w], {}), "exp takes 1 inputs, got 2"),
    case(sg.AttrError, lambda: x[[0, 1]], "only basic indexing"),
    case(sg.AttrError, lambda: sg.var(3), "a variable name must be a string"),
    case(sg.AttrError, lambda: sg.FullyConnected(x, num_hidden=-3, name="fc"),
         "fc (FullyConnected)", "num_hidden must be at least 1, got -3"),
    case(sg.AttrError, lambda: sg.broadcast_to(x, shape=(-1, 3)),
         "broadcast_to.shape must not have a negative size"),
    case(sg.AttrError, lambda: sg.random.uniform(shape=(-2,)), "must not have a negative size"),
    case(sg.AttrError, lambda: sg.random.uniform(low=2.0, high=1.0, shape=(2,)).infer_shape(),
         "low must be below high, got low=2.0, high=1.0"),
    case(sg.AttrError, lambda: sg.random.normal(scale=-1.0, shape=(2,)).infer_shape(),
         "scale must not be negative"),
    # ---- what a user passes to inference and evaluation --------------------------------
    case(sg.ShapeError, lambda: (x * 2.0).infer_shape(x=(-1, 3)),
         "the shape given for 'x' must be a tuple of non-negative ints, got (-1, 3)"),
    case(sg.ShapeError, lambda: (x * 2.0).infer_shape(x=(1.5,)), "got (1.5,)"),
    case(sg.ShapeError, lambda: (x * 2.0).simple_bind(x="ab"), "got 'ab'"),
    case(sg.DTypeError, lambda: (sg.var("s", shape=(2,)) * 2.0).infer_type(s="foo"),
         "the dtype for 's': 'foo' is not a dtype"),
    case(sg.DTypeError, lambda: evaluated(sg.var("n", dtype="int32") * 2, n=np.ones(2)),
         "variable 'n' was declared int32 but is given float64"),
    case(sg.DTypeError, lambda: (sg.var("n", dtype="int32") * 2).infer_type(n="float32"),
         "variable 'n' was declared int32 but is given float32"),
    case(sg.BindError, lambda: (sg.var("n", dtype="int32") * 2).eval(n=np.ones(2)),
         "argument 'n' is declared int32, given float64"),
    case(sg.DomainError, lambda: evaluated(sg.power(x, w), x=np.array([2, 3], np.int32),
                                           w=np.array([-1, 2], np.int32)),
         "integers to negative integer powers are not allowed"),
    case(sg.DomainError, lambda: evaluated(x ** -1, x=np.array([2], np.int64)),
         "negative integer powers"),
    case(sg.DTypeError, lambda: evaluated(x + 1000, x=np.ones(2, np.int8)),
         "the Python integer 1000 does not fit int8", "'x' (2,) int8"),
    case(sg.DTypeError, lambda: (sg.var("u", dtype="uint8") - (-1)).infer_shape(u=(2,)),
         "the Python integer -1 does not fit uint8"),
]


@pytest.mark.parametrize("error, trigger, fragments", ERRORS)
def test_error_class_and_message(error, trigger, fragments):
    with pytest.raises(error) as caught:
        trigger()
    assert isinstance(caught.value, sg.SymgraphError)
    for fragment in fragments:
        assert fragment in str(caught.value)


def test_eval_converts_feeds_to_the_declared_dtype_of_their_variable():
    label = sg.var("label", dtype="int32")
    (out,) = (label + 1).eval(label=np.array([0, 2]))  # numpy's int64
    assert out.dtype == np.int32
    np.testing.assert_array_equal(out.asnumpy(), [1, 3])


def test_a_shape_may_be_given_as_one_int():
    assert (x * 2.0).infer_shape(x=3) == ([(3,)], [(3,)], [])


@pytest.mark.parametrize("error, builtin", [
    (sg.ShapeError, ValueError), (sg.DTypeError, TypeError), (sg.AttrError, ValueError),
    (sg.OutOfRangeError, IndexError), (sg.BindError, ValueError),
    (sg.InternalError, RuntimeError), (sg.DomainError, ValueError),
])
def test_errors_are_symgraph_errors_and_the_builtins_users_expect(error, builtin):
    assert issubclass(error, sg.SymgraphError) and issubclass(error, builtin)
