"""Pictures and summaries of graphs.

    sg.viz.plot_network(net, shape={"data": (32, 784)})                    # the graph as built
    sg.viz.plot_network(net, shape=..., view="compiled", train=True)       # the fused kernels
    sg.viz.plot_network(step, view="memory").render(outfile="step.png")    # a step's storages
    sg.viz.print_summary(net, shape={"data": (32, 784)})                   # a table of layers

Pictures are ``graphviz.Digraph`` objects: Jupyter shows them inline, and
``render`` writes PNG, SVG or PDF through Graphviz's ``dot`` program.
"""

from ..errors import SymgraphError
from .compiled_view import draw_compiled
from .graph_view import draw_graph
from .memory_view import draw_memory
from .render import DotNotFoundError, Picture
from .subject import kernel_plan, subject_for
from .summary import print_summary, summarize

VIEWS = ("graph", "compiled", "memory")


def plot_network(symbol, shape=None, dtype=None, title=None, hide_weights=True,
                 node_attrs=None, view="graph", save_format="png", train=False):
    """A picture of ``symbol`` (a ``Symbol``, or a ``TrainStep`` from
    ``sg.compile_step``): a ``graphviz.Digraph`` to ``.render(outfile=path)``
    or show in Jupyter.

    ``shape`` (argument name -> shape) and ``dtype`` (name -> dtype, or one
    dtype for all) type the graph; the compiled and memory views need every
    shape. ``view`` is

    - ``'graph'``: the graph as built, one node per layer or op, edges
      labelled with shapes; ``hide_weights`` folds parameters into the
      layers that read them;
    - ``'compiled'``: the kernels the CPU backend runs, each fused kernel a
      box of its ops with the bytes it moves and its FLOPs, each edge between
      kernels labelled with why they were not fused;
    - ``'memory'``: the tensors of that schedule colored by the storage they
      live in, in-place writes, and the plan's naive, planned and
      lower-bound bytes.

    With ``train`` every view shows the training graph the CPU backend
    compiles: forward, then the gradients of the parameters (of every float
    argument when there are none); the graph view draws its primitives. A
    ``TrainStep`` shows forward, backward and the optimizer's update.
    ``node_attrs`` (Graphviz attributes) override every node's style;
    ``save_format`` is what ``render`` writes.
    """
    if view not in VIEWS:
        raise ValueError(f"view must be one of {', '.join(VIEWS)}; got {view!r}")
    subject = subject_for(symbol, shape, dtype, train, compiled=view != "graph" or train)
    if view == "graph":
        return draw_graph(subject, title, hide_weights, node_attrs, save_format)
    plan = kernel_plan(subject)
    draw = draw_compiled if view == "compiled" else draw_memory
    return draw(subject, plan, title, node_attrs, save_format)


def repr_mimebundle(symbol, include=None, exclude=None):
    """What Jupyter shows for a Symbol: its graph as SVG when it can be drawn
    (``dot`` installed, shapes consistent), and always its ``repr``."""
    bundle = {"text/plain": repr(symbol)}
    wanted = set(include or ("image/svg+xml", "text/plain")) - set(exclude or ())
    if "image/svg+xml" in wanted:
        try:
            bundle["image/svg+xml"] = plot_network(symbol).pipe(format="svg", encoding="utf-8")
        except SymgraphError:
            pass
    return {mime: data for mime, data in bundle.items() if mime in wanted}


__all__ = ["DotNotFoundError", "Picture", "VIEWS", "plot_network", "print_summary",
           "repr_mimebundle", "summarize"]
