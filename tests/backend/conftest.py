"""What the CPU backend tests share: running a symbol through executors on
two backends and comparing the results, with the reference (numpy) backend
as the oracle.

``run_executor`` binds ``symbol`` to copies of ``feeds``, runs a forward (a
training forward when gradients are wanted) and a backward, and returns
copies of the outputs and of every gradient the executor has.
``assert_cpu_matches_reference`` does that on backend ``'cpu'`` and on
``'reference'`` and holds the two to exact shapes and dtypes, values close
for the float width, and exactly equal for integers and bools.
"""

import pathlib
import sys

import numpy as np
import pytest

import symgraph as sg

# The op example table lives in tests/ops (a package imported as ``ops``, as
# pytest imports it for tests/ops itself).
_TESTS = str(pathlib.Path(__file__).resolve().parents[1])
if _TESTS not in sys.path:
    sys.path.insert(0, _TESTS)

TOLERANCE = {
    np.dtype(np.float32): dict(rtol=2e-5, atol=2e-6),
    np.dtype(np.float64): dict(rtol=1e-10, atol=1e-12),
}


def assert_same(actual, expected, what, loose=1.0):
    """Same shape and dtype; floats close (tolerances times ``loose``), others equal."""
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert (actual.shape, actual.dtype) == (expected.shape, expected.dtype), (
        f"{what}: got {actual.shape} {actual.dtype}, expected {expected.shape} {expected.dtype}")
    if actual.dtype.kind == "f":
        tolerance = {k: v * loose for k, v in TOLERANCE[actual.dtype].items()}
        np.testing.assert_allclose(actual, expected, err_msg=what, **tolerance)
    else:
        np.testing.assert_array_equal(actual, expected, err_msg=what)


def run_executor(symbol, feeds, backend, grads=True, out_grads=None):
    """``(outputs, gradients)`` of ``symbol`` at ``feeds`` (name -> array) on
    ``backend``; gradients (name -> array) only when ``grads``."""
    args = {name: sg.nd.array(np.array(value)) for name, value in feeds.items()}
    exe = symbol.bind(args=args, backend=backend, grad_req="write" if grads else "null")
    outputs = [out.asnumpy() for out in exe.forward(is_train=grads)]
    gradients = {}
    if grads and exe.grad_dict:
        exe.backward(out_grads)
        gradients = {name: g.asnumpy() for name, g in exe.grad_dict.items()}
    return outputs, gradients


def assert_runs_agree(got, want, loose=1.0):
    """Two ``run_executor`` results, ``(outputs, gradients)``, hold the same values."""
    assert len(got[0]) == len(want[0])
    for i, (actual, expected) in enumerate(zip(got[0], want[0])):
        assert_same(actual, expected, f"output {i}", loose)
    assert set(got[1]) == set(want[1])
    for name, expected in want[1].items():
        assert_same(got[1][name], expected, f"gradient of {name!r}", loose)


def compare_backends(symbol, feeds, grads=True, out_grads=None, loose=1.0, cpu="cpu"):
    """Run on ``cpu`` (``'cpu'`` or ``CompileOptions``) and on ``'reference'``
    and assert the results agree; returns the CPU's ``(outputs, gradients)``."""
    cpu = run_executor(symbol, feeds, cpu, grads, out_grads)
    assert_runs_agree(cpu, run_executor(symbol, feeds, "reference", grads, out_grads), loose)
    return cpu


@pytest.fixture(scope="session")
def assert_cpu_matches_reference():
    return compare_backends


@pytest.fixture(scope="session")
def same_values():
    return assert_same
