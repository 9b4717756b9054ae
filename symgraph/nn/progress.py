"""What ``Model.fit`` reports: a progress bar per epoch and the ``History``.

The bar is tqdm's, on stderr, and only where stderr is a terminal; elsewhere
(a log, a notebook's captured output, CI) ``verbose`` prints one line per
epoch instead, and ``verbose=0`` prints nothing.
"""

import sys
import time


class History(dict):
    """Per-epoch values by name (``loss``, ``accuracy``, ``val_loss``, ...), a
    dict of lists as Keras's ``history.history``."""

    @property
    def history(self):
        return self

    @property
    def epoch(self):
        return list(range(len(self.get("loss", ()))))

    def append(self, values):
        for name, value in values.items():
            self.setdefault(name, []).append(float(value))

    def plot(self, path, title=None):
        """Write a PNG of the curves to ``path`` (needs matplotlib): one panel
        per quantity, training and validation together."""
        try:
            from matplotlib.figure import Figure  # no pyplot: the user's backend stays
        except ImportError as err:
            raise ImportError("History.plot needs matplotlib: pip install matplotlib") from err
        names = [n for n in self if not n.startswith("val_")]
        figure = Figure(figsize=(4.5 * len(names), 3.5))
        axes = figure.subplots(1, len(names), squeeze=False)
        for ax, name in zip(axes[0], names):
            epochs = range(1, len(self[name]) + 1)
            ax.plot(epochs, self[name], label="train")
            if f"val_{name}" in self:
                ax.plot(epochs, self[f"val_{name}"], label="validation")
            ax.set_xlabel("epoch")
            ax.set_title(name)
            ax.legend()
        if title:
            figure.suptitle(title)
        figure.tight_layout()
        figure.savefig(path, dpi=100)
        return path


def format_values(values):
    return " - ".join(f"{name} {value:.4f}" for name, value in values.items())


# A bar of fixed width: tqdm's default gives the bar what the loss and metrics
# leave of the line, which on a usual terminal is nothing.
BAR_FORMAT = "{desc}: {percentage:3.0f}%|{bar:20}| {n_fmt}/{total_fmt} [{elapsed}{postfix}]"


class EpochProgress:
    """Reports one epoch of ``batches`` batches (a context manager)."""

    def __init__(self, epoch, epochs, batches, verbose, stream=None):
        self.stream = stream or sys.stderr
        self.title = f"epoch {epoch}/{epochs}"
        self.verbose = verbose
        self.bar = None
        self.start = time.perf_counter()
        if verbose and _is_terminal(self.stream):
            try:
                from tqdm.auto import tqdm
            except ImportError:
                tqdm = None
            if tqdm is not None:
                self.bar = tqdm(total=batches, desc=self.title, unit="batch", leave=True,
                                file=self.stream, bar_format=BAR_FORMAT)

    def __enter__(self):
        return self

    def update(self, values):
        """One batch done; ``values()`` gives the running averages to show (called
        only when a bar shows them)."""
        if self.bar is not None:
            self.bar.set_postfix({k: f"{v:.4f}" for k, v in values().items()}, refresh=False)
            self.bar.update(1)

    def finish(self, values, samples):
        """The epoch is over: show its final values (with validation)."""
        seconds = time.perf_counter() - self.start
        if self.bar is not None:
            self.bar.set_postfix({k: f"{v:.4f}" for k, v in values.items()})
        elif self.verbose:
            print(f"{self.title}: {format_values(values)} ({seconds:.2f} s, "
                  f"{samples / max(seconds, 1e-9):,.0f} samples/s)", flush=True)

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.close()


def _is_terminal(stream):
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())
