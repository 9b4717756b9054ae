"""The Executor: MXNet's bind/simple_bind/forward/backward semantics."""

import numpy as np
import pytest

import symgraph as sg
from symgraph.testing import assert_allclose

RNG = np.random.default_rng(0)


def _mlp():
    data = sg.var("data")
    hidden = sg.Activation(sg.FullyConnected(data, num_hidden=8, name="fc1"), act_type="relu")
    return sg.SoftmaxOutput(sg.FullyConnected(hidden, num_hidden=3, name="fc2"), name="softmax")


def test_simple_bind_allocates_arguments_and_gradients():
    exe = _mlp().simple_bind(data=(4, 5))
    assert list(exe.arg_dict) == ["data", "fc1_weight", "fc1_bias", "fc2_weight", "fc2_bias",
                                  "softmax_label"]
    assert exe.arg_dict["fc1_weight"].shape == (8, 5)
    assert exe.arg_dict["softmax_label"].shape == (4,)
    assert set(exe.grad_dict) == set(exe.arg_dict)
    assert exe.aux_dict == {} and exe.aux_arrays == []


def test_softmax_output_backward_is_softmax_minus_onehot():
    data, label = sg.var("data"), sg.var("label")
    exe = sg.SoftmaxOutput(data, label).simple_bind(data=(3, 4), label=(3,))
    x = RNG.normal(size=(3, 4)).astype(np.float32)
    labels = np.array([0, 3, 1], np.float32)
    out = exe.forward(is_train=True, data=x, label=labels)[0].asnumpy()
    exe.backward()
    expected = out - np.eye(4, dtype=np.float32)[labels.astype(int)]
    assert_allclose(exe.grad_dict["data"].asnumpy(), expected, rtol=1e-5, atol=1e-6)
    assert_allclose(exe.grad_dict["label"].asnumpy(), np.zeros(3), atol=0)


_IGNORED = np.array([2, -1, 0, -1], np.float32)
_NONE_IGNORED = np.array([2, 0, 1, 0], np.float32)


@pytest.mark.parametrize("backend", ["reference", "cpu"])
@pytest.mark.parametrize("attrs, labels, ignored_rows, divisor", [
    ({"use_ignore": True}, _IGNORED, [1, 3], 1),
    ({"use_ignore": True, "normalization": "batch"}, _IGNORED, [1, 3], 4),
    ({"use_ignore": True, "normalization": "valid"}, _IGNORED, [1, 3], 2),
    ({"use_ignore": True, "normalization": "valid", "ignore_label": 0.0, "grad_scale": 3.0},
     _NONE_IGNORED, [1, 3], 2),
    ({"normalization": "valid", "ignore_label": 0.0}, _NONE_IGNORED, [], 4),
    ({"use_ignore": True, "normalization": "valid"}, np.full(4, -1, np.float32), [0, 1, 2, 3],
     1),
], ids=["null", "batch", "valid", "valid-ignore-0-scaled", "valid-without-use-ignore",
        "valid-all-ignored"])
def test_softmax_output_ignores_a_label_and_normalizes_as_mxnet(backend, attrs, labels,
                                                                ignored_rows, divisor):
    """MXNet 1.x: ignored samples get no gradient; 'valid' divides by the labels
    not ignored (all of them without use_ignore), at least 1."""
    exe = sg.SoftmaxOutput(sg.var("data"), sg.var("label"), **attrs).bind(
        args={"data": sg.nd.array(RNG.normal(size=(4, 3)).astype(np.float32)),
              "label": sg.nd.array(labels)},
        grad_req={"data": "write", "label": "null"}, backend=backend)
    out = exe.forward(is_train=True)[0].asnumpy()
    exe.backward()
    safe_labels = np.where(labels == -1, 0, labels).astype(int)
    expected = out - np.eye(3, dtype=np.float32)[safe_labels]
    expected[ignored_rows] = 0.0
    expected *= attrs.get("grad_scale", 1.0) / divisor
    assert_allclose(exe.grad_dict["data"].asnumpy(), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("backend", ["reference", "cpu"])
def test_softmax_output_range_checks_only_the_labels_it_does_not_ignore(backend):
    data = RNG.normal(size=(3, 4)).astype(np.float32)
    exe = sg.SoftmaxOutput(sg.var("data"), sg.var("label"), use_ignore=True).bind(
        args={"data": sg.nd.array(data), "label": sg.nd.array(np.array([-1, 3, 0], np.int32))},
        grad_req={"data": "write", "label": "null"}, backend=backend)
    exe.forward(is_train=True)
    exe.backward()
    assert_allclose(exe.grad_dict["data"].asnumpy()[0], np.zeros(4), atol=0)
    with pytest.raises(sg.OutOfRangeError, match="class label 4"):
        exe.forward(is_train=True, label=np.array([-1, 4, 0], np.int32))
        exe.backward()


@pytest.mark.parametrize("head, forward", [("LinearRegressionOutput", lambda x: x),
                                           ("LogisticRegressionOutput",
                                            lambda x: 1 / (1 + np.exp(-x)))])
def test_regression_outputs_scale_by_outputs_per_sample(head, forward):
    data = sg.var("data")
    exe = getattr(sg, head)(data, grad_scale=2.0, name="out").simple_bind(data=(5, 3))
    x = RNG.normal(size=(5, 3)).astype(np.float32)
    y = RNG.normal(size=(5, 3)).astype(np.float32)
    exe.forward(is_train=True, data=x, out_label=y)
    exe.backward()
    assert_allclose(exe.outputs[0].asnumpy(), forward(x), rtol=1e-5)
    assert_allclose(exe.grad_dict["data"].asnumpy(), (forward(x) - y) * 2.0 / 3, rtol=1e-4,
                    atol=1e-6)


def test_grad_req_write_add_null():
    x, w = sg.var("x"), sg.var("w")
    loss = (x * w).sum()
    args = {"x": sg.nd.array([1.0, 2.0]), "w": sg.nd.array([3.0, 4.0])}
    exe = loss.bind(args=args, grad_req={"x": "add", "w": "write"})
    assert "w" in exe.grad_dict and "x" in exe.grad_dict
    for _ in range(3):
        exe.forward(is_train=True)
        exe.backward()
    assert_allclose(exe.grad_dict["x"].asnumpy(), 3 * np.array([3.0, 4.0]))
    assert_allclose(exe.grad_dict["w"].asnumpy(), [1.0, 2.0])
    null = loss.bind(args=args, grad_req={"x": "null", "w": "write"})
    assert "x" not in null.grad_dict


def test_bind_shares_argument_arrays_with_the_caller():
    x = sg.nd.array([1.0, 2.0])
    exe = (sg.var("x") * 2.0).bind(args=[x])
    assert exe.arg_dict["x"] is x
    x[:] = 5.0
    assert_allclose(exe.forward()[0].asnumpy(), [10.0, 10.0])


def test_head_gradients_weight_the_outputs():
    x = sg.var("x")
    y = sg.group(x * 2.0, sg.exp(x))
    exe = y.simple_bind(x=(3,))
    xv = np.array([0.1, 0.2, 0.3], np.float32)
    exe.forward(is_train=True, x=xv)
    g1, g2 = np.array([1.0, 2.0, 3.0], np.float32), np.array([0.5, 0.5, 0.5], np.float32)
    exe.backward([sg.nd.array(g1), sg.nd.array(g2)])
    assert_allclose(exe.grad_dict["x"].asnumpy(), 2 * g1 + np.exp(xv) * g2, rtol=1e-5)
    assert list(exe.output_dict) == y.list_outputs()


def test_reshape_shares_parameters_for_a_new_batch_size():
    exe = _mlp().simple_bind(data=(4, 5))
    exe.arg_dict["fc1_weight"][:] = RNG.normal(size=(8, 5))
    small = exe.reshape(data=(2, 5))
    assert small.arg_dict["fc1_weight"] is exe.arg_dict["fc1_weight"]
    assert small.arg_dict["data"].shape == (2, 5)
    x = RNG.normal(size=(4, 5)).astype(np.float32)
    full = exe.forward(data=x)[0].asnumpy()
    assert_allclose(small.forward(data=x[:2])[0].asnumpy(), full[:2], rtol=1e-5)


def test_reshape_refuses_to_reset_a_parameter_unless_asked():
    exe = _mlp().simple_bind(data=(4, 5))
    exe.arg_dict["fc1_weight"][:] = 1.0
    with pytest.raises(sg.BindError, match=r"change 'fc1_weight' from \(8, 5\) to \(8, 6\)"):
        exe.reshape(data=(4, 6))
    wider = exe.reshape(partial_shaping=True, allow_up_sizing=True, data=(4, 6))
    assert wider.arg_dict["fc1_weight"].shape == (8, 6)
    assert exe.arg_dict["fc1_weight"].asnumpy().min() == 1.0  # the old executor keeps its own


def test_copy_params_from_checks_names_and_shapes():
    exe = _mlp().simple_bind(data=(4, 5))
    exe.copy_params_from({"fc2_bias": np.ones(3, np.float32)})
    assert_allclose(exe.arg_dict["fc2_bias"].asnumpy(), np.ones(3))
    with pytest.raises(sg.BindError, match="not an argument"):
        exe.copy_params_from({"nope": np.ones(3)})
    exe.copy_params_from({"nope": np.ones(3)}, allow_extra_params=True)
    with pytest.raises(sg.BindError, match=r"'fc2_bias' expects shape \(3,\), given \(4,\)"):
        exe.copy_params_from({"fc2_bias": np.ones(4)})


def test_dropout_depends_on_is_train_and_changes_every_step():
    x = sg.var("x")
    exe = sg.Dropout(x, p=0.5).simple_bind(x=(1000,))
    ones = np.ones(1000, np.float32)
    assert_allclose(exe.forward(x=ones)[0].asnumpy(), ones)
    first = exe.forward(is_train=True, x=ones)[0].asnumpy()
    second = exe.forward(is_train=True, x=ones)[0].asnumpy()
    assert set(np.unique(first)) == {0.0, 2.0}
    assert 400 < np.count_nonzero(first) < 600
    assert not np.array_equal(first, second)
    exe.backward()
    assert_allclose(exe.grad_dict["x"].asnumpy(), second)  # d(x * mask * 2)/dx


@pytest.mark.parametrize("call, message", [
    (lambda e: e.forward(data=np.ones((3, 5), np.float32)),
     r"'data' expects shape \(4, 5\), given \(3, 5\)"),
    (lambda e: e.forward(bogus=np.ones(3)), "'bogus', which is not an argument"),
    (lambda e: e.backward(), r"backward needs a forward\(is_train=True\) first"),
])
def test_bad_calls_raise_bind_errors(call, message):
    exe = _mlp().simple_bind(data=(4, 5))
    with pytest.raises(sg.BindError, match=message):
        call(exe)


def test_bind_errors_name_the_argument():
    x, y = sg.var("x"), sg.var("y")
    with pytest.raises(sg.BindError, match="argument 'y' is not bound"):
        (x + y).bind(args={"x": sg.nd.ones((2,))})
    with pytest.raises(sg.BindError, match="must be bound to an NDArray"):
        (x + y).bind(args={"x": np.ones(2), "y": np.ones(2)})
    with pytest.raises(sg.BindError, match="grad_req for 'x' is 'sometimes'"):
        (x + y).simple_bind(x=(2,), y=(2,), grad_req={"x": "sometimes"})


def test_wrong_dtypes_and_unknown_grad_req_names_are_bind_errors():
    logits, label = sg.var("logits"), sg.var("label", dtype="int32")
    exe = sg.softmax_cross_entropy(logits, label).mean().simple_bind(logits=(2, 3), label=(2,))
    with pytest.raises(sg.BindError, match="argument 'label' expects int32, given float64"):
        exe.forward(label=np.array([0.5, 1.0]))
    with pytest.raises(sg.BindError, match=r"grad_req names \['nope'\], which are not"):
        (logits * 2.0).simple_bind(logits=(2,), grad_req={"nope": "write"})
    with pytest.raises(sg.BindError, match="is declared int32, given float64"):
        label.eval(label=np.ones(2))


def test_integer_arguments_get_no_gradient_arrays():
    logits, label = sg.var("logits"), sg.var("label", dtype="int32")
    exe = sg.softmax_cross_entropy(logits, label).mean().simple_bind(logits=(2, 3), label=(2,))
    assert exe.arg_dict["label"].dtype == np.int32
    assert "label" not in exe.grad_dict


def test_linear_regression_recovers_the_weights():
    """The tutorial: y = 2 x0 - 3.4 x1 + 4.2 + noise, SGD lr 0.03, batch 10, 5 epochs."""
    rng = np.random.default_rng(1)
    features = rng.normal(size=(1000, 2)).astype(np.float32)
    labels = (features @ np.array([2.0, -3.4]) + 4.2
              + rng.normal(scale=0.01, size=1000)).astype(np.float32)
    pred = sg.FullyConnected(sg.var("data"), num_hidden=1, name="fc")
    exe = sg.l2_loss(pred, sg.var("label")).simple_bind(data=(10, 2), label=(10,))
    exe.arg_dict["fc_weight"][:] = rng.normal(scale=0.01, size=(1, 2))
    for _ in range(5):
        for start in range(0, 1000, 10):
            batch = slice(start, start + 10)
            exe.forward(is_train=True, data=features[batch], label=labels[batch])
            exe.backward()
            for name in ("fc_weight", "fc_bias"):
                exe.arg_dict[name][:] = exe.arg_dict[name] - 0.03 / 10 * exe.grad_dict[name]
    assert_allclose(exe.arg_dict["fc_weight"].asnumpy(), [[2.0, -3.4]], atol=0.01)
    assert_allclose(exe.arg_dict["fc_bias"].asnumpy(), [4.2], atol=0.01)
