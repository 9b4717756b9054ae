"""Mini-batches over arrays in memory.

    it = sg.data.ArrayIter(x, y, batch_size=64, shuffle=True, seed=0, last_batch="pad")
    for epoch in range(10):
        for batch in it:              # a new order each epoch, the same for the same seed
            batch.data, batch.label, batch.pad

``last_batch`` says what happens to the samples left over when the batch
size does not divide their number: ``'keep'`` yields a smaller last batch,
``'discard'`` drops them, ``'pad'`` fills the last batch up with the first
samples of the epoch's order and reports how many in ``batch.pad`` (so a
compiled step sees one batch shape).
"""

from collections import namedtuple

import numpy as np

from ..errors import AttrError, BindError

Batch = namedtuple("Batch", "data label pad index")
Batch.__doc__ = ("One mini-batch: ``data``, ``label`` (``None`` without labels), ``pad`` "
                 "(how many trailing rows are padding) and ``index`` (the rows taken).")

LAST_BATCH = ("keep", "discard", "pad")


class ArrayIter:
    """Batches of ``data`` (and ``label``), rows along the first axis."""

    def __init__(self, data, label=None, batch_size=32, shuffle=False, seed=None,
                 last_batch="keep"):
        self.data = np.asarray(data)
        self.label = None if label is None else np.asarray(label)
        if self.data.ndim == 0:
            raise BindError("data needs a first (sample) axis")
        if self.label is not None and len(self.label) != len(self.data):
            raise BindError(f"data has {len(self.data)} samples but label has {len(self.label)}")
        if int(batch_size) < 1:
            raise AttrError(f"batch_size must be at least 1, got {batch_size}")
        if last_batch not in LAST_BATCH:
            raise AttrError(f"last_batch must be one of {LAST_BATCH}, got {last_batch!r}")
        self.batch_size, self.shuffle, self.last_batch = int(batch_size), shuffle, last_batch
        self._rng = np.random.default_rng(seed)

    @property
    def num_samples(self):
        return len(self.data)

    def __len__(self):
        """Batches per epoch."""
        full, rest = divmod(self.num_samples, self.batch_size)
        return full + (1 if rest and self.last_batch != "discard" else 0)

    def __iter__(self):
        n, size = self.num_samples, self.batch_size
        order = self._rng.permutation(n) if self.shuffle else np.arange(n)
        for start in range(0, n, size):
            index = order[start:start + size]
            pad = size - len(index)
            if pad and self.last_batch == "discard":
                return
            if pad and self.last_batch == "pad":
                index = np.concatenate([index, np.resize(order, pad)])
            elif pad:
                pad = 0
            label = None if self.label is None else self.label[index]
            yield Batch(self.data[index], label, pad, index)

    def __repr__(self):
        return (f"ArrayIter({self.num_samples} samples, batch_size={self.batch_size}, "
                f"shuffle={self.shuffle}, last_batch={self.last_batch!r})")
