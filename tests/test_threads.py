"""One pass over thin X shared among threads: the same sums for any thread count."""

import threading
import time

import numpy as np
import pytest
from numpy.testing import assert_allclose
from threadpoolctl import threadpool_info, threadpool_limits

from skgd import GradientDescentRegressor
from skgd._objective import HalfSquaredError
from skgd._threads import blas_threads, map_in_threads, one_blas_thread


def test_map_in_threads_keeps_the_order_and_uses_the_blas_threads():
    threads = set()

    def chunk_id(chunk):
        threads.add(threading.get_ident())
        time.sleep(0.01)  # long enough for the second thread to take a chunk
        # BLAS is held to one thread in the chunks.
        assert blas_threads() == 1
        return chunk

    with threadpool_limits(limits=2, user_api="blas"):
        assert map_in_threads(chunk_id, list(range(8))) == list(range(8))
        assert blas_threads() == 2  # restored
    assert len(threads) == 2
    assert threading.get_ident() not in threads


def test_within_one_blas_thread_passes_keep_the_threads_blas_had():
    threads = set()

    def chunk_id(chunk):
        threads.add(threading.get_ident())
        time.sleep(0.01)

    with threadpool_limits(limits=2, user_api="blas"):
        with one_blas_thread():
            assert blas_threads() == 1
            map_in_threads(chunk_id, list(range(8)))
            with one_blas_thread():  # nested: still the threads of the outside
                map_in_threads(chunk_id, list(range(8)))
        assert blas_threads() == 2
    assert len(threads) == 2
    with threadpool_limits(limits=1, user_api="blas"), one_blas_thread():
        threads.clear()
        map_in_threads(chunk_id, list(range(4)))
    assert threads == {threading.get_ident()}


def test_with_one_blas_thread_the_chunks_run_here():
    threads = set()
    with threadpool_limits(limits=1, user_api="blas"):
        map_in_threads(lambda chunk: threads.add(threading.get_ident()), [0, 1, 2])
    assert threads == {threading.get_ident()}


def test_blas_threads_reads_the_limit_in_effect():
    with threadpool_limits(limits=1, user_api="blas"):
        assert blas_threads() == 1
    blas = [info for info in threadpool_info() if info["user_api"] == "blas"]
    assert blas_threads() == max(info["num_threads"] for info in blas)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("n_targets", [None, 2])
def test_statistics_are_the_same_for_one_or_two_threads(weighted, n_targets):
    rng = np.random.default_rng(0)
    m = 100_000
    X = rng.normal(size=(m, 12)) + 3.0  # 9.6 MB: ten blocks in eight chunks
    shape = (m,) if n_targets is None else (m, n_targets)
    y = rng.normal(size=shape)
    weights = rng.uniform(0.0, 2.0, m) if weighted else None
    objective = HalfSquaredError(X, y, weights)
    assert objective.shares_passes
    theta = rng.normal(size=(13, *shape[1:]))

    with threadpool_limits(limits=1, user_api="blas"):
        one = objective.statistics(theta)
    with threadpool_limits(limits=2, user_api="blas"):
        two = objective.statistics(theta)
    for a, b in zip(one, two, strict=True):
        np.testing.assert_array_equal(a, b)

    # And they are the cost, gradient, X^T S X and X^T S 1, computed by hand.
    s = np.full(m, 1 / m) if weights is None else weights / weights.sum()
    design = np.column_stack([X, np.ones(m)])
    residual = (design @ theta) - y
    scaled = residual * (s if residual.ndim == 1 else s[:, np.newaxis])
    cost, gradient, feature_gram, column_sums = one
    assert_allclose(cost, 0.5 * np.vdot(residual, scaled), rtol=1e-12)
    assert_allclose(gradient, design.T @ scaled, rtol=1e-10, atol=1e-12)
    assert_allclose(feature_gram, (X * s[:, np.newaxis]).T @ X, rtol=1e-12)
    assert_allclose(column_sums, X.T @ s, rtol=1e-12)


def test_fits_are_the_same_for_one_or_two_threads():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(150_000, 8)) * [1, 10, 100, 1, 1, 1, 1, 1]
    y = X @ rng.normal(size=8) + rng.normal(size=150_000)
    assert HalfSquaredError(X, y).shares_passes  # 9.6 MB
    with threadpool_limits(limits=1, user_api="blas"):
        one = GradientDescentRegressor(solver="gram").fit(X, y)
    with threadpool_limits(limits=2, user_api="blas"):
        two = GradientDescentRegressor(solver="gram").fit(X, y)
    np.testing.assert_array_equal(one.coef_, two.coef_)
    np.testing.assert_array_equal(one.cost_history_, two.cost_history_)


@pytest.mark.parametrize("weighted", [False, True])
def test_a_shared_pass_gives_the_literal_trajectory(weighted):
    # Long enough for the sampled anchor, big enough for the shared pass.
    rng = np.random.default_rng(3)
    X = rng.normal(size=(150_000, 8)) * [1, 10, 100, 1, 1, 1, 1, 1] + 5.0
    y = X @ rng.normal(size=8) + rng.normal(size=150_000)
    weights = rng.uniform(0.0, 2.0, 150_000) if weighted else None
    assert HalfSquaredError(X, y).shares_passes
    fits = {
        solver: GradientDescentRegressor(max_iter=100, solver=solver).fit(
            X, y, sample_weight=weights
        )
        for solver in ("literal", "gram")
    }
    literal, gram = fits["literal"], fits["gram"]
    assert_allclose(gram.coef_, literal.coef_, rtol=1e-10)
    assert_allclose(gram.intercept_, literal.intercept_, rtol=1e-10)
    assert_allclose(gram.cost_history_, literal.cost_history_, rtol=1e-9)
