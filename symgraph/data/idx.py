"""The IDX file format of MNIST and Fashion-MNIST, raw or gzipped.

    offset  bytes  meaning
    0       2      zero
    2       1      element type: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32,
                   0x0D float32, 0x0E float64 (big-endian)
    3       1      number of dimensions d
    4       4*d    each dimension, a big-endian uint32
    4+4d    ...    the elements, row-major

A file whose length does not match its header is reported, with both sizes.
"""

import gzip
import os

import numpy as np

from .errors import DataFormatError

_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_GZIP_MAGIC = b"\x1f\x8b"


def load_idx(path):
    """The array stored in the IDX file ``path`` (gzip is detected from the bytes)."""
    path = os.fspath(path)
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == _GZIP_MAGIC:
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as err:
            raise DataFormatError(f"{path}: damaged gzip data ({err})") from err
    return parse_idx(raw, path)


def parse_idx(raw, where="IDX data"):
    """The array in the IDX bytes ``raw``."""
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise DataFormatError(f"{where} is not an IDX file: it must start with two zero bytes")
    code, ndim = raw[2], raw[3]
    if code not in _TYPES:
        raise DataFormatError(f"{where}: unknown IDX element type 0x{code:02X}; known: "
                              + ", ".join(f"0x{c:02X}" for c in _TYPES))
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DataFormatError(f"{where} is truncated: its header needs {header} bytes, "
                              f"the file has {len(raw)}")
    shape = tuple(int(d) for d in np.frombuffer(raw, ">u4", count=ndim, offset=4))
    dtype = np.dtype(_TYPES[code])
    expected = header + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(raw) != expected:
        state = "truncated" if len(raw) < expected else "longer than its header says"
        raise DataFormatError(f"{where} is {state}: shape {shape} of {dtype.name} needs "
                              f"{expected} bytes, the file has {len(raw)}")
    values = np.frombuffer(raw, dtype, offset=header).reshape(shape)
    return values.astype(dtype.newbyteorder("="))
