"""Pictures of the MLP: its graph, the kernels the CPU backend compiles it to,
and its memory plan, for prediction and for a training step (forward,
backward and the SGD update), as PNG (or SVG, PDF).

    python examples/render_graph.py [--out DIR] [--format png|svg|pdf] [--quick]

``python examples/render_graph.py --out docs`` redraws the pictures that
docs/pictures.md and the README show. Rendering needs Graphviz's ``dot``
program (``sudo apt-get install graphviz``, ``conda install -c conda-forge
graphviz`` or ``brew install graphviz``). ``--quick`` draws the three views of
the MLP only.
"""

import argparse
import os
import tempfile

import symgraph as sg

SHAPES = {"data": (64, 784), "label": (64,)}


def mlp():
    """The MLP of the README: 784 -> 128 (relu) -> 10, softmax cross-entropy."""
    data = sg.var("data")
    hidden = sg.Activation(sg.FullyConnected(data, num_hidden=128, name="fc1"),
                           act_type="relu", name="relu1")
    logits = sg.FullyConnected(hidden, num_hidden=10, name="fc2")
    return sg.softmax_cross_entropy(logits, sg.var("label", dtype="int32")).mean(name="loss")


def pictures(quick):
    """Name -> a function drawing that picture, all of one MLP."""
    plot, net = sg.viz.plot_network, mlp()
    drawn = {
        "mlp_graph": lambda: plot(net, shape=SHAPES, title="MLP"),
        "mlp_compiled": lambda: plot(net, shape=SHAPES, view="compiled",
                                     title="MLP, compiled for prediction"),
        "mlp_memory": lambda: plot(net, shape=SHAPES, view="memory",
                                   title="MLP, memory plan of prediction"),
    }
    if not quick:
        # forward, backward and SGD with momentum, compiled into one plan
        step = sg.compile_step(net, sg.optim.SGD(lr=0.1, momentum=0.9), **SHAPES)
        drawn["mlp_step"] = lambda: plot(step, view="compiled",
                                         title="MLP training step (SGD with momentum)")
        drawn["mlp_step_memory"] = lambda: plot(step, view="memory",
                                                title="MLP training step, memory plan")
    return drawn


def shrink(path):
    """Reduce a PNG to 64 colors (with Pillow, which matplotlib brings): the
    pictures are flat colors, so nothing visible is lost and files stay small."""
    try:
        from PIL import Image
    except ImportError:
        return
    Image.open(path).convert("RGB").quantize(64).save(path, optimize=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join(tempfile.gettempdir(), "symgraph-pictures"),
                        help="the folder to write to (default: %(default)s)")
    parser.add_argument("--format", choices=("png", "svg", "pdf"), default="png")
    parser.add_argument("--quick", action="store_true", help="the MLP's three views only")
    args = parser.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    written = {}
    for name, draw in pictures(args.quick).items():
        path = draw().render(outfile=os.path.join(args.out, f"{name}.{args.format}"),
                             cleanup=True)
        if args.format == "png":
            shrink(path)
        print(f"{path}: {os.path.getsize(path) // 1024} KB")
        written[name] = path
    return written


if __name__ == "__main__":
    main()
