"""``Model``: fit, evaluate, predict, parameter files, cross-validation.

Two networks serve every test (each compiled once): the MLP of
``examples/mlp.py --quick`` on scikit-learn's digits, and a linear
regression on the diabetes data.
"""

import os
import zipfile

import numpy as np
import pytest

import symgraph as sg
from symgraph import data, nn, optim
from symgraph.model import Model


def digits_mlp():
    return nn.Sequential(nn.Dense(256, activation="relu"), nn.Dropout(0.2), nn.Dense(10))


@pytest.fixture(scope="module")
def digits():
    x, y = data.load_digits()
    return data.train_test_split(x, y, test_size=0.2, seed=0)


@pytest.fixture(scope="module")
def trained(digits):
    x_train, x_test, y_train, y_test = digits
    net = digits_mlp()
    model = Model(net).compile(optim.SGD(lr=0.1, momentum=0.9, wd=1e-4),
                               "sparse_categorical_crossentropy", ["accuracy"])
    history = model.fit(x_train, y_train, batch_size=64, epochs=8, validation_split=0.1,
                        verbose=0, seed=0)
    return net, model, history


def test_mlp_learns_digits(trained, digits):
    _, model, history = trained
    _, x_test, _, y_test = digits
    assert sorted(history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert len(history["loss"]) == 8 and history["loss"][-1] < history["loss"][0] / 4
    scores = model.evaluate(x_test, y_test)
    assert scores["accuracy"] >= 0.95
    logits = model.predict(x_test)
    assert logits.shape == (len(x_test), 10) and logits.dtype == np.float32
    assert (logits.argmax(axis=1) == y_test).mean() == pytest.approx(scores["accuracy"])
    log_p = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    cross_entropy = -log_p[np.arange(len(y_test)), y_test].mean()
    assert scores["loss"] == pytest.approx(cross_entropy, rel=1e-4)


def test_params_round_trip_through_a_file(trained, digits, tmp_path):
    net, model, _ = trained
    x_test = digits[1]
    path = tmp_path / "mlp.npz"
    model.save_params(path)
    assert sorted(os.listdir(tmp_path)) == ["mlp.npz"]
    again = Model(net).load_params(path)
    np.testing.assert_array_equal(again.predict(x_test), model.predict(x_test))
    with np.load(path, allow_pickle=False) as archive:
        assert sorted(archive.files) == sorted(model.param_names)


def test_damaged_params_files_are_reported(trained, tmp_path):
    net, model, _ = trained
    path = tmp_path / "p.npz"
    model.save_params(path)
    raw = path.read_bytes()
    fresh = Model(net)
    (tmp_path / "cut.npz").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(data.DataFormatError, match="cut.npz is not a readable parameter file"):
        fresh.load_params(tmp_path / "cut.npz")
    tampered = bytearray(raw)
    middle = len(raw) // 2
    tampered[middle:middle + 8] = bytes(b ^ 0xFF for b in tampered[middle:middle + 8])
    (tmp_path / "bad.npz").write_bytes(bytes(tampered))
    with pytest.raises(data.DataFormatError, match="truncated, damaged"):
        fresh.load_params(tmp_path / "bad.npz")
    with zipfile.ZipFile(tmp_path / "obj.npz", "w") as archive:
        with archive.open("dense0_weight.npy", "w") as f:
            np.lib.format.write_array(f, np.array([{"x": 1}], dtype=object))
    with pytest.raises(data.DataFormatError):
        fresh.load_params(tmp_path / "obj.npz")
    params = {k: np.asarray(v) for k, v in model.params.items()}
    first = model.param_names[0]
    params[first] = params[first][:, :3]
    params["extra"] = np.zeros(2)
    nn.save_params(tmp_path / "wrong.npz", params)
    fresh.predict(np.zeros((1, 64)))  # the input shape is known: shapes are checked too
    with pytest.raises(sg.BindError, match=rf"not in the network \['extra'\], shapes differ: "
                                           rf"{first}: file \(256, 3\), network \(256, 64\)"):
        fresh.load_params(tmp_path / "wrong.npz")


def test_save_is_atomic(trained, tmp_path, monkeypatch):
    _, model, _ = trained
    path = tmp_path / "p.npz"
    model.save_params(path)
    before = path.read_bytes()

    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savez", crash)
    with pytest.raises(KeyboardInterrupt):
        model.save_params(path)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["p.npz"]


def test_history_plot(trained, tmp_path):
    path = trained[2].plot(tmp_path / "curves.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_regularized_regression_with_cross_validation():
    x, y = data.load_diabetes()
    x, y = data.standardize(x), (y - y.mean()) / y.std()
    weight = sg.var("fc_weight", attr={nn.regularizers.ATTR: nn.l2(0.01)})
    net = sg.FullyConnected(sg.var("data"), weight=weight, num_hidden=1, name="fc")
    model = Model(net).compile(optim.Adam(lr=0.05), "mse", ["mae"])
    scores = data.cross_validate(model, x, y, k=4, epochs=15, batch_size=32)
    assert sorted(scores) == ["loss", "mae"] and len(scores["mae"]) == 4
    assert max(scores["mae"]) < 0.7
    assert (model.params["fc_bias"] != 0).all()
    # the reported loss is the data loss plus the penalty, as in training
    predicted = model.predict(x)[:, 0]
    penalty = 0.01 * np.square(model.params["fc_weight"].astype(np.float64)).sum()
    assert model.evaluate(x, y)["loss"] == pytest.approx(
        np.mean((predicted - y) ** 2) + penalty, rel=1e-4)


def test_usage_errors(digits):
    x_train, _, y_train, _ = digits
    model = Model(digits_mlp())
    with pytest.raises(sg.BindError, match="call model.compile"):
        model.fit(x_train, y_train)
    with pytest.raises(sg.ShapeError, match="needs the shape of one input sample"):
        model.summary()
    model.compile("sgd", "sparse_categorical_crossentropy")
    model.initialize(input_shape=(64,), overrides={model.param_names[0]: "zeros"})
    assert not model.params[model.param_names[0]].any()
    with pytest.raises(sg.ShapeError, match=r"samples of shape \(64,\), given \(8, 8\)"):
        model.predict(x_train.reshape(-1, 8, 8))
    with pytest.raises(sg.BindError, match="does not read 'data'"):
        Model(sg.FullyConnected(sg.var("x"), num_hidden=2))
