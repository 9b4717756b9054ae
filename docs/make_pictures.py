"""Draw the example pictures in docs/ (see docs/pictures.md).

    python docs/make_pictures.py            # every picture
    python docs/make_pictures.py NAME ...   # some of them

Each picture is drawn in a process of its own, so the names of expanded nodes
(``fc1_matmul0``) are those a fresh program sees. With Pillow installed the
PNGs are reduced to 64 colors, which keeps each under 300 KB.
"""

import pathlib
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import symgraph as sg  # noqa: E402
from symgraph import viz  # noqa: E402

SHAPES = {"data": (64, 784), "label": (64,)}
MAX_BYTES = 300 * 1024


def mlp():
    """The MLP of the README: 784 -> 128 (relu) -> 10, softmax cross-entropy."""
    data = sg.var("data")
    hidden = sg.Activation(sg.FullyConnected(data, num_hidden=128, name="fc1"),
                           act_type="relu", name="relu1")
    logits = sg.FullyConnected(hidden, num_hidden=10, name="fc2")
    return sg.softmax_cross_entropy(logits, sg.var("label", dtype="int32")).mean(name="loss")


def step():
    return sg.compile_step(mlp(), sg.optim.SGD(lr=0.1, momentum=0.9), backend="reference",
                           **SHAPES)


PICTURES = {
    "mlp_graph": lambda: viz.plot_network(mlp(), shape=SHAPES, title="MLP"),
    "mlp_compiled": lambda: viz.plot_network(
        mlp(), shape=SHAPES, view="compiled", title="MLP, compiled for prediction"),
    "mlp_memory": lambda: viz.plot_network(
        mlp(), shape=SHAPES, view="memory", title="MLP, memory plan of prediction"),
    "mlp_step": lambda: viz.plot_network(
        step(), view="compiled", title="MLP training step (SGD with momentum)"),
    "mlp_step_memory": lambda: viz.plot_network(
        step(), view="memory", title="MLP training step, memory plan"),
}


def draw(name):
    path = pathlib.Path(PICTURES[name]().render(outfile=HERE / f"{name}.png", cleanup=True))
    try:
        from PIL import Image
    except ImportError:
        pass
    else:
        Image.open(path).convert("RGB").quantize(64).save(path, optimize=True)
    size = path.stat().st_size
    print(f"{path.relative_to(HERE.parent)}: {size // 1024} KB")
    if size > MAX_BYTES:
        sys.exit(f"{path} is over {MAX_BYTES // 1024} KB")


def main(names):
    if len(names) == 1:
        draw(names[0])
        return
    for name in names or PICTURES:
        subprocess.run([sys.executable, __file__, name], check=True)


if __name__ == "__main__":
    main(sys.argv[1:])
