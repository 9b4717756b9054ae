"""The autodiff pass through ``sg.grad``: higher order, head gradients,
non-differentiable inputs, and gradient graphs as ordinary symbols."""

import numpy as np
import pytest

import symgraph as sg
from symgraph.testing import (assert_allclose, check_numeric_gradient, check_symbolic_backward,
                              check_symbolic_forward)

RNG = np.random.default_rng(0)


def _run(sym, **arrays):
    return sym.eval(**arrays)[0].asnumpy()


def test_gradient_of_two_x_transpose_x_is_four_x():
    x = sg.var("x", shape=(4, 1))
    (grad,) = sg.grad(2 * sg.dot(x.T, x), x)
    xv = np.arange(4, dtype=np.float32).reshape(4, 1)
    assert_allclose(_run(grad, x=xv), 4 * xv)


def test_second_derivative_of_a_chain():
    x = sg.var("x")
    f = sg.tanh(x) * sg.exp(x) + sg.log(x * x + 1.0) ** 2.0
    (first,) = sg.grad(f, x)
    (second,) = sg.grad(first, x)
    xv = np.array([-0.7, 0.2, 1.3])

    def f_np(v):
        return np.tanh(v) * np.exp(v) + np.log(v * v + 1) ** 2

    eps = 1e-4
    expected = (f_np(xv + eps) - 2 * f_np(xv) + f_np(xv - eps)) / eps**2
    assert_allclose(_run(second, x=xv), expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("build", [
    lambda x, w: sg.sigmoid(sg.tanh(x @ w)).sum(),
    lambda x, w: (sg.exp(x @ w) ** 2.0 + sg.log(sg.sigmoid(x @ w))).mean(),
    lambda x, w: sg.softmax_cross_entropy(x @ w, np.array([0, 2, 1])).sum(),
    lambda x, w: (sg.sigmoid(x @ w) ** (sg.tanh(x @ w) + 2.0)).sum(),  # a varying exponent
])
def test_hessian_vector_products_match_finite_differences(build):
    """d/dw <grad_w f, v> = H v, checked against differences of grad_w f."""
    x = sg.var("x", shape=(3, 4))
    w = sg.var("w", shape=(4, 3))
    v = sg.var("v", shape=(4, 3))
    (grad_w,) = sg.grad(build(x, w), w)
    (hvp,) = sg.grad((grad_w * v).sum(), w)
    xv, wv, vv = RNG.normal(size=(3, 4)), RNG.normal(size=(4, 3)), RNG.normal(size=(4, 3))
    eps = 1e-5
    plus = _run(grad_w, x=xv, w=wv + eps * vv)
    minus = _run(grad_w, x=xv, w=wv - eps * vv)
    assert_allclose(_run(hvp, x=xv, w=wv, v=vv), (plus - minus) / (2 * eps), rtol=1e-4,
                    atol=1e-6)


def test_head_gradient_weights_a_non_scalar_output():
    x, head = sg.var("x"), sg.var("head")
    (grad,) = sg.grad(sg.square(x), x, head_grads=head)
    xv, hv = np.array([1.0, 2.0]), np.array([3.0, 5.0])
    assert_allclose(grad.eval(x=xv, head=hv)[0].asnumpy(), 2 * xv * hv)


def test_non_scalar_output_without_head_gradient_is_summed():
    x = sg.var("x")
    (grad,) = sg.grad(x * x, x)
    assert_allclose(_run(grad, x=np.array([1.0, -2.0])), [2.0, -4.0])


def test_broadcast_inputs_get_gradients_of_their_own_shape():
    a, b = sg.var("a"), sg.var("b")
    check_numeric_gradient(a * b + b / (a + 3.0),
                           {"a": RNG.normal(size=(2, 1, 3)), "b": RNG.normal(size=(4, 1))},
                           numeric_eps=1e-6, rtol=1e-6, atol=1e-8)


def test_unconnected_variable_gets_zeros():
    x, y = sg.var("x"), sg.var("y")
    grad_x, grad_y = sg.grad(sg.exp(x).sum() + y.sum() * 0.0, [x, y])
    assert_allclose(_run(grad_y, x=np.ones(2), y=np.ones(3)), np.zeros(3))
    z = sg.var("z")
    (grad_z,) = sg.grad(sg.exp(x).sum() + (z > 0).sum(), z)
    assert grad_z.list_arguments() == ["z"]
    assert_allclose(_run(grad_z, z=np.ones(3)), np.zeros(3))


def test_integer_variable_has_no_gradient():
    logits, label = sg.var("logits"), sg.var("label", dtype="int32")
    loss = sg.softmax_cross_entropy(logits, label).mean()
    with pytest.raises(sg.GradientError, match="'label' is int32: only float values"):
        sg.grad(loss, label)


def test_variable_outside_the_graph_has_no_gradient():
    with pytest.raises(sg.GradientError, match="'other' is not in the graph"):
        sg.grad(sg.var("x") * 2.0, sg.var("other"))


def test_gradient_graph_is_an_ordinary_symbol(tmp_path):
    x = sg.var("x")
    (grad,) = sg.grad(sg.sin(x) * x, x)
    assert grad.list_arguments() == ["x"]
    path = tmp_path / "grad.json"
    grad.save(path)
    loaded = sg.load(path)
    xv = np.array([0.5, 1.5])
    assert_allclose(_run(loaded, x=xv), np.cos(xv) * xv + np.sin(xv))


def test_loss_heads_ignore_the_head_gradient_and_use_the_label():
    data, label = sg.var("data", shape=(4, 3)), sg.var("label")
    out = sg.SoftmaxOutput(data, label, normalization="batch")
    (grad,) = sg.grad(out, data, head_grads=sg.var("ignored"))
    xv = RNG.normal(size=(4, 3))
    lv = np.array([0.0, 2.0, 1.0, 1.0])
    softmax = np.exp(xv) / np.exp(xv).sum(axis=1, keepdims=True)
    expected = (softmax - np.eye(3)[lv.astype(int)]) / 4
    assert "ignored" not in grad.list_arguments()
    assert_allclose(grad.eval(data=xv, label=lv)[0].asnumpy(), expected, rtol=1e-6)


def test_gradient_of_matmul_needs_shapes_and_says_so():
    a = sg.var("a")
    with pytest.raises(sg.GradientError, match="needs the shape of its input 'a'"):
        sg.grad((a @ sg.var("b")).sum(), a)
    (grad,) = sg.grad((a @ sg.var("b")).sum(), a, a=(2, 3), b=(3,))
    assert_allclose(_run(grad, a=np.ones((2, 3)), b=np.arange(3.0)), [[0, 1, 2], [0, 1, 2]])


@pytest.mark.parametrize("outputs, wrt, given", [
    (lambda x: x.sum(), lambda x: "x", "wrt must be Symbols.*got str 'x'"),
    (lambda x: 3.0, lambda x: x, "outputs must be Symbols.*got float 3.0"),
    (lambda x: x.sum(), lambda x: [x, np.ones(2)], "wrt must be Symbols.*got ndarray"),
])
def test_gradient_of_something_that_is_not_a_symbol_says_so(outputs, wrt, given):
    x = sg.var("x")
    with pytest.raises(sg.GradientError, match=given):
        sg.grad(outputs(x), wrt(x))
    with pytest.raises(sg.GradientError, match="head_grads must be Symbols.*got float"):
        sg.grad(x * x, x, head_grads=2.0)


def test_a_group_of_head_gradients_weights_each_output():
    x, h1, h2 = sg.var("x"), sg.var("h1"), sg.var("h2")
    (grad,) = sg.grad(sg.group(x * x, x * 3.0), x, head_grads=sg.group(h1, h2))
    xv, hv1, hv2 = np.array([1.0, 2.0]), np.array([1.0, -1.0]), np.array([2.0, 0.5])
    assert_allclose(grad.eval(x=xv, h1=hv1, h2=hv2)[0].asnumpy(), 2 * xv * hv1 + 3 * hv2)


def test_probability_labels_of_softmax_cross_entropy_have_a_gradient():
    """Dense labels are differentiable (-log softmax); class indices are not."""
    logits, label = sg.var("logits"), sg.var("label")
    (grad,) = sg.grad(sg.softmax_cross_entropy(logits, label, sparse_label=False).sum(), label)
    xv = RNG.normal(size=(2, 3))
    log_softmax = xv - np.log(np.exp(xv).sum(axis=1, keepdims=True))
    assert_allclose(grad.eval(logits=xv, label=np.full((2, 3), 1 / 3))[0].asnumpy(),
                    -log_softmax, rtol=1e-10)


# ---- gradient checking for users (symgraph.testing) ----------------------------------

def test_check_numeric_gradient_catches_a_wrong_gradient_rule(monkeypatch):
    from dataclasses import replace

    from symgraph.ops import _build, registry

    sin = registry.get("sin")
    wrong = replace(sin, grad=lambda c, g: [g * _build.call("sin", c.x)])  # d sin = sin?
    monkeypatch.setitem(registry._REGISTRY, "sin", wrong)
    with pytest.raises(AssertionError, match="gradient of x"):
        check_numeric_gradient(sg.sin(sg.var("x")), {"x": RNG.normal(size=(3,))})


def test_checks_run_in_float64_even_for_variables_declared_float32():
    x = sg.var("x", shape=(3,), dtype="float32")
    grads = check_numeric_gradient(sg.exp(x) * x, [RNG.normal(size=3)], numeric_eps=1e-6,
                                   rtol=1e-7, atol=1e-10)
    assert grads["x"].dtype == np.float64
    (out,) = check_symbolic_forward(x * 3.0, [np.full(3, 1 / 3)], [np.ones(3)], rtol=1e-15)
    assert out.dtype == np.float64


def test_check_symbolic_forward_and_backward_compare_with_expected_arrays():
    x = sg.var("x")
    y = sg.group(x * 2.0, sg.exp(x))
    xv = np.array([0.5, -1.0])
    doubled, exp = y.list_outputs()
    check_symbolic_forward(y, {"x": xv}, {doubled: None, exp: np.exp(xv)})
    check_symbolic_backward(y, [xv], [np.ones(2), np.full(2, 2.0)], [2 + 2 * np.exp(xv)])
    with pytest.raises(AssertionError, match="gradient of x: 2 of 2 elements differ"):
        check_symbolic_backward(y, [xv], [np.ones(2), np.ones(2)], {"x": np.zeros(2)})
    with pytest.raises(AssertionError, match="1 expected arrays for the 2 outputs"):
        check_symbolic_forward(y, [xv], [xv * 2])


@pytest.mark.parametrize("check, message", [
    (lambda f: check_numeric_gradient(f, {"x": np.ones(2), "z": np.ones(2)}),
     "'z' is not an argument"),
    (lambda f: check_numeric_gradient(f, {}), "argument 'x' is not given"),
    (lambda f: check_numeric_gradient(f, [np.ones(2), np.ones(2)]),
     r"2 arrays given for the 1 arguments \['x'\]"),
    (lambda f: check_symbolic_forward(f, [], [np.ones(2)]), "0 arrays given"),
])
def test_checks_name_a_bad_location(check, message):
    with pytest.raises(sg.BindError, match=message):
        check(sg.exp(sg.var("x")))


def test_check_numeric_gradient_names_an_unknown_grad_node_and_takes_mxnets_dict():
    f = sg.exp(sg.var("x"))
    with pytest.raises(sg.GradientError, match="'q' is not an argument"):
        check_numeric_gradient(f, [np.ones(2)], grad_nodes=["q"])
    assert list(check_numeric_gradient(f, [np.ones(2)], grad_nodes={"x": "write"})) == ["x"]


def test_power_gradient_in_the_exponent_is_zero_where_the_base_is_zero():
    base, exponent = sg.var("base"), sg.var("exponent")
    (grad,) = sg.grad((base ** exponent).sum(), exponent)
    got = grad.eval(base=np.array([0.0, 2.0]), exponent=np.array([2.0, 1.5]))[0].asnumpy()
    assert_allclose(got, [0.0, 2.0 ** 1.5 * np.log(2.0)])


@pytest.mark.parametrize("xv", [
    np.array([[0.0, 2.0, 3.0], [1.0, 0.5, -2.0]]),               # one zero in a row
    np.array([[0.0, 0.0, 3.0], [0.0, 0.0, 0.0]]),                # two, and three
    np.array([[0.0, 0.0, 3.0, 0.0], [1.0, 2.0, 0.0, 0.0]]),
], ids=["one-zero", "two-and-three-zeros", "mixed"])
def test_product_gradients_are_right_at_zeros_to_second_order(xv):
    x = sg.var("x", shape=xv.shape)
    weights = np.arange(1.0, xv.size + 1).reshape(xv.shape)
    for product in (x.prod(axis=1).sum(), x.prod()):
        check_numeric_gradient(product, {"x": xv}, numeric_eps=1e-6, rtol=1e-6, atol=1e-8)
        (grad,) = sg.grad(product, x)
        check_numeric_gradient(grad * weights, {"x": xv}, numeric_eps=1e-6, rtol=1e-6,
                               atol=1e-8)
