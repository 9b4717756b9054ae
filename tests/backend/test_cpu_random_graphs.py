"""Random graphs compiled for the CPU against the reference backend:
forward outputs and the gradients of every input, through executors.

A graph is a chain of 2 to 6 steps applied to a current value, starting
from ``x`` of shape (3, 4); each step may bring in a new variable:

    unary      tanh, sigmoid, relu, exp (of tanh: bounded)
    binary     add, multiply, subtract, maximum with a new variable of the same
               shape, a row (1, n) or column (m, 1) vector, a Python scalar, or itself
    reduce     sum / mean / max over axis 0 or 1 with keepdims, combined back
               with the value by a binary op (as softmax's ``x - max(x)``)
    transpose  (m, n) -> (n, m)
    matmul     with a new (n, n) matrix

The vocabulary and shapes are small so that kernels repeat across examples
(each distinct kernel costs numba ~0.2 s on a cold cache). Hypothesis runs
derandomized, with no example database, so every run sees the same graphs.
``EXAMPLES`` graphs compile about 2 kernels each on a cold cache (50 graphs:
~110 kernels; 200 graphs: ~270), so CI runs 50; set
``SYMGRAPH_RANDOM_GRAPHS=200`` (or more) for a longer search.
"""

import operator
import os

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import symgraph as sg

EXAMPLES = int(os.environ.get("SYMGRAPH_RANDOM_GRAPHS", "50"))

UNARY = {"tanh": sg.tanh, "sigmoid": sg.sigmoid, "relu": sg.relu,
         "exp": lambda a: sg.exp(sg.tanh(a))}
BINARY = {"add": operator.add, "multiply": operator.mul, "subtract": operator.sub,
          "maximum": sg.maximum}
PARTNERS = ("same", "row", "column", "scalar", "itself")
REDUCE = ("sum", "mean", "max")

steps = st.one_of(
    st.tuples(st.just("unary"), st.sampled_from(sorted(UNARY))),
    st.tuples(st.just("binary"), st.sampled_from(sorted(BINARY)), st.sampled_from(PARTNERS)),
    st.tuples(st.just("reduce"), st.sampled_from(REDUCE), st.integers(0, 1),
              st.sampled_from(sorted(BINARY))),
    st.tuples(st.just("transpose")),
    st.tuples(st.just("matmul")),
)


class Builder:
    """Applies steps to the current value, declaring variables as it goes."""

    def __init__(self):
        self.value, self.shape = sg.var("x"), (3, 4)
        self.shapes = {"x": self.shape}

    def new_var(self, shape):
        name = f"v{len(self.shapes)}"
        self.shapes[name] = shape
        return sg.var(name)

    def apply(self, step):
        kind, *args = step
        m, n = self.shape
        if kind == "unary":
            self.value = UNARY[args[0]](self.value)
        elif kind == "binary":
            partner = {"same": lambda: self.new_var((m, n)), "row": lambda: self.new_var((1, n)),
                       "column": lambda: self.new_var((m, 1)), "scalar": lambda: 0.75,
                       "itself": lambda: self.value}[args[1]]()
            self.value = BINARY[args[0]](self.value, partner)
        elif kind == "reduce":
            reduced = getattr(sg, args[0])(self.value, axis=args[1], keepdims=True)
            self.value = BINARY[args[2]](self.value, reduced)
        elif kind == "transpose":
            self.value, self.shape = sg.transpose(self.value), (n, m)
        else:
            self.value = sg.matmul(self.value, self.new_var((n, n)))


def describe(chain):
    return " -> ".join(":".join(map(str, step)) for step in chain)


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(chain=st.lists(steps, min_size=2, max_size=6), seed=st.integers(0, 2**31 - 1))
def test_random_graph_matches_reference(chain, seed, assert_cpu_matches_reference):
    builder = Builder()
    for step in chain:
        builder.apply(step)
    rng = np.random.default_rng(seed)
    feeds = {name: rng.uniform(-1, 1, shape).astype(np.float32)
             for name, shape in builder.shapes.items()}
    try:
        assert_cpu_matches_reference(builder.value, feeds, loose=5)
    except AssertionError as error:
        raise AssertionError(f"graph {describe(chain)}: {error}") from None
