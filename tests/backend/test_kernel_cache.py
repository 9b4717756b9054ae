"""The on-disk kernel cache, across processes: a second process loads the
kernels a first one compiled (numba's cache hits, no misses), a corrupted
entry is rewritten or rebuilt instead of crashing, and ``SYMGRAPH_DUMP``
writes every kernel's source, readable.

Each process runs ``SCRIPT`` (a small graph, forward and backward) with
``SYMGRAPH_CACHE_DIR`` set to a temporary directory, and reports as JSON.
"""

import ast
import json
import os
import pathlib
import shutil
import subprocess
import sys

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]

SCRIPT = """
import json, pathlib, sys
import numpy as np
import symgraph as sg
from symgraph.backend.cpu import cache

x, w = sg.var("x"), sg.var("w")
# Several kernels, so that the median load time is a kernel's own.
symbol = (sg.tanh(x) * w).sum(axis=1) + sg.sigmoid(x).sum()
args = {"x": sg.nd.array(np.linspace(-1, 1, 12, dtype=np.float32).reshape(3, 4)),
        "w": sg.nd.array(np.linspace(0, 1, 4, dtype=np.float32))}
exe = symbol.bind(args=args, backend="cpu")
out = exe.forward(is_train=True)[0].asnumpy()
exe.backward()
modules = sorted(name for name in sys.modules if name.startswith("sgk_"))
kernels = [sys.modules[name].kernel for name in modules]
print(json.dumps({
    "modules": modules,
    "hits": sum(sum(k.stats.cache_hits.values()) for k in kernels),
    "misses": sum(sum(k.stats.cache_misses.values()) for k in kernels),
    "seconds": sorted(cache.compile_seconds.values()),
    "cache_dir": str(pathlib.Path(sys.modules[modules[0]].__file__).parent),
    "results": [out.tolist(), exe.grad_dict["x"].asnumpy().tolist(),
                exe.grad_dict["w"].asnumpy().tolist()],
}))
"""


def run_process(cache_dir, dump=None, script=SCRIPT):
    """Run ``script`` in a fresh interpreter; its report, or the failure."""
    env = {**os.environ, "SYMGRAPH_CACHE_DIR": str(cache_dir),
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    env.pop("SYMGRAPH_DUMP", None)
    if dump is not None:
        env["SYMGRAPH_DUMP"] = str(dump)
    done = subprocess.run([sys.executable, "-c", script], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"the process failed:\n{done.stderr[-3000:]}"
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def first(tmp_path_factory):
    """A cache filled by a first process (which also dumps its kernels)."""
    root = tmp_path_factory.mktemp("kernel-cache")
    report = run_process(root / "cache", dump=root / "dump")
    return root, report


def copy_of(first, tmp_path):
    """A private copy of the first process's cache, to corrupt."""
    root, report = first
    shutil.copytree(root / "cache", tmp_path / "cache")
    folder = tmp_path / "cache" / pathlib.Path(report["cache_dir"]).name
    return tmp_path / "cache", folder


def assert_same_results(report, first_report):
    for got, want in zip(report["results"], first_report["results"]):
        np.testing.assert_array_equal(np.array(got), np.array(want))


def test_first_process_compiles(first):
    _, report = first
    assert report["modules"] and report["misses"] > 0 and report["hits"] == 0


def test_second_process_loads_every_kernel_from_the_cache(first):
    root, cold = first
    warm = run_process(root / "cache")
    print(f"seconds per kernel: first process {cold['seconds']}, second {warm['seconds']}")
    assert warm["modules"] == cold["modules"]
    assert (warm["hits"], warm["misses"]) == (cold["misses"], 0)
    # the slowest load includes numba's one-time start; the median is a kernel's own
    assert np.median(warm["seconds"]) < np.median(cold["seconds"]) / 5
    assert_same_results(warm, cold)


@pytest.mark.parametrize("damage", ["truncate", "garble"])
def test_corrupted_kernel_source_is_rewritten(first, tmp_path, damage):
    cache, folder = copy_of(first, tmp_path)
    sources = sorted(folder.glob("sgk_*.py"))
    originals = {path: path.read_text() for path in sources}
    for path, text in originals.items():
        path.write_text(text[:len(text) // 2] if damage == "truncate"
                        else text.replace("kernel", "os.system('touch /tmp/owned')"))
    report = run_process(cache)
    assert_same_results(report, first[1])
    assert {path: path.read_text() for path in sources} == originals


@pytest.mark.parametrize("pattern, keep", [("*.nbi", 0), ("*.nbc", 0), ("*.nbc", 300)],
                         ids=["garbled-index", "garbled-data", "truncated-data"])
def test_corrupted_numba_cache_is_rebuilt(first, tmp_path, pattern, keep):
    cache, folder = copy_of(first, tmp_path)
    damaged = sorted((folder / "__pycache__").glob(pattern))
    assert damaged
    for path in damaged:
        path.write_bytes(path.read_bytes()[:keep] if keep else os.urandom(64))
    assert_same_results(run_process(cache), first[1])
    assert run_process(cache)["misses"] == 0  # rebuilt: the next process loads it all


STRICT = SCRIPT.replace('backend="cpu"', 'backend=sg.CompileOptions(strict=True)')


def test_unwritable_cache_directory_falls_back_or_refuses(first, tmp_path):
    """A cache directory that cannot be made (here: a file) sends kernels to a
    private directory; strict mode raises ``LoweringError`` instead."""
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("")
    report = run_process(blocked)
    assert_same_results(report, first[1])
    assert not report["cache_dir"].startswith(str(blocked))
    with pytest.raises(AssertionError, match="LoweringError: the kernel cache"):
        run_process(blocked, script=STRICT)


def test_dump_writes_every_kernel_readably(first):
    root, report = first
    dumped = {path.stem: path.read_text() for path in (root / "dump").glob("*.py")}
    assert sorted(dumped) == report["modules"]
    folder = pathlib.Path(report["cache_dir"])
    for name, text in dumped.items():
        assert text == (root / "cache" / folder.name / f"{name}.py").read_text()
        tree = ast.parse(text)
        assert [f.name for f in tree.body if isinstance(f, ast.FunctionDef)] == ["kernel"]
        header = [line for line in text.splitlines() if line.startswith("# ")]
        assert header and "kernel" in header[0]
    assert any("tanh" in text for text in dumped.values())
