"""The CUDA backend's tests: run under numba's simulator
(``NUMBA_ENABLE_CUDASIM=1 python -m pytest tests/cuda``) or on a real GPU.
Without either, the whole folder is skipped, so the plain test run stays
fast. The simulator runs one Python thread per GPU thread: shapes here stay
at 16-32 per side.

``compare_gpu`` runs a symbol through executors on ``sg.gpu(0)`` and on the
reference backend and holds the results together.
"""

import importlib.util
import pathlib
import sys

import pytest

import symgraph as sg
from symgraph.backend.cuda import device


def _backend_helpers():
    """The CPU backend tests' executor runs and comparison (same shape and
    dtype, values close for the float width), loaded from their conftest by path."""
    path = pathlib.Path(__file__).resolve().parents[1] / "backend" / "conftest.py"
    spec = importlib.util.spec_from_file_location("symgraph_backend_test_helpers", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_helpers = _backend_helpers()
assert_runs_agree, run_executor = _helpers.assert_runs_agree, _helpers.run_executor


def pytest_collection_modifyitems(config, items):
    if device.available():
        return
    skip = pytest.mark.skip(reason="no CUDA device: set NUMBA_ENABLE_CUDASIM=1 or use a GPU")
    for item in items:
        if "tests/cuda" in str(item.fspath).replace("\\", "/"):
            item.add_marker(skip)


def pytest_configure(config):
    # The simulator computes with numpy scalars, which warn where the device
    # is silent (a uint64 product of the random hash wraps around on purpose;
    # log(0) is -inf), as does the reference on the same special values.
    if device.available():
        config.addinivalue_line("filterwarnings", "ignore::RuntimeWarning")
    if device.simulating():
        # A simulated block is Python threads meeting at barriers (syncthreads,
        # warp shuffles); with the default 5 ms between thread switches, each
        # barrier waits out running threads' slices. This makes the run ~3x faster.
        sys.setswitchinterval(2e-4)


@pytest.fixture
def compare_gpu():
    def compare(symbol, feeds, grads=True, loose=1.0):
        with sg.gpu(0):  # arrays and executor on the device
            gpu = run_executor(symbol, feeds, "cpu", grads)
        assert_runs_agree(gpu, run_executor(symbol, feeds, "reference", grads), loose)
        return gpu

    return compare
