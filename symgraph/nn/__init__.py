"""``sg.nn``: layers that build Symbols, initializers, regularizers, losses,
and parameter files.

    net = sg.nn.Sequential(sg.nn.Dense(256, activation="relu"), sg.nn.Dropout(0.2),
                           sg.nn.Dense(10))
"""

from . import init, losses, regularizers  # noqa: F401
from .layers import Activation, Block, Dense, Dropout, Flatten, Sequential  # noqa: F401
from .params import load_params, save_params  # noqa: F401
from .regularizers import l1, l1_l2, l2  # noqa: F401
