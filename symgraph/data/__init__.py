"""``sg.data``: mini-batch iterators, the IDX reader, data sets that work
offline, splits and K-fold."""

from .datasets import (data_root, fashion_mnist, image_classification,  # noqa: F401
                       load_breast_cancer, load_diabetes, load_digits, mnist, mnist_5k)
from .errors import DataFormatError, DatasetNotFoundError  # noqa: F401
from .idx import load_idx, parse_idx  # noqa: F401
from .iterators import ArrayIter, Batch  # noqa: F401
from .prepare import cross_validate, kfold, standardize, train_test_split  # noqa: F401
