"""Splitting and scaling arrays: train/test splits, K-fold and cross-validation,
standardization.

    x_train, x_test, y_train, y_test = sg.data.train_test_split(x, y, test_size=0.2, seed=0)
    for train_index, val_index in sg.data.kfold(len(x), k=4, shuffle=True, seed=0):
        ...
    scores = sg.data.cross_validate(model, x, y, k=4, epochs=20)   # {'loss': [4 values], ...}
"""

import numpy as np

from ..errors import AttrError, BindError


def kfold(n, k=5, shuffle=False, seed=None):
    """``k`` pairs ``(train_index, validation_index)`` over ``n`` samples; each
    sample is validated once. The first ``n % k`` folds hold one sample more
    (scikit-learn's KFold)."""
    if not 2 <= k <= n:
        raise AttrError(f"kfold needs 2 <= k <= n, got k={k} for n={n}")
    order = np.random.default_rng(seed).permutation(n) if shuffle else np.arange(n)
    sizes = np.full(k, n // k)
    sizes[:n % k] += 1
    start = 0
    for size in sizes:
        validation = order[start:start + size]
        yield np.concatenate([order[:start], order[start + size:]]), validation
        start += size


def train_test_split(*arrays, test_size=0.25, shuffle=True, seed=None):
    """Split each array's rows the same way: ``[a_train, a_test, b_train, b_test, ...]``
    as scikit-learn's. ``test_size`` is a fraction or a count."""
    if not arrays:
        raise BindError("train_test_split needs at least one array")
    n = len(arrays[0])
    if any(len(a) != n for a in arrays):
        raise BindError(f"arrays have different lengths {[len(a) for a in arrays]}")
    test = int(round(test_size * n)) if isinstance(test_size, float) else int(test_size)
    if not 0 < test < n:
        raise AttrError(f"test_size {test_size} leaves no train or no test sample of {n}")
    order = np.random.default_rng(seed).permutation(n) if shuffle else np.arange(n)
    train_index, test_index = order[:n - test], order[n - test:]
    arrays = [np.asarray(a) for a in arrays]
    return [part for a in arrays for part in (a[train_index], a[test_index])]


def standardize(train, *others):
    """Scale columns to zero mean and unit variance with the statistics of
    ``train``; returns ``train`` and each of ``others`` scaled the same way."""
    train = np.asarray(train)
    mean = train.mean(axis=0)
    std = train.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    scaled = [((np.asarray(a) - mean) / std).astype(train.dtype) for a in (train, *others)]
    return scaled[0] if not others else scaled


def cross_validate(model, x, y, k=5, epochs=1, batch_size=32, shuffle=True, seed=0,
                   initializer=None, verbose=0):
    """K-fold cross-validation of a compiled ``sg.Model``: for each fold the
    parameters and optimizer state are drawn afresh (seed + fold), the model is
    trained on the other folds and evaluated on this one. Returns
    ``{name: [score per fold]}``; one compiled step serves every fold."""
    x, y = np.asarray(x), np.asarray(y)
    scores = {}
    for fold, (train, held_out) in enumerate(kfold(len(x), k, shuffle, seed)):
        model.initialize(initializer, seed=seed + fold, input_shape=x.shape[1:])
        model.fit(x[train], y[train], batch_size, epochs, verbose=verbose, seed=seed + fold)
        for name, value in model.evaluate(x[held_out], y[held_out]).items():
            scores.setdefault(name, []).append(value)
    return scores
