"""``Model``: Keras's training loop around a compiled step.

    model = sg.Model(net)                                   # a Symbol on 'data', or a layer
    model.compile(optimizer=sg.optim.Adam(1e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x, y, batch_size=64, epochs=10, validation_split=0.1)
    model.evaluate(x_test, y_test)          # {'loss': ..., 'accuracy': ...}
    model.predict(x_test)                   # the network's outputs
    model.save_params("mlp.npz")

One training step (forward, loss, regularization penalties, backward and the
optimizer's update) is one compiled plan, built once per batch shape. Every
batch has that shape: the last one of an epoch is padded, and a per-sample
weight of zero keeps the padding out of the loss. Evaluation and prediction
run a forward-only executor over the same parameter arrays (on a GPU, over
copies refreshed before each pass).
"""

import copy

import numpy as np

from . import metrics as metric_lib
from . import optim
from .build import apply, group, var
from .context import current_context
from .data.iterators import ArrayIter
from .errors import BindError, ShapeError
from .executor import bind
from .ndarray import NDArray
from .nn import init as initializers
from .nn import losses as loss_lib
from .nn import regularizers
from .nn.params import check_params, load_params, save_params
from .nn.progress import EpochProgress, History
from .step import compile_step
from .symbol import Symbol

LABEL, WEIGHT = "label", "sample_weight"
EVAL_BATCH = 256  # evaluate and predict run in batches of this size unless told


class Model:
    """A network (a Symbol reading ``data_name``, or a layer called on it)
    with its parameters, trained by ``fit``."""

    def __init__(self, net, data_name="data", ctx=None, backend="cpu"):
        output = net if isinstance(net, Symbol) else net(var(data_name))
        names = output.list_arguments()
        if data_name not in names:
            raise BindError(f"the network does not read {data_name!r}; its arguments are {names}")
        self.output, self.data_name = output, data_name
        self.ctx, self.backend = ctx or current_context(), backend
        variables = output.graph().variables()
        self.param_names = [n.name for n in variables
                            if n.name != data_name and n.attrs["role"] not in ("data", "label")]
        self._declared_init = {n.name: n.attrs["init"] for n in variables}
        self.params = {}                 # name -> numpy array, shared with cpu executors
        self.optimizer = self.loss = None
        self.metrics, self.history = [], None
        self._feature_shape = self._fit_batch = None
        self._steps, self._executors = {}, {}

    # ---- setting up ---------------------------------------------------------------------
    def compile(self, optimizer="sgd", loss="mse", metrics=None):
        """Choose the optimizer (an ``sg.optim`` optimizer or a name), the loss
        (an ``sg.nn.losses`` loss or a Keras name) and the metrics to report."""
        self.optimizer = optim.create(optimizer)
        self.loss = loss_lib.get(loss)
        self.metrics = [metric_lib.create(m) for m in (metrics or [])]
        self._steps.clear()
        self._executors.clear()
        return self

    def initialize(self, initializer=None, overrides=None, seed=0, input_shape=None):
        """Draw every parameter: ``overrides`` (name -> initializer) first, then
        each variable's own ``init``, zeros for biases, else ``initializer``
        (default ``Xavier()``). Needs the shape of one sample, from
        ``input_shape`` or the data seen before."""
        if input_shape is not None:
            self._set_feature_shape(tuple(input_shape))
        if self._feature_shape is None:
            raise ShapeError("initialize needs the shape of one input sample: pass "
                             "input_shape=(features,) or call fit/predict first")
        shapes = self._param_shapes()
        values = initializers.initialize(
            [(name, shapes[name], np.float32, self._declared_init[name])
             for name in self.param_names], initializer, overrides, seed)
        self._set_params(values)
        self._reset_optimizer()
        return self

    # ---- training -----------------------------------------------------------------------
    def fit(self, x, y, batch_size=32, epochs=1, validation_data=None, validation_split=0.0,
            shuffle=True, verbose=1, seed=None):
        """Train for ``epochs`` over ``x``/``y`` in shuffled mini-batches; returns
        the ``History`` of the loss and metrics (``val_`` ones on
        ``validation_data`` or the last ``validation_split`` of the data)."""
        self._require_compiled("fit")
        x = self._inputs(x)
        y = self._labels(y, x)
        if validation_split:
            if validation_data is not None:
                raise BindError("give validation_data or validation_split, not both")
            cut = len(x) - int(len(x) * validation_split)
            x, y, validation_data = x[:cut], y[:cut], (x[cut:], y[cut:])
        batches = ArrayIter(x, y, min(batch_size, len(x)), shuffle, seed, last_batch="pad")
        step = self._train_step(batches.batch_size, y.shape[1:])
        for name in self.param_names:
            step.params[name][:] = self.params[name]
        weights = np.ones(batches.batch_size, np.float32)
        history = History()
        for epoch in range(1, epochs + 1):
            for metric in self.metrics:
                metric.reset()
            total, seen = 0.0, 0
            with EpochProgress(epoch, epochs, len(batches), verbose) as progress:
                for batch in batches:
                    real = batches.batch_size - batch.pad
                    weights[:real], weights[real:] = 1.0, 0.0
                    self.optimizer.advance()
                    loss, outputs = step(**{self.data_name: batch.data, LABEL: batch.label,
                                            WEIGHT: weights})
                    total, seen = total + loss * real, seen + real
                    self._update_metrics(self.metrics, batch.label[:real], outputs[:real])
                    progress.update(lambda: self._values(total / seen, self.metrics))
                for name in self.param_names:
                    np.copyto(self.params[name], np.asarray(step.params[name]))
                values = self._values(total / seen, self.metrics)
                if validation_data is not None:
                    scores = self.evaluate(*validation_data)
                    values.update({f"val_{k}": v for k, v in scores.items()})
                progress.finish(values, seen)
            history.append(values)
        self.history = history
        return history

    def evaluate(self, x, y, batch_size=None):
        """``{'loss': ..., metric: ...}`` over ``x``/``y`` in batches of
        ``batch_size`` (default 256); the loss includes the regularization
        penalties, as in training."""
        self._require_compiled("evaluate")
        x = self._inputs(x)
        y = self._labels(y, x)
        metrics = [copy.deepcopy(m) for m in self.metrics]
        for metric in metrics:
            metric.reset()
        total, penalty = 0.0, 0.0
        for batch, real, outputs in self._forward(x, y, batch_size):
            total += float(outputs[0].asnumpy()[:real].sum())
            self._update_metrics(metrics, batch.label[:real], outputs[1].asnumpy()[:real])
            penalty = float(outputs[2].asscalar()) if len(outputs) > 2 else 0.0
        return self._values(total / len(x) + penalty, metrics)

    def predict(self, x, batch_size=None):
        """The network's outputs for ``x`` (numpy), in batches of ``batch_size``
        (default 256)."""
        x = self._inputs(x)
        index = 1 if self.loss is not None else 0
        parts = [outputs[index].asnumpy()[:real] for _, real, outputs
                 in self._forward(x, None, batch_size)]
        return np.concatenate(parts)

    def summary(self, input_shape=None, print_fn=print):
        """Print the layers with output shapes and parameter counts (``sg.viz.print_summary``)."""
        from .viz import print_summary

        shape = tuple(input_shape) if input_shape is not None else self._feature_shape
        if shape is None:
            raise ShapeError("summary needs the shape of one input sample: pass "
                             "input_shape=(features,) or call fit/predict first")
        batch = self._fit_batch or 1
        print_summary(self.output, shape={self.data_name: (batch,) + shape}, print_fn=print_fn)

    # ---- parameters on disk -------------------------------------------------------------
    def save_params(self, path):
        """Write the parameters to ``path`` (``.npz``, atomically)."""
        if not self.params:
            raise BindError("the model has no parameters yet: initialize, fit or load first")
        save_params(path, self.params)

    def load_params(self, path):
        """Read parameters saved by ``save_params``; names (and shapes, once the
        input shape is known) must match the network's."""
        loaded = load_params(path)
        expected = (self._param_shapes() if self._feature_shape is not None
                    else dict.fromkeys(self.param_names))
        check_params(loaded, expected, path)
        self._set_params({name: loaded[name] for name in self.param_names})
        return self

    # ---- internals ----------------------------------------------------------------------
    def _require_compiled(self, what):
        if self.loss is None:
            raise BindError(f"{what} needs a loss: call model.compile(optimizer, loss) first")

    def _inputs(self, x):
        x = np.asarray(x, dtype=np.float32)
        if x.ndim == 0 or len(x) == 0:
            raise BindError(f"inputs need a sample axis with samples, got shape {x.shape}")
        if self._feature_shape is None:
            self._set_feature_shape(x.shape[1:])
            if not self.params:
                self.initialize()
        elif x.shape[1:] != self._feature_shape:
            raise ShapeError(f"the model takes samples of shape {self._feature_shape}, "
                             f"given {x.shape[1:]}")
        return x

    def _labels(self, y, x):
        """Labels as the loss reads them: (n,) class indices for sparse labels, else
        the output's shape per sample when the sizes agree."""
        y = np.asarray(y, dtype=self.loss.label_dtype)
        if len(y) != len(x):
            raise BindError(f"{len(x)} inputs but {len(y)} labels")
        wanted = self._label_shape()
        if y.shape[1:] != wanted and y[0].size == int(np.prod(wanted, dtype=np.int64)):
            y = y.reshape((len(y),) + wanted)
        return y

    def _label_shape(self):
        """One sample's label: a class index for integer labels, else the output's shape."""
        _, out_shapes, _ = self.output.infer_shape(**{self.data_name: (1,) + self._feature_shape})
        out = tuple(out_shapes[0][1:])
        return out[:-1] if np.issubdtype(np.dtype(self.loss.label_dtype), np.integer) else out

    def _set_feature_shape(self, shape):
        self._feature_shape = tuple(shape)
        if self.params:
            check_params(self.params, self._param_shapes(), "the loaded parameters")

    def _param_shapes(self):
        arg_shapes, _, _ = self.output.infer_shape(
            **{self.data_name: (1,) + self._feature_shape})
        shapes = dict(zip(self.output.list_arguments(), arg_shapes))
        return {name: shapes[name] for name in self.param_names}

    def _set_params(self, values):
        """Copy into the arrays executors share, or make them the first time."""
        for name in self.param_names:
            value = np.asarray(values[name], dtype=np.float32)
            if name in self.params:
                np.copyto(self.params[name], value)
            else:
                self.params[name] = np.array(value)

    def _reset_optimizer(self):
        """Fresh optimizer state: the update count and every step's state arrays."""
        if self.optimizer is None:
            return
        self.optimizer.num_update = 0
        for step in self._steps.values():
            for name in self.param_names:
                p = self.params[name]
                for state, value in self.optimizer.initial_state(name, p.shape, p.dtype).items():
                    step.states[f"{name}__{state}"][:] = value

    def _objective_parts(self):
        label = var(LABEL, dtype=self.loss.label_dtype)
        return self.loss(self.output, label), regularizers.penalty(self.output)

    def _train_step(self, batch_size, label_shape):
        key = (batch_size, label_shape)
        if key not in self._steps:
            per_sample, penalty = self._objective_parts()
            weight = var(WEIGHT)
            objective = (per_sample * weight).sum() / weight.sum()
            if penalty is not None:
                objective = objective + penalty
            shapes = {self.data_name: (batch_size,) + self._feature_shape,
                      LABEL: (batch_size,) + label_shape, WEIGHT: (batch_size,)}
            self._steps[key] = compile_step(
                group(objective, _stop_gradient(self.output)), self.optimizer,
                params=self.param_names, backend=self.backend,
                type_dict={LABEL: self.loss.label_dtype}, ctx=self.ctx, **shapes)
        self._fit_batch = batch_size
        return self._steps[key]

    def _forward(self, x, y, batch_size):
        """``(batch, real rows, outputs)`` of the forward-only executor over ``x``."""
        size = batch_size or EVAL_BATCH
        if self.loss is None:
            executor = self._executor(size, None)
        elif y is None:  # predicting: any valid label will do
            y = np.zeros((len(x),) + self._label_shape(), self.loss.label_dtype)
            executor = self._executor(size, y.shape[1:])
        else:
            executor = self._executor(size, y.shape[1:])
        if self.ctx.device_type != "cpu":  # the device holds copies of the parameters
            executor.copy_params_from(self.params)
        for batch in ArrayIter(x, y, size, last_batch="pad"):
            feeds = {self.data_name: batch.data}
            if self.loss is not None:
                feeds[LABEL] = batch.label
            yield batch, size - batch.pad, executor.forward(is_train=False, **feeds)

    def _executor(self, batch_size, label_shape):
        key = (batch_size, label_shape, self.loss is not None)
        if key not in self._executors:
            if self.loss is None:
                symbol, types = self.output, {}
            else:
                per_sample, penalty = self._objective_parts()
                outputs = [per_sample, self.output] + ([penalty] if penalty is not None else [])
                symbol, types = group(*outputs), {LABEL: (label_shape, self.loss.label_dtype)}
            args = {name: NDArray(array, self.ctx) for name, array in self.params.items()}
            args[self.data_name] = NDArray(
                np.zeros((batch_size,) + self._feature_shape, np.float32), self.ctx)
            for name, (shape, dtype) in types.items():
                args[name] = NDArray(np.zeros((batch_size,) + shape, dtype), self.ctx)
            self._executors[key] = bind(symbol, self.ctx, args, grad_req="null",
                                        backend=self.backend)
        return self._executors[key]

    def _update_metrics(self, metrics, labels, outputs):
        if metrics:
            probabilities = self.loss.probabilities(np.asarray(outputs))
            for metric in metrics:
                metric.update(labels, probabilities)

    @staticmethod
    def _values(loss, metrics):
        return {"loss": float(loss), **dict(m.get() for m in metrics)}


def _stop_gradient(x):
    """``x`` as an output of the training step that adds nothing to the
    gradient: LinearRegressionOutput's backward is ``(out - label) * grad_scale``,
    here ``(x - x) * 0``. (Until the op set has a ``stop_gradient``.)"""
    return apply("LinearRegressionOutput", (x, x), {"grad_scale": 0.0})
