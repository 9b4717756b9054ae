"""The CPU compiler's structure and behaviour: what fusion groups into
kernels, what the memory planner shares, the checking mode, every pass on
and off, training steps, that user strings never reach generated code, and
executor call sequences.

Graphs are small and shared, so their kernels compile once: the MLP here has
the same kernels at 784-256-256-10 as at 20-16-16-5 (sizes are arguments of
a kernel, never part of its source).
"""

import os

import numpy as np
import pytest

import symgraph as sg
from symgraph.compiler import build_graphs, build_program
from symgraph.graph.ir import TensorType
from symgraph.passes.expand import expand
from symgraph.passes.fuse import ELEMENTWISE, REDUCE, fuse
from symgraph.passes.infer import infer_types
from symgraph.passes.plan_memory import plan_memory
from symgraph.passes.simplify import simplify
from symgraph.backend.cpu import plan as cpu_plan
from symgraph.backend.cpu.plan import CompiledPlan
from symgraph.backend.program import RunState, forward_phases
from symgraph.backend.reference import evaluate
from symgraph.run_context import RunContext


def mlp(hidden=(16, 16, 5)):
    """FullyConnected + relu layers, then the mean softmax cross-entropy."""
    h = sg.var("data")
    for i, n in enumerate(hidden):
        h = sg.FullyConnected(h, num_hidden=n, name=f"fc{i}")
        h = sg.relu(h) if i < len(hidden) - 1 else h
    return sg.softmax_cross_entropy(h, sg.var("label")).mean()


def typed(symbol, **shapes):
    """Argument types from shapes; ``label`` and ``index`` are int32."""
    arg_shapes, _, _ = symbol.infer_shape(**shapes)
    return {n: TensorType(s, "int32" if n in ("label", "index") else "float32")
            for n, s in zip(symbol.list_arguments(), arg_shapes)}


def fused(symbol, grads=(), train=False, **shapes):
    """The ``KernelGraph`` of the executor's prediction (or training) graph."""
    graphs = build_graphs(symbol, typed(symbol, **shapes), grads)
    graph = graphs.train if train else graphs.predict
    phases = forward_phases(graph, graphs.num_outputs) if train else None
    return fuse(graph, graphs.types, phases)


def feeds_for(types, seed=0, classes=5):
    """Normal floats and integers in ``[0, classes)`` for arguments of ``types``."""
    rng = np.random.default_rng(seed)
    return {n: (rng.integers(0, classes, t.shape) if t.dtype.kind == "i"
                else rng.normal(size=t.shape)).astype(t.dtype) for n, t in types.items()}


# ---- fusion -----------------------------------------------------------------------------

def test_elementwise_chain_is_one_kernel():
    x = sg.var("x")
    kernels = fused(sg.sigmoid(sg.tanh(sg.exp(x) * 2.0 + x) - 0.5), x=(4, 5)).kernels
    assert [(k.kind, len(k.nodes)) for k in kernels] == [(ELEMENTWISE, 6)]


def test_elementwise_branches_that_meet_are_one_kernel():
    x, y = sg.var("x"), sg.var("y")
    kernels = fused(sg.exp(x) + sg.tanh(y), x=(4, 5), y=(4, 5)).kernels
    assert [(k.kind, len(k.nodes)) for k in kernels] == [(ELEMENTWISE, 3)]


def test_branches_that_meet_through_an_outside_kernel_stay_apart():
    """Merging exp(x) with tanh(exp(x) @ w) would give a kernel that waits for itself."""
    x, w = sg.var("x"), sg.var("w")
    a = sg.exp(x)
    kernel_graph = fused(a + sg.tanh(sg.matmul(a, w)), x=(4, 4), w=(4, 4))
    assert [(k.kind, [n.op for n in k.nodes]) for k in kernel_graph.kernels] == [
        (ELEMENTWISE, ["exp"]), ("opaque", ["matmul"]), (ELEMENTWISE, ["tanh", "add"])]
    reasons = {(value.node.op, kernel.kind): why for value, kernel, why in kernel_graph.boundaries}
    assert reasons[("exp", ELEMENTWISE)] == "would form a cycle"


@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
def test_softmax_forward_is_one_reduce_kernel(op):
    kernels = fused(getattr(sg, op)(sg.var("x"), axis=-1), x=(4, 10)).kernels
    assert [(k.kind, k.space, k.axes) for k in kernels] == [(REDUCE, (4, 10), (1,))]


def test_cross_entropy_with_gradient_reduces_logits_once():
    loss = sg.softmax_cross_entropy(sg.var("x"), sg.var("label")).mean()
    kernel_graph = fused(loss, ["x"], train=True, x=(4, 10), label=(4,))
    over_logits = [k for k in kernel_graph.kernels
                   if k.kind == REDUCE and k.space == (4, 10)]
    assert len(over_logits) == 1 and over_logits[0].phase == 0
    assert {"max", "exp", "sum", "log"} <= {n.op for n in over_logits[0].nodes}


def test_bias_and_relu_fuse_after_matmul_with_reasons():
    kernel_graph = fused(sg.relu(sg.FullyConnected(sg.var("x"), num_hidden=5, name="fc")),
                         x=(4, 10))
    elementwise = [k for k in kernel_graph.kernels if k.kind == ELEMENTWISE]
    assert len(elementwise) == 1 and {n.op for n in elementwise[0].nodes} == {"add", "relu"}
    reasons = {(value.node.op, kernel.kind): why for value, kernel, why in kernel_graph.boundaries}
    assert reasons[("matmul", ELEMENTWISE)] == "opaque producer"
    assert reasons[("transpose", "opaque")] == "opaque op matmul"


# ---- memory planning on a hand-built chain ------------------------------------------------
#   x ─exp─> a ─matmul(w)─> m ─tanh─> b ─matmul(w)─> c ─sigmoid─> d

def planned(keep_a=False):
    x, w = sg.var("x", shape=(4, 4)), sg.var("w", shape=(4, 4))
    a = sg.exp(x, name="a")
    m = sg.matmul(a, w, name="m")
    b = sg.tanh(m, name="b")
    d = sg.sigmoid(sg.matmul(b, w, name="c"), name="d")
    graph = (sg.group(d, a) if keep_a else d).graph()
    plan = plan_memory(fuse(graph, infer_types(graph)))
    return plan, {v.label: v for v in plan.storage_of}


def test_storage_reused_after_its_last_reader():
    plan, v = planned()
    report = plan.report()
    assert report["planned_bytes"] < report["naive_bytes"]
    shared = [(p, q) for p in plan.storage_of for q in plan.storage_of
              if p != q and plan.storage_of[p] == plan.storage_of[q]
              and (p, q) not in plan.in_place and (q, p) not in plan.in_place]
    assert shared, "no storage was reused"
    for p, q in shared:  # lifetimes of values sharing a storage do not overlap
        assert plan.lifetimes[p][1] < plan.lifetimes[q][0] or \
            plan.lifetimes[q][1] < plan.lifetimes[p][0]
    plan.verify()


def test_elementwise_writes_in_place_over_a_dying_input():
    plan, v = planned()
    assert (v["b"], v["m"]) in plan.in_place and (v["d"], v["c"]) in plan.in_place
    assert plan.storage_of[v["b"]] == plan.storage_of[v["m"]]


def test_in_place_kernels_store_through_the_array_they_read(assert_cpu_matches_reference):
    """An in-place write (tanh over m, sigmoid over c) and a parameter update
    (w - lr * g, into w's own array) store through the array their kernel
    reads: given a second array over the same bytes, LLVM's run-time overlap
    check would keep the loop scalar."""
    x, w = sg.var("x", shape=(4, 4)), sg.var("w", shape=(4, 4))
    symbol = sg.sigmoid(sg.matmul(sg.tanh(sg.matmul(sg.exp(x), w)), w))
    graph = symbol.graph()
    compiled = CompiledPlan(graph, infer_types(graph))
    by_op = {k.nodes[0].op: k.index for k in compiled.kernel_graph.kernels
             if k.kind == ELEMENTWISE}
    assert compiled.nests[by_op["exp"]].written_over == {}
    for op in ("tanh", "sigmoid"):
        assert list(compiled.nests[by_op[op]].written_over.values()) == [0]
        assert "def kernel(n0, p0):" in compiled.sources[by_op[op]]
        assert "p0[i0] = v0" in compiled.sources[by_op[op]]
    assert_cpu_matches_reference(symbol, {"x": np.eye(4, dtype=np.float32),
                                          "w": np.full((4, 4), 0.5, np.float32)})
    step = sg.compile_step(mlp(), sg.optim.SGD(0.1), data=(8, 20), label=(8,),
                           type_dict={"label": "int32"})
    plan = step._program.plan
    updated = {plan.nests[k].ports[j].value.node.name
               for k in plan.nests for j in plan.nests[k].written_over.values()
               if plan.nests[k].ports[j].value.node.op == "var"}
    assert updated == {n for n in step.params if n.endswith("weight")}  # biases: reductions


def test_graph_outputs_are_never_reused():
    plan, v = planned(keep_a=True)
    assert [x for x in plan.storage_of if plan.storage_of[x] == plan.storage_of[v["a"]]] \
        == [v["a"]]
    plan.verify()


def test_values_alive_together_share_a_larger_storage_at_disjoint_bytes(
        assert_cpu_matches_reference):
    """p and q (1 KB each) live before big (4 KB) does: both fit in its storage."""
    x = sg.var("x", shape=(8, 32))
    p, q = sg.exp(x, name="p"), sg.tanh(x, name="q")
    t = sg.matmul(sg.matmul(p, sg.transpose(q), name="m"), x, name="t")
    symbol = sg.sum(sg.matmul(sg.transpose(x), t, name="big"))
    graph = symbol.graph()
    plan = plan_memory(fuse(graph, infer_types(graph)))
    v = {value.label: value for value in plan.storage_of}
    assert plan.storage_of[v["p"]] == plan.storage_of[v["q"]] == plan.storage_of[v["big"]]
    assert plan.bytes_of(v["p"])[1] <= plan.bytes_of(v["q"])[0]
    assert plan.report()["planned_bytes"] == plan.report()["lower_bound_bytes"]
    plan.verify()
    assert_cpu_matches_reference(symbol, feeds_for({"x": TensorType((8, 32), "float32")}),
                                 cpu=sg.CompileOptions(check=True))


def test_verify_rejects_two_live_values_in_one_storage():
    plan, v = planned()
    plan.storage_of[v["m"]] = plan.storage_of[v["a"]]  # both alive while m is computed
    with pytest.raises(AssertionError, match="share storage"):
        plan.verify()


@pytest.mark.parametrize("batch", [32, 128])
def test_mlp_training_step_plan_is_close_to_the_lower_bound(batch):
    step = sg.compile_step(mlp((256, 256, 10)), sg.optim.SGD(0.1, momentum=0.9, wd=1e-4),
                           data=(batch, 784), label=(batch,), type_dict={"label": "int32"})
    report = step.memory_report()
    ratio = report["planned_bytes"] / report["lower_bound_bytes"]
    print(f"MLP 784-256-256-10 step, batch {batch}: {report}; planned/lower bound {ratio:.3f}")
    assert report["planned_bytes"] < report["naive_bytes"]
    assert ratio <= 1.1


# ---- modes and passes on and off ------------------------------------------------------------

def test_check_mode_matches_reference(assert_cpu_matches_reference):
    """Check mode proves the plan, poisons freed storages and compares every kernel."""
    symbol = mlp()
    assert_cpu_matches_reference(symbol, feeds_for(typed(symbol, data=(8, 20), label=(8,))),
                                 cpu=sg.CompileOptions(check=True))


def test_parallel_kernels_match_reference(assert_cpu_matches_reference, monkeypatch):
    """Kernels over a million elements run in parallel: rows, blocked columns and
    elementwise loops, forced here on small arrays."""
    monkeypatch.setattr(cpu_plan, "PARALLEL_MIN_ELEMENTS", 0)
    x = sg.var("x")
    symbol = sg.group(sg.log_softmax(x, axis=-1), sg.sum(sg.tanh(x), axis=0) * 2.0)
    x_value = np.random.default_rng(1).normal(size=(6, 300)).astype(np.float32)
    plan = build_program(symbol, {"x": TensorType(x_value.shape, x_value.dtype)}, (),
                         "cpu").predict
    assert all("prange" in source for source in plan.sources.values())
    assert_cpu_matches_reference(symbol, {"x": x_value}, grads=False)


def run_plan(graph, types, feeds, phases=None):
    bound = CompiledPlan(graph, types, phases).bind(feeds, RunState())
    for phase in sorted(set((phases or {0: 0}).values())):
        bound.run(phase)
    return [np.array(bound.values[v]) for v in graph.outputs]


def expanded(symbol, feeds):
    bound = {n: TensorType(a.shape, a.dtype) for n, a in feeds.items()}
    return expand(symbol.graph(), bound, RunContext()), bound


def test_simplify_on_and_off_agree(same_values):
    x = sg.var("x")
    symbol = sg.group(sg.log(sg.softmax(x)) + (x * 1.0 + 0.0),
                      sg.log(1.0 + sg.exp(-sg.negative(x))) * sg.sum(x, axis=-1, keepdims=True))
    feeds = feeds_for({"x": TensorType((3, 5), "float32")})
    graph, bound = expanded(symbol, feeds)
    simple = simplify(graph, bound)
    assert len(simple.nodes) < len(graph.nodes)
    results = [run_plan(g, infer_types(g, bound), feeds) for g in (graph, simple)]
    for off, on, want in zip(*results, evaluate(symbol.graph(), feeds)):
        same_values(on, off, "simplified vs not", loose=5)
        same_values(on, want, "simplified vs reference", loose=5)


def test_fusion_on_and_off_agree(same_values):
    """There is no switch for fusion; a phase per node keeps every node alone."""
    x, y = sg.var("x"), sg.var("y")
    symbol = sg.softmax(sg.tanh(x * y) + y, axis=-1).sum(axis=0) * 2.0
    feeds = feeds_for({"x": TensorType((3, 5), "float32"), "y": TensorType((1, 5), "float32")})
    graph, bound = expanded(symbol, feeds)
    types = infer_types(graph, bound)
    alone = {node: i for i, node in enumerate(graph.nodes)}
    assert len(CompiledPlan(graph, types, alone).kernel_graph.kernels) > 3 * len(
        fuse(graph, types).kernels)
    on, off = run_plan(graph, types, feeds), run_plan(graph, types, feeds, alone)
    same_values(on[0], off[0], "fused vs one kernel per node")
    same_values(on[0], evaluate(symbol.graph(), feeds)[0], "fused vs reference")


@pytest.mark.parametrize("optimizer", [dict(lr=0.1), dict(lr=0.1, momentum=0.9, wd=1e-3)],
                         ids=["sgd", "momentum+wd"])
def test_compile_step_matches_reference(optimizer, same_values):
    symbol, params, losses = mlp(), {}, {}
    types = typed(symbol, data=(8, 20), label=(8,))
    feeds, start = feeds_for(types), feeds_for(types, seed=1)
    for backend in ("cpu", "reference"):
        step = sg.compile_step(symbol, sg.optim.SGD(**optimizer), backend=backend,
                               data=(8, 20), label=(8,), type_dict={"label": "int32"})
        for name, array in step.params.items():
            np.asarray(array)[...] = start[name] * 0.3
        losses[backend] = [step(data=feeds["data"], label=feeds["label"]) for _ in range(3)]
        params[backend] = {n: a.asnumpy() for n, a in step.params.items()}
    np.testing.assert_allclose(losses["cpu"], losses["reference"], rtol=1e-5)
    for name, want in params["reference"].items():
        same_values(params["cpu"][name], want, name, loose=5)


# ---- user strings ---------------------------------------------------------------------

EVIL_NAMES = ['x); import os; os.system("touch /tmp/owned") #', "it's \"quoted\"\\",
              "new\nline\r\n\tname", "ünïcødé 变量 🙂", "'''", "__import__('os')"]


def test_names_never_reach_generated_code(assert_cpu_matches_reference):
    if os.path.exists("/tmp/owned"):
        os.remove("/tmp/owned")
    a, b, c = (sg.var(n) for n in EVIL_NAMES[:3])
    layer = sg.FullyConnected(a, num_hidden=3, name=EVIL_NAMES[3])
    symbol = sg.tanh(sg.relu(layer) * b + c, name=EVIL_NAMES[4]).sum(name=EVIL_NAMES[5])
    types = typed(symbol, **{EVIL_NAMES[0]: (4, 6), EVIL_NAMES[1]: (4, 3),
                             EVIL_NAMES[2]: (4, 3)})
    assert_cpu_matches_reference(symbol, feeds_for(types))
    program = build_program(symbol, types, tuple(types), "cpu")
    sources = {**program.predict.sources, **program.train.sources}.values()
    assert sources and not os.path.exists("/tmp/owned")
    for source in sources:
        assert not any(name in source for name in EVIL_NAMES + ["os.system"])


# ---- executor call sequences --------------------------------------------------------------

_SEQUENCES = {  # name: calls; a call is "train", "predict" or a head gradient
    "predict forward in between": ["train", 1.0, "predict", "train", 2.0],
    "backward twice": ["train", 1.0, 2.0],
}


@pytest.mark.parametrize("calls", list(_SEQUENCES.values()), ids=list(_SEQUENCES))
def test_executor_call_sequences_match_reference(calls, same_values):
    symbol = sg.exp(sg.var("x")) * sg.var("w")
    x = np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3)
    grads = {}
    for backend in ("cpu", "reference"):
        exe = symbol.bind(args={"x": sg.nd.array(x), "w": sg.nd.full((3,), 0.5)},
                          backend=backend)
        grads[backend] = []
        for call in calls:
            if isinstance(call, str):
                exe.forward(is_train=call == "train")
            else:
                exe.backward(sg.nd.full((2, 3), call))
                grads[backend].append(exe.grad_dict["x"].asnumpy())
    for cpu, reference in zip(grads["cpu"], grads["reference"]):
        same_values(cpu, reference, "gradient of x")
