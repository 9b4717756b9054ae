"""Checking helpers for users and for symgraph's own tests, with MXNet's names.

``check_numeric_gradient`` compares the symbolic gradient (the autodiff pass)
with central finite differences, in float64, on a random projection of the
outputs (so every output element matters, not only their sum).
``check_symbolic_forward`` and ``check_symbolic_backward`` compare with
expected arrays. All run on the numpy reference backend, the oracle.
"""

import numpy as np

from .backend.reference import evaluate
from .compiler import differentiate
from .dtypes import is_float
from .errors import BindError, GradientError
from .graph.ir import Attrs, Graph, Node, TensorType
from .run_context import RunContext


def assert_allclose(actual, expected, rtol=1e-5, atol=1e-8, name="value"):
    """numpy's assert_allclose with a message that names what differed and where."""
    actual, expected = np.asarray(actual), np.asarray(expected)
    if actual.shape != expected.shape:
        raise AssertionError(f"{name}: shape {actual.shape} != expected {expected.shape}")
    close = np.isclose(actual, expected, rtol=rtol, atol=atol, equal_nan=True)
    if not close.all():
        worst = np.unravel_index(np.argmax(np.where(close, 0, np.abs(actual - expected))),
                                 actual.shape)
        raise AssertionError(
            f"{name}: {int((~close).sum())} of {close.size} elements differ; worst at "
            f"{tuple(int(i) for i in worst)}: {actual[worst]!r} vs expected {expected[worst]!r} "
            f"(rtol={rtol}, atol={atol})")


assert_almost_equal = assert_allclose


def _location(sym, location):
    """``location`` (a list in ``list_arguments`` order, or a dict) as a dict of
    arrays, floats in float64; every argument given and nothing else."""
    names = sym.list_arguments()
    if not isinstance(location, dict):
        location = list(location)
        if len(location) != len(names):
            raise BindError(f"{len(location)} arrays given for the {len(names)} arguments "
                            f"{names}")
        location = dict(zip(names, location))
    unknown = [k for k in location if k not in names]
    missing = [k for k in names if k not in location]
    if unknown or missing:
        problem = (f"{unknown[0]!r} is not an argument" if unknown
                   else f"argument {missing[0]!r} is not given")
        raise BindError(f"location: {problem}; arguments are {names}")
    return {k: np.asarray(v, dtype=np.float64) if is_float(np.asarray(v).dtype)
            else np.asarray(v) for k, v in location.items()}


def _float64_graph(sym):
    """The graph of ``sym`` with variables declared float32 declared float64, so
    the checks compute in float64 (ops that cast inside still cast)."""
    rebuilt = {}

    def value(v):
        return rebuilt[v.node].outputs[v.index]

    for node in sym.graph().nodes:
        attrs = node.attrs
        if node.op == "var" and attrs["dtype"] is not None and is_float(attrs["dtype"]):
            attrs = Attrs({**attrs.as_dict(), "dtype": "float64"})
        rebuilt[node] = Node(node.op, [value(v) for v in node.inputs], attrs, node.name,
                             num_outputs=node.num_outputs, origin=node.origin)
    return Graph([value(v) for v in sym.outputs])


def _by_output(sym, expected):
    """``expected`` (a list, one per output, or a dict by output name) as a list."""
    names = sym.list_outputs()
    if isinstance(expected, dict):
        unknown = [k for k in expected if k not in names]
        if unknown:
            raise AssertionError(f"expected names {unknown[0]!r}, which is not an output; "
                                 f"outputs are {names}")
        expected = [expected.get(name) for name in names]
    expected = list(expected)
    if len(expected) != len(names):
        raise AssertionError(f"{len(expected)} expected arrays for the {len(names)} outputs "
                             f"{names}")
    return expected


def check_symbolic_forward(sym, location, expected, rtol=1e-5, atol=1e-8, is_train=False):
    """Outputs of ``sym`` at ``location`` equal ``expected`` (a list, one per
    output, or a dict by output name; ``None`` skips an output)."""
    expected = _by_output(sym, expected)
    outputs = evaluate(_float64_graph(sym), _location(sym, location),
                       RunContext(is_train=is_train))
    for name, out, want in zip(sym.list_outputs(), outputs, expected):
        if want is not None:
            assert_allclose(out, want, rtol, atol, name=name)
    return outputs


def _check_names(sym, names):
    """``names`` (a list, or MXNet's dict of name -> grad_req) as a list of arguments."""
    names = list(names)
    arguments = sym.list_arguments()
    for name in names:
        if name not in arguments:
            raise GradientError(f"{name!r} is not an argument of {sym!r}; arguments are "
                                f"{arguments}")
    return names


def symbolic_gradients(sym, location, names, out_grads=None, run=RunContext(is_train=True)):
    """Gradient arrays (name -> array) of ``sym`` at ``location``, from the autodiff pass."""
    from .build import var

    names = _check_names(sym, names)
    location = _location(sym, location)
    graph = _float64_graph(sym)
    by_name = {n.name: n.outputs[0] for n in graph.variables()}
    heads, feeds = [], dict(location)
    for i, out in enumerate(evaluate(graph, location, run)):
        grad = np.ones_like(out) if out_grads is None else np.asarray(out_grads[i], out.dtype)
        feeds[f"__out_grad{i}"] = grad
        heads.append(var(f"__out_grad{i}", dtype=grad.dtype.name).value)
    bound = {k: TensorType(v.shape, v.dtype) for k, v in feeds.items()}
    full = differentiate(graph, [by_name[n] for n in names], heads, bound)
    grads = Graph(full.outputs[len(graph.outputs):])
    used = {node.name for node in grads.variables()}
    values = evaluate(grads, {k: v for k, v in feeds.items() if k in used}, run)
    return dict(zip(names, values))


def check_symbolic_backward(sym, location, out_grads, expected, rtol=1e-5, atol=1e-8):
    """Gradients of ``sym`` at ``location`` for ``out_grads`` equal ``expected``
    (dict name -> array, or a list in argument order)."""
    names = sym.list_arguments()
    expected = expected if isinstance(expected, dict) else dict(zip(names, expected))
    grads = symbolic_gradients(sym, location, list(expected), out_grads)
    for name, want in expected.items():
        assert_allclose(grads[name], want, rtol, atol, name=f"gradient of {name}")
    return grads


def numeric_gradients(sym, location, names, out_grads, eps, run):
    """Central differences of sum(outputs * out_grads) for each argument in ``names``."""
    location = _location(sym, location)
    graph = _float64_graph(sym)

    def objective(feeds):
        outs = evaluate(graph, feeds, run)
        return sum(float(np.sum(o.astype(np.float64) * g)) for o, g in zip(outs, out_grads))

    grads = {}
    for name in names:
        point = location[name].copy()
        grad = np.zeros_like(point)
        for index in np.ndindex(point.shape):
            original = point[index]
            values = []
            for step in (eps, -eps):
                point[index] = original + step
                values.append(objective({**location, name: point}))
            point[index] = original
            grad[index] = (values[0] - values[1]) / (2 * eps)
        grads[name] = grad
    return grads


def check_numeric_gradient(sym, location, grad_nodes=None, numeric_eps=1e-3, rtol=1e-2,
                           atol=1e-4, use_forward_train=True, seed=0):
    """The autodiff gradient of ``sym`` equals finite differences at ``location``.

    ``grad_nodes`` lists the arguments to check (default: every float argument;
    MXNet's dict of name -> grad_req works too)."""
    location = _location(sym, location)
    if grad_nodes is None:
        grad_nodes = [n for n in sym.list_arguments() if is_float(location[n].dtype)]
    grad_nodes = _check_names(sym, grad_nodes)
    run = RunContext(is_train=use_forward_train, step=1)
    outputs = evaluate(_float64_graph(sym), location, run)
    rng = np.random.default_rng(seed)
    out_grads = [rng.normal(size=o.shape) for o in outputs]
    numeric = numeric_gradients(sym, location, grad_nodes, out_grads, numeric_eps, run)
    symbolic = symbolic_gradients(sym, location, grad_nodes, out_grads, run)
    for name in grad_nodes:
        assert_allclose(symbolic[name], numeric[name], rtol, atol, name=f"gradient of {name}")
    return symbolic
