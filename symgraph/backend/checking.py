"""Check mode's comparison: every value a compiled kernel wrote, against the
numpy reference computing the same graph on the same inputs, in schedule
order, so the first kernel that goes wrong is the one named. Every backend's
program calls it with host copies of what its kernels wrote."""

import numpy as np

from ..errors import CheckError
from ..graph.ir import Graph
from ..ops.registry import describe
from .reference import compute

_TOLERANCE = {"f": {4: (2e-3, 1e-5), 8: (1e-9, 1e-12)}}


def compare(plan, snapshots, feeds, run, phase):
    """Raise ``CheckError`` at the first kernel of ``phase`` whose results differ."""
    kernels = [k for k in plan.kernel_graph.kernels if k.phase == phase]
    values = [v for k in kernels for v in k.outputs if v in snapshots]
    needed = Graph(values)
    reference = compute(needed, {n.name: feeds[n.name] for n in needed.variables()},
                        plan.types, run)
    for kernel in kernels:
        for value in kernel.outputs:
            if value in snapshots and not _close(snapshots[value], reference[value]):
                got, want = snapshots[value], np.asarray(reference[value])
                worst = float(np.nanmax(np.abs(got.astype(np.float64) - want))) \
                    if got.size and got.dtype.kind in "fiu" else "-"
                raise CheckError(
                    f"kernel {kernel.name} computed {describe(value.node)} differently from "
                    f"the reference (largest difference {worst}; NaN there means a storage "
                    "was read after it was freed)")


def _close(got, want):
    want = np.asarray(want)
    if got.dtype.kind != "f":
        return np.array_equal(got, want)
    rtol, atol = _TOLERANCE["f"][got.dtype.itemsize]
    return np.allclose(got, want, rtol=rtol, atol=atol, equal_nan=True)
