"""Whether an object is a Dask collection, without importing Dask.

Dask stays optional: a Dask collection exists only once ``dask`` is imported,
so where it is not, nothing is one, and :mod:`skgd._dask` is imported only for
one.
"""

import importlib
import sys

from sklearn.base import RegressorMixin


def is_dask_collection(*objects):
    """Whether any of ``objects`` is a Dask array, DataFrame, Series or the like."""
    dask = sys.modules.get("dask")
    return dask is not None and any(dask.is_dask_collection(obj) for obj in objects)


def dask_support():
    """:mod:`skgd._dask`, imported on first use."""
    return importlib.import_module("skgd._dask")


def score(self, X, y, sample_weight=None):
    """Return the coefficient of determination of the prediction, R².

    As :meth:`sklearn.base.RegressorMixin.score`; on Dask collections, the
    predictions (a lazy Dask array) and the targets are computed together, in
    one pass over X.

    Parameters
    ----------
    X : {array-like, sparse matrix, dask array or DataFrame} of shape \
(n_samples, n_features)
        Test samples.

    y : array-like of shape (n_samples,) or (n_samples, n_targets)
        True values for `X`; a Dask collection with `X`'s row blocks, or an
        array in memory.

    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights.

    Returns
    -------
    score : float
        :math:`R^2` of ``self.predict(X)`` with respect to `y`.
    """
    if is_dask_collection(X, y, sample_weight):
        return dask_support().score_dask(self, X, y, sample_weight)
    return RegressorMixin.score(self, X, y, sample_weight=sample_weight)
