"""partial_fit and fit_from_statistics: fit on all rows so far, from their statistics.

Any split of the rows into batches gives the fit on their concatenation; both
are compared with the textbook loop, which knows nothing of batches.
"""

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from reference import assert_follows
from sklearn.base import clone

from skgd import GradientDescentRegressor, SufficientStatistics


def problem(n_samples=120, n_features=3, n_targets=None, seed=0, offset=5.0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_features)) + offset
    shape = (n_features,) if n_targets is None else (n_features, n_targets)
    noise = rng.standard_normal((n_samples,) + shape[1:])
    y = X @ rng.standard_normal(shape) - 1.0 + noise
    weights = rng.uniform(0.0, 3.0, n_samples)
    weights[rng.random(n_samples) < 0.25] = 0.0
    return X, y, weights


def fit_in_batches(estimator, X, y, weights, cuts):
    for rows in np.split(np.arange(len(X)), cuts):
        estimator.partial_fit(
            X[rows], y[rows], None if weights is None else weights[rows]
        )
    return estimator


def assert_equal_fits(batched, whole, rtol=1e-10, rounding=1e-20):
    scale = np.max(np.abs(whole.coef_))
    assert_allclose(batched.coef_, whole.coef_, rtol=rtol, atol=rtol * scale)
    assert_allclose(batched.intercept_, whole.intercept_, rtol=rtol, atol=rtol * scale)
    # Costs to rounding of the cost's scale, where a fit is exact.
    rounding *= whole.cost_history_[0]
    assert_allclose(batched.cost_history_, whole.cost_history_, rtol, rounding)
    assert batched.alpha_ == pytest.approx(whole.alpha_, rel=1e-12)
    assert batched.min_cost_ == pytest.approx(
        whole.min_cost_, rel=max(rtol, 1e-9), abs=rounding
    )


SPLITS = {
    "single rows": lambda n: np.arange(1, n),
    "halves": lambda n: [n // 2],
    "empty batches": lambda n: [0 + 1, 1, 1, 40, 40, n, n],
    "ragged": lambda n: [3, 4, 50, 51, 99],
}


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("split", SPLITS)
def test_any_split_into_batches_equals_fit(split, weighted):
    X, y, weights = problem()
    weights = weights if weighted else None
    whole = GradientDescentRegressor(max_iter=300).fit(X, y, sample_weight=weights)
    batched = fit_in_batches(
        GradientDescentRegressor(max_iter=300), X, y, weights, SPLITS[split](len(X))
    )
    assert batched.n_samples_seen_ == len(X) and batched.solver_ == "gram"
    assert_equal_fits(batched, whole)
    assert_follows(batched, X, y, weights)


@settings(max_examples=30)
@given(
    seed=st.integers(0, 2**16),
    n_samples=st.integers(5, 80),
    n_cuts=st.integers(0, 8),
    n_targets=st.sampled_from([None, 1, 2]),
    fit_intercept=st.booleans(),
    offset=st.sampled_from([0.0, 10.0, 1e4]),
)
def test_property_any_batches_equal_the_fit_on_their_concatenation(
    seed, n_samples, n_cuts, n_targets, fit_intercept, offset
):
    X, y, weights = problem(n_samples, 3, n_targets, seed, offset)
    weights[0] = 1.0
    rng = np.random.default_rng(seed)
    cuts = np.sort(rng.integers(1, n_samples + 1, n_cuts))
    params = dict(max_iter=50, fit_intercept=fit_intercept)
    whole = GradientDescentRegressor(**params).fit(X, y, sample_weight=weights)
    batched = fit_in_batches(GradientDescentRegressor(**params), X, y, weights, cuts)
    # Fewer rows than parameters in a batch fit it exactly, anywhere on a
    # subspace: the anchor then moves far between batches, by algebra, and an
    # exact fit's costs keep digits down to 1e-18 of the cost's scale only.
    assert_equal_fits(batched, whole, rtol=1e-8, rounding=1e-18)
    assert np.shape(batched.coef_) == np.shape(whole.coef_)


def test_a_near_exact_fit_keeps_the_digits_of_its_small_costs():
    # Each batch is summed about the least-squares point of the rows so far, so
    # that the costs near the minimum are not lost to the anchor at zero.
    X, _, _ = problem(n_samples=200, offset=0.0)
    y = X @ [1.0, -2.0, 3.0] + 4.0
    whole = GradientDescentRegressor(max_iter=2000).fit(X, y)
    batched = fit_in_batches(GradientDescentRegressor(max_iter=2000), X, y, None, [50])
    assert whole.cost_history_[30] < 1e-18 * whole.cost_history_[0]
    assert_allclose(
        batched.cost_history_,
        whole.cost_history_,
        rtol=1e-7,
        atol=1e-27 * whole.cost_history_[0],
    )
    assert_follows(batched, X, y)


def test_sparse_and_float32_batches():
    X, y, _ = problem()
    X32 = X.astype(np.float32)
    whole = GradientDescentRegressor(max_iter=100, solver="gram").fit(X32, y)
    batched = GradientDescentRegressor(max_iter=100, solver="gram")
    batched.partial_fit(sp.csr_array(X32[:70]), y[:70]).partial_fit(X32[70:], y[70:])
    assert batched.coef_.dtype == np.float32
    assert_equal_fits(batched, whole, rtol=1e-5)


def test_partial_fit_after_fit_adds_rows_and_fit_starts_anew():
    X, y, weights = problem()
    reg = GradientDescentRegressor(max_iter=200)
    reg.fit(X[:60], y[:60], sample_weight=weights[:60])
    reg.partial_fit(X[60:], y[60:], sample_weight=weights[60:])
    whole = GradientDescentRegressor(max_iter=200).fit(X, y, sample_weight=weights)
    assert_equal_fits(reg, whole)
    # fit forgets the rows of the partial fits.
    reg.fit(X[:60], y[:60])
    assert reg.n_samples_seen_ == 60
    assert_equal_fits(reg, GradientDescentRegressor(max_iter=200).fit(X[:60], y[:60]))


def test_partial_fit_after_a_fit_without_statistics_is_refused():
    X, y, _ = problem(n_samples=5, n_features=200)  # wide: 'auto' takes 'dual'
    reg = GradientDescentRegressor(max_iter=10).fit(X, y)
    assert reg.solver_ == "dual" and not hasattr(reg, "statistics_")
    with pytest.raises(ValueError, match="kept no statistics"):
        reg.partial_fit(X, y)
    assert clone(reg).partial_fit(X, y).n_samples_seen_ == 5


@pytest.mark.parametrize("solver", ["literal", "dual"])
def test_only_the_solver_of_the_statistics_has_partial_fit(solver):
    reg = GradientDescentRegressor(solver=solver)
    assert not hasattr(reg, "partial_fit")
    with pytest.raises(AttributeError) as error:
        reg.partial_fit(np.ones((3, 1)), np.ones(3))
    assert "solver='gram' or 'auto'" in str(error.value.__cause__)


def test_too_many_features_are_refused_with_the_count_and_the_remedy():
    X = np.zeros((1, 16_384))
    with pytest.raises(ValueError) as error:
        GradientDescentRegressor().partial_fit(X, [1.0])
    message = str(error.value)
    assert "16384 features" in message and "at most 16383" in message
    assert "solver='literal'" in message and "Dask" in message


def test_feature_and_target_mismatches_are_refused_and_change_nothing():
    X, y, _ = problem(n_targets=2)
    reg = GradientDescentRegressor(max_iter=20).partial_fit(X[:50], y[:50])
    coef = reg.coef_.copy()
    with pytest.raises(ValueError, match="X has 2 features, but"):
        reg.partial_fit(X[50:, :2], y[50:])
    with pytest.raises(ValueError, match="1 targets, but the earlier rows had 2"):
        reg.partial_fit(X[50:], y[50:, 0])
    with pytest.raises(ValueError, match="Input X contains NaN"):
        reg.partial_fit(np.full((2, 3), np.nan), y[:2])
    assert reg.n_samples_seen_ == 50
    np.testing.assert_array_equal(reg.coef_, coef)


def test_the_first_batch_needs_rows_and_a_positive_weight():
    X, y, _ = problem()
    with pytest.raises(ValueError, match="0 sample"):
        GradientDescentRegressor().partial_fit(X[:0], y[:0])
    reg = GradientDescentRegressor()
    with pytest.raises(ValueError, match="positive sum"):
        reg.partial_fit(X[:5], y[:5], sample_weight=np.zeros(5))
    assert not hasattr(reg, "coef_")


def test_fit_from_statistics_equals_fit_and_can_go_on_with_partial_fit():
    X, y, weights = problem(n_targets=2)
    stats = SufficientStatistics.from_data(X[:30], y[:30], weights[:30])
    stats = stats.merge(SufficientStatistics.from_data(X[30:], y[30:], weights[30:]))
    reg = GradientDescentRegressor(max_iter=150).fit_from_statistics(stats)
    whole = GradientDescentRegressor(max_iter=150).fit(X, y, sample_weight=weights)
    assert_equal_fits(reg, whole)
    assert reg.n_features_in_ == 3 and reg.n_samples_seen_ == len(X)
    assert reg.statistics_ is not stats  # a copy: updating stats changes nothing
    stats.update(X, y)
    assert reg.statistics_.n_samples == len(X)
    # One target gives the shapes of 1-D y.
    y = y[:, 0]
    single = SufficientStatistics.from_data(X, y)
    reg = GradientDescentRegressor(max_iter=150).fit_from_statistics(single)
    assert reg.coef_.shape == (3,) and isinstance(reg.intercept_, float)
    reg.partial_fit(X, y)  # the same rows again: counted twice
    twice = GradientDescentRegressor(max_iter=150).fit(np.vstack([X, X]), np.r_[y, y])
    assert_equal_fits(reg, twice)


def test_fit_from_statistics_refuses_what_fit_refuses():
    X, y, _ = problem()
    stats = SufficientStatistics.from_data(X, y)
    for x_squares, message in [(np.nan, "contains NaN"), (np.inf, "infinity")]:
        bad = SufficientStatistics(**{**vars(stats), "x_squares": x_squares})
        with pytest.raises(ValueError, match=message):
            GradientDescentRegressor().fit_from_statistics(bad)
    empty = SufficientStatistics.from_data(X[:0], y[:0])
    with pytest.raises(ValueError, match="positive sum"):
        GradientDescentRegressor().fit_from_statistics(empty)
    with pytest.raises(TypeError, match="SufficientStatistics"):
        GradientDescentRegressor().fit_from_statistics((X, y))


@pytest.mark.parametrize("weighted", [False, True])
def test_the_l2_penalty_applies_to_batches_and_converges_to_ridge(weighted):
    from sklearn.linear_model import Ridge

    X, y, weights = problem(n_targets=2)
    weights = weights if weighted else None
    params = dict(l2_penalty=0.3, max_iter=300)
    whole = GradientDescentRegressor(**params).fit(X, y, sample_weight=weights)
    batched = fit_in_batches(GradientDescentRegressor(**params), X, y, weights, [7, 60])
    assert_equal_fits(batched, whole)  # whole: the textbook's, in test_l2_penalty
    # Converged, both are Ridge's solution, alpha = lambda * sum of the weights.
    params["max_iter"] = 100_000
    batched = fit_in_batches(GradientDescentRegressor(**params), X, y, weights, [60])
    total = len(X) if weights is None else weights.sum()
    ridge = Ridge(alpha=0.3 * total, tol=1e-14).fit(X, y, sample_weight=weights)
    assert_allclose(batched.coef_, ridge.coef_, rtol=1e-8)
    assert_allclose(batched.intercept_, ridge.intercept_, rtol=1e-8)


def test_partial_fit_does_not_stop_early_as_mlp_regressor():
    X, y, weights = problem()
    stopping = GradientDescentRegressor(early_stopping=True, max_iter=80)
    plain = GradientDescentRegressor(max_iter=80)
    stopping = fit_in_batches(stopping, X, y, weights, [50])
    plain = fit_in_batches(plain, X, y, weights, [50])
    assert stopping.n_iter_ == 80
    assert not hasattr(stopping, "validation_cost_history_")
    assert_allclose(stopping.cost_history_, plain.cost_history_, rtol=1e-14)


@pytest.mark.parametrize("early_stopping", [False, True])
def test_fit_from_statistics_with_validation_statistics_equals_fit_with_x_val(
    early_stopping,
):
    X, y, weights = problem(n_samples=160, n_targets=2)
    X_val, y_val, weights_val = problem(n_samples=40, n_targets=2, seed=1)
    # Few rows, many steps: the validation cost turns up, and early stopping fires.
    X, y, weights = X[:12], y[:12], weights[:12] + 0.5
    params = dict(max_iter=3000, early_stopping=early_stopping, n_iter_no_change=5)
    whole = GradientDescentRegressor(**params).fit(
        X, y, weights, X_val=X_val, y_val=y_val, sample_weight_val=weights_val
    )
    from_statistics = GradientDescentRegressor(**params).fit_from_statistics(
        SufficientStatistics.from_data(X, y, weights),
        SufficientStatistics.from_data(X_val, y_val, weights_val),
    )
    assert from_statistics.n_iter_ == whole.n_iter_
    assert (whole.n_iter_ < 3000) == early_stopping
    assert_allclose(from_statistics.coef_, whole.coef_, rtol=1e-9)
    assert_allclose(
        from_statistics.validation_cost_history_,
        whole.validation_cost_history_,
        rtol=1e-10,
    )
    # The textbook validation cost of the fitted parameters, from the rows.
    residual = X_val @ from_statistics.coef_.T + from_statistics.intercept_ - y_val
    expected = 0.5 * np.sum(weights_val[:, None] * residual**2) / weights_val.sum()
    best = from_statistics.best_iteration_ if early_stopping else -1
    assert from_statistics.validation_cost_history_[best] == pytest.approx(
        expected, rel=1e-10
    )


def test_fit_from_statistics_refuses_validation_statistics_that_do_not_match():
    X, y, _ = problem(n_targets=2)
    stats = SufficientStatistics.from_data(X, y)
    reg = GradientDescentRegressor()
    with pytest.raises(ValueError, match=r"validation statistics are of \(2, 2\)"):
        reg.fit_from_statistics(stats, SufficientStatistics.from_data(X[:, :2], y))
    with pytest.raises(TypeError, match="not tuple"):
        reg.fit_from_statistics(stats, (X, y))
    zero = SufficientStatistics.from_data(X, y, np.zeros(len(X)))
    with pytest.raises(ValueError, match="positive sum"):
        reg.fit_from_statistics(stats, zero)
    assert not hasattr(reg, "coef_")
