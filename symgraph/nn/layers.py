"""Layers that build Symbols, with Keras's names and MXNet's parameter names.

A layer is called on a Symbol and returns a Symbol; its parameters are
variables named ``{layer}_weight`` and ``{layer}_bias`` whose shapes are
inferred from the data. A layer creates its variables once, so calling it
twice shares its weights::

    net = sg.nn.Sequential(
        sg.nn.Dense(256, activation="relu", kernel_regularizer=sg.nn.l2(1e-4)),
        sg.nn.Dropout(0.2),
        sg.nn.Dense(10))
    logits = net(sg.var("data"))        # dense0_weight, dense0_bias, dense1_...
"""

import itertools
from collections import defaultdict

from ..build import apply, var
from ..errors import AttrError
from . import init as initializers
from . import regularizers

_counters = defaultdict(itertools.count)


def _auto_name(hint):
    """``dense0``, ``dense1``, ... per process, as MXNet names blocks."""
    return f"{hint}{next(_counters[hint])}"


class Block:
    """A piece of a network: ``block(x)`` builds its part of the graph on ``x``."""

    def __init__(self, name=None):
        self.name = name or _auto_name(type(self).__name__.lower())

    def __call__(self, x):
        return self.forward(x)

    def forward(self, x):
        raise NotImplementedError

    def __repr__(self):
        return f"{type(self).__name__}(name={self.name!r})"


_ACTIVATIONS = {"relu": "relu", "sigmoid": "sigmoid", "tanh": "tanh",
                "softrelu": "softrelu", "softplus": "softrelu"}


def activate(x, activation, name=None):
    """``x`` through an activation given by name (``None`` or ``'linear'``: as is)."""
    if activation in (None, "linear"):
        return x
    if activation == "softmax":
        return apply("softmax", (x,), {}, name=name)
    if activation not in _ACTIVATIONS:
        raise AttrError(f"unknown activation {activation!r}; use one of "
                        f"{sorted(_ACTIVATIONS) + ['linear', 'softmax']}")
    return apply("Activation", (x,), {"act_type": _ACTIVATIONS[activation]}, name=name)


def parameter(name, init=None, regularizer=None):
    """A parameter variable carrying its initializer and regularizer."""
    attr = {regularizers.ATTR: regularizers.get(regularizer)} if regularizer else None
    init = initializers.get(init) if init is not None else None
    return var(name, init=init, attr=attr, role="param")


class Dense(Block):
    """A fully connected layer ``activation(x @ W.T + b)`` (``FullyConnected``);
    ``flatten`` flattens the data to (batch, features) first."""

    def __init__(self, units, activation=None, use_bias=True, flatten=True,
                 kernel_initializer=None, bias_initializer=None, kernel_regularizer=None,
                 bias_regularizer=None, name=None):
        super().__init__(name)
        self.units, self.activation, self.flatten = int(units), activation, bool(flatten)
        self.weight = parameter(f"{self.name}_weight", kernel_initializer, kernel_regularizer)
        self.bias = (parameter(f"{self.name}_bias", bias_initializer, bias_regularizer)
                     if use_bias else None)

    def forward(self, x):
        inputs = (x, self.weight) if self.bias is None else (x, self.weight, self.bias)
        y = apply("FullyConnected", inputs, {"num_hidden": self.units,
                                             "no_bias": self.bias is None,
                                             "flatten": self.flatten}, name=self.name)
        return activate(y, self.activation, name=f"{self.name}_{self.activation}")


class Activation(Block):
    """An activation by name: relu, sigmoid, tanh, softrelu, softmax."""

    def __init__(self, activation, name=None):
        super().__init__(name)
        self.activation = activation

    def forward(self, x):
        return activate(x, self.activation, name=self.name)


class Dropout(Block):
    """Zero each element with probability ``rate`` while training."""

    def __init__(self, rate, seed=None, name=None):
        super().__init__(name)
        self.rate, self.seed = float(rate), seed

    def forward(self, x):
        return apply("Dropout", (x,), {"p": self.rate, "seed": self.seed}, name=self.name)


class Flatten(Block):
    """(batch, ...) to (batch, features)."""

    def forward(self, x):
        return apply("flatten", (x,), {}, name=self.name)


class Sequential(Block):
    """Layers applied in order; ``add`` appends more."""

    def __init__(self, *layers, name=None):
        super().__init__(name)
        self.layers = []
        self.add(*layers)

    def add(self, *layers):
        for layer in layers:
            if not callable(layer):
                raise AttrError(f"Sequential holds layers (callables on Symbols), got {layer!r}")
            self.layers.append(layer)
        return self

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def __getitem__(self, index):
        return self.layers[index]

    def __len__(self):
        return len(self.layers)

    def __repr__(self):
        inner = "".join(f"\n  {layer!r}" for layer in self.layers)
        return f"Sequential({inner}\n)"
