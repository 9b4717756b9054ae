"""Metrics accumulate over batches as MXNet's do."""

import numpy as np
import pytest

import symgraph as sg
from symgraph import metrics

PROBS = np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6], [0.3, 0.4, 0.3], [0.5, 0.1, 0.4]])
LABELS = np.array([0, 1, 1, 1])


def test_accuracy_over_batches_and_label_forms():
    acc = metrics.create("acc")
    acc.update(LABELS[:2], PROBS[:2])
    acc.update(LABELS[2:], PROBS[2:])
    assert acc.get() == ("accuracy", 0.5)
    acc.reset()
    assert np.isnan(acc.get()[1])
    acc.update(np.eye(3)[LABELS], PROBS)       # one-hot labels
    assert acc.get()[1] == 0.5
    binary = metrics.Accuracy()
    binary.update([1, 0, 1, 0], np.array([[0.9], [0.2], [0.4], [0.6]]))
    assert binary.get()[1] == 0.5


def test_top_k_and_cross_entropy():
    top2 = metrics.create("top_2_accuracy")
    top2.update(LABELS, PROBS)
    assert top2.get() == ("top_2_accuracy", 0.75)
    ce = metrics.create("cross_entropy")
    ce.update(LABELS, PROBS)
    expected = -np.log(PROBS[np.arange(4), LABELS]).mean()
    assert ce.get()[1] == pytest.approx(expected)
    binary = metrics.CrossEntropy()
    binary.update(np.array([1, 0]), np.array([0.8, 0.4]))
    assert binary.get()[1] == pytest.approx(-(np.log(0.8) + np.log(0.6)) / 2)
    with pytest.raises(sg.ShapeError, match="class scores"):
        metrics.TopKAccuracy(2).update([1], np.array([0.3]))


def test_regression_metrics():
    mse, mae = metrics.create("mse"), metrics.create("mae")
    for metric in (mse, mae):
        metric.update(np.array([1.0, 2.0]), np.array([[1.5], [1.0]]))
        metric.update(np.array([0.0]), np.array([[2.0]]))
    assert mse.get()[1] == pytest.approx((0.25 + 1 + 4) / 3)
    assert mae.get()[1] == pytest.approx((0.5 + 1 + 2) / 3)
    with pytest.raises(sg.ShapeError, match="3 labels for 2 predictions"):
        mse.update(np.zeros(3), np.zeros(2))
    with pytest.raises(sg.AttrError, match="unknown metric 'f1'"):
        metrics.create("f1")
