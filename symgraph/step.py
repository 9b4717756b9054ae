"""A whole training step in one compiled plan: forward, backward and the
optimizer's update, with parameters and optimizer states updated in place.

    step = sg.compile_step(loss, optimizer=sg.optim.SGD(lr=0.1), data=(256, 784), label=(256,))
    for x, y in batches:
        loss_value = step(data=x, label=y)

The step's graph is the loss, its gradients, and for every parameter the
optimizer's new parameter and states, each *assigned* to the variable it
replaces. The CPU backend fuses the update into the kernels around it and
writes into the parameter arrays (``step.params``) directly.
"""

import numpy as np

from .backend.reference import compute
from .build import var
from .compiler import differentiate, refuse_reference_on_gpu
from .context import current_context
from .dtypes import is_float
from .errors import BindError
from .graph.ir import Graph, TensorType
from .ndarray import NDArray
from .optim import SGD, hyperparameter_var
from .options import compile_options
from .passes.expand import expand
from .passes.infer import infer_types
from .passes.simplify import simplify
from .run_context import RunContext
from .symbol import Symbol


def compile_step(loss, optimizer=None, params=None, backend="cpu", type_dict=None, ctx=None,
                 **shapes):
    """Compile ``loss`` (a scalar Symbol, or summed) into a ``TrainStep``.

    ``shapes`` gives the shapes of the data arguments (as ``simple_bind``);
    ``params`` names the parameters to train (default: every float argument
    not given in ``shapes``); ``optimizer`` defaults to ``SGD(lr=0.01)``;
    ``ctx`` (default: the current context) is where parameters live and the
    step runs (``sg.gpu(0)``: on the CUDA backend)."""
    return TrainStep(loss, optimizer or SGD(), params, backend, type_dict or {}, shapes,
                     ctx or current_context())


class TrainStep:
    """A compiled training step; call it with a batch to train on it."""

    def __init__(self, loss, optimizer, params, backend, type_dict, shapes, ctx):
        self.optimizer = optimizer
        self.types = _argument_types(loss, type_dict, shapes)
        self.param_names = list(params) if params is not None else [
            n for n in loss.list_arguments() if n not in shapes and is_float(self.types[n].dtype)]
        self.data_names = [n for n in loss.list_arguments() if n not in self.param_names]
        self.arrays = {name: np.zeros(t.shape, t.dtype) for name, t in self.types.items()}
        self.graph, assign = self._build(loss)
        self._step = 0
        self._program = _program(backend, self.graph, self.arrays, assign, ctx)
        # The program's arrays: the ones it updates in place (on the device for a GPU).
        self.params = {n: NDArray(self._program.arrays[n], ctx) for n in self.param_names}
        self.states = {n: NDArray(self._program.arrays[n], ctx) for n in self._state_names}

    def _build(self, loss):
        graph = loss.graph()
        by_name = {n.name: n.outputs[0] for n in graph.variables()}
        missing = [n for n in self.param_names if n not in by_name]
        if missing:
            raise BindError(f"{missing[0]!r} is not an argument of the loss")
        forward_and_grads = differentiate(graph, [by_name[n] for n in self.param_names],
                                          [None] * len(graph.outputs), self.types)
        grads = forward_and_grads.outputs[len(graph.outputs):]
        hyper = {}
        for name, value in self.optimizer.hyperparameters().items():
            symbol = hyperparameter_var(name, self._float_dtype().name)
            hyper[name] = symbol
            self.arrays[symbol.name] = np.asarray(value, self._float_dtype())
        outputs = list(forward_and_grads.outputs[:len(graph.outputs)])
        assign, self._state_names = {}, []
        for name, grad in zip(self.param_names, grads):
            t = self.types[name]
            states = {}
            for state, initial in self.optimizer.initial_state(name, t.shape, t.dtype).items():
                state_name = f"{name}__{state}"
                states[state] = var(state_name, shape=t.shape, dtype=t.dtype.name)
                self.arrays[state_name] = np.array(initial, dtype=t.dtype)
                self._state_names.append(state_name)
            new_param, new_states = self.optimizer.update(
                Symbol([by_name[name]]), Symbol([grad]), states, hyper)
            for target, symbol in [(name, new_param)] + [
                    (f"{name}__{s}", new_states[s]) for s in new_states]:
                outputs.append(symbol.value)
                assign[len(outputs) - 1] = target
        bound = {n: TensorType(a.shape, a.dtype) for n, a in self.arrays.items()}
        full = simplify(expand(Graph(outputs), bound, RunContext(is_train=True)), bound)
        self.num_outputs = len(graph.outputs)
        self.bound_types = bound
        return full, {full.outputs[i]: target for i, target in assign.items()}

    def _float_dtype(self):
        floats = [self.types[n].dtype for n in self.param_names]
        return floats[0] if floats else np.dtype(np.float32)

    def __call__(self, **batch):
        """Train on one batch (data arguments by name); returns the loss (a float
        for a scalar loss)."""
        for name, value in batch.items():
            if name not in self.data_names:
                raise BindError(f"{name!r} is not a data argument; data: {self.data_names}")
            value = np.asarray(value)
            if value.shape != self.arrays[name].shape:
                raise BindError(f"argument {name!r} expects shape {self.arrays[name].shape}, "
                                f"given {value.shape}")
            np.copyto(self.arrays[name], value, casting="same_kind")
        for name, value in self.optimizer.hyperparameters().items():
            self.arrays[f"__{name}__"][...] = value
        self._step += 1
        # Copies: the program's arrays are overwritten by the next step.
        outputs = [float(o) if np.ndim(o) == 0 else np.array(o) for o in self._program(self._step)]
        return outputs[0] if len(outputs) == 1 else outputs

    def memory_report(self):
        return self._program.report()


def _argument_types(loss, type_dict, shapes):
    declared = {n.name: n.attrs["dtype"] for n in loss.graph().variables()}
    arg_shapes, _, _ = loss.infer_shape(**shapes)
    return {name: TensorType(shape, type_dict.get(name) or declared[name] or "float32")
            for name, shape in zip(loss.list_arguments(), arg_shapes)}


def _program(backend, graph, arrays, assign, ctx):
    """A callable ``run(step) -> outputs`` for the step's graph on ``backend``."""
    options = compile_options(backend)
    types = infer_types(graph, {n: TensorType(a.shape, a.dtype) for n, a in arrays.items()})
    if ctx.device_type == "gpu":
        refuse_reference_on_gpu(options, ctx)
        from .backend.cuda.program import CUDAStep

        return CUDAStep(graph, types, arrays, assign, ctx, options)
    if options.backend == "reference":
        return _ReferenceStep(graph, types, arrays, assign)
    from .backend.cpu.program import CompiledStep

    return CompiledStep(graph, types, arrays, assign, options)


class _ReferenceStep:
    """The oracle: every value with numpy, then the assignments."""

    def __init__(self, graph, types, arrays, assign):
        self.graph, self.types, self.arrays, self.assign = graph, types, arrays, assign

    def __call__(self, step):
        feeds = {n.name: self.arrays[n.name] for n in self.graph.variables()}
        values = compute(self.graph, feeds, self.types, RunContext(is_train=True, step=step))
        outputs = [np.array(values[v]) for v in self.graph.outputs
                   if v not in self.assign]
        for value, name in self.assign.items():
            np.copyto(self.arrays[name], values[value])
        return outputs

    def report(self):
        return {}
