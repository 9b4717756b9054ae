"""The workloads of ``tools/bench.py`` written for each peer: numpy by hand,
hand-written numba, JAX, PyTorch (CPU, eager). Each builder returns a
zero-argument callable that runs the workload once, or ``None`` when the
peer is not installed. Every implementation computes the same thing as the
symgraph version, so ratios compare equal work.
"""

import importlib.util
import math

import numpy as np


def installed(module):
    return importlib.util.find_spec(module) is not None


# ---- W1: tanh(a*b+c)*exp(-a)+sigmoid(b) ------------------------------------------------

def chain_numpy(a, b, c):
    return lambda: np.tanh(a * b + c) * np.exp(-a) + 1.0 / (1.0 + np.exp(-b))


def chain_numba(a, b, c):
    import numba

    @numba.njit(parallel=True)
    def chain(a, b, c, out):
        for i in numba.prange(a.size):
            out[i] = (math.tanh(a[i] * b[i] + c[i]) * math.exp(-a[i])
                      + 1.0 / (1.0 + math.exp(-b[i])))

    out = np.empty_like(a)
    chain(a, b, c, out)
    return lambda: chain(a, b, c, out)


def chain_jax(a, b, c):
    if not installed("jax"):
        return None
    import jax
    import jax.numpy as jnp

    f = jax.jit(lambda a, b, c: jnp.tanh(a * b + c) * jnp.exp(-a) + jax.nn.sigmoid(b))
    a, b, c = (jnp.asarray(x) for x in (a, b, c))
    f(a, b, c).block_until_ready()
    return lambda: f(a, b, c).block_until_ready()


def chain_torch(a, b, c):
    if not installed("torch"):
        return None
    import torch

    a, b, c = (torch.from_numpy(x) for x in (a, b, c))
    return lambda: torch.tanh(a * b + c) * torch.exp(-a) + torch.sigmoid(b)


# ---- W2/W3: MLP 784-256-256-10 training step, SGD ---------------------------------------

def init_mlp(rng, sizes=(784, 256, 256, 10)):
    """Weights (out, in) as FullyConnected stores them, and zero biases."""
    params = {}
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        params[f"fc{i}_weight"] = (rng.normal(size=(n_out, n_in)) * math.sqrt(2 / n_in)
                                   ).astype(np.float32)
        params[f"fc{i}_bias"] = np.zeros(n_out, np.float32)
    return params


def mlp_numpy(params, x, y, lr):
    """Forward, backward and SGD by hand, as the numpy tutorials write it."""
    w = [params[f"fc{i}_weight"] for i in (1, 2, 3)]
    b = [params[f"fc{i}_bias"] for i in (1, 2, 3)]
    onehot = np.eye(10, dtype=np.float32)[y]

    def step():
        h1 = np.maximum(x @ w[0].T + b[0], 0)
        h2 = np.maximum(h1 @ w[1].T + b[1], 0)
        logits = h2 @ w[2].T + b[2]
        shifted = logits - logits.max(axis=1, keepdims=True)
        e = np.exp(shifted)
        softmax = e / e.sum(axis=1, keepdims=True)
        loss = -np.mean(np.sum(onehot * (shifted - np.log(e.sum(axis=1, keepdims=True))), 1))
        g3 = (softmax - onehot) / len(x)
        g2 = (g3 @ w[2]) * (h2 > 0)
        g1 = (g2 @ w[1]) * (h1 > 0)
        for wi, bi, g, a in ((w[2], b[2], g3, h2), (w[1], b[1], g2, h1), (w[0], b[0], g1, x)):
            wi -= lr * (g.T @ a)
            bi -= lr * g.sum(axis=0)
        return loss

    return step


def mlp_jax(params, x, y, lr):
    if not installed("jax"):
        return None
    import jax
    import jax.numpy as jnp

    def loss_fn(p, x, y):
        h = jax.nn.relu(x @ p["fc1_weight"].T + p["fc1_bias"])
        h = jax.nn.relu(h @ p["fc2_weight"].T + p["fc2_bias"])
        logits = h @ p["fc3_weight"].T + p["fc3_bias"]
        return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(logits), y[:, None], 1))

    @jax.jit
    def step(p, x, y):
        loss, grads = jax.value_and_grad(loss_fn)(p, x, y)
        return jax.tree_util.tree_map(lambda a, g: a - lr * g, p, grads), loss

    state = {"p": {k: jnp.asarray(v) for k, v in params.items()}}
    x, y = jnp.asarray(x), jnp.asarray(y)

    def run():
        state["p"], loss = step(state["p"], x, y)
        return loss.block_until_ready()

    run()
    return run


def mlp_torch(params, x, y, lr, device="cpu"):
    """The step in PyTorch, eager; on a GPU ``device`` the batch is uploaded
    every step, as symgraph's step uploads it (on the CPU ``to`` is free)."""
    if not installed("torch"):
        return None
    import torch

    p = {k: torch.tensor(v, device=device, requires_grad=True) for k, v in params.items()}
    x, y = torch.from_numpy(x), torch.from_numpy(y.astype(np.int64))
    optimizer = torch.optim.SGD(p.values(), lr=lr)

    def run():
        data, target = x.to(device), y.to(device)
        h = torch.relu(data @ p["fc1_weight"].T + p["fc1_bias"])
        h = torch.relu(h @ p["fc2_weight"].T + p["fc2_bias"])
        loss = torch.nn.functional.cross_entropy(h @ p["fc3_weight"].T + p["fc3_bias"], target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.item()

    return run


# ---- PyTensor (its numba mode: the closest peer in design) ------------------------------

def chain_pytensor(a, b, c):
    if not installed("pytensor"):
        return None
    import pytensor
    import pytensor.tensor as pt

    x, y, z = (pt.vector(n, dtype="float32") for n in "abc")
    f = pytensor.function([x, y, z], pt.tanh(x * y + z) * pt.exp(-x) + pt.sigmoid(y),
                          mode="NUMBA")
    return lambda: f(a, b, c)


def mlp_pytensor(params, x, y, lr):
    if not installed("pytensor"):
        return None
    import pytensor
    import pytensor.tensor as pt

    shared = {k: pytensor.shared(v, name=k) for k, v in params.items()}
    data, label = pt.matrix("data", dtype="float32"), pt.vector("label", dtype="int32")
    h = pt.maximum(data @ shared["fc1_weight"].T + shared["fc1_bias"], 0)
    h = pt.maximum(h @ shared["fc2_weight"].T + shared["fc2_bias"], 0)
    logits = h @ shared["fc3_weight"].T + shared["fc3_bias"]
    log_probs = logits - pt.logsumexp(logits, axis=1, keepdims=True)
    loss = -log_probs[pt.arange(label.shape[0]), label].mean()
    grads = pytensor.grad(loss, list(shared.values()))
    step = pytensor.function([data, label], loss, mode="NUMBA",
                             updates=[(p, p - np.float32(lr) * g)
                                      for p, g in zip(shared.values(), grads)])
    return lambda: step(x, y)
