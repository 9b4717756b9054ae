"""The command line: pictures and summaries of saved graphs.

    python -m symgraph viz net.json -o net.png --shape data=1,784 [--view compiled|memory]
    python -m symgraph summary net.json --shape data=1,784

A graph is the JSON that ``Symbol.save`` writes. The picture's format comes
from the output's suffix (``.png``, ``.svg``, ``.pdf``).
"""

import argparse
import pathlib
import sys

from .errors import ShapeError, SymgraphError
from .serialize import load
from .viz import VIEWS, plot_network, print_summary

FORMATS = ("png", "svg", "pdf")


def parse_shape(text):
    """``data=1,784`` (or ``data=(1, 784)``; ``x=`` for a scalar) -> ``("data", (1, 784))``."""
    name, sep, dims = text.partition("=")
    dims = dims.strip().strip("()").replace(" ", "")
    try:
        if not sep or not name:
            raise ValueError
        return name, tuple(int(d) for d in dims.split(",") if d)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected NAME=D1,D2,... (for example data=1,784), got {text!r}") from None


def parse_dtype(text):
    name, sep, dtype = text.partition("=")
    if not sep or not name or not dtype:
        raise argparse.ArgumentTypeError(f"expected NAME=DTYPE (for example label=int32), "
                                         f"got {text!r}")
    return name, dtype


def build_parser():
    parser = argparse.ArgumentParser(prog="python -m symgraph", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    def graph_command(name, help_text):
        command = commands.add_parser(name, help=help_text, description=help_text)
        command.add_argument("graph", type=pathlib.Path, help="a graph saved by Symbol.save")
        command.add_argument("--shape", type=parse_shape, nargs="+", action="extend",
                             default=[], metavar="NAME=D1,D2",
                             help="an argument's shape (repeat for several)")
        command.add_argument("--dtype", type=parse_dtype, nargs="+", action="extend",
                             default=[], metavar="NAME=DTYPE", help="an argument's dtype")
        return command

    viz = graph_command("viz", "draw a saved graph to PNG, SVG or PDF")
    viz.add_argument("-o", "--output", type=pathlib.Path,
                     help="the picture to write (default: the graph's name with .png)")
    viz.add_argument("--view", choices=VIEWS, default="graph",
                     help="the graph as built, its compiled kernels, or its memory plan")
    viz.add_argument("--train", action="store_true",
                     help="compiled and memory views: the training graph (with gradients)")
    viz.add_argument("--show-weights", action="store_true",
                     help="draw parameters as nodes of their own")
    viz.add_argument("--title", help="a title over the picture")
    summary = graph_command("summary", "print a table of a saved graph's layers")
    summary.add_argument("--line-length", type=int, default=98)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        symbol = load(args.graph)
        shape, dtype = dict(args.shape), dict(args.dtype)
        if args.command == "summary":
            print_summary(symbol, shape, dtype, line_length=args.line_length)
            return 0
        output = args.output or args.graph.with_suffix(".png")
        save_format = output.suffix.lstrip(".").lower()
        if save_format not in FORMATS:
            print(f"symgraph: error: cannot write {output}: the output must end in "
                  f"{', '.join('.' + f for f in FORMATS)}", file=sys.stderr)
            return 2
        picture = plot_network(symbol, shape, dtype, title=args.title,
                               hide_weights=not args.show_weights, view=args.view,
                               save_format=save_format, train=args.train)
        picture.render(outfile=output, format=save_format, cleanup=True)
        print(output)
        return 0
    except (SymgraphError, OSError) as err:
        hint = "\n(give argument shapes with --shape NAME=D1,D2,...)" \
            if isinstance(err, ShapeError) else ""
        print(f"symgraph: error: {err}{hint}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
