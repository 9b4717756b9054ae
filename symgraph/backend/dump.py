"""``SYMGRAPH_DUMP=dir``: every generated kernel's source, CPU and CUDA alike,
written there readable under the name its backend loads it by. Files are
written to a temporary name and renamed, so a reader never sees half of one
(the CPU's disk cache writes its module files the same way)."""

import os
import pathlib
import tempfile


def dump(name, source):
    """Write ``source`` to ``$SYMGRAPH_DUMP/<name>.py`` when that is set."""
    folder = os.environ.get("SYMGRAPH_DUMP")
    if folder:
        os.makedirs(folder, exist_ok=True)
        write_atomically(pathlib.Path(folder) / f"{name}.py", source)


def write_atomically(path, text):
    """``text`` into ``path`` through a temporary file in the same folder."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".py")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
