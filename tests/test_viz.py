"""Pictures and summaries: every view really rendered by Graphviz's ``dot``
(PNG and SVG), the SVG parsed to check what a reader relies on (clusters,
edge labels, legend entries), summary totals, the command line, and the
error a missing ``dot`` gives."""

import collections
import importlib.util
import os
import pathlib
import subprocess
import sys
import xml.etree.ElementTree as ET

import graphviz
import numpy as np
import pytest

import symgraph as sg
from symgraph import viz
from symgraph.passes.fuse import ELEMENTWISE, REDUCE
from symgraph.viz.compiled_view import draw_compiled
from symgraph.viz.memory_view import draw_memory
from symgraph.viz.subject import kernel_plan, subject_for

SVG = "{http://www.w3.org/2000/svg}"
SHAPES = {"data": (32, 784), "label": (32,)}
REPO = pathlib.Path(sg.__file__).resolve().parents[1]


def _load_example(name):
    spec = importlib.util.spec_from_file_location(name, REPO / "examples" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


mlp = _load_example("render_graph").mlp  # the MLP of the README and docs/pictures.md


@pytest.fixture(scope="module")
def net():
    return mlp()


@pytest.fixture(scope="module")
def step():
    return sg.compile_step(mlp(), sg.optim.SGD(lr=0.1, momentum=0.9), backend="reference",
                           **SHAPES)


def drawn_with_plan(thing, draw, shape=None, train=False, title=None):
    """A compiled or memory picture with the kernel plan it draws (the names of
    expanded nodes differ each time a graph is compiled)."""
    subject = subject_for(thing, shape, train=train, compiled=True)
    plan = kernel_plan(subject)
    return draw(subject, plan, title), plan


def render_svg(picture, tmp_path):
    """Render ``picture`` as SVG and PNG with ``dot``; the parsed SVG."""
    png = pathlib.Path(picture.render(outfile=tmp_path / "picture.png", format="png",
                                      cleanup=True))
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = pathlib.Path(picture.render(outfile=tmp_path / "picture.svg", format="svg",
                                      cleanup=True))
    return ET.parse(svg).getroot()


def groups(root, kind):
    """``{title: [texts]}`` of the SVG's groups of class ``kind`` (node, edge, cluster)."""
    found = {}
    for group in root.iter(f"{SVG}g"):
        if group.get("class") == kind:
            title = group.find(f"{SVG}title").text
            found[title] = ["".join(t.itertext()) for t in group.iter(f"{SVG}text")]
    return found


def all_texts(root, kind):
    return [text for texts in groups(root, kind).values() for text in texts]


# ---- view 'graph' --------------------------------------------------------------------

def test_graph_view_layers_shapes_and_folded_weights(net, tmp_path):
    root = render_svg(viz.plot_network(net, shape=SHAPES, title="MLP"), tmp_path)
    nodes = all_texts(root, "node")
    for text in ("fc1", "FullyConnected 128", "relu1", "Activation relu", "fc2", "loss"):
        assert text in nodes
    assert "weight 128×784, bias 128" in nodes           # parameters folded into the layer
    assert "fc1_weight" not in nodes
    edges = all_texts(root, "edge")
    for shape in ("32×784", "32×128", "32×10", "32 int32"):   # batch included, dtype if not f32
        assert any(text.strip() == shape for text in edges), shape
    legend = groups(root, "node")["legend"]
    assert {"layer", "input (data, label)", "parameters: folded into their layer"} <= set(legend)


def test_graph_view_of_a_gradient_parts_forward_from_backward(tmp_path):
    x = sg.var("x", shape=(4, 1))
    (dx,) = sg.grad(2 * sg.dot(x.T, x), x)
    root = render_svg(viz.plot_network(dx, shape={"x": (4, 1)}), tmp_path)
    clusters = groups(root, "cluster")
    assert sorted(clusters) == ["cluster_backward", "cluster_forward"]
    layers = [t for t in all_texts(root, "node") if t.startswith("gradient of dot")]
    assert layers and not any("(dot)" in t for t in layers)   # named once, not "dot0 (dot)"
    compiled = viz.plot_network(dx, shape={"x": (4, 1)}, view="compiled")
    legend = groups(render_svg(compiled, tmp_path), "node")["legend"]
    assert {"forward kernel", "backward kernel"} <= set(legend)


def test_compiled_view_marks_values_saved_for_the_backward_pass(net, tmp_path):
    picture, _ = drawn_with_plan(net, draw_compiled, SHAPES, train=True)
    assert "dashed arrow: a forward value a later phase reads" in groups(
        render_svg(picture, tmp_path), "node")["legend"]
    assert "style=dashed" in picture.source


def test_graph_view_shows_weights_when_asked(net, tmp_path):
    root = render_svg(viz.plot_network(net, shape=SHAPES, hide_weights=False), tmp_path)
    nodes = all_texts(root, "node")
    assert {"fc1_weight", "128×784", "fc2_bias"} <= set(nodes)
    assert "parameter" in groups(root, "node")["legend"]


def test_parameters_are_recognised_by_role_not_by_name(tmp_path):
    x = sg.var("x_weight")                           # data, whatever its name says
    w = sg.var("kernel", role="param")              # a parameter the user marked
    w2 = sg.var("matrix")                            # fed where a layer makes its weight
    y = sg.FullyConnected(sg.dot(x, w), weight=w2, num_hidden=3, name="out")
    summary = viz.summarize(y, shape={"x_weight": (2, 4), "kernel": (4, 5)})
    assert summary.trainable == 4 * 5 + 3 * 5 + 3
    nodes = all_texts(render_svg(viz.plot_network(y, shape={"x_weight": (2, 4),
                                                            "kernel": (4, 5)}), tmp_path), "node")
    assert "x_weight" in nodes and "kernel" not in nodes and "matrix" not in nodes


def test_names_are_escaped(tmp_path):
    odd = sg.exp(sg.var('a<b>&"c"\\n'), name="e&<x>")
    nodes = all_texts(render_svg(viz.plot_network(odd, shape={'a<b>&"c"\\n': (2,)}),
                                 tmp_path), "node")
    assert 'a<b>&"c"\\n' in nodes and "e&<x>" in nodes


# ---- view 'compiled' -----------------------------------------------------------------

def fused_kernels(plan):
    return [k for k in plan.kernel_graph.kernels if k.kind in (ELEMENTWISE, REDUCE)]


def check_compiled(root, plan):
    """One cluster per fused kernel, each with its costs; every boundary edge
    labelled with its reason."""
    clusters = groups(root, "cluster")
    assert sorted(clusters) == sorted(f"cluster_k{k.index}" for k in fused_kernels(plan))
    nodes = groups(root, "node")
    for kernel in fused_kernels(plan):
        header = nodes[f"k{kernel.index}_header"]
        assert header[0].startswith(f"k{kernel.index} · ") and any("moved" in t for t in header)
    edges = all_texts(root, "edge")
    for _, _, reason in plan.kernel_graph.boundaries:
        assert reason in edges, reason
    return nodes


def test_compiled_view_prediction(net, tmp_path):
    picture, plan = drawn_with_plan(net, draw_compiled, SHAPES)
    nodes = check_compiled(render_svg(picture, tmp_path), plan)
    assert any(t == "k1 · matmul (BLAS)" for t in all_texts_of(nodes))
    assert "6.4 MFLOP" in " ".join(all_texts_of(nodes))   # 2 · 32 · 128 · 784
    assert {"forward kernel", "opaque kernel (BLAS, gather)", "view: no work"} \
        <= set(nodes["legend"])
    assert "backward kernel" not in nodes["legend"]


def test_compiled_view_training_graph_has_forward_and_backward(net, tmp_path):
    picture, plan = drawn_with_plan(net, draw_compiled, SHAPES, train=True)
    nodes = check_compiled(render_svg(picture, tmp_path), plan)
    assert {"forward kernel", "backward kernel"} <= set(nodes["legend"])
    assert any(t.startswith("gradient of fc1 (FullyConnected)") for t in all_texts_of(nodes))
    assert "forward/backward boundary" in picture.source


def test_compiled_view_training_step_shows_the_update(step, tmp_path):
    picture, plan = drawn_with_plan(step, draw_compiled)
    nodes = check_compiled(render_svg(picture, tmp_path), plan)
    assert {"forward kernel", "backward kernel", "update kernel"} <= set(nodes["legend"])
    texts = all_texts_of(nodes)
    for name in step.param_names:
        assert f"writes {name} in place" in texts


def all_texts_of(nodes):
    return [text for texts in nodes.values() for text in texts]


# ---- view 'memory' -------------------------------------------------------------------

@pytest.mark.parametrize("train", [False, True])
def test_memory_view_storages_in_place_and_totals(net, tmp_path, train):
    picture, plan = drawn_with_plan(net, draw_memory, SHAPES, train, title="MLP")
    memory = plan.memory
    root = render_svg(picture, tmp_path)
    title = "".join(t for t in root.find(f"{SVG}g").itertext() if t.strip())
    report = memory.report()
    for key, word in (("naive_bytes", "naive"), ("planned_bytes", "planned"),
                      ("lower_bound_bytes", "lower bound")):
        assert f"{word} {viz.palette.bytes_text(report[key])}" in title
    legend = groups(root, "node")["legend"]
    for storage, size in enumerate(memory.sizes):
        assert any(t.startswith(f"s{storage} · {viz.palette.bytes_text(size)} · ")
                   for t in legend)
    edges = all_texts(root, "edge")
    assert memory.in_place
    names = viz.labels.display_names(plan.kernel_graph.graph.nodes)
    for _, source in memory.in_place:
        assert f"in place over {names[source.node]}" in [e.strip() for e in edges]
    assert "in place over fc1_matmul" in [e.strip() for e in edges]   # no process counter


def test_display_names_drop_counters_only_where_unique_and_generated():
    node = collections.namedtuple("node", "name origin")
    layer = "fc1 (FullyConnected)"
    nodes = [node("fc1_matmul7", layer), node("fc1_add3", layer), node("fc1_add4", layer),
             node("relu1_grad_multiply2", None), node("fc2", None), node("loss0", None)]
    assert list(viz.labels.display_names(nodes).values()) == [
        "fc1_matmul", "fc1_add3", "fc1_add4", "relu1_grad_multiply", "fc2", "loss0"]


def test_memory_view_of_a_training_step(step, tmp_path):
    nodes = all_texts(render_svg(viz.plot_network(step, view="memory"), tmp_path), "node")
    assert any(t.endswith("written into fc1_weight in place") for t in nodes)


# ---- print_summary -------------------------------------------------------------------

def test_print_summary_totals_equal_the_parameter_sizes(net, capsys):
    viz.print_summary(net, shape=SHAPES)
    out = capsys.readouterr().out
    arg_shapes, _, _ = net.infer_shape(**SHAPES)
    sizes = {n: int(np.prod(s)) for n, s in zip(net.list_arguments(), arg_shapes)}
    expected = sum(v for n, v in sizes.items() if n not in SHAPES)
    assert expected == 784 * 128 + 128 + 128 * 10 + 10
    assert f"Trainable parameters: {expected:,}" in out
    assert f"Parameter bytes: {viz.palette.bytes_text(4 * expected)}" in out
    lines = out.splitlines()
    header = next(line for line in lines if line.startswith("Layer (name)"))
    start, end = header.index("Param #"), header.index("Connected to")
    counts = [line[start:end].strip() for line in lines[lines.index(header) + 1:]]
    counts = [int(c.replace(",", "")) for c in counts if c and c[0].isdigit()]
    assert sum(counts) == expected                    # the rows add up to the total
    assert max(len(line) for line in out.splitlines()) <= 98


def test_summary_counts_a_shared_parameter_once():
    w = sg.var("w", role="param")
    x = sg.var("x")
    y = sg.dot(sg.dot(x, w), w)
    summary = viz.summarize(y, shape={"x": (2, 3), "w": (3, 3)})
    assert summary.trainable == 9
    assert [r.params for r in summary.rows] == [0, 9, 0]


def test_summary_without_shapes_says_what_it_does_not_know(net, capsys):
    viz.print_summary(net)
    assert "Trainable parameters: ?" in capsys.readouterr().out


# ---- command line ----------------------------------------------------------------------

def run_cli(*args, path=None):
    env = dict(os.environ, PYTHONPATH=str(REPO))
    if path is not None:
        env["PATH"] = path
    return subprocess.run([sys.executable, "-m", "symgraph", *map(str, args)], env=env,
                          capture_output=True, text=True, timeout=120)


def test_cli_round_trip_from_saved_json(net, tmp_path):
    saved = tmp_path / "mlp.json"
    net.save(saved)
    result = run_cli("viz", saved, "-o", tmp_path / "mlp.svg", "--shape", "data=1,784",
                     "label=1", "--view", "compiled", "--train")
    assert result.returncode == 0, result.stderr
    root = ET.parse(tmp_path / "mlp.svg").getroot()
    assert groups(root, "cluster") and "backward kernel" in groups(root, "node")["legend"]
    result = run_cli("viz", saved, "--shape", "data=1,784")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "mlp.png").read_bytes()[:4] == b"\x89PNG"
    result = run_cli("summary", saved, "--shape", "data=(1, 784)")
    assert result.returncode == 0, result.stderr
    assert "Trainable parameters: 101,770" in result.stdout and "1×128" in result.stdout


def test_cli_errors_speak_plainly(net, tmp_path):
    saved = tmp_path / "mlp.json"
    net.save(saved)
    result = run_cli("viz", saved, "--shape", "data=1x784")
    assert result.returncode == 2 and "NAME=D1,D2" in result.stderr
    result = run_cli("viz", saved, "--view", "memory", "--shape", "data=1,784")
    assert result.returncode == 1 and "'label'" in result.stderr and "--shape" in result.stderr


# ---- without dot ---------------------------------------------------------------------

def test_missing_dot_says_how_to_install_it(net, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))          # a PATH without dot
    picture = viz.plot_network(net, shape=SHAPES)
    with pytest.raises(viz.DotNotFoundError) as info:
        picture.render(outfile=tmp_path / "x.png")
    assert isinstance(info.value, sg.SymgraphError)
    assert isinstance(info.value, graphviz.ExecutableNotFound)
    for hint in ("apt-get install graphviz", "conda install", "brew install graphviz"):
        assert hint in str(info.value)
    assert "image/svg+xml" not in viz.repr_mimebundle(net)   # Jupyter falls back to text
    saved = tmp_path / "mlp.json"
    net.save(saved)
    result = run_cli("viz", saved, path=str(tmp_path))
    assert result.returncode == 1 and "apt-get install graphviz" in result.stderr


def test_jupyter_shows_the_graph(net):
    bundle = viz.repr_mimebundle(net)
    assert bundle["text/plain"] == repr(net)
    assert ET.fromstring(bundle["image/svg+xml"].encode()).tag == f"{SVG}svg"
    assert list(viz.repr_mimebundle(net, include=["text/plain"])) == ["text/plain"]


@pytest.mark.parametrize("view", viz.VIEWS)
def test_plot_network_draws_each_view(net, step, view, tmp_path):
    for thing, shape in ((net, SHAPES), (step, None)):
        picture = viz.plot_network(thing, shape=shape, view=view, title="T", save_format="svg")
        assert isinstance(picture, graphviz.Digraph) and picture.format == "svg"
        root = render_svg(picture, tmp_path)
        assert "legend" in groups(root, "node")


def test_node_attrs_override_every_node(net):
    for view in viz.VIEWS:
        source = viz.plot_network(net, shape=SHAPES, view=view,
                                  node_attrs={"fillcolor": "#123456", "fontsize": "8"}).source
        assert source.count("#123456") >= 5 and "fontsize=8" in source


def test_symbol_renders_inline_in_jupyter(net):
    bundle = net._repr_mimebundle_(include=None, exclude=None)
    assert "<svg" in bundle["image/svg+xml"] and bundle["text/plain"] == repr(net)


def test_unknown_view_is_refused(net):
    with pytest.raises(ValueError, match="graph, compiled, memory"):
        viz.plot_network(net, view="kernels")
