"""Every registered op compiled for the CPU (``backend='cpu'``) against the
reference backend, through executors: forward outputs, and for float cases
the gradients of every float input too.

The examples come from the op table (``tests/ops/cases.py``). Compiling
every example would take minutes (each distinct kernel costs numba ~0.2 s
on a cold cache), so ``select`` keeps up to three per op: its first example,
then examples that show a feature the kept ones do not (broadcasting against
a row or column vector or a scalar, size 0, 0-d, a negative axis, float64)
while fewer than ``QUOTA[feature]`` kept examples show it (size-0 examples
mostly reuse the kernels of non-empty ones, so their quota is large; layout,
gather and random ops compile almost nothing, so they keep every new feature).
``test_selection_covers_every_op_and_feature`` fails for a registered op
without an example and checks that every feature is exercised by several ops.

Then: mixed dtypes, broadcast patterns of one fused chain, and indices out of
range (an ``OutOfRangeError``, never a crash).
"""

from collections import Counter

import numpy as np
import pytest

import symgraph as sg
from symgraph.backend.cpu import gathers, sampling
from symgraph.backend.reference import evaluate
from symgraph.ops import registry
from symgraph.ops.registry import Kind

from ops.cases import CASES, SOURCE_OPS

# Ops whose examples compile no fused kernel of their own (views, gathers,
# joins, random numbers): cheap, so they keep more examples.
_CHEAP = (Kind.LAYOUT, Kind.OPAQUE, Kind.RANDOM)
_AXIS_ATTRS = ("axis", "axes", "axis1", "axis2")
# How many examples showing a feature are kept, beyond the ops' first examples
# and the cheap ops' examples.
QUOTA = {"broadcast": 3, "float64": 3, "0-d": 3, "negative axis": 3, "size-0": 16}


def features(case):
    """What an example exercises beyond the plain case (see the module doc)."""
    arrays = [x for x in case.inputs if isinstance(x, np.ndarray)]
    found = set()
    if registry.get(case.op).kind == Kind.ELEMWISE and len(case.inputs) > 1 and (
            len({x.shape for x in arrays}) > 1 or len(arrays) < len(case.inputs)):
        found.add("broadcast")
    if any(x.size == 0 for x in arrays):
        found.add("size-0")
    if any(x.ndim == 0 for x in arrays) or case.expected().ndim == 0:
        found.add("0-d")
    if any(x.dtype == np.float64 for x in arrays):
        found.add("float64")
    for name in _AXIS_ATTRS:
        axes = case.attrs.get(name)
        axes = axes if isinstance(axes, tuple) else (axes,)
        if any(isinstance(a, int) and a < 0 for a in axes):
            found.add("negative axis")
    return found


def select(cases):
    """A few examples per op, as the module docstring says, in table order."""
    chosen, shown = {}, Counter()
    for case in cases:
        if case.bug:
            continue
        mine = chosen.setdefault(case.op, [])
        cheap = registry.get(case.op).kind in _CHEAP
        new = features(case) - set().union(*map(features, mine))
        wanted = {f for f in new if cheap or shown[f] < QUOTA[f]}
        if not mine or (wanted and len(mine) < 3):
            mine.append(case)
            shown.update(features(case))
    return [case for mine in chosen.values() for case in mine]


SELECTED = select(CASES)


def differentiable(case):
    """Gradients are compared where the output is float and not random."""
    return case.sample_range is None and case.expected().dtype.kind == "f"


def test_selection_covers_every_op_and_feature():
    covered = {case.op for case in SELECTED}
    missing = [op.name for op in registry.all_ops() if op.name not in SOURCE_OPS | covered]
    assert not missing, f"no example of {missing}: add one to tests/ops/cases_*.py"
    shown = {}
    for case in SELECTED:
        for feature in features(case):
            shown.setdefault(feature, set()).add(case.op)
    assert {f: len(ops) >= 3 for f, ops in shown.items()} == dict.fromkeys(
        ("broadcast", "size-0", "0-d", "float64", "negative axis"), True)
    assert any(differentiable(case) for case in SELECTED)


@pytest.mark.parametrize("case", SELECTED, ids=lambda case: case.id)
def test_op_matches_reference(case, assert_cpu_matches_reference):
    assert_cpu_matches_reference(case.symbol(), case.feeds, grads=differentiable(case))


# ---- dtypes: results in the promoted dtype, computed in it --------------------------------

_MIXED = [("add", np.float32, np.int32), ("multiply", np.float32, np.int64),
          ("power", np.float32, np.int32)]


@pytest.mark.parametrize("op, a_dtype, b_dtype", _MIXED)
def test_mixed_dtypes_compute_in_the_promoted_dtype(op, a_dtype, b_dtype,
                                                    assert_cpu_matches_reference):
    """float32 with an integer array is float64 (numpy 2); every digit must be there."""
    a = np.array([[1.3414457, 0.9385251, 1.2745566]], a_dtype)
    b = np.array([[3], [2]], b_dtype)
    symbol = getattr(sg, op)(sg.var("a"), sg.var("b"))
    outputs, _ = assert_cpu_matches_reference(symbol, {"a": a, "b": b}, grads=False)
    assert outputs[0].dtype == np.float64


def test_integer_to_a_negative_power_raises_as_the_reference():
    symbol = sg.power(sg.var("a"), sg.var("b"))
    args = {"a": sg.nd.array(np.array([2, 3], np.int32)),
            "b": sg.nd.array(np.array([-1, 2], np.int32))}
    for backend in ("reference", "cpu"):
        with pytest.raises(ValueError):
            symbol.bind(args=args, backend=backend).forward()


# ---- broadcasting shapes of one elementwise chain -----------------------------------------

_MATRIX = np.linspace(-1.5, 1.5, 12, dtype=np.float32).reshape(3, 4)
_PARTNERS = {  # name: (x, y)
    "column vector": (_MATRIX, np.linspace(0.5, 1.0, 3, dtype=np.float32).reshape(3, 1)),
    "column against row": (_MATRIX[:, :1], np.linspace(-1.0, 1.0, 4, dtype=np.float32)),
}


@pytest.mark.parametrize("partner", list(_PARTNERS))
def test_broadcast_chain(partner, assert_cpu_matches_reference):
    """A fused chain reading its inputs with each broadcast pattern, and the
    gradients summed back to each input's shape."""
    x, y = sg.var("x"), sg.var("y")
    x_value, y_value = _PARTNERS[partner]
    assert_cpu_matches_reference(x * y - sg.maximum(x, y), {"x": x_value, "y": y_value})


# ---- indices out of range: an error, never a crash ---------------------------------------

_BAD = {  # op: (symbol, good feeds, bad index arrays)
    "softmax_cross_entropy": (
        lambda: sg.softmax_cross_entropy(sg.var("x"), sg.var("index")),
        {"x": np.zeros((3, 4), np.float32), "index": np.array([0, 3, 1], np.int32)},
        [np.array([0, 4, 1], np.int32), np.array([0, -1, 1], np.int32)]),
    "one_hot": (lambda: sg.one_hot(sg.var("index"), depth=3),
                {"index": np.array([2, 0], np.int32)},
                [np.array([3, 0], np.int32), np.array([-1, 0], np.int32)]),
    "take": (lambda: sg.take(sg.var("x"), sg.var("index")),
             {"x": np.ones((4, 2), np.float32), "index": np.array([3, -4], np.int32)},
             [np.array([4, 0], np.int32), np.array([0, -5], np.int32)]),
}


@pytest.mark.parametrize("op", list(_BAD))
def test_out_of_range_indices_raise(op, same_values):
    make, good, bad_indices = _BAD[op]
    symbol = make()
    exe = symbol.bind(args={n: sg.nd.array(v) for n, v in good.items()}, backend="cpu")
    for is_train in (False, True):
        for bad in bad_indices:
            with pytest.raises(sg.OutOfRangeError):
                exe.forward(is_train=is_train, index=bad)
    # the executor is still sound afterwards
    same_values(exe.forward(**good)[0].asnumpy(), evaluate(symbol.graph(), good)[0], op)


def test_one_hot_runs_as_a_kernel_that_checks_labels(same_values):
    """one_hot is a numba kernel (``gathers.py``), not its numpy reference; a bad
    label stops it with the reference's error, naming the label's position."""
    labels = np.array([[2, 0], [1, 2]], np.int64)
    exe = sg.one_hot(sg.var("index"), depth=3).bind(
        args={"index": sg.nd.array(labels)}, backend="cpu", grad_req="null")
    same_values(exe.forward()[0].asnumpy(), np.eye(3, dtype=np.float32)[labels], "one_hot")
    (_, bound), = exe._program._bound.values()
    steps = [function for function, _ in bound.steps[0]]
    assert gathers._one_hot in steps
    with pytest.raises(sg.OutOfRangeError, match=r"class label 3 at position \(1, 0\)"):
        exe.forward(index=np.array([[2, 0], [3, 2]], np.int64))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_uniform_samples_run_as_a_kernel_bit_for_bit_the_reference(dtype):
    """random_uniform is a numba kernel (``sampling.py``) whose samples equal the
    reference's bit for bit, step after step, also where rounding to float32
    would reach ``high`` (the interval stays half-open)."""
    for low, high in [(0.0, 1.0), (-2.5, 3.0), (1.0, 1.0000001)]:
        sample = sg.random.uniform(low=low, high=high, shape=(3000,), dtype=dtype, seed=7)
        compiled = sample.simple_bind(grad_req="null", backend="cpu")
        reference = sample.simple_bind(grad_req="null", backend="reference")
        for _ in range(2):  # the executor advances the step: a new sample each run
            got = compiled.forward(is_train=True)[0].asnumpy()
            want = reference.forward(is_train=True)[0].asnumpy()
            np.testing.assert_array_equal(got, want)
            assert (got < np.asarray(high, dtype)).all()
    (_, bound), = compiled._program._bound.values()
    assert sampling._uniform in [function for function, _ in bound.steps[0]]
