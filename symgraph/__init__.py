"""symgraph: a symbolic computation-graph compiler.

Build a graph with ``sg.var`` and ops, infer its shapes, evaluate it::

    import symgraph as sg
    x = sg.var("x")
    y = sg.FullyConnected(x, num_hidden=3, name="fc1")
    arg_shapes, out_shapes, _ = y.infer_shape(x=(2, 4))

Train it with Keras's names (``sg.Model(net).compile(...).fit(...)``, layers in
``sg.nn``, data in ``sg.data``) and draw it with ``sg.viz.plot_network``.
"""

from . import ops  # noqa: F401  (registers every op)
from . import autograd  # noqa: F401
from . import ndarray as nd  # noqa: F401
from . import optim, random  # noqa: F401
from .context import Context, cpu, current_context, gpu  # noqa: F401
from .api import SYMBOL_FUNCTIONS as _SYMBOL_FUNCTIONS
from .errors import *  # noqa: F401,F403
from .gradient import grad  # noqa: F401
from .graph.naming import name_scope  # noqa: F401
from .options import CompileOptions  # noqa: F401
from .serialize import load, load_json  # noqa: F401
from .step import compile_step  # noqa: F401
from .trace import hybridize, trace  # noqa: F401
from .build import Variable, group, var  # noqa: F401
from .symbol import Symbol  # noqa: F401
from . import data, metrics, nn, testing  # noqa: F401  (after Symbol: they build symbols)
from .model import Model  # noqa: F401

globals().update(_SYMBOL_FUNCTIONS)


def __getattr__(name):
    """``sg.viz`` is imported on first use: it brings in the graphviz package,
    which building and running graphs never need."""
    if name == "viz":
        import importlib

        return importlib.import_module(".viz", __name__)
    raise AttributeError(f"module 'symgraph' has no attribute {name!r}")
