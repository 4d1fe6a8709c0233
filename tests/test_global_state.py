"""A fit leaves no process-global state changed, also when fits overlap in threads.

BLAS's thread count, numpy's error state and random state, and the warnings
filters are the same after any fit as before it.
"""

import threading
import warnings

import numpy as np
import pytest
from joblib import parallel_backend
from sklearn.model_selection import GridSearchCV
from threadpoolctl import threadpool_info

from skgd import GradientDescentRegressor


def blas_threads():
    return [
        info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"
    ]


def long_data(n_samples=100_000, n_features=12, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_features))
    return X, X @ rng.standard_normal(n_features) + rng.standard_normal(n_samples)


@pytest.mark.parametrize("solver", ["literal", "gram", "auto"])
def test_fits_overlapping_in_threads_leave_blas_threads_alone(solver):
    # Two threads fitting 100,000 x 12 at once left BLAS on one thread, for good.
    X, y = long_data()
    before = blas_threads()
    start_together = threading.Barrier(2)
    errors = []

    def fit_several_times():
        try:
            for _ in range(8):
                start_together.wait()
                GradientDescentRegressor(solver=solver, max_iter=20).fit(X, y)
        except Exception as error:  # reported below, in the main thread
            errors.append(error)

    threads = [threading.Thread(target=fit_several_times) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert blas_threads() == before


def test_a_grid_search_in_threads_leaves_blas_threads_alone():
    X, y = long_data(n_samples=200_000)
    before = blas_threads()
    search = GridSearchCV(
        GradientDescentRegressor(max_iter=50), {"alpha": ["auto", 0.05]}, cv=2
    )
    with parallel_backend("threading", n_jobs=2):
        search.fit(X, y)
    assert blas_threads() == before


def test_a_fit_leaves_numpy_and_warnings_state_alone():
    X, y = long_data(n_samples=2_000)
    error_state = np.geterr()
    # numpy's legacy global generator: the process-wide state a fit must keep.
    random_state = np.random.get_state()[1].copy()  # noqa: NPY002
    filters = list(warnings.filters)
    for solver in ["literal", "gram", "dual"]:
        GradientDescentRegressor(solver=solver, max_iter=20).fit(X[:100], y[:100])
        # A diverging fit too, which overflows on the way.
        with pytest.raises(ValueError):
            GradientDescentRegressor(solver=solver, alpha=1e300).fit(X[:100], y[:100])
    assert np.geterr() == error_state
    np.testing.assert_array_equal(np.random.get_state()[1], random_state)  # noqa: NPY002
    assert list(warnings.filters) == filters
