"""Losses and MXNet's loss-output heads.

Losses (``softmax_cross_entropy``, ``l2_loss``, ``l1_loss``,
``sigmoid_binary_cross_entropy``) return one value per sample: the loss is
averaged over every axis but the first (the batch axis), as Gluon's losses
do; take ``.mean()`` for a scalar. Class labels are integers in
``[0, classes)``; any other label raises ``OutOfRangeError``.

The heads (``SoftmaxOutput``, ``LinearRegressionOutput``,
``LogisticRegressionOutput``) output predictions, and their backward
ignores the head gradient: it is ``(prediction - label)`` scaled as MXNet
scales it (``grad_scale``, and for regression divided by the number of
outputs per sample). They create ``{name}_label`` when no label is given.
SoftmaxOutput may ignore one label value (``use_ignore``): those samples get
no gradient and their label is not checked against ``[0, classes)``.
"""

import numpy as np

from ..graph.ir import TensorType
from . import attrs as A
from ._build import call
from .elementwise import _relu, _sigmoid, _softplus
from .indexing import checked_indices
from .nn import _float_input, _log_softmax_reference, _softmax_reference
from .registry import Kind, OpDef, register


def _non_batch_axes(ndim):
    return tuple(range(1, ndim))


def _labels_like_data(ctx):
    data = ctx.types[0]
    return {} if data is None else {1: TensorType(data.shape, data.dtype)}


def _check_same_size(ctx):
    pred, label = ctx.types
    if pred.size != label.size or (pred.ndim and label.ndim and pred.shape[0] != label.shape[0]):
        ctx.fail(f"{ctx.label(1)} of shape {label.shape} does not match "
                 f"{ctx.label(0)} of shape {pred.shape}")


def _per_sample_infer(ctx):
    _float_input(ctx)
    _check_same_size(ctx)
    pred = ctx.types[0]
    if pred.ndim == 0:
        ctx.fail("a loss needs a batch axis")
    return [TensorType(pred.shape[:1], pred.dtype)]


def _pointwise_loss(name, reference, pointwise, doc):
    """A loss ``mean over non-batch axes of pointwise(pred, label)``."""

    def expand(ctx):
        pred, label = ctx.inputs
        pred_type = ctx.known_type(0)
        label = call("cast", call("reshape_like", label, pred), dtype=pred_type.dtype.name)
        return [call("mean", pointwise(pred, label), axis=_non_batch_axes(pred_type.ndim))]

    def numpy_loss(pred, label):
        label = np.reshape(label, np.shape(pred)).astype(np.asarray(pred).dtype)
        values = reference(pred, label)
        return np.mean(values, axis=_non_batch_axes(np.ndim(pred))).astype(np.asarray(pred).dtype)

    register(OpDef(
        name=name, kind=Kind.COMPOSITE, arity=2, input_names=("pred", "label"),
        infer=_per_sample_infer, reference=numpy_loss, expand=expand, doc=doc,
    ))


_pointwise_loss("l2_loss", lambda p, y: 0.5 * np.square(p - y),
                lambda p, y: call("square", p - y) * 0.5,
                "0.5 * (pred - label)**2, averaged per sample.")
_pointwise_loss("l1_loss", lambda p, y: np.abs(p - y), lambda p, y: call("abs", p - y),
                "|pred - label|, averaged per sample.")
_pointwise_loss(
    "sigmoid_binary_cross_entropy",
    lambda x, z: _relu(x) - x * z + _softplus(-np.abs(x)),
    lambda x, z: call("relu", x) - x * z + call("softplus", -call("abs", x)),
    "Binary cross-entropy of sigmoid(logits) against labels in [0, 1], from the "
    "logits without overflow.")


# ---- softmax cross-entropy -------------------------------------------------------------


def _class_labels_infer(ctx, label_index=1):
    logits, label = ctx.types[0], ctx.types[label_index]
    if label.shape != logits.shape[:-1]:
        ctx.fail(f"{ctx.label(label_index)} of shape {label.shape} should hold one class per "
                 f"row of {ctx.label(0)}, shape {logits.shape[:-1]}")


def _sce_infer(ctx):
    _float_input(ctx)
    logits = ctx.types[0]
    if logits.ndim == 0:
        ctx.fail("logits need a class axis")
    if ctx.attrs["sparse_label"]:
        _class_labels_infer(ctx)
    elif ctx.types[1].shape != logits.shape:
        ctx.fail(f"dense labels {ctx.label(1)} must have the logits' shape {logits.shape}")
    return [TensorType(logits.shape[:-1], logits.dtype)]


def _one_hot_labels(label, classes, dtype):
    return call("one_hot", call("cast", label, dtype="int64"), depth=classes, dtype=dtype)


def _sce_targets(ctx):
    """The label rows the loss compares with: one-hot rows for class indices."""
    label = ctx.inputs[1]
    if not ctx.attrs["sparse_label"]:
        return label
    logits_type = ctx.known_type(0)
    return _one_hot_labels(label, logits_type.shape[-1], logits_type.dtype.name)


def _sce_reference(logits, label, sparse_label):
    logp = _log_softmax_reference(logits, axis=-1)
    if sparse_label:
        label = _numpy_one_hot(label, np.shape(logits)[-1], logp.dtype)
    return -np.sum(label * logp, axis=-1)


def _numpy_one_hot(label, classes, dtype):
    label = checked_indices(np.asarray(label).astype(np.int64), 0, classes, "class label")
    return (label[..., None] == np.arange(classes)).astype(dtype)


def _sce_grad(c, g):
    g = call("expand_dims", g, axis=-1)
    if c.attrs["sparse_label"]:  # class indices have no gradient
        return [g * (call("softmax", c.x) - _sce_targets(c)), None]
    return [g * (call("softmax", c.x) - c.y), -g * call("log_softmax", c.x)]


register(OpDef(
    name="softmax_cross_entropy", kind=Kind.COMPOSITE, arity=2,
    input_names=("logits", "label"), attrs={"sparse_label": A.BOOL(True)},
    infer=_sce_infer, reference=_sce_reference,
    nondiff_inputs=lambda attrs: (1,) if attrs["sparse_label"] else (),
    expand=lambda ctx: [-call("sum", _sce_targets(ctx) * call("log_softmax", ctx.inputs[0]),
                              axis=-1)],
    grad=_sce_grad,
    doc="-log softmax(logits)[label] per sample; labels are class indices "
        "(``sparse_label``) or probability rows. The gradient is softmax - onehot; "
        "probability rows get -log softmax(logits).",
))

# ---- MXNet loss-output heads -----------------------------------------------------------


def _softmax_output_grad(c, g):
    """MXNet: (softmax - onehot(label)) * grad_scale, zero where the label is
    ignored, then normalized (``_normalized``)."""
    data_type = c.known_type(0)
    label = call("cast", c.y, dtype="int64")
    kept = call("not_equal", label, c.attrs["ignore_label"]) if c.attrs["use_ignore"] else None
    if kept is not None:  # one_hot checks every label it reads: give it a valid class
        label = call("where", kept, label, 0)
    target = _one_hot_labels(label, data_type.shape[-1], data_type.dtype.name)
    grad = (c.out - target) * c.attrs["grad_scale"]
    if kept is not None:
        grad = call("where", call("expand_dims", kept, axis=-1), grad, 0.0)
    return [_normalized(c, grad, kept, data_type.dtype.name), None]


def _normalized(c, grad, kept, dtype):
    """``grad`` divided as MXNet's ``normalization`` says: 'null' by 1, 'batch' by
    the batch size, 'valid' by the labels not ignored (all of them without
    ``use_ignore``), at least 1."""
    normalization = c.attrs["normalization"]
    if normalization == "batch":
        return grad / call("size_of", c.y, axis=0)
    if normalization == "valid":
        if kept is None:
            count = call("size_of", c.y)
        else:
            count = call("sum", call("cast", kept, dtype=dtype))
        return grad / call("maximum", count, 1.0)
    return grad


def _regression_grad(c, g):
    """MXNet: (out - label) * grad_scale / (outputs per sample)."""
    per_sample = call("size_of", c.y) / call("size_of", c.y, axis=0)
    return [(c.out - call("reshape_like", c.y, c.out)) * c.attrs["grad_scale"] / per_sample, None]


def _softmax_output_infer(ctx):
    _float_input(ctx)
    _class_labels_infer(ctx)
    return [ctx.types[0]]


def _class_label_type(ctx):
    data = ctx.types[0]
    return {} if data is None else {1: TensorType(data.shape[:-1], data.dtype)}


def _softmax_output_reference(data, label, **gradient_attrs):
    """Forward ignores the label and the attributes, as MXNet's does; backward
    checks the label (one_hot)."""
    return _softmax_reference(data, axis=-1)


def _head(name, infer, infer_inputs, reference, forward, grad, attrs, doc):
    register(OpDef(
        name=name, kind=Kind.COMPOSITE, arity=2, input_names=("data", "label"),
        auto_inputs={1: "label"}, attrs={"grad_scale": A.FLOAT(1.0), **attrs},
        infer=infer, infer_inputs=infer_inputs, reference=reference, nondiff_inputs=(1,),
        expand=lambda ctx: [forward(ctx.inputs[0])], grad=grad, doc=doc,
    ))


_head("SoftmaxOutput", _softmax_output_infer, _class_label_type, _softmax_output_reference,
      lambda x: call("softmax", x), _softmax_output_grad,
      {"normalization": A.CHOICE("null", "batch", "valid", default="null"),
       "use_ignore": A.BOOL(False), "ignore_label": A.FLOAT(-1.0)},
      "Softmax over the last axis; backward is (softmax - onehot(label)) * grad_scale. "
      "With use_ignore, samples whose label (truncated to an integer) equals "
      "ignore_label get zero gradient and their label is not range-checked. "
      "normalization divides the gradient by 1 ('null'), the batch size ('batch') or "
      "the number of labels not ignored, at least 1 ('valid'; every label without "
      "use_ignore).")


def _regression_infer(ctx):
    _float_input(ctx)
    _check_same_size(ctx)
    return [ctx.types[0]]


_head("LinearRegressionOutput", _regression_infer, _labels_like_data,
      lambda data, label, grad_scale: np.asarray(data), lambda x: x, _regression_grad, {},
      "Identity forward; backward (out - label) * grad_scale / outputs per sample.")
_head("LogisticRegressionOutput", _regression_infer, _labels_like_data,
      lambda data, label, grad_scale: _sigmoid(data), lambda x: call("sigmoid", x),
      _regression_grad, {},
      "Sigmoid forward; backward (sigmoid - label) * grad_scale / outputs per sample.")
