"""How to compile: the backend and its modes, given as ``backend=`` wherever
symgraph compiles (``simple_bind``, ``bind``, ``compile_step``).

``backend`` may be a name (``"cpu"``, ``"reference"``) or a ``CompileOptions``
for the modes: ``check`` (prove the memory plan, poison freed storages with
NaN, compare every kernel's result with the reference backend and name the
first node that differs; also turned on by ``SYMGRAPH_CHECK=1``), ``strict``
(raise instead of falling back: an op without a kernel of its own, a kernel
that cannot be cached), ``profile`` (time every kernel), and ``math``
(``"fast"`` vectorizable polynomials or ``"exact"`` libm).
"""

import os
from dataclasses import dataclass, replace

BACKENDS = ("cpu", "reference")


@dataclass(frozen=True)
class CompileOptions:
    backend: str = "cpu"
    math: str = "fast"
    check: bool = False
    strict: bool = False
    profile: bool = False

    def __post_init__(self):
        if self.backend not in BACKENDS:
            raise ValueError(f"unknown backend {self.backend!r}; available: "
                             f"{', '.join(map(repr, BACKENDS))}")
        if self.math not in ("fast", "exact"):
            raise ValueError(f"math must be 'fast' or 'exact', got {self.math!r}")


def compile_options(backend):
    """``backend`` (a name or ``CompileOptions``) as ``CompileOptions``, with
    ``SYMGRAPH_CHECK=1`` turning check mode on."""
    options = backend if isinstance(backend, CompileOptions) else CompileOptions(backend)
    if os.environ.get("SYMGRAPH_CHECK", "") not in ("", "0"):
        options = replace(options, check=True)
    return options
