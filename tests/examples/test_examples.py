"""Each example runs in quick mode and reaches its documented result.

The examples run in this process (``main(["--quick"])``), so they share
compiled kernels with each other and with tests/train.
"""

import importlib.util
import pathlib

import numpy as np

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
    assert run("logistic_regression")["accuracy"] >= 0.94


def test_softmax_regression_on_digits():
    results = run("softmax_regression")
    assert results["dataset"] == "digits" and results["accuracy"] >= 0.9


def test_mlp_on_digits():
    results = run("mlp")
    assert results["dataset"] == "digits" and results["accuracy"] >= 0.95


def test_keras_style_models(tmp_path):
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
    assert pathlib.Path(results["picture"]).read_bytes()[:4] == b"\x89PNG"


def test_mlp_comparison_with_numpy_and_torch():
    results = run("mlp", "--compare", "--epochs", "2")
    names = [name for name in results if name != "dataset"]
    assert names[:2] == ["symgraph (compiled step)", "numpy (hand-written)"]
    for name in names:
        assert results[name]["accuracy"] >= 0.85 and results[name]["samples_per_s"] > 0


def test_render_graph_writes_each_view(tmp_path):
    written = run("render_graph", "--out", str(tmp_path))
    assert sorted(written) == ["mlp_compiled", "mlp_graph", "mlp_memory"]
    for path in written.values():
        assert pathlib.Path(path).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_demo_trains_draws_and_times(tmp_path, capsys):
    results = run("demo", "--out", str(tmp_path))
    assert results["accuracy"] >= 0.9
    assert pathlib.Path(results["picture"]).parent == tmp_path
    assert all(ms > 0 for ms in results["w2_ms"].values())
    assert "W2 MLP 784-256-256-10 training step, batch 256: symgraph" in capsys.readouterr().out
