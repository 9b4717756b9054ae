"""Layer ops with MXNet's names and semantics: FullyConnected, Activation,
Dropout, softmax, log_softmax, and the loss-output heads SoftmaxOutput,
LinearRegressionOutput and LogisticRegressionOutput.

These are COMPOSITE: users see, save and draw them as one node; ``expand``
rewrites them into primitives for autodiff and fusion. A layer creates the
inputs it owns as variables (``fc1_weight``, ``fc1_bias``, ``softmax_label``)
when they are not given, and infers their shapes from its data.

A composite with a ``grad`` rule is differentiated as a whole, before it is
expanded: log_softmax (better conditioned) and the loss-output heads, whose
backward ignores the head gradient and uses the label, as MXNet's do.
"""

import numpy as np

from .. import dtypes
from ..graph.ir import TensorType
from . import attrs as A
from ._build import call
from .elementwise import _relu, _sigmoid, _softplus
from .layout import _flattened
from .random import SEED, uniform_sample
from .registry import Kind, OpDef, register
from .shape_rules import normalize_axis


def _float_input(ctx, i=0):
    if not dtypes.is_float(ctx.types[i].dtype):
        ctx.fail_dtype(f"input {ctx.label(i)} must be float, not {ctx.types[i].dtype.name}")


def _same_as_data(ctx):
    _float_input(ctx)
    return [ctx.types[0]]


# ---- FullyConnected --------------------------------------------------------------------


def _fc_features(ctx, data):
    if data.ndim < (2 if ctx.attrs["flatten"] else 1):
        ctx.fail(f"input {ctx.label(0)} needs a batch axis; it has shape {data.shape}")
    if ctx.attrs["flatten"]:
        return int(np.prod(data.shape[1:], dtype=np.int64))
    return data.shape[-1]


def _fc_param_types(ctx):
    data = ctx.types[0]
    if data is None or not data.known:
        return {}
    features, hidden = _fc_features(ctx, data), ctx.attrs["num_hidden"]
    params = {1: TensorType((hidden, features), data.dtype)}
    if not ctx.attrs["no_bias"]:
        params[2] = TensorType((hidden,), data.dtype)
    return params


def _fc_infer(ctx):
    _float_input(ctx)
    data, weight = ctx.types[:2]
    features, hidden = _fc_features(ctx, data), ctx.attrs["num_hidden"]
    if weight.ndim != 2 or weight.shape[1] != features:
        ctx.fail(f"input {ctx.label(0)} has {features} features but {ctx.label(1)} expects "
                 f"{weight.shape[1] if weight.ndim == 2 else weight.shape}")
    if weight.shape[0] != hidden:
        ctx.fail(f"{ctx.label(1)} has {weight.shape[0]} rows but num_hidden is {hidden}")
    if not ctx.attrs["no_bias"] and ctx.types[2].shape != (hidden,):
        ctx.fail(f"{ctx.label(2)} has shape {ctx.types[2].shape}, expected ({hidden},)")
    batch = data.shape[:1] if ctx.attrs["flatten"] else data.shape[:-1]
    return [TensorType(batch + (hidden,), dtypes.promote(ctx.types))]


def _fc_reference(data, weight, *bias, num_hidden, no_bias, flatten):
    x = np.reshape(data, _flattened(np.shape(data))) if flatten else data
    y = np.matmul(x, np.transpose(weight))
    return y + bias[0] if bias else y


def _fc_expand(ctx):
    data, weight, *bias = ctx.inputs
    x = call("flatten", data) if ctx.attrs["flatten"] else data
    y = call("matmul", x, call("transpose", weight))
    return [y + bias[0] if bias else y]


register(OpDef(
    name="FullyConnected", kind=Kind.COMPOSITE,
    arity=lambda attrs: 2 if attrs["no_bias"] else 3,
    attrs={"num_hidden": A.POSITIVE_INT(), "no_bias": A.BOOL(False), "flatten": A.BOOL(True)},
    input_names=("data", "weight", "bias"), auto_inputs={1: "param", 2: "param"},
    infer=_fc_infer, infer_inputs=_fc_param_types, reference=_fc_reference, expand=_fc_expand,
    doc="``data @ weight.T + bias``; weight is (num_hidden, features). With ``flatten`` "
        "the data is (batch, ...) flattened to (batch, features).",
))

# ---- Activation and Dropout ------------------------------------------------------------

_ACTIVATIONS = {"relu": ("relu", _relu), "sigmoid": ("sigmoid", _sigmoid),
                "tanh": ("tanh", np.tanh), "softrelu": ("softplus", _softplus)}

register(OpDef(
    name="Activation", kind=Kind.COMPOSITE, input_names=("data",),
    attrs={"act_type": A.CHOICE(*_ACTIVATIONS)}, infer=_same_as_data,
    reference=lambda data, act_type: _ACTIVATIONS[act_type][1](data),
    expand=lambda ctx: [call(_ACTIVATIONS[ctx.attrs["act_type"]][0], ctx.inputs[0])],
    doc="An activation by name: relu, sigmoid, tanh, softrelu.",
))


def _dropout_infer(ctx):
    if not 0.0 <= ctx.attrs["p"] < 1.0:
        ctx.fail(f"p must be in [0, 1), got {ctx.attrs['p']}")
    return _same_as_data(ctx)


def _dropout_reference(data, p, seed, run):
    data = np.asarray(data)
    if not run.is_train or p == 0.0:
        return data
    keep = uniform_sample(data.shape, 0.0, 1.0, data.dtype, seed, run.step) >= p
    return (data * keep * (1.0 / (1.0 - p))).astype(data.dtype)


def _dropout_expand(ctx):
    data = ctx.inputs[0]
    p = ctx.attrs["p"]
    if not ctx.run.is_train or p == 0.0:
        return [data]
    noise = call("random_uniform", data, seed=ctx.attrs["seed"],
                 dtype=ctx.known_type(0).dtype.name)
    return [data * (noise >= p) * (1.0 / (1.0 - p))]


register(OpDef(
    name="Dropout", kind=Kind.COMPOSITE, input_names=("data",), uses_run=True,
    attrs={"p": A.FLOAT(0.5), "seed": SEED},
    infer=_dropout_infer, reference=_dropout_reference, expand=_dropout_expand,
    doc="In training, zero each element with probability p and scale the rest by "
        "1/(1-p); in prediction, the identity.",
))

# ---- softmax family --------------------------------------------------------------------


def _softmax_reference(data, axis):
    shifted = data - np.max(data, axis=axis, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=axis, keepdims=True)


def _log_softmax_reference(data, axis):
    shifted = data - np.max(data, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def _shifted(x, axis):
    return x - call("max", x, axis=axis, keepdims=True)


def _softmax_expand(ctx):
    e = call("exp", _shifted(ctx.inputs[0], ctx.attrs["axis"]))
    return [e / call("sum", e, axis=ctx.attrs["axis"], keepdims=True)]


def _log_softmax_expand(ctx):
    shifted = _shifted(ctx.inputs[0], ctx.attrs["axis"])
    total = call("sum", call("exp", shifted), axis=ctx.attrs["axis"], keepdims=True)
    return [shifted - call("log", total)]


def _softmax_infer(ctx):
    out = _same_as_data(ctx)
    if ctx.types[0].ndim == 0:
        ctx.fail("softmax needs at least one axis")
    try:
        axis = normalize_axis(ctx.attrs["axis"], ctx.types[0].ndim)
    except ValueError as err:
        ctx.fail(str(err))
    if ctx.types[0].shape[axis] == 0:
        ctx.fail(f"{ctx.node.op} over axis {ctx.attrs['axis']}, of size 0, has no values")
    return out


register(OpDef(
    name="softmax", kind=Kind.COMPOSITE, input_names=("data",), attrs={"axis": A.INT(-1)},
    infer=_softmax_infer, reference=_softmax_reference, expand=_softmax_expand,
    doc="exp(x) / sum(exp(x)) along ``axis``, computed with the max subtracted.",
))
register(OpDef(
    name="log_softmax", kind=Kind.COMPOSITE, input_names=("data",), attrs={"axis": A.INT(-1)},
    infer=_softmax_infer, reference=_log_softmax_reference, expand=_log_softmax_expand,
    grad=lambda c, g: [g - call("exp", c.out) * call("sum", g, axis=c.attrs["axis"],
                                                     keepdims=True)],
    doc="log(softmax(x)) computed stably; its gradient is g - softmax * sum(g).",
))
