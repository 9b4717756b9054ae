"""Parameters on disk: ``.npz`` files, written atomically, read without pickle.

``save_params`` writes to a temporary file beside the target, flushes it to
disk and renames it over the target, so a crash leaves the old file or the
new one, never half of one. ``load_params`` reads with
``allow_pickle=False`` and turns every sign of a damaged file (truncated,
bytes changed: the zip checksums catch it, an array that is not plain
numbers) into a ``DataFormatError`` naming the file; ``check_params`` says
which names and shapes differ from what a network expects.
"""

import os
import tempfile
import zipfile

import numpy as np

from ..errors import BindError
from ..data.errors import DataFormatError


def save_params(path, params):
    """Write ``params`` (name -> array or NDArray) to ``path`` as ``.npz``."""
    path = os.fspath(path)
    arrays = {name: np.asarray(value) for name, value in params.items()}
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".params-", suffix=".npz.tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def load_params(path):
    """The arrays saved in ``path``, by name."""
    path = os.fspath(path)
    try:
        with np.load(path, allow_pickle=False) as archive:
            if not isinstance(archive, np.lib.npyio.NpzFile):
                raise DataFormatError(f"{path} holds one array, not a parameter file (.npz)")
            return {name: archive[name] for name in archive.files}
    except DataFormatError:
        raise
    except FileNotFoundError:
        raise
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, KeyError) as err:
        raise DataFormatError(f"{path} is not a readable parameter file: it is truncated, "
                              f"damaged or not an .npz file ({type(err).__name__}: {err})") from err


def check_params(loaded, expected, path="the parameter file"):
    """Raise ``BindError`` unless ``loaded`` (name -> array) has exactly the
    names of ``expected`` (name -> shape, or ``None`` for any shape), with the
    same shapes."""
    missing = sorted(set(expected) - set(loaded))
    extra = sorted(set(loaded) - set(expected))
    wrong = [f"{name}: file {tuple(loaded[name].shape)}, network {tuple(expected[name])}"
             for name in expected if name in loaded and expected[name] is not None
             and tuple(loaded[name].shape) != tuple(expected[name])]
    problems = []
    if missing:
        problems.append(f"missing {missing}")
    if extra:
        problems.append(f"not in the network {extra}")
    if wrong:
        problems.append("shapes differ: " + "; ".join(wrong))
    if problems:
        raise BindError(f"{path} does not match the network: " + ", ".join(problems))
    bad = [name for name, value in loaded.items() if not np.issubdtype(value.dtype, np.number)]
    if bad:
        raise DataFormatError(f"{path}: {bad} are not numeric arrays")
