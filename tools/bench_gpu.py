"""symgraph's CUDA backend on a real GPU, against the device's own copy
bandwidth and PyTorch CUDA (when installed), measured in one run.

    python tools/bench_gpu.py             # everything
    python tools/bench_gpu.py --quick     # smaller sizes (a smoke test)
    python tools/bench_gpu.py --only W1,G

W1  fused chain tanh(a*b+c)*exp(-a)+sigmoid(b) over 1e8 float32: time, and
    the bandwidth it reaches (4 arrays moved) against a device-to-device copy
    measured in this run (the bound for a memory-bound kernel)
G   float32 GEMM 4096 x 4096 x 4096: GFLOP/s
W2  MLP 784-256-256-10 training step (relu, softmax cross-entropy, SGD) at
    batch 8192, the batch uploaded from the host each step as in training

Times are the median of repeated runs after a warm-up, each ended by a
device synchronization. PyTorch runs with TF32 off, so both compute in
float32. It needs a CUDA GPU: under the simulator or without a device it
says so and exits.
"""

import argparse
import pathlib
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

import bench  # noqa: E402
import bench_peers as peers  # noqa: E402
import symgraph as sg  # noqa: E402
from symgraph.backend.cuda import device  # noqa: E402

GPU = sg.gpu(0)
ROWS = []


def require_gpu():
    if device.simulating():
        sys.exit("bench_gpu: NUMBA_ENABLE_CUDASIM is set; the simulator cannot be timed. "
                 "Unset it and run on a machine with a CUDA GPU.")
    if not device.available():
        sys.exit("bench_gpu: no CUDA GPU found (numba.cuda.is_available() is false): "
                 "install numba-cuda and run on a machine with an NVIDIA GPU and driver.")


def torch_cuda():
    """``torch`` if it is installed with a usable CUDA device, else ``None``."""
    if not peers.installed("torch"):
        return None
    import torch

    if not torch.cuda.is_available():
        return None
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    return torch


def median_ms(run, sync, repeats, warmup=2):
    for _ in range(warmup):
        run()
    sync()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        sync()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def sync_symgraph():
    device.cuda_module(GPU).synchronize()


def record(workload, name, value, unit, note=""):
    ROWS.append((workload, name, value, unit, note))


# ---- W1 -------------------------------------------------------------------------------

def w1(n, repeats):
    rng = np.random.default_rng(0)
    host = [rng.normal(size=n).astype(np.float32) for _ in range(3)]
    a, b, c = (sg.nd.array(h, ctx=GPU) for h in host)
    x, y, z = sg.var("a"), sg.var("b"), sg.var("c")
    f = sg.tanh(x * y + z) * sg.exp(-x) + sg.sigmoid(y)
    exe = f.bind(GPU, args={"a": a, "b": b, "c": c}, grad_req="null")
    moved = 4 * n * 4
    chain = median_ms(exe.forward, sync_symgraph, repeats)
    record("W1", "symgraph", chain, "ms", f"{moved / chain / 1e6:.0f} GB/s")
    np.testing.assert_allclose(exe.outputs[0].asnumpy()[:1000], reference_chain(host, 1000),
                               rtol=1e-4, atol=1e-5)
    target = device.empty((n,), np.float32, GPU)
    copy = median_ms(lambda: target.copy_to_device(a._data), sync_symgraph, repeats)
    copy_bandwidth = 2 * n * 4 / copy / 1e6
    record("W1", "device-to-device copy", copy, "ms", f"{copy_bandwidth:.0f} GB/s")
    record("W1", "symgraph / copy bound", moved / copy_bandwidth / 1e6 / chain * 100, "%",
           "of the copy bandwidth")
    torch = torch_cuda()
    if torch is None:
        record("W1", "torch (cuda, eager)", None, "ms", "not installed or no CUDA")
        return
    ta, tb, tc = (torch.from_numpy(h).cuda() for h in host)
    run = lambda: torch.tanh(ta * tb + tc) * torch.exp(-ta) + torch.sigmoid(tb)  # noqa: E731
    record("W1", "torch (cuda, eager)", median_ms(run, torch.cuda.synchronize, repeats), "ms")


def reference_chain(host, count):
    a, b, c = (h[:count].astype(np.float64) for h in host)
    return np.tanh(a * b + c) * np.exp(-a) + 1 / (1 + np.exp(-b))


# ---- G ----------------------------------------------------------------------------------

def gemm(n, repeats):
    rng = np.random.default_rng(0)
    host = [rng.normal(size=(n, n)).astype(np.float32) for _ in range(2)]
    a, b = sg.var("a"), sg.var("b")
    exe = sg.matmul(a, b).bind(GPU, args={"a": sg.nd.array(host[0], ctx=GPU),
                                          "b": sg.nd.array(host[1], ctx=GPU)},
                               grad_req="null")
    flops = 2.0 * n ** 3
    ms = median_ms(exe.forward, sync_symgraph, repeats)
    record("G", "symgraph (tiled GEMM)", flops / ms / 1e6, "GFLOP/s", f"{ms:.2f} ms")
    rows = slice(0, 8)
    np.testing.assert_allclose(exe.outputs[0].asnumpy()[rows], host[0][rows] @ host[1],
                               rtol=1e-3, atol=1e-2)
    torch = torch_cuda()
    if torch is None:
        record("G", "torch (cuBLAS)", None, "GFLOP/s", "not installed or no CUDA")
        return
    ta, tb = (torch.from_numpy(h).cuda() for h in host)
    ms = median_ms(lambda: ta @ tb, torch.cuda.synchronize, repeats)
    record("G", "torch (cuBLAS)", flops / ms / 1e6, "GFLOP/s", f"{ms:.2f} ms")


# ---- W2 -------------------------------------------------------------------------------

def w2(batch, repeats):
    rng = np.random.default_rng(0)
    params = peers.init_mlp(rng)
    x = rng.normal(size=(batch, 784)).astype(np.float32)
    y = rng.integers(0, 10, size=batch).astype(np.int32)
    step = sg.compile_step(bench.mlp_symbol(), sg.optim.SGD(lr=0.1), ctx=GPU,
                           data=x.shape, label=y.shape)
    for name, value in params.items():
        step.params[name].assign(value)
    record("W2", "symgraph", median_ms(lambda: step(data=x, label=y), sync_symgraph, repeats),
           "ms", f"batch {batch}")
    torch = torch_cuda()
    if torch is None:
        record("W2", "torch (cuda, eager)", None, "ms", "not installed or no CUDA")
        return
    run = peers.mlp_torch(params, x, y, 0.1, device="cuda")
    record("W2", "torch (cuda, eager)", median_ms(run, torch.cuda.synchronize, repeats), "ms",
           f"batch {batch}")


def print_table():
    print(f"\n{'workload':8} {'implementation':28} {'value':>16}  note")
    for workload, name, value, unit, note in ROWS:
        shown = "skipped" if value is None else f"{value:10.2f} {unit}"
        print(f"{workload:8} {name:28} {shown:>16}  {note}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, few repeats")
    parser.add_argument("--only", default="W1,G,W2")
    args = parser.parse_args()
    require_gpu()
    quick = args.quick
    runs = {"W1": lambda: w1(10**6 if quick else 10**8, 5 if quick else 20),
            "G": lambda: gemm(1024 if quick else 4096, 3 if quick else 10),
            "W2": lambda: w2(1024 if quick else 8192, 3 if quick else 20)}
    cuda = device.cuda_module(GPU)
    print(f"device: {cuda.get_current_device().name}")
    for name in args.only.split(","):
        runs[name]()
    print_table()


if __name__ == "__main__":
    main()
