"""Saving and loading graphs as versioned JSON.

A document lists the nodes in topological order, so every input refers to an
earlier node, and the symbol's outputs as heads::

    {"format": "symgraph", "version": 1,
     "nodes": [{"op": "var", "name": "x", "attrs": {...}, "inputs": []},
               {"op": "exp", "name": "exp0", "attrs": {}, "inputs": [[0, 0]]}],
     "heads": [[1, 0]]}

A node may also carry ``"origin"`` (the user-level node it was expanded from).
JSON has no tuples, infinities or arrays, so attribute tuples are written as
lists (read back as tuples, however deeply nested), non-finite floats as
``{"$float": "inf"}`` and constant arrays as ``{"$array": {"dtype", "shape",
"data"}}`` with flat data. The text is strict ASCII JSON any parser reads.

Loading trusts nothing: a file may be truncated, hand-edited or hostile. It is
parsed with ``json`` alone and every field is checked through the registry
rules ``apply`` uses (attribute specs, arity), so a loaded graph is one the
Symbol API could have built; each problem is a ``GraphFormatError`` saying
what is wrong and at which node.
"""

import contextlib
import json
import math
import os
import tempfile

import numpy as np

from .dtypes import SUPPORTED
from .errors import AttrError, GraphFormatError, InternalError
from .graph.ir import Node, Value
from .ops import registry
from .ops.source import ConstArray
from .symbol import Symbol

FORMAT = "symgraph"
VERSION = 1

_NON_FINITE = {"inf": math.inf, "-inf": -math.inf, "nan": math.nan}
_DTYPES = {dtype.name: dtype for dtype in SUPPORTED}


# ---- writing -------------------------------------------------------------------------

def to_json(symbol):
    """The graph behind ``symbol`` as a version-1 JSON document (a ``str``)."""
    graph = symbol.graph()  # refuses two variables of one name (GraphError)
    index = {node: i for i, node in enumerate(graph.nodes)}
    document = {
        "format": FORMAT,
        "version": VERSION,
        "nodes": [_node_record(node, index) for node in graph.nodes],
        "heads": [[index[value.node], value.index] for value in graph.outputs],
    }
    # ASCII output escapes every name, lone surrogates included, so any str round-trips.
    return json.dumps(document, allow_nan=False)


def _node_record(node, index):
    record = {
        "op": node.op,
        "name": node.name,
        "attrs": {key: _encode(value) for key, value in node.attrs.as_dict().items()},
        "inputs": [[index[value.node], value.index] for value in node.inputs],
    }
    if node.origin is not None:
        record["origin"] = node.origin
    return record


def _encode(value):
    """A canonical attribute value as JSON data (see the module docstring)."""
    if isinstance(value, tuple):
        return [_encode(item) for item in value]
    if isinstance(value, float) and not math.isfinite(value):
        return {"$float": repr(value)}  # 'inf', '-inf' or 'nan'
    if isinstance(value, ConstArray):
        array = value.array
        data = array.ravel().tolist()
        if array.dtype.kind == "f" and not np.isfinite(array).all():
            data = [_encode(item) for item in data]
        return {"$array": {"dtype": array.dtype.name, "shape": list(array.shape), "data": data}}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise InternalError(f"attribute value {value!r} ({type(value).__name__}) is not plain; "
                        "its AttrSpec should have canonicalized it")


# ---- reading -------------------------------------------------------------------------

def from_json(text):
    """Rebuild the Symbol that ``to_json`` wrote; ``GraphFormatError`` if ``text``
    is not a valid document."""
    try:
        return _rebuild(_parse(text))
    except RecursionError:
        raise GraphFormatError("the document nests too deeply") from None


load_json = from_json  # MXNet's name


def _parse(text):
    """Strict JSON, as ``to_json`` writes it: ``NaN`` and ``Infinity`` are refused."""
    if not isinstance(text, (str, bytes, bytearray)):
        raise GraphFormatError(f"a saved graph is JSON text (str or bytes), got "
                               f"{type(text).__name__}; pass what tojson() returned")
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except ValueError as err:  # JSONDecodeError, bytes that are not UTF-8, NaN
        raise GraphFormatError(f"not valid JSON: {err}") from None


def _reject_constant(token):
    raise ValueError(f"{token} is not a standard JSON value")


def _rebuild(document):
    _require(isinstance(document, dict), "the document is not a JSON object")
    _check_keys(document, {"format", "version", "nodes", "heads"}, "the document")
    _require(document["format"] == FORMAT, f"not a symgraph document: format is "
             f"{document['format']!r}, expected {FORMAT!r}")
    version = document["version"]
    _require(_is_int(version) and version >= 1, f"unsupported version {version!r}")
    _require(version <= VERSION, f"the document has version {version}, newer than this "
             f"symgraph reads (up to {VERSION}); upgrade symgraph to load it")
    records, heads = document["nodes"], document["heads"]
    _require(isinstance(records, list), "'nodes' must be a list")
    _require(isinstance(heads, list), "'heads' must be a list")
    nodes = []
    for i, record in enumerate(records):
        nodes.append(_node(i, record, nodes))
    _check_unique_variables(nodes)
    return Symbol([_value(ref, nodes, f"head {h}", earlier=False) for h, ref in enumerate(heads)])


def _node(i, record, earlier):
    """Node ``i`` of the document, checked; ``earlier`` holds the nodes before it."""
    _require(isinstance(record, dict), f"node {i} is not a JSON object")
    name = record.get("name")
    where = f"node {i} {name!r}" if isinstance(name, str) else f"node {i}"
    _check_keys(record, {"op", "name", "attrs", "inputs"}, where, optional={"origin"})
    _require(isinstance(name, str), f"{where}: name must be a string, got {name!r}")
    op_name, attrs, inputs = record["op"], record["attrs"], record["inputs"]
    origin = record.get("origin")
    _require(isinstance(op_name, str) and registry.exists(op_name),
             f"{where}: unknown op {op_name!r}")
    _require(isinstance(attrs, dict), f"{where}: attrs must be a JSON object")
    _require(isinstance(inputs, list), f"{where}: inputs must be a list")
    _require(origin is None or isinstance(origin, str),
             f"{where}: origin must be a string, got {origin!r}")
    op = registry.get(op_name)
    decoded = {key: _decode(value, f"{where}: attribute {key!r}") for key, value in attrs.items()}
    try:
        attrs = op.canonical_attrs(decoded, where)
        op.check_arity(len(inputs), attrs, where)
    except AttrError as err:
        raise GraphFormatError(str(err)) from None
    values = [_value(ref, earlier, f"{where}: input {j}", earlier=True)
              for j, ref in enumerate(inputs)]
    return Node(op_name, values, attrs, name, num_outputs=op.num_outputs, origin=origin)


def _value(ref, nodes, where, earlier):
    """The output that ``ref`` (a [node index, output index] pair) names among ``nodes``."""
    _require(isinstance(ref, list) and len(ref) == 2 and all(map(_is_int, ref)),
             f"{where}: {ref!r} is not a [node index, output index] pair")
    i, k = ref
    if not 0 <= i < len(nodes):
        scope = ("a node before it (inputs only refer back, which also rules out cycles)"
                 if earlier else f"one of the {len(nodes)} nodes")
        raise GraphFormatError(f"{where} refers to node {i}; it must refer to {scope}")
    node = nodes[i]
    _require(0 <= k < node.num_outputs,
             f"{where} refers to output {k} of node {i} {node.name!r} ({node.op}), "
             f"which has {node.num_outputs} output(s)")
    return Value(node, k)


def _decode(data, where):
    """JSON data back to a plain attribute value (the inverse of ``_encode``)."""
    if isinstance(data, list):
        return tuple(_decode(item, where) for item in data)
    if isinstance(data, dict):
        if data.keys() == {"$float"} and data["$float"] in _NON_FINITE:
            return _NON_FINITE[data["$float"]]
        if data.keys() == {"$array"}:
            return _decode_array(data["$array"], f"{where}: $array")
        raise GraphFormatError(f"{where}: an object must be {{\"$float\": \"inf\"|\"-inf\"|"
                               f"\"nan\"}} or {{\"$array\": ...}}, got keys {sorted(data)}")
    return data  # None, bool, int, float or str


def _decode_array(spec, where):
    _require(isinstance(spec, dict), f"{where} must be a JSON object")
    _check_keys(spec, {"dtype", "shape", "data"}, where)
    dtype, shape, data = spec["dtype"], spec["shape"], spec["data"]
    _require(isinstance(dtype, str) and dtype in _DTYPES,
             f"{where}: dtype {dtype!r} is not one of {', '.join(_DTYPES)}")
    _require(isinstance(shape, list) and all(_is_int(d) and d >= 0 for d in shape),
             f"{where}: shape must be a list of non-negative ints, got {shape!r}")
    _require(isinstance(data, list), f"{where}: data must be a list")
    # Compare counts before building anything, so a claimed size costs nothing.
    size = math.prod(shape)
    _require(len(data) == size,
             f"{where}: shape {tuple(shape)} needs {size} elements, data has {len(data)}")
    dtype, fits = _DTYPES[dtype], _element_test(_DTYPES[dtype])
    elements = [_decode(item, where) if isinstance(item, dict) else item for item in data]
    for item in elements:
        if not fits(item):
            raise GraphFormatError(f"{where}: element {item!r} does not fit dtype {dtype.name}")
    try:
        return ConstArray(np.array(elements, dtype=dtype).reshape(shape))
    except (ValueError, OverflowError) as err:  # absurd dimensions
        raise GraphFormatError(f"{where}: {err}") from None


def _element_test(dtype):
    """Whether a JSON value is an element of ``dtype`` as written: no bool where
    numbers belong, no float where ints do, nothing out of range (numpy would
    wrap an int and turn a float into inf). ``type() is`` keeps bools out of ints."""
    if dtype.kind == "b":
        return lambda item: type(item) is bool
    if dtype.kind == "f":
        top = float(np.finfo(dtype).max)
        return lambda item: type(item) in (int, float) and (
            abs(item) <= top or (type(item) is float and not math.isfinite(item)))
    low, high = int(np.iinfo(dtype).min), int(np.iinfo(dtype).max)
    return lambda item: type(item) is int and low <= item <= high


# ---- checks of loaded documents ---------------------------------------------------------

def _check_unique_variables(nodes):
    """Arguments are bound by name, so two variables may not share one."""
    first = {}
    for i, node in enumerate(nodes):
        if node.op != "var":
            continue
        if node.name in first:
            raise GraphFormatError(f"node {i} {node.name!r}: variable name already used by "
                                   f"node {first[node.name]}; variable names must be unique")
        first[node.name] = i


def _check_keys(record, required, where, optional=frozenset()):
    missing = required - record.keys()
    _require(not missing, f"{where} is missing {', '.join(sorted(missing))}")
    unknown = record.keys() - required - optional
    _require(not unknown, f"{where} has unknown key(s) {', '.join(sorted(map(repr, unknown)))}")


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _require(condition, message):
    if not condition:
        raise GraphFormatError(message)


# ---- files ---------------------------------------------------------------------------

def save(symbol, path):
    """Write ``symbol`` to ``path`` atomically: a reader sees the old file or the
    whole new one, never a half-written file, even if this process dies."""
    text = to_json(symbol)  # fails before any file is touched
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"cannot save to {os.fsdecode(path)}: directory {directory} "
                                "does not exist")
    tmp = tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=directory, prefix=".symgraph-",
                                      suffix=".tmp", delete=False)
    try:
        with tmp:
            tmp.write(text)
            tmp.flush()
            os.fsync(tmp.fileno())
        os.replace(tmp.name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp.name)
        raise


def load(path):
    """The Symbol saved at ``path``; ``GraphFormatError`` naming the path if the file
    is not a valid document (``OSError`` if it cannot be read)."""
    shown = os.fsdecode(path)
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except UnicodeDecodeError as err:
        raise GraphFormatError(f"{shown}: not UTF-8 text ({err.reason} at byte {err.start})") \
            from None
    try:
        return from_json(text)
    except GraphFormatError as err:
        raise GraphFormatError(f"{shown}: {err}") from None
