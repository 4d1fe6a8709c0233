"""fit never copies X: its peak extra memory stays within 10% of X.

numpy and scipy report their buffers to :mod:`tracemalloc`, so its peak during
``fit`` is the memory that fit itself allocated. Besides 10% of X, the Gram paths
may hold their matrix: the primal path the Hessian, its eigenvectors and LAPACK's
workspace (about 4 n_params² floats), the dual path its (n_samples, n_samples)
matrix and Lanczos vectors.
"""

import tracemalloc

import numpy as np
import pytest
import scipy.sparse as sp

from skgd import GradientDescentRegressor
from skgd._blocks import nbytes

FLOAT = 8


def peak_bytes_of_fit(X, y, **params):
    estimator = GradientDescentRegressor(max_iter=30, **params)
    estimator.fit(X, y)  # imports and caches warmed up outside the measurement
    tracemalloc.start()
    try:
        estimator.fit(X, y)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def tall(layout, n_samples=100_000):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n_samples, 20))
    y = X @ rng.normal(size=20)
    if layout == "F":
        return np.asfortranarray(X), y
    if layout in ("csr", "csc"):
        X[rng.random(X.shape) < 0.5] = 0.0
        return sp.csr_array(X).asformat(layout), y
    return X, y


@pytest.mark.parametrize("layout", ["C", "F", "csr", "csc"])
@pytest.mark.parametrize("solver", ["literal", "gram"])
def test_tall_data_are_never_copied(layout, solver):
    X, y = tall(layout)
    n_params = X.shape[1] + 1
    allowed = 0.10 * nbytes(X)
    if solver == "gram":
        allowed += 4 * FLOAT * n_params**2
    assert peak_bytes_of_fit(X, y, solver=solver) <= allowed


@pytest.mark.parametrize("layout", ["C", "F"])
def test_wide_data_are_never_copied_on_the_dual_path(layout):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 5_000))
    X = np.asfortranarray(X) if layout == "F" else X
    y = X @ rng.normal(size=5_000)
    n_samples = X.shape[0]
    # The dual matrix, and Lanczos's 20 vectors and a few others of n_samples.
    allowed = 0.10 * X.nbytes + FLOAT * (n_samples**2 + 30 * n_samples)
    assert peak_bytes_of_fit(X, y, solver="dual") <= allowed


@pytest.mark.parametrize("layout", ["C", "F", "csr", "csc"])
@pytest.mark.parametrize("solver", ["literal", "gram"])
def test_float32_data_are_never_copied(layout, solver):
    # Blocks of float32 X are copied to float64 for X^T X: half the usual size.
    X, y = tall(layout, n_samples=150_000)
    X, y = X.astype(np.float32), y.astype(np.float32)
    n_params = X.shape[1] + 1
    allowed = 0.10 * nbytes(X)
    if solver == "gram":
        allowed += 4 * FLOAT * n_params**2
    if layout == "csc":
        # No row blocks: X^T X is built from one dense column of n_samples at a
        # time, against X^T converted to float64 a row (a column of X) at a time.
        largest_column = np.diff(X.indptr).max()
        allowed += FLOAT * X.shape[0] + (FLOAT + 4 + 8) * largest_column
    assert peak_bytes_of_fit(X, y, solver=solver) <= allowed


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_weighted_fit_adds_only_vectors_of_n_samples(dtype):
    X, y = tall("C")
    X, y = X.astype(dtype), y.astype(dtype)
    weights = np.random.default_rng(1).uniform(0.5, 2.0, len(X))
    tracemalloc_budget = 0.10 * X.nbytes + 3 * FLOAT * len(X)
    for solver in ("literal", "gram"):
        estimator = GradientDescentRegressor(max_iter=30, solver=solver)
        estimator.fit(X, y, sample_weight=weights)
        tracemalloc.start()
        try:
            estimator.fit(X, y, sample_weight=weights)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak <= tracemalloc_budget, solver


@pytest.mark.parametrize("solver", ["literal", "gram", "dual"])
def test_memory_follows_the_steps_taken_not_max_iter(solver):
    # max_iter=10**8 with tol left the estimator holding a view of a 763 MiB
    # buffer; 10**10 raised MemoryError on a fit that stopped after 10 steps.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 3)) if solver != "dual" else rng.normal(size=(5, 30))
    y = X @ rng.normal(size=X.shape[1])
    estimator = GradientDescentRegressor(max_iter=10**10, tol=1e-6, solver=solver)
    tracemalloc.start()
    try:
        estimator.fit(X, y)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert estimator.n_iter_ < 10_000
    assert estimator.cost_history_.base is None
    assert len(estimator.cost_history_) == estimator.n_iter_ + 1
    # A block of steps of the closed form, whatever max_iter.
    assert peak < 4 * 2**20
