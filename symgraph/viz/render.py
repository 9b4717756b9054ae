"""The picture object every view returns, and its text helpers.

A ``Picture`` is a ``graphviz.Digraph``: ``.render(path)`` writes PNG, SVG
or PDF, ``.source`` is the dot text, and Jupyter shows it inline. Rendering
needs Graphviz's ``dot`` program; when it is missing, rendering raises
``DotNotFoundError``, a symgraph error that says how to install it.

Labels are Graphviz HTML-like labels built here, with every piece of text
escaped, so a node named ``a<b>&"c"`` is drawn as written.
"""

import html

import graphviz

from ..errors import SymgraphError
from . import palette

INSTALL_DOT = (
    "drawing a picture needs Graphviz's `dot` program, which is not on PATH "
    "(the `graphviz` Python package only writes its input). Install it with "
    "`sudo apt-get install graphviz` (Debian/Ubuntu), `sudo dnf install graphviz` (Fedora), "
    "`conda install -c conda-forge graphviz` (conda) or `brew install graphviz` (macOS), "
    "then render again. Without it, `picture.source` is the dot text.")


class DotNotFoundError(SymgraphError, graphviz.ExecutableNotFound):
    """Graphviz's ``dot`` program is not installed; the message says how to install it."""

    def __init__(self, message=INSTALL_DOT):
        RuntimeError.__init__(self, message)


class Picture(graphviz.Digraph):
    """A ``graphviz.Digraph`` whose rendering errors speak symgraph's language."""

    def pipe(self, *args, **kwargs):
        try:
            return super().pipe(*args, **kwargs)
        except graphviz.ExecutableNotFound as err:
            raise DotNotFoundError() from err

    def render(self, *args, **kwargs):
        """Write the picture (``render(outfile="net.svg")``, or a filename and
        the picture's format); returns the written path."""
        try:
            return super().render(*args, **kwargs)
        except graphviz.ExecutableNotFound as err:
            raise DotNotFoundError() from err


def new_picture(name, title=None, save_format="png"):
    """An empty top-to-bottom picture in the house style; ``title`` is drawn on
    top, its first line in bold."""
    picture = Picture(name=name, format=save_format)
    picture.attr(rankdir="TB", nodesep="0.25", ranksep="0.35",
                 fontname=palette.FONT, fontsize="13", labelloc="t", compound="true")
    if title:
        picture.attr(label=html_lines(*title.split("\n")))
    picture.attr("node", fontname=palette.FONT, fontsize=palette.FONT_SIZE,
                 fontcolor=palette.TEXT, style="filled", shape="box", margin="0.10,0.04",
                 height="0.3")
    picture.attr("edge", fontname=palette.FONT, fontsize=palette.EDGE_FONT_SIZE,
                 color=palette.EDGE, fontcolor=palette.MUTED, arrowsize="0.6")
    return picture


def escape(text):
    return html.escape(str(text), quote=False)


def html_lines(first, *rest, bold_first=True, color=None):
    """An HTML-like label: ``first`` (bold) over smaller lines ``rest``; empty
    lines are skipped. Each line is a table row, spaced so that an underscore
    never touches the line below."""
    font = f' COLOR="{color}"' if color else ""
    head = f"<B>{escape(first)}</B>" if bold_first else escape(first)
    rows = [f"<TR><TD><FONT{font}>{head}</FONT></TD></TR>"]
    rows += [f'<TR><TD><FONT POINT-SIZE="{palette.SMALL}"{font}>{escape(line)}</FONT></TD></TR>'
             for line in rest if line]
    return ('<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">'
            + "".join(rows) + "</TABLE>>")


def legend_table(title, rows):
    """A legend as an HTML table: ``rows`` of ``(fill, border style, text)``; a
    row whose fill is ``None`` is text alone."""
    cells = [f'<TR><TD COLSPAN="2" ALIGN="LEFT"><B>{escape(title)}</B></TD></TR>']
    for fill, style, text in rows:
        text = f'<FONT POINT-SIZE="{palette.SMALL}">{escape(text)}</FONT>'
        if fill is None:
            cells.append(f'<TR><TD COLSPAN="2" ALIGN="LEFT">{text}</TD></TR>')
            continue
        dashed = f' STYLE="{style}"' if style in ("dashed", "dotted") else ""
        cells.append(f'<TR><TD BGCOLOR="{fill}" BORDER="1" COLOR="{palette.MUTED}" WIDTH="20" '
                     f'HEIGHT="12" FIXEDSIZE="TRUE"{dashed}></TD><TD ALIGN="LEFT">{text}</TD></TR>')
    return ('<<TABLE BORDER="1" COLOR="#CCCCCC" CELLBORDER="0" CELLSPACING="2" '
            'CELLPADDING="2">' + "".join(cells) + "</TABLE>>")


def add_legend(picture, title, rows):
    """A legend node (``legend``) on the picture's last rank."""
    legend = Picture(name="legend_rank")
    legend.attr(rank="sink")
    legend.node("legend", legend_table(title, rows), shape="plaintext", style="", margin="0")
    picture.subgraph(legend)
