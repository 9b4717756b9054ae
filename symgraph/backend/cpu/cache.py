"""The on-disk kernel cache: generated source becomes a real module file,
so numba's own cache (``cache=True``) stores the machine code beside it and
a second process loads kernels without compiling them.

    source ──hash(source, numba, CPU, symgraph's scalar code)──> sgk_<hash>.py
                                                 imported as the module sgk_<hash>

numba's cache works only for functions defined in a file that is imported
as a module under a name in ``sys.modules`` (not for ``exec``'d code), hence
the module files. Files are written to a temporary name and renamed, so two
processes compiling the same kernel at once are safe; a file whose text does
not match its name (truncated, edited) is rewritten, never trusted, and
numba's cache files of a kernel that fail to load are deleted and rebuilt. The
directory is ``SYMGRAPH_CACHE_DIR``, default ``~/.cache/symgraph``.
``SYMGRAPH_DUMP=dir`` also writes every kernel there, readable (``backend/dump.py``).
"""

import hashlib
import importlib.util
import os
import pathlib
import platform
import sys
import tempfile
import threading
import time

import numba

from ...errors import LoweringError
from ..dump import dump, write_atomically
from . import scalars

_loaded = {}
_lock = threading.Lock()
compile_seconds = {}  # module name -> seconds its first compile (or cache load) took


def cache_dir():
    root = os.environ.get("SYMGRAPH_CACHE_DIR") or os.path.join(
        os.path.expanduser("~"), ".cache", "symgraph")
    path = pathlib.Path(root) / f"numba-{numba.__version__}"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _code_fingerprint():
    """What else decides the machine code: the scalar library, numba, the CPU."""
    parts = [numba.__version__, platform.machine(), numba.config.CPU_NAME or "host"]
    folder = pathlib.Path(scalars.__file__).parent
    for name in ("scalars.py", "fastmath.py"):
        path = folder / name
        if path.exists():
            parts.append(hashlib.sha256(path.read_bytes()).hexdigest())
    return "\n".join(parts)


_FINGERPRINT = None


def module_name(source):
    global _FINGERPRINT
    if _FINGERPRINT is None:
        _FINGERPRINT = _code_fingerprint()
    digest = hashlib.sha256((_FINGERPRINT + "\n" + source).encode()).hexdigest()
    return f"sgk_{digest[:32]}"


def load_kernel(source, strict=False):
    """The ``kernel`` function that ``source`` defines, from this process's
    memory, the disk cache, or a fresh compile. If the cache directory cannot
    be written, kernels go to a private temporary directory (and numba
    compiles them in every process); ``strict`` raises instead."""
    name = module_name(source)
    with _lock:
        if name not in _loaded:
            _loaded[name] = _import(name, source, strict)
    return _loaded[name]


def _import(name, source, strict):
    try:
        folder = cache_dir()
        path = _cached_file(folder, name, source)
    except OSError as err:
        if strict:
            raise LoweringError(f"the kernel cache {err.filename or ''} cannot be written "
                                f"({err.strerror}); set SYMGRAPH_CACHE_DIR (strict mode)") from err
        path = _cached_file(_private_dir(), name, source)
    dump(name, source)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # numba's cache finds functions through sys.modules
    spec.loader.exec_module(module)
    return module.kernel


def _cached_file(folder, name, source):
    """The module file for ``source``, rewritten if missing or not what it should be."""
    path = folder / f"{name}.py"
    if not path.exists() or path.read_text(encoding="utf-8", errors="replace") != source:
        write_atomically(path, source)
    return path


_PRIVATE = []


def _private_dir():
    if not _PRIVATE:
        _PRIVATE.append(pathlib.Path(tempfile.mkdtemp(prefix="symgraph-kernels-")))
    return _PRIVATE[0]


def compile_for(kernel, args):
    """Compile (or load from numba's cache) ``kernel`` for the types of ``args``
    now, at bind time, so the first run does not pay for it."""
    signature = tuple(numba.typeof(a) for a in args)
    start = time.perf_counter()
    try:
        kernel.compile(signature)
    except Exception:
        # An unreadable cache entry (truncated, garbled) would fail in every later
        # process: delete it and compile afresh. An error of the compile itself
        # comes back from the second try.
        if not _forget_machine_code(kernel):
            raise
        kernel.compile(signature)
    compile_seconds[kernel.__module__] = time.perf_counter() - start


def _forget_machine_code(kernel):
    """Delete numba's cache files (index and data) for ``kernel``'s module;
    whether there were any."""
    files = list(pathlib.Path(kernel._cache.cache_path).glob(f"{kernel.__module__}.*"))
    for path in files:
        path.unlink(missing_ok=True)
    return bool(files)
