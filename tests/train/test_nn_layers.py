"""Layers, initializers, regularizers and losses (numpy reference backend:
nothing here compiles a kernel)."""

import json

import numpy as np
import pytest

import symgraph as sg
from symgraph import nn
from symgraph.nn import init, losses, regularizers


def test_dense_builds_named_parameters_and_shares_them_when_called_twice():
    dense = nn.Dense(5, activation="tanh", kernel_initializer=init.Normal(0.5),
                     kernel_regularizer=nn.l2(1e-3), name="fc")
    x = sg.var("data")
    y = dense(x) + dense(x)
    assert y.list_arguments() == ["data", "fc_weight", "fc_bias"]
    arg_shapes, out_shapes, _ = y.infer_shape(data=(2, 3, 2))
    assert arg_shapes[1:] == [(5, 6), (5,)] and out_shapes == [(2, 5)]
    weight = y.get_internals()["fc_weight"]
    assert weight.list_attr()["__init__"] == str(("normal", 0.5))
    w = np.arange(30.0).reshape(5, 6) / 30
    (out,) = dense(x).eval(data=np.ones((2, 3, 2)), fc_weight=w, fc_bias=np.zeros(5))
    np.testing.assert_allclose(out.asnumpy(), np.tanh(np.ones((2, 6)) @ w.T), rtol=1e-6)


def test_sequential_names_layers_in_order_and_survives_json():
    net = nn.Sequential(nn.Flatten(), nn.Dense(4, activation="relu"), nn.Dropout(0.5))
    net.add(nn.Dense(2, use_bias=False), nn.Activation("softmax"))
    out = net(sg.var("data"))
    names = out.list_arguments()
    assert names[0] == "data" and len(names) == 4 and names[-1].endswith("_weight")
    again = sg.load_json(out.tojson())
    assert again.list_arguments() == names
    node = {n.name: n for n in again.graph().variables()}[names[1]]
    assert node.attrs["role"] == "param"
    with pytest.raises(sg.AttrError, match="unknown activation 'swish'"):
        nn.Dense(3, activation="swish")(sg.var("data"))


def test_initializers_draw_what_they_describe():
    rng = np.random.default_rng(0)
    assert init.Zero()("b", (3,), "float32", rng).tolist() == [0, 0, 0]
    assert init.Constant(2.5)("c", (2,), "float64", rng).tolist() == [2.5, 2.5]
    normal = init.Normal(0.1)("w", (200, 300), "float32", rng)
    assert normal.dtype == np.float32 and abs(normal.std() - 0.1) < 0.005
    xavier = init.Xavier()("w", (200, 300), "float32", rng)
    bound = np.sqrt(6.0 / (200 + 300))
    assert xavier.max() <= bound and xavier.max() > 0.95 * bound
    he = init.get("he_normal")("w", (100, 400), "float32", rng)
    assert abs(he.std() - np.sqrt(2.0 / 400)) < 0.005
    assert init.get(("xavier", "gaussian", "in", 2.0)) == init.Xavier("gaussian", "in", 2.0)
    assert repr(init.Uniform(0.2)) == "Uniform(scale=0.2)"
    with pytest.raises(sg.AttrError, match="unknown initializer"):
        init.get("lecun")


def test_initialize_order_of_precedence_and_reproducibility():
    params = [("fc_weight", (4, 3), np.float32, None), ("fc_bias", (4,), np.float32, None),
              ("out_weight", (2, 4), np.float32, ("constant", 0.5))]
    values = init.initialize(params, default=init.One(), seed=1)
    assert (values["fc_weight"] == 1).all() and (values["fc_bias"] == 0).all()
    assert (values["out_weight"] == 0.5).all()
    values = init.initialize(params, overrides={"out_weight": init.Normal(1.0)}, seed=1)
    again = init.initialize(params[:1] + params[2:], overrides={"out_weight": "normal"},
                            seed=1)
    assert not (values["out_weight"] == 0.5).any()
    # each parameter draws from its own stream: dropping one leaves the others alone
    np.testing.assert_array_equal(values["fc_weight"], again["fc_weight"])
    with pytest.raises(sg.AttrError, match="not parameters"):
        init.initialize(params, overrides={"fc2_weight": "zeros"})


def test_regularizer_penalty_and_its_gradient():
    w = sg.var("w", attr={regularizers.ATTR: nn.l1_l2(0.1, 0.01)})
    v = sg.var("v", attr={regularizers.ATTR: nn.l2(0.5)})
    penalty = regularizers.penalty(w * v)
    values = {"w": np.array([1.0, -2.0]), "v": np.array([3.0, 0.5])}
    (out,) = penalty.eval(**values)
    assert out.asscalar() == pytest.approx(0.1 * 3 + 0.01 * 5 + 0.5 * 9.25)
    (dw,) = sg.grad(penalty, w)
    np.testing.assert_allclose(dw.eval(**values)[0].asnumpy(), 0.1 * np.sign(values["w"])
                               + 0.02 * values["w"])
    assert regularizers.penalty(sg.var("plain") * 2) is None
    with pytest.raises(sg.AttrError, match="non-negative"):
        nn.l2(-1.0)


def _loss_value(loss, pred, label, label_dtype="float32"):
    p, y = sg.var("p"), sg.var("y", dtype=label_dtype)
    return loss(p, y).eval(p=pred, y=label)[0].asnumpy()


def test_losses_against_numpy():
    rng = np.random.default_rng(0)
    pred, target = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    np.testing.assert_allclose(_loss_value(losses.get("mse"), pred, target),
                               ((pred - target) ** 2).mean(axis=1), rtol=1e-6)
    np.testing.assert_allclose(_loss_value(losses.get("mae"), pred, target),
                               np.abs(pred - target).mean(axis=1), rtol=1e-6)
    error = np.abs(3 * pred - target)
    huber = np.where(error <= 1.0, 0.5 * error ** 2, error - 0.5).mean(axis=1)
    np.testing.assert_allclose(_loss_value(losses.Huber(1.0), 3 * pred, target), huber, rtol=1e-6)

    logits, classes = rng.normal(size=(5, 4)), np.array([0, 3, 1, 1, 2])
    log_p = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    expected = -log_p[np.arange(5), classes]
    sparse = losses.get("sparse_categorical_crossentropy")
    assert sparse.label_dtype == "int32"
    np.testing.assert_allclose(_loss_value(sparse, logits, classes, "int32"), expected, rtol=1e-6)
    one_hot = np.eye(4)[classes]
    np.testing.assert_allclose(_loss_value(losses.get("categorical_crossentropy"), logits,
                                           one_hot), expected, rtol=1e-6)
    probabilities = sparse.probabilities(logits)
    np.testing.assert_allclose(_loss_value(losses.SoftmaxCrossEntropy(from_logits=False),
                                           probabilities, classes, "int32"),
                               expected, rtol=1e-5)

    z, labels = rng.normal(size=(6, 1)), np.array([0, 1, 1, 0, 1, 0.0])
    p = 1 / (1 + np.exp(-z[:, 0]))
    bce = -(labels * np.log(p) + (1 - labels) * np.log(1 - p))
    np.testing.assert_allclose(_loss_value(losses.get("binary_crossentropy"), z, labels), bce,
                               rtol=1e-6)
    np.testing.assert_allclose(_loss_value(losses.SigmoidBinaryCrossEntropy(from_logits=False),
                                           p[:, None], labels), bce, rtol=1e-5)
    with pytest.raises(sg.AttrError, match="unknown loss 'hinge'"):
        losses.get("hinge")


def test_initializers_and_regularizers_are_plain_descriptions():
    w = sg.var("w", init=init.Xavier("gaussian"), attr={regularizers.ATTR: nn.l1(0.1)})
    text = w.tojson()
    json.loads(text)
    node = sg.load_json(text).graph().variables()[0]
    assert init.get(node.attrs["init"]) == init.Xavier("gaussian")
    assert regularizers.regularizer_of(node) == nn.l1(0.1)
