"""Each example runs in quick mode and reaches its documented result.

The examples run in this process (``main(["--quick"])``), so they share
compiled kernels with each other and with tests/train.
"""

import importlib.util
import pathlib

import numpy as np
import pytest

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples"


def run(name, *args):
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main(["--quick", *args])


def test_linear_regression_recovers_w_and_b():
    results = run("linear_regression")
    assert set(results) == {"by hand", "with Model"}
    for w, b in results.values():
        np.testing.assert_allclose(w, [2.0, -3.4], atol=0.01)
        assert abs(b - 4.2) <= 0.01


def test_logistic_regression_on_breast_cancer():
    pytest.importorskip("sklearn")
    assert run("logistic_regression")["accuracy"] >= 0.94


def test_softmax_regression_on_digits():
    pytest.importorskip("sklearn")
    results = run("softmax_regression")
    assert results["dataset"] == "digits" and results["accuracy"] >= 0.9


def test_mlp_on_digits():
    pytest.importorskip("sklearn")
    results = run("mlp")
    assert results["dataset"] == "digits" and results["accuracy"] >= 0.95


def test_keras_style_models(tmp_path):
    pytest.importorskip("sklearn")
    pytest.importorskip("matplotlib")
    results = run("keras_style", "--plot", str(tmp_path))
    assert results["binary"]["accuracy"] >= 0.94
    assert results["multiclass"]["accuracy"] >= 0.93
    assert results["multiclass"]["top_3_accuracy"] >= results["multiclass"]["accuracy"]
    assert len(results["regression"]["folds"]) == 4 and results["regression"]["mae"] < 50
    assert sorted(p.name for p in tmp_path.iterdir()) == ["binary.png", "multiclass.png"]


def test_autograd_basics(tmp_path):
    results = run("autograd_basics", "--out", str(tmp_path))
    got, expected = results["2xTx"]
    np.testing.assert_array_equal(got, expected)
    summed, weighted = results["heads"]
    assert summed.tolist() == [2, 4, 6] and weighted.tolist() == [2, 2, 0]
    for got, exact in zip(*results["higher_order"]):
        np.testing.assert_allclose(got, exact, atol=1e-12)
    path, reloaded = results["saved"]
    assert pathlib.Path(path).parent == tmp_path and reloaded.ravel().tolist() == [0, 4, 8, 12]


def test_mlp_comparison_with_numpy_and_torch():
    pytest.importorskip("sklearn")
    results = run("mlp", "--compare", "--epochs", "2")
    names = [name for name in results if name != "dataset"]
    assert names[:2] == ["symgraph (compiled step)", "numpy (hand-written)"]
    for name in names:
        assert results[name]["accuracy"] >= 0.85 and results[name]["samples_per_s"] > 0
