"""symgraph in one minute: build a graph, infer its shapes, differentiate it,
bind it to arrays and train it.

    python examples/demo.py
"""

import time

import numpy as np

import symgraph as sg


def build_mlp():
    """A two-layer perceptron with MXNet's layer ops; weights are created by the layers."""
    data = sg.var("data")
    hidden = sg.Activation(sg.FullyConnected(data, num_hidden=64, name="fc1"), act_type="relu")
    logits = sg.FullyConnected(hidden, num_hidden=3, name="fc2")
    return sg.softmax_cross_entropy(logits, sg.var("label", dtype="int32")).mean(name="loss")


def spirals(n_per_class, rng):
    """Three interleaved spirals: a small problem that a linear model cannot solve."""
    points, labels = [], []
    for k in range(3):
        t = np.linspace(0.0, 1.0, n_per_class)
        angle = 4.0 * t + 2.1 * k + rng.normal(scale=0.2, size=n_per_class)
        points.append(np.stack([t * np.sin(angle), t * np.cos(angle)], axis=1))
        labels.append(np.full(n_per_class, k))
    return np.concatenate(points).astype(np.float32), np.concatenate(labels).astype(np.int32)


def main():
    loss = build_mlp()
    print("arguments:", loss.list_arguments())
    arg_shapes, out_shapes, _ = loss.infer_shape(data=(32, 2), label=(32,))
    for name, shape in zip(loss.list_arguments(), arg_shapes):
        print(f"  {name:12s} {shape}")
    print("loss shape:", out_shapes[0])

    rng = np.random.default_rng(0)
    x, y = spirals(300, rng)
    exe = loss.simple_bind(data=(len(x), 2), label=(len(x),))
    for name in ("fc1_weight", "fc2_weight"):
        exe.arg_dict[name][:] = rng.normal(scale=0.5, size=exe.arg_dict[name].shape)

    start = time.perf_counter()
    for step in range(300):
        exe.forward(is_train=True, data=x, label=y)
        exe.backward()
        for name, grad in exe.grad_dict.items():
            if name != "data":
                exe.arg_dict[name][:] = exe.arg_dict[name] - 0.5 * grad
        if step % 100 == 0:
            print(f"step {step:3d}  loss {exe.outputs[0].asscalar():.4f}")
    elapsed = time.perf_counter() - start

    logits = loss.get_internals()["fc2_output"]  # the network without its loss
    params = {k: v for k, v in exe.arg_dict.items() if k in logits.list_arguments()}
    scores = logits.eval(**params)[0].asnumpy()
    accuracy = float((scores.argmax(axis=1) == y).mean())
    print(f"final loss {exe.outputs[0].asscalar():.4f}, train accuracy {accuracy:.3f}, "
          f"{300 / elapsed:.0f} steps/s on the numpy reference backend")


if __name__ == "__main__":
    main()
