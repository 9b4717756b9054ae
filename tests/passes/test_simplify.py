"""The simplify pass: one ``before()`` / ``expected()`` pair per rule (compared
structurally), every rewrite run with and without on the reference backend
(bitwise equal where the rule is exact), gradient graphs shrinking, and the
guarantees: fixpoint, variables kept, output types kept, random ops alone."""

from collections import Counter

import numpy as np
import pytest

import symgraph as sg
from symgraph import compiler, dtypes
from symgraph.backend.reference import evaluate
from symgraph.graph.ir import TensorType
from symgraph.ops import registry
from symgraph.ops.registry import Kind, OpDef
from symgraph.passes.expand import expand
from symgraph.passes.infer import infer_types
from symgraph.passes.simplify import simplify
from symgraph.run_context import RunContext
from symgraph.build import apply
from symgraph.testing import assert_allclose

SPECIALS = np.array([-0.0, 0.0, np.inf, -np.inf, np.nan])


# ---- helpers ---------------------------------------------------------------------------


def op(name, *inputs, **attrs):
    """Any op, internal ones too; Python scalars and arrays become constants."""
    return apply(name, inputs, attrs)


def graph(*symbols):
    return sg.group(*symbols).graph()


def x(shape=(2, 3), dtype="float32", name="x"):
    return sg.var(name, shape=shape, dtype=dtype)


def structure(g):
    """Ops, attrs (typed by repr: 1, 1.0 and -0.0 differ) and input positions in
    topological order; variables by name, other nodes' names ignored."""
    position = {node: i for i, node in enumerate(g.nodes)}
    rows = [(node.op, node.name if node.op == "var" else "", repr(node.attrs),
             tuple((position[v.node], v.index) for v in node.inputs)) for node in g.nodes]
    return rows, [(position[v.node], v.index) for v in g.outputs]


def assert_same_structure(actual, expected):
    assert structure(actual) == structure(expected)


def feeds_for(g, bound=None, specials=True):
    """Deterministic arrays for the variables; floats start with -0.0, 0.0, inf, -inf, nan."""
    types = infer_types(g, bound, partial=True)
    rng = np.random.default_rng(7)
    feeds = {}
    for node in g.variables():
        t = types[node.outputs[0]]
        if dtypes.is_float(t.dtype):
            array = rng.normal(size=t.shape).astype(t.dtype)
            if specials:
                n = min(array.size, SPECIALS.size)
                array.flat[:n] = SPECIALS[:n]
        else:
            array = rng.integers(0, 3, size=t.shape).astype(t.dtype)
        feeds[node.name] = array
    return feeds


def run(g, feeds, run_context=RunContext()):
    """Outputs of ``g``; a simplified graph may read fewer variables."""
    used = {node.name for node in g.variables()}
    with np.errstate(all="ignore"):
        return evaluate(g, {k: v for k, v in feeds.items() if k in used}, run_context)


def assert_same_values(original, simplified, bound=None, exact=True, specials=True):
    feeds = feeds_for(original, bound, specials)
    for before, after in zip(run(original, feeds), run(simplified, feeds)):
        assert (after.shape, after.dtype) == (before.shape, before.dtype)
        if exact:
            assert after.tobytes() == before.tobytes(), f"{after!r} != {before!r}"
        else:
            assert_allclose(after, before, rtol=1e-5, atol=1e-6)


def assert_guarantees(original, simplified, bound=None):
    """Same output types, variables kept as objects, a fixpoint."""
    out = lambda g: [infer_types(g, bound, partial=True)[v] for v in g.outputs]  # noqa: E731
    assert out(simplified) == out(original)
    assert set(simplified.variables()) <= set(original.variables())
    assert_same_structure(simplify(simplified, bound), simplified)


def check(before, expected, bound=None, exact=True):
    original = before()
    simplified = simplify(original, bound)
    assert_same_structure(simplified, expected())
    assert_same_values(original, simplified, bound, exact)
    assert_guarantees(original, simplified, bound)


# ---- folding, CSE ----------------------------------------------------------------------


def weak_product():
    return graph(x() + op("multiply", 2.0, 3))


def test_scalar_constants_fold_to_a_weak_scalar():
    original = weak_product()
    simplified = simplify(original)
    assert_same_structure(simplified, graph(x() + 6.0))
    assert_guarantees(original, simplified)


def test_scalar_constants_fold_to_the_value_running_gives():
    original = weak_product()
    assert_same_values(original, simplify(original))


def test_array_constants_fold_to_a_const_array():
    a = np.array([0.5, 1.0, 2.0], dtype=np.float32)
    check(lambda: graph(x((3,)) * sg.exp(op("add", a, a))),
          lambda: graph(x((3,)) * np.exp(a + a)))


def test_large_results_stay_computed():
    def before():
        return graph(x((400, 400)) + op("broadcast_to", 1.0, shape=(400, 400)))

    check(before, before)


def test_size_of_folds_once_the_shape_is_known():
    def before():
        v = x()
        return graph(v / op("size_of", v, axis=1))

    check(before, lambda: graph(x() / np.array(3, dtype=np.float32)))
    v = sg.var("v")
    unknown = graph(v / op("size_of", v))
    assert_same_structure(simplify(unknown), unknown)


def test_equal_nodes_and_equal_constants_merge():
    def before():
        v = x()
        return graph(sg.exp(v) * sg.exp(v), (v + 1.0) - (v + 1.0))

    def expected():
        v = x()
        e, s = sg.exp(v), v + 1.0
        return graph(e * e, s - s)

    check(before, expected)


def test_constants_of_other_types_or_zero_signs_stay_apart():
    def before():
        v = x()
        return graph(v + 2, v + 2.0, v + True, v * 0.0, v * -0.0)

    check(before, before)
    assert sum(n.op == "const" for n in simplify(before()).nodes) == 5


# ---- exact identities -------------------------------------------------------------------


def test_multiply_by_one_is_dropped():
    def before():
        v = x()
        return graph(v * 1.0, 1 * v, v * True, v * op("ones_like", v), v * np.ones(3, np.float32))

    check(before, lambda: graph(*[x()] * 5))


def test_multiply_by_one_that_changes_the_type_stays():
    def before():
        return graph(x(dtype="int32", name="i") * 1.0,
                     x((3,), name="r") * np.ones((2, 3), np.float32),
                     x() * np.ones(3, np.float64))

    check(before, before)


def test_divide_by_one_is_dropped():
    def before():
        v = x()
        return graph(v / 1, v / op("ones_like", v))

    check(before, lambda: graph(*[x()] * 2))


def test_subtracting_positive_zero_is_dropped_but_not_negative_zero():
    def before():
        v, i = x(), x(dtype="int32", name="i")
        return graph(v - 0.0, v - 0, v - op("zeros_like", v), v - (-0.0), i - 0)

    def expected():
        v, i = x(), x(dtype="int32", name="i")
        return graph(v, v, v, v - (-0.0), i)

    check(before, expected)


def test_adding_negative_zero_is_dropped_but_float_positive_zero_stays():
    def before():
        v, i = x(), x(dtype="int32", name="i")
        return graph(v + (-0.0), op("add", -0.0, v), v + 0.0, v + op("zeros_like", v),
                     i + 0, i + op("zeros_like", i))

    def expected():
        v, i = x(), x(dtype="int32", name="i")
        return graph(v, v, v + 0.0, v + op("zeros_like", v), i, i)

    check(before, expected)


def test_double_negation_cancels():
    def before():
        v = x()
        return graph(-(-v), -(-(-v)))

    def expected():
        v = x()
        return graph(v, -v)

    check(before, expected)


def test_cast_to_the_same_dtype_is_dropped():
    def before():
        v = x()
        return graph(v.astype("float32"), v.astype("float64"))

    def expected():
        v = x()
        return graph(v, v.astype("float64"))

    check(before, expected)


def test_shape_ops_to_the_same_shape_are_dropped():
    def before():
        v, like = x(), x(name="like")
        g, s = x((2, 1), name="g"), x((2, 1), name="s")
        return graph(op("reshape_like", v, like), op("broadcast_like", v, like),
                     op("sum_to_like", v, like), v.reshape(2, 3), v.flatten(),
                     op("broadcast_to", v, shape=(2, 3)), v.squeeze(),
                     op("unreduce", g, s, axis=1, keepdims=True), op("unreduce", g, s, axis=()))

    def expected():
        v, g = x(), x((2, 1), name="g")
        return graph(*[v] * 7, g, g)

    check(before, expected)


def test_real_broadcasts_and_sums_stay():
    def before():
        v, row = x(), x((3,), name="row")
        return graph(op("sum_to_like", v, row), op("broadcast_like", row, v),
                     op("unreduce", x((2,), name="g"), v, axis=1))

    check(before, before)


def test_reshapes_compose():
    def before():
        v = x()
        return graph(v.reshape(3, 2).reshape(6), v.reshape(3, 2).reshape(2, 3),
                     sg.flatten(sg.expand_dims(v, axis=0)),
                     sg.squeeze(sg.expand_dims(v, axis=1), axis=1))

    def expected():
        v = x()
        return graph(v.reshape(6), v, v.reshape(1, 6), v)

    check(before, expected)


def test_transposes_compose_and_cancel():
    def before():
        m, t, r = x(), x((2, 3, 4), name="t"), x((3,), name="r")
        return graph(m.T.T, sg.swapaxes(sg.swapaxes(t, 0, 2), 0, 2),
                     t.transpose(1, 2, 0).transpose(1, 2, 0), sg.swapaxes(m.T, 0, 1),
                     r.T, sg.swapaxes(t, 1, 1), sg.swapaxes(t, 0, 1).T)

    def expected():
        m, t, r = x(), x((2, 3, 4), name="t"), x((3,), name="r")
        turned = t.transpose(2, 0, 1)
        return graph(m, t, turned, m, r, t, turned)

    check(before, expected)


def test_a_transposed_product_is_made_in_its_readers_layout():
    """(a @ b).T becomes b.T @ a.T, the operands' transposes folding away."""
    def before():
        a, b = x((2, 3), name="a"), x((4, 3), name="b")
        return graph(sg.matmul(a, b.T).T * 2.0)

    def expected():
        a, b = x((2, 3), name="a"), x((4, 3), name="b")
        return graph(sg.matmul(b, a.transpose(1, 0)) * 2.0)

    check(before, expected, exact=False)


def test_a_product_with_other_readers_is_not_made_twice():
    def before():
        a, b = x((2, 3), name="a"), x((3, 4), name="b")
        product = sg.matmul(a, b)
        return graph(product.T, product + 1.0)

    check(before, before)


def test_the_weight_gradient_of_a_dense_layer_needs_no_transposed_copy():
    data, weight = x((8, 5), name="data"), x((3, 5), name="weight")
    loss = sg.FullyConnected(data, weight=weight, num_hidden=3, no_bias=True, name="fc").sum()
    (dw,) = sg.grad(loss, weight)
    simplified = simplify(dw.graph())
    assert [n.op for n in simplified.nodes if n.op in ("matmul", "transpose")][-1] == "matmul"


# ---- numerical stabilization ------------------------------------------------------------


def test_log_softmax_replaces_log_of_softmax():
    check(lambda: graph(sg.log(sg.softmax(x(), axis=0))),
          lambda: graph(sg.log_softmax(x(), axis=0)), exact=False)


def test_log1p_and_expm1_replace_their_cancelling_forms():
    def before():
        v = x()
        return graph(sg.log(1 + v), sg.log(v + 1.0), sg.exp(v) - 1)

    def expected():
        v = x()
        log1p = sg.log1p(v)
        return graph(log1p, log1p, sg.expm1(v))

    check(before, expected, exact=False)


def test_log_of_sigmoid_becomes_softplus():
    def before():
        v = x()
        return graph(sg.log(sg.sigmoid(v)), sg.log(sg.Activation(v, act_type="sigmoid")),
                     sg.log(1.0 - sg.sigmoid(v)))

    def expected():
        v = x()
        log_sigmoid = -sg.softplus(-v)
        return graph(log_sigmoid, log_sigmoid, -sg.softplus(v))

    check(before, expected, exact=False)


def test_stabilization_rules_leave_integer_inputs_alone():
    def before(one=1):
        i = x(dtype="int32", name="i")
        return graph(sg.log(op("add", one, i)), op("subtract", sg.exp(i), one))

    check(before, lambda: before(one=op("const", value=1)))


def test_stabilized_forms_are_more_accurate():
    v = sg.var("v", shape=(2,))
    g = graph(sg.log(1.0 + v), sg.log(sg.sigmoid(v)))
    feeds = {"v": np.array([1e-10, -200.0], np.float32)}
    (naive_log1p, naive_logsig), (log1p, logsig) = run(g, feeds), run(simplify(g), feeds)
    assert naive_log1p[0] == 0.0 and log1p[0] == np.float32(1e-10)
    assert naive_logsig[1] == -np.inf and logsig[1] == -200.0


def test_a_refused_rewrite_leaves_no_trace():
    """``1 - sigmoid(v)`` with a float64 one is float64; ``-softplus(v)`` would be
    float32, so the rewrite is refused and the part it built must not capture
    the user's own ``softplus(v)``."""
    v = x()
    g = graph(sg.log(np.ones((2, 3)) - sg.sigmoid(v)), sg.softplus(v))
    assert simplify(g).nodes == g.nodes


def test_a_replacement_is_named_after_the_node_it_replaces():
    v = x()
    (node,) = [n for n in simplify(graph(sg.log(v + 1.0, name="ll"))).nodes if n.op != "var"]
    assert (node.op, node.name) == ("log1p", "ll")


# ---- random ops, multi-output ops -------------------------------------------------------


def test_random_ops_merge_only_with_the_same_seed_and_are_never_folded():
    def before():
        same = [op("random_uniform", shape=(3,), seed=5) for _ in range(2)]
        return graph(same[0], same[1], op("random_uniform", shape=(3,), seed=6),
                     op("random_normal", np.zeros(3, np.float32), seed=7),
                     op("Dropout", np.ones(3, np.float32), p=0.5, seed=8))

    def expected():
        same = op("random_uniform", shape=(3,), seed=5)
        return graph(same, same, op("random_uniform", shape=(3,), seed=6),
                     op("random_normal", np.zeros(3, np.float32), seed=7),
                     op("Dropout", np.ones(3, np.float32), p=0.5, seed=8))

    check(before, expected)
    train = RunContext(is_train=True, step=3)
    g = before()
    for a, b in zip(run(g, {}, train), run(simplify(g), {}, train)):
        assert a.tobytes() == b.tobytes()


@pytest.fixture
def divmod_op(monkeypatch):
    """A two-output op, registered for one test only."""
    definition = OpDef(name="test_divmod", kind=Kind.OPAQUE, arity=2, num_outputs=2,
                       infer=lambda ctx: [ctx.types[0], ctx.types[0]],
                       reference=lambda a, b: (np.floor_divide(a, b), np.mod(a, b)))
    monkeypatch.setitem(registry._REGISTRY, "test_divmod", definition)


def test_multi_output_nodes_are_merged_folded_and_rebuilt(divmod_op):
    a = np.array([7.0, -7.0], np.float32)

    def before():
        v = x((2,))
        first, second = op("test_divmod", v * 1.0, 2.0), op("test_divmod", v, 2.0)
        return graph(first[1], second[0], op("test_divmod", a, 2.0)[1] + v)

    def expected():
        v = x((2,))
        both = op("test_divmod", v, 2.0)
        return graph(both[1], both[0], np.mod(a, 2.0) + v)

    check(before, expected)


def test_every_elementwise_op_of_constants_folds_to_its_value():
    a, b = np.array([0.5, 1.5], np.float32), np.array([2.0, 0.25], np.float32)
    for definition in registry.all_ops():
        if definition.kind != Kind.ELEMWISE or definition.arity not in (1, 2) \
                or any(spec.default is not None for spec in definition.attrs.values()):
            continue
        g = graph(op(definition.name, *(a, b)[:definition.arity]))
        folded = simplify(g)
        assert [n.op for n in folded.nodes] == ["const"], definition.name
        assert_same_values(g, folded)


# ---- gradient graphs --------------------------------------------------------------------


def mlp_train_graph():
    """The training graph of FullyConnected + relu + softmax cross-entropy, as the
    compiler builds it before simplifying."""
    data, label = sg.var("data"), sg.var("label", dtype="int32")
    hidden = sg.relu(sg.FullyConnected(data, num_hidden=16, name="fc1"))
    logits = sg.FullyConnected(hidden, num_hidden=3, name="fc2")
    loss = sg.softmax_cross_entropy(logits, label).mean()
    arg_shapes, _, _ = loss.infer_shape(data=(8, 5), label=(8,))
    arg_types = {name: TensorType(shape, "int32" if name == "label" else "float32")
                 for name, shape in zip(loss.list_arguments(), arg_shapes)}
    graph = loss.graph()
    params = [n.outputs[0] for n in graph.variables() if n.name not in ("data", "label")]
    train = expand(compiler.differentiate(graph, params, [None], arg_types), arg_types,
                   RunContext(is_train=True))
    return train, arg_types


def test_mlp_gradient_graph_shrinks_and_computes_the_same_bits():
    train, bound = mlp_train_graph()
    simplified = simplify(train, bound)
    print(f"\nMLP training graph: {len(train.nodes)} nodes -> {len(simplified.nodes)} "
          "after simplify")
    assert len(simplified.nodes) <= 0.8 * len(train.nodes)
    ops = Counter(n.op for n in simplified.nodes)
    assert ops["reshape_like"] == ops["size_of"] == ops["flatten"] == 0
    assert ops["sum_to_like"] == 2  # the biases' gradients really sum over the batch
    assert_same_values(train, simplified, bound, specials=False)
    assert_guarantees(train, simplified, bound)
    origin = {n.name: n.origin for n in train.nodes}
    assert all(n.origin == origin[n.name] for n in simplified.nodes if n.name in origin)


def _dense():
    xs, w = sg.var("xs", shape=(4, 5)), sg.var("w", shape=(5, 3))
    return xs, w, xs @ w


def softmax_cross_entropy():
    xs, w, logits = _dense()
    return sg.softmax_cross_entropy(logits, np.array([0, 2, 1, 1])).mean(), [xs, w]


def broadcasting():
    a, b = sg.var("a", shape=(2, 1, 3)), sg.var("b", shape=(4, 1))
    return (a * b + b / (a + 3.0)).sum(), [a, b]


def second_order():
    xs, w, y = _dense()
    (grad_w,) = sg.grad((sg.tanh(y) * sg.exp(y)).sum(), w)
    return (grad_w * grad_w).sum(), [xs, w]


def unconnected():
    a, b = sg.var("a", shape=(3,)), sg.var("b", shape=(2,))
    return sg.exp(a).sum() + (b > 0).sum(), [a, b]


def sigmoid_log_likelihood():
    xs, w, logits = _dense()
    return sg.log(sg.sigmoid(logits)).mean(), [xs, w]


@pytest.mark.parametrize("build, exact", [
    (softmax_cross_entropy, True), (broadcasting, True), (second_order, True),
    (unconnected, True), (sigmoid_log_likelihood, False),
])
def test_gradient_graphs_compute_the_same_with_and_without(build, exact):
    out, wrt = build()
    original = graph(out, *sg.grad(out, wrt))
    simplified = simplify(original)
    assert len(simplified.nodes) <= len(original.nodes)
    assert_same_values(original, simplified, exact=exact, specials=False)
    assert_guarantees(original, simplified)


def test_graphs_of_unknown_shapes_get_the_rules_that_need_no_types():
    v = sg.var("v")
    (first,) = sg.grad(sg.tanh(v) * sg.exp(v) * 1.0, v)
    (second,) = sg.grad(first, v)
    original = graph(first, second)
    simplified = simplify(original)
    assert len(simplified.nodes) < len(original.nodes)
    bound = {"v": TensorType((5,), "float64")}
    assert_same_values(original, simplified, bound, specials=False)
    assert_same_structure(simplify(simplified), simplified)


def test_a_graph_that_is_already_simple_comes_back_unchanged():
    g = graph(sg.tanh(x()) * 2.0)
    assert simplify(g).nodes == g.nodes
