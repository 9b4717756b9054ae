"""Tests of ``symgraph.serialize``: exact round trips of every registered op,
names and attribute values JSON cannot hold as-is, atomic files, and a table
of malformed documents that must each fail with a clear ``GraphFormatError``."""

import json
import math
import os

import numpy as np
import pytest

import symgraph as sg
from symgraph import serialize
from symgraph.dtypes import SUPPORTED
from symgraph.errors import GraphFormatError
from symgraph.graph.ir import Node
from symgraph.ops import registry
from symgraph.build import apply

SOURCE_OPS = ("var", "const")  # built by sg.var and by constants, tested on their own

# Example attributes for every registered op: one node is built per dict. When an
# op is added, add it here; test_every_registered_op_has_an_example fails until then.
_DEFAULTS = [{}]
EXAMPLE_ATTRS = {
    # elementwise.py
    **dict.fromkeys([
        "negative", "exp", "log", "log1p", "expm1", "sqrt", "square", "abs", "sign", "tanh",
        "sigmoid", "relu", "softplus", "sin", "cos", "zeros_like", "ones_like",
        "add", "subtract", "multiply", "divide", "power", "maximum", "minimum",
        "equal", "not_equal", "greater", "greater_equal", "less", "less_equal", "where",
    ], _DEFAULTS),
    "cast": [{"dtype": "float64"}, {"dtype": np.int8}],
    "clip": [{"a_min": -math.inf, "a_max": 2}, {"a_min": -0.0}, {}],
    # reduce.py
    **dict.fromkeys(["sum", "mean", "prod", "max", "min"],
                    [{}, {"axis": 1}, {"axis": (0, -1), "keepdims": True}]),
    **dict.fromkeys(["argmax", "argmin"], [{}, {"axis": -1, "keepdims": True}]),
    "sum_to_like": _DEFAULTS,
    # indexing.py: slice specs are nested tuples holding None
    **dict.fromkeys(["slice", "unslice"], [
        {"index": (("s", 1, None, 2), ("i", 0))},
        {"index": (("...",), ("new",), ("s", None, -1, None))},
    ]),
    **dict.fromkeys(["take", "take_backward"], [{}, {"axis": -1}]),
    "one_hot": [{"depth": 4}, {"depth": 3, "on_value": 5.0, "off_value": -1.0, "dtype": "int32"}],
    # layout.py
    "transpose": [{}, {"axes": (1, 0)}],
    "swapaxes": [{"axis1": 0, "axis2": -1}],
    "reshape": [{"shape": (3, -1)}, {"shape": 6}],
    "expand_dims": [{"axis": 0}],
    "squeeze": [{}, {"axis": (0,)}],
    "broadcast_to": [{"shape": (4, 2, 3)}],
    **dict.fromkeys(["reshape_like", "flatten", "broadcast_like"], _DEFAULTS),
    "unreduce": [{}, {"axis": (1,), "keepdims": True}],
    "size_of": [{}, {"axis": 0, "dtype": "int64"}],
    "concat": [{}, {"axis": 1}],
    "concat_part": [{"axis": 1, "index": 0}],
    "stack": [{"axis": -1}],
    # linalg.py
    **dict.fromkeys(["matmul", "dot"], _DEFAULTS),
    # random.py: with a shape the op has no input
    "random_uniform": [{}, {"low": -1.0, "high": 1.0, "shape": (2, 3), "seed": 7}],
    "random_normal": [{}, {"loc": 1.0, "scale": 0.5, "shape": (5,), "dtype": "float64"}],
    # nn.py and losses.py
    "FullyConnected": [{"num_hidden": 4}, {"num_hidden": 2, "no_bias": True, "flatten": False}],
    "Activation": [{"act_type": "relu"}, {"act_type": "softrelu"}],
    "Dropout": [{}, {"p": 0.25, "seed": 3}],
    **dict.fromkeys(["softmax", "log_softmax"], [{}, {"axis": 0}]),
    **dict.fromkeys(["l2_loss", "l1_loss", "sigmoid_binary_cross_entropy"], _DEFAULTS),
    "softmax_cross_entropy": [{}, {"sparse_label": False}],
    "SoftmaxOutput": [{}, {"grad_scale": 0.5, "normalization": "batch"},
                      {"normalization": "valid", "use_ignore": True, "ignore_label": 0.0}],
    **dict.fromkeys(["LinearRegressionOutput", "LogisticRegressionOutput"],
                    [{}, {"grad_scale": 2.0}]),
}


def example_symbols(op):
    """One symbol per example of ``op``, over fresh variables (inputs an op
    creates itself, such as a layer's weight, are left for it to create)."""
    if op.name not in EXAMPLE_ATTRS:
        pytest.fail(f"no example attrs for op {op.name!r}; add it to EXAMPLE_ATTRS")
    symbols = []
    for k, attrs in enumerate(EXAMPLE_ATTRS[op.name]):
        arity = op.expected_arity(op.canonical_attrs(attrs, op.name))
        inputs = [None if j in op.auto_inputs else sg.var(f"{op.name}{k}_in{j}", shape=(2, 3))
                  for j in range(2 if arity is None else arity)]
        symbols.append(apply(op.name, inputs, attrs))
    return symbols


COMPUTING_OPS = [op for op in registry.all_ops() if op.name not in SOURCE_OPS]


def exact(value):
    """``value`` in a form that compares equal only to an identical value:
    1 != 1.0 != True, -0.0 != 0.0, nan == nan, tuples stay tuples."""
    if isinstance(value, tuple):
        return ("tuple", tuple(exact(item) for item in value))
    if isinstance(value, float):
        return ("float", repr(value))
    return (type(value).__name__, value)  # a ConstArray compares dtype, shape and bytes


def structure(symbol):
    """Per node in topological order: op, name, exact attrs, origin, inputs; then heads."""
    graph = symbol.graph()
    index = {node: i for i, node in enumerate(graph.nodes)}
    nodes = [
        (node.op, node.name, exact(tuple(node.attrs)), node.origin, node.num_outputs,
         [(index[v.node], v.index) for v in node.inputs])
        for node in graph.nodes
    ]
    return nodes, [(index[v.node], v.index) for v in graph.outputs]


def assert_round_trip(symbol):
    text = serialize.to_json(symbol)
    json.loads(text, parse_constant=pytest.fail)  # strict JSON: no NaN/Infinity tokens
    loaded = serialize.from_json(text)
    assert structure(loaded) == structure(symbol)
    assert loaded.list_arguments() == symbol.list_arguments()
    assert loaded.list_outputs() == symbol.list_outputs()
    assert serialize.to_json(loaded) == text
    return loaded


# ---- round trips ---------------------------------------------------------------------

def test_every_registered_op_has_an_example():
    missing = [op.name for op in COMPUTING_OPS if op.name not in EXAMPLE_ATTRS]
    assert not missing, f"add example attrs for {missing} to EXAMPLE_ATTRS"
    stale = [name for name in EXAMPLE_ATTRS if not registry.exists(name)]
    assert not stale, f"EXAMPLE_ATTRS names ops that are not registered: {stale}"


@pytest.mark.parametrize("op", COMPUTING_OPS, ids=lambda op: op.name)
def test_round_trip_of_each_op(op):
    for symbol in example_symbols(op):
        assert_round_trip(symbol)


def test_round_trip_of_all_ops_in_one_graph(tmp_path):
    """Every example as one multi-output graph, through a file, plus operators."""
    x = sg.var("x", shape=(2, 3), dtype="float32")
    y = sg.var("y", shape=(None, 3))
    arithmetic = [x + y, x - 1, 2.5 * x, x / y, x ** 2, -x, abs(y), x == y, x != y,
                  x > y, x >= 0, x < y, x <= y]
    symbol = sg.group([s for op in COMPUTING_OPS for s in example_symbols(op)] + arithmetic)
    path = tmp_path / "all.json"
    serialize.save(symbol, path)
    loaded = serialize.load(path)
    assert structure(loaded) == structure(symbol)
    assert loaded.list_outputs() == symbol.list_outputs()


def test_shared_nodes_and_group_heads_round_trip():
    x = sg.var("x")
    shared = x * x
    assert_round_trip(sg.group(shared + 1, shared - 1, shared, x))


@pytest.mark.parametrize("name", [
    'quote"d', "it's", "new\nline\r\n", "tab\tend", "`x); import os", "__import__('os')",
    "emoji 🎉🧠", "ünïcödé 名前", "back\\slash", "nul\x00byte", "lone \ud800 surrogate",
    "", " ", "{\"$float\": \"inf\"}", "$array",
])
def test_any_name_round_trips_exactly(name, tmp_path):
    x = sg.var(name, shape=(2,))
    y = apply("exp", (x,), {}, name=name + "_exp")
    symbol = sg.group(y, x)
    assert_round_trip(symbol)
    serialize.save(symbol, tmp_path / "g.json")
    loaded = serialize.load(tmp_path / "g.json")
    assert loaded.list_arguments() == [name]
    assert [n.name for n in loaded.graph().nodes] == [name, name + "_exp"]


def test_non_finite_attrs_are_strict_json():
    x = sg.var("x")
    symbol = sg.group(apply("clip", (x,), {"a_min": -math.inf, "a_max": math.inf}),
                      x * math.nan)
    text = serialize.to_json(symbol)
    assert "Infinity" not in text and "NaN" not in text
    assert '{"$float": "-inf"}' in text and '{"$float": "nan"}' in text
    loaded = assert_round_trip(symbol)
    clip = [n for n in loaded.graph().nodes if n.op == "clip"][0]
    assert clip.attrs["a_min"] == -math.inf and clip.attrs["a_max"] == math.inf


def test_nested_tuples_come_back_as_tuples():
    spec = (("s", 1, None, 2), ("i", 0), ("new",), ((), (1.5, (True, "x"))))
    x = sg.var("x", shape=(4, None), init=("normal", (0.0, 0.01)), attr={"spec": spec})
    loaded = assert_round_trip(x + 1)
    var = loaded.graph().nodes[0]
    assert var.attrs["user"] == (("spec", spec),)
    assert var.attrs["init"] == ("normal", (0.0, 0.01))
    assert var.attrs["shape"] == (4, None)


def test_origin_round_trips():
    x = sg.var("x")
    node = Node("exp", (x.value,), {}, "fc1_exp", origin="fc1 (FullyConnected)")
    loaded = assert_round_trip(sg.Symbol(node.outputs))
    assert loaded.graph().nodes[-1].origin == "fc1 (FullyConnected)"


def _arrays():
    """Arrays of every supported dtype holding its awkward values, in three shapes."""
    for dtype in SUPPORTED:
        if dtype.kind == "b":
            values = [True, False, True, False, False, True]
        elif dtype.kind == "f":
            values = [-0.0, math.inf, -math.inf, math.nan, 1 / 3, np.finfo(dtype).tiny / 2]
        else:
            values = [np.iinfo(dtype).min, np.iinfo(dtype).max, 0, 1, 2, 3]
        full = np.array(values, dtype=dtype)
        yield full.reshape(2, 3)
        yield full[:1].reshape(())
        yield np.zeros((0, 3), dtype=dtype)


@pytest.mark.parametrize("array", list(_arrays()),
                         ids=lambda a: f"{a.dtype.name}{list(a.shape)}")
def test_const_arrays_round_trip_with_dtype(array):
    loaded = assert_round_trip(sg.var("x") + array)
    const = [n for n in loaded.graph().nodes if n.op == "const"][0].attrs["value"].array
    assert const.dtype == array.dtype and const.shape == array.shape
    assert const.tobytes() == array.tobytes()


@pytest.mark.parametrize("scalar", [2, -0.0, 0.1, 2 ** 70, True, 1e308])
def test_scalar_constants_keep_their_python_type(scalar):
    assert_round_trip(sg.var("x") * scalar)


def test_symbol_methods_use_serialize(tmp_path):
    symbol = sg.var("x") + 1
    assert symbol.tojson() == serialize.to_json(symbol)
    symbol.save(tmp_path / "g.json")
    assert structure(serialize.load(tmp_path / "g.json")) == structure(symbol)
    assert serialize.load_json is serialize.from_json


def test_duplicate_variable_names_are_refused_on_save(tmp_path):
    symbol = sg.var("x") + sg.var("x")
    with pytest.raises(sg.GraphError, match="two different variables are named 'x'"):
        serialize.save(symbol, tmp_path / "g.json")
    assert os.listdir(tmp_path) == []


# ---- files ---------------------------------------------------------------------------

def test_save_is_atomic_and_leaves_no_temp_file(tmp_path):
    path = tmp_path / "g.json"
    path.write_text("old")
    serialize.save(sg.var("x") + 1, path)
    assert os.listdir(tmp_path) == ["g.json"]
    assert json.loads(path.read_text())["format"] == "symgraph"


def test_failed_save_keeps_the_old_file_and_removes_the_temp_file(tmp_path, monkeypatch):
    path = tmp_path / "g.json"
    path.write_text("old")

    def fail(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(serialize.os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        serialize.save(sg.var("x") + 1, path)
    assert os.listdir(tmp_path) == ["g.json"]
    assert path.read_text() == "old"


def test_load_names_the_path_of_a_bad_file(tmp_path):
    binary = tmp_path / "binary.json"
    binary.write_bytes(b'{"format": "\xff\xfe"}')
    with pytest.raises(GraphFormatError, match=r"binary\.json: not UTF-8 text"):
        serialize.load(binary)
    text = tmp_path / "text.json"
    text.write_text("hello")
    with pytest.raises(GraphFormatError, match=r"text\.json: not valid JSON"):
        serialize.load(text)
    wrong = tmp_path / "wrong.json"
    wrong.write_text('{"format": "onnx", "version": 1, "nodes": [], "heads": []}')
    with pytest.raises(GraphFormatError, match=r"wrong\.json: not a symgraph document"):
        serialize.load(wrong)
    with pytest.raises(FileNotFoundError):
        serialize.load(tmp_path / "missing.json")


# ---- malformed documents -------------------------------------------------------------

@pytest.mark.parametrize("text, message", [
    ("{", "not valid JSON"),
    ("", "not valid JSON"),
    ('{"format": NaN}', "not valid JSON: NaN is not a standard JSON value"),
    (b'\xff\xfe\x00', "not valid JSON"),
    ("[1, 2]", "not a JSON object"),
    ("[" * 100_000 + "]" * 100_000, "nests too deeply"),
    ({"format": "symgraph"}, r"JSON text \(str or bytes\), got dict"),
    (None, "got NoneType"),
])
def test_text_that_is_not_a_document(text, message):
    with pytest.raises(GraphFormatError, match=message):
        serialize.from_json(text)


def base_document():
    """x(0) w(1) multiply(2) const(3) add(4) cast(5) clip(6); heads [[6, 0]]."""
    x = sg.var("x", shape=(2, 3))
    w = sg.var("w", dtype="float32")
    total = x * w + np.ones((2, 3), dtype=np.float32)
    y = apply("clip", (apply("cast", (total,), {"dtype": "float64"}),), {"a_min": 0.0})
    document = json.loads(serialize.to_json(y))
    assert [n["op"] for n in document["nodes"]] == [
        "var", "var", "multiply", "const", "add", "cast", "clip"]
    return document


def node(document, op):
    return next(n for n in document["nodes"] if n["op"] == op)


def array(document):
    return node(document, "const")["attrs"]["value"]["$array"]


MUL = r"node 2 'multiply\d+'"
MALFORMED = {
    "wrong format": (lambda d: d.update(format="mxnet"), "not a symgraph document"),
    "future version": (lambda d: d.update(version=2), "version 2, newer than this symgraph"),
    "string version": (lambda d: d.update(version="1"), "unsupported version '1'"),
    "bool version": (lambda d: d.update(version=True), "unsupported version True"),
    "missing heads": (lambda d: d.pop("heads"), "document is missing heads"),
    "unknown key": (lambda d: d.update(extra=1), "unknown key.*'extra'"),
    "nodes not a list": (lambda d: d.update(nodes={}), "'nodes' must be a list"),
    "node not an object": (lambda d: d["nodes"].__setitem__(2, [1]), "node 2 is not a JSON object"),
    "node missing op": (lambda d: node(d, "multiply").pop("op"), MUL + " is missing op"),
    "node missing name": (lambda d: node(d, "multiply").pop("name"), "node 2 is missing name"),
    "unknown op": (lambda d: node(d, "multiply").update(op="frobnicate"),
                   MUL + ": unknown op 'frobnicate'"),
    "name not a string": (lambda d: node(d, "multiply").update(name=5), "name must be a string"),
    "origin not a string": (lambda d: node(d, "multiply").update(origin=[1]),
                            "origin must be a string"),
    "attrs not an object": (lambda d: node(d, "multiply").update(attrs=[]),
                            "attrs must be a JSON object"),
    "bad attr type": (lambda d: node(d, "clip")["attrs"].update(a_min="abc"),
                      r"node 6 'clip\d+': clip.a_min must be a number, got 'abc'"),
    "bad dtype attr": (lambda d: node(d, "cast")["attrs"].update(dtype="complex64"),
                       "cast.dtype complex64 is not supported"),
    "missing required attr": (lambda d: node(d, "cast")["attrs"].pop("dtype"),
                              "cast.dtype is required"),
    "unknown attr": (lambda d: node(d, "multiply")["attrs"].update(bogus=1),
                     "multiply has no attribute bogus"),
    "unknown attr object": (lambda d: node(d, "clip")["attrs"].update(a_min={"$set": 1}),
                            r"attribute 'a_min': an object must be"),
    "bad $float": (lambda d: node(d, "clip")["attrs"].update(a_min={"$float": "1e999"}),
                   "an object must be"),
    "input points forward": (lambda d: node(d, "multiply")["inputs"].__setitem__(0, [5, 0]),
                             MUL + ": input 0 refers to node 5; it must refer to a node before"),
    "input points to itself": (lambda d: node(d, "multiply")["inputs"].__setitem__(1, [2, 0]),
                               "input 1 refers to node 2;.*rules out cycles"),
    "negative input": (lambda d: node(d, "multiply")["inputs"].__setitem__(0, [-1, 0]),
                       "refers to node -1"),
    "output out of range": (lambda d: node(d, "multiply")["inputs"].__setitem__(0, [0, 1]),
                            "refers to output 1 of node 0 'x' \\(var\\), which has 1 output"),
    "input not a pair": (lambda d: node(d, "multiply")["inputs"].__setitem__(0, [0]),
                         r"input 0: \[0\] is not a \[node index, output index\] pair"),
    "input index a string": (lambda d: node(d, "multiply")["inputs"].__setitem__(0, ["0", 0]),
                             "is not a .node index, output index. pair"),
    "input index a bool": (lambda d: node(d, "multiply")["inputs"].__setitem__(0, [True, 0]),
                           "is not a .node index, output index. pair"),
    "inputs not a list": (lambda d: node(d, "multiply").update(inputs=None),
                          "inputs must be a list"),
    "too few inputs": (lambda d: node(d, "multiply")["inputs"].pop(),
                       MUL + ": multiply takes 2 inputs, got 1"),
    "var with an input": (lambda d: d["nodes"][1]["inputs"].append([0, 0]),
                          "var takes 0 inputs, got 1"),
    "duplicate var names": (lambda d: d["nodes"][1].update(name="x"),
                            "node 1 'x': variable name already used by node 0"),
    "head out of range": (lambda d: d.update(heads=[[99, 0]]),
                          "head 0 refers to node 99; it must refer to one of the 7 nodes"),
    "head output out of range": (lambda d: d.update(heads=[[6, 3]]), "refers to output 3"),
    "heads not a list": (lambda d: d.update(heads=6), "'heads' must be a list"),
    "array dtype": (lambda d: array(d).update(dtype="complex128"),
                    r"\$array: dtype 'complex128' is not one of"),
    "array dtype spelling": (lambda d: array(d).update(dtype="<f4"), "dtype '<f4' is not one"),
    "array too short": (lambda d: array(d)["data"].pop(),
                        r"shape \(2, 3\) needs 6 elements, data has 5"),
    "array claims too much": (lambda d: array(d).update(shape=[10 ** 9, 10 ** 9]),
                              "needs 1000000000000000000 elements, data has 6"),
    "array negative dim": (lambda d: array(d).update(shape=[-2, -3]), "non-negative ints"),
    "array missing data": (lambda d: array(d).pop("data"), r"\$array is missing data"),
    "array element string": (lambda d: array(d)["data"].__setitem__(0, "1"),
                             "element '1' does not fit dtype float32"),
    "array element nested": (lambda d: array(d)["data"].__setitem__(0, [1.0]),
                             r"element \[1.0\] does not fit"),
    "array bool in floats": (lambda d: array(d)["data"].__setitem__(0, True),
                             "element True does not fit dtype float32"),
    "array float in ints": (lambda d: array(d).update(dtype="int32"),
                            "element 1.0 does not fit dtype int32"),
    "array int overflow": (lambda d: array(d).update(dtype="int8", data=[300] * 6),
                           "element 300 does not fit dtype int8"),
    "array negative uint": (lambda d: array(d).update(dtype="uint8", data=[-1] * 6),
                            "element -1 does not fit dtype uint8"),
    "array float too big": (lambda d: array(d)["data"].__setitem__(0, 1e300),
                            "element 1e\\+300 does not fit dtype float32"),
    "array int too big for float": (lambda d: array(d)["data"].__setitem__(0, 10 ** 40),
                                    "element 10+ does not fit dtype float32"),
    "array absurd dims": (lambda d: array(d).update(shape=[2 ** 62, 2 ** 62, 0], data=[]),
                          r"\$array: (cannot reshape|.*dimension)"),
    "deeply nested attr": (lambda d: node(d, "var")["attrs"].update(init=nested(600)),
                           "nests too deeply"),
}


def nested(depth):
    value = []
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize("mutate, message", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_document(mutate, message):
    document = base_document()
    serialize.from_json(json.dumps(document))  # the unmodified document loads
    mutate(document)
    with pytest.raises(GraphFormatError, match=message):
        serialize.from_json(json.dumps(document))
