"""The mathematics of the estimator, pinned against an independent textbook loop."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from reference import largest_hessian_eigenvalue, textbook_descent
from sklearn.linear_model import LinearRegression
from sklearn.preprocessing import StandardScaler

from skgd import GradientDescentRegressor


def make_data(n_samples=60, n_features=3, n_targets=None, seed=0, offset=0.0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, n_features)) + offset
    coef = rng.normal(
        size=(n_features,) if n_targets is None else (n_features, n_targets)
    )
    y = X @ coef + 0.5 + 0.1 * rng.normal(size=(n_samples,) + coef.shape[1:])
    return X, y


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_trajectory_equals_the_textbook_loop(fit_intercept):
    X, y = make_data()
    reg = GradientDescentRegressor(alpha=0.05, max_iter=40, fit_intercept=fit_intercept)
    reg.fit(X, y)
    coef, intercept, costs = textbook_descent(
        X, y, 0.05, 40, fit_intercept=fit_intercept
    )
    assert_allclose(reg.cost_history_, costs, rtol=1e-12)
    assert_allclose(reg.coef_, coef, rtol=1e-12)
    assert_allclose(reg.intercept_, intercept, rtol=1e-12)
    assert reg.n_iter_ == 40 and len(reg.cost_history_) == 41
    assert reg.alpha_ == 0.05


def test_first_step_updates_w_and_b_simultaneously():
    # From w = 0, b = 0 the residual is -y, so one step gives w = alpha mean(y x),
    # b = alpha mean(y). A sequential update would use the new w to compute b.
    X, y = make_data()
    reg = GradientDescentRegressor(alpha=0.1, max_iter=1).fit(X, y)
    assert_allclose(reg.coef_, 0.1 * (X * y[:, None]).mean(axis=0), rtol=1e-13)
    assert_allclose(reg.intercept_, 0.1 * y.mean(), rtol=1e-13)
    assert_allclose(reg.cost_history_[0], 0.5 * np.mean(y**2), rtol=1e-13)


def test_auto_alpha_is_one_over_the_largest_hessian_eigenvalue():
    X, y = make_data(offset=4.0)
    weights = np.random.default_rng(5).uniform(0.2, 2.0, len(X))
    reg = GradientDescentRegressor(max_iter=5).fit(X, y, sample_weight=weights)
    assert_allclose(reg.alpha_, 1 / largest_hessian_eigenvalue(X, weights), rtol=1e-12)


def test_auto_alpha_lowers_the_cost_at_every_step_on_raw_unscaled_data():
    # Feature means of 1e3 and scales from 1e-2 to 1e2: badly conditioned.
    rng = np.random.default_rng(6)
    X = 1e3 + rng.normal(size=(200, 4)) * [1e-2, 1.0, 10.0, 1e2]
    y = X @ [3.0, -2.0, 0.5, 0.01] + rng.normal(size=200)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        reg = GradientDescentRegressor(max_iter=20000).fit(X, y)
    rises = np.diff(reg.cost_history_)
    assert np.all(rises <= 1e-12 * reg.cost_history_[0])
    assert reg.cost_history_[-1] < 1e-3 * reg.cost_history_[0]


def test_stacking_the_data_twice_gives_the_same_trajectory():
    X, y = make_data()
    once = GradientDescentRegressor(max_iter=50).fit(X, y)
    twice = GradientDescentRegressor(max_iter=50).fit(np.vstack([X, X]), np.r_[y, y])
    assert_allclose(twice.cost_history_, once.cost_history_, rtol=1e-12)
    assert_allclose(twice.coef_, once.coef_, rtol=1e-12)
    assert_allclose(twice.intercept_, once.intercept_, rtol=1e-12)


def test_an_integer_weight_equals_repeating_the_row():
    X, y = make_data(n_samples=20)
    counts = np.random.default_rng(7).integers(0, 4, len(X))
    weighted = GradientDescentRegressor(max_iter=50).fit(X, y, sample_weight=counts)
    repeated = GradientDescentRegressor(max_iter=50).fit(
        np.repeat(X, counts, axis=0), np.repeat(y, counts)
    )
    assert_allclose(weighted.alpha_, repeated.alpha_, rtol=1e-12)
    assert_allclose(weighted.cost_history_, repeated.cost_history_, rtol=1e-11)
    assert_allclose(weighted.coef_, repeated.coef_, rtol=1e-11)


def test_scaling_all_weights_changes_nothing():
    X, y = make_data()
    weights = np.random.default_rng(8).uniform(0.1, 1.0, len(X))
    reg = GradientDescentRegressor(max_iter=30).fit(X, y, sample_weight=weights)
    scaled = GradientDescentRegressor(max_iter=30).fit(
        X, y, sample_weight=1e3 * weights
    )
    assert_allclose(scaled.cost_history_, reg.cost_history_, rtol=1e-12)
    assert_allclose(scaled.coef_, reg.coef_, rtol=1e-12)


def test_weighted_trajectory_equals_the_textbook_loop():
    X, y = make_data()
    weights = np.random.default_rng(9).uniform(0.1, 3.0, len(X))
    reg = GradientDescentRegressor(alpha=0.1, max_iter=25).fit(
        X, y, sample_weight=weights
    )
    coef, intercept, costs = textbook_descent(X, y, 0.1, 25, weights=weights)
    assert_allclose(reg.cost_history_, costs, rtol=1e-12)
    assert_allclose(
        np.r_[reg.coef_, reg.intercept_], np.r_[coef, intercept], rtol=1e-12
    )


@given(
    seed=st.integers(0, 2**16),
    fraction=st.floats(0.01, 0.99),
    n_samples=st.integers(1, 40),
    n_features=st.integers(1, 6),
    scale=st.floats(1e-2, 1e2),
)
def test_below_two_over_l_the_cost_never_rises(
    seed, fraction, n_samples, n_features, scale
):
    rng = np.random.default_rng(seed)
    X = scale * rng.normal(size=(n_samples, n_features)) + rng.normal(size=n_features)
    y = rng.normal(size=n_samples) * scale
    alpha = fraction * 2 / largest_hessian_eigenvalue(X)
    reg = GradientDescentRegressor(alpha=alpha, max_iter=100).fit(X, y)
    rounding = 1e-12 * reg.cost_history_[0]
    assert np.all(np.diff(reg.cost_history_) <= rounding)


def test_enough_steps_reach_the_least_squares_solution():
    X, y = make_data(n_samples=100, n_features=5)
    X = StandardScaler().fit_transform(X)
    reg = GradientDescentRegressor(max_iter=3000).fit(X, y)
    ols = LinearRegression().fit(X, y)
    assert_allclose(reg.coef_, ols.coef_, rtol=1e-9)
    assert_allclose(reg.intercept_, ols.intercept_, rtol=1e-9)


def test_each_target_follows_the_trajectory_it_follows_alone():
    X, Y = make_data(n_targets=3)
    joint = GradientDescentRegressor(max_iter=60).fit(X, Y)
    assert joint.coef_.shape == (3, 3) and joint.intercept_.shape == (3,)
    history = np.zeros_like(joint.cost_history_)
    for target in range(3):
        alone = GradientDescentRegressor(max_iter=60).fit(X, Y[:, target])
        assert_allclose(joint.coef_[target], alone.coef_, rtol=1e-12)
        assert_allclose(joint.intercept_[target], alone.intercept_, rtol=1e-12)
        history += alone.cost_history_
    # The squared norm sums over targets, so the costs add up.
    assert_allclose(joint.cost_history_, history, rtol=1e-12)


def test_warm_start_continues_the_same_trajectory():
    X, y = make_data()
    straight = GradientDescentRegressor(max_iter=8).fit(X, y)
    reg = GradientDescentRegressor(max_iter=3, warm_start=True).fit(X, y)
    first_history = reg.cost_history_
    reg.set_params(max_iter=5).fit(X, y)
    assert reg.n_iter_ == 5
    assert_allclose(reg.cost_history_[0], first_history[-1], rtol=1e-14)
    assert_allclose(reg.cost_history_, straight.cost_history_[3:], rtol=1e-12)
    assert_allclose(reg.coef_, straight.coef_, rtol=1e-12)
    cold = GradientDescentRegressor(max_iter=5).fit(X, y)
    assert not np.allclose(cold.coef_, reg.coef_, rtol=1e-3)


@pytest.mark.parametrize("sparse_format", ["csr", "csc"])
def test_sparse_input_follows_the_dense_trajectory(sparse_format):
    X, y = make_data()
    X[np.abs(X) < 0.8] = 0.0
    dense = GradientDescentRegressor(max_iter=40).fit(X, y)
    sparse = GradientDescentRegressor(max_iter=40).fit(
        sp.csr_matrix(X).asformat(sparse_format), y
    )
    assert_allclose(sparse.cost_history_, dense.cost_history_, rtol=1e-12)
    assert_allclose(sparse.coef_, dense.coef_, rtol=1e-12)
    assert_allclose(sparse.alpha_, dense.alpha_, rtol=1e-12)


def test_float32_stays_float32_and_agrees_with_float64():
    X, y = make_data()
    reg64 = GradientDescentRegressor(max_iter=200).fit(X, y)
    reg32 = GradientDescentRegressor(max_iter=200).fit(X.astype(np.float32), y)
    assert reg32.coef_.dtype == np.float32
    assert reg32.predict(X.astype(np.float32)).dtype == np.float32
    assert_allclose(reg32.coef_, reg64.coef_, rtol=1e-4)
    assert_allclose(reg32.cost_history_, reg64.cost_history_, rtol=1e-4)


def test_tol_stops_at_the_first_small_decrease():
    X, y = make_data()
    full = GradientDescentRegressor(max_iter=500).fit(X, y)
    tol = 1e-6
    expected = int(np.argmax(-np.diff(full.cost_history_) < tol)) + 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        reg = GradientDescentRegressor(max_iter=500, tol=tol).fit(X, y)
    assert reg.n_iter_ == expected < 500
    assert_array_equal(reg.cost_history_, full.cost_history_[: expected + 1])


def test_default_estimator_does_not_raise_when_it_reaches_the_rounding_floor():
    # A noise-free fit: the cost falls to the level of rounding and then jitters.
    rng = np.random.default_rng(10)
    X = rng.normal(size=(50, 3)) + 100.0
    y = X @ [1.0, 2.0, 3.0] - 7.0
    reg = GradientDescentRegressor(max_iter=20000).fit(
        StandardScaler().fit_transform(X), y
    )
    assert reg.cost_history_[-1] < 1e-20 * reg.cost_history_[0]
    assert np.all(np.isfinite(reg.coef_))


def test_all_zero_features_without_intercept_leave_nothing_to_learn():
    # The Hessian is zero (L = 0): every learning rate is stable, w stays 0.
    X = np.zeros((10, 2))
    y = np.arange(10.0)
    reg = GradientDescentRegressor(fit_intercept=False, max_iter=5).fit(X, y)
    assert_array_equal(reg.coef_, [0.0, 0.0])
    assert reg.intercept_ == 0.0 and np.isfinite(reg.alpha_)
    assert_allclose(reg.cost_history_, 0.5 * np.mean(y**2))


# ---------------------------------------------------------------------------
# Where the iterates converge to
# ---------------------------------------------------------------------------


def test_rank_deficient_data_converge_to_the_smallest_norm_least_squares_point():
    # From w = 0, b = 0 the iterates stay in the row space of [X 1]: they reach
    # the least-squares (w, b) of smallest norm, while LinearRegression gives
    # the one of smallest |w| with b free. Both fit the training data alike.
    rng = np.random.default_rng(0)
    X = rng.standard_normal((10, 20)) + 1
    y = rng.standard_normal(10)
    design = np.hstack([X, np.ones((10, 1))])
    smallest = np.linalg.pinv(design) @ y
    for solver in ["literal", "gram", "dual"]:
        reg = GradientDescentRegressor(solver=solver, max_iter=20_000)
        reg.fit(X, y)
        assert_allclose(reg.coef_, smallest[:-1], rtol=1e-6, atol=1e-8)
        assert_allclose(reg.intercept_, smallest[-1], rtol=1e-6, atol=1e-8)
    ols = LinearRegression().fit(X, y)
    assert abs(ols.intercept_ - reg.intercept_) > 0.05  # a different point...
    assert_allclose(ols.predict(X), reg.predict(X), atol=1e-6)  # ...as good a fit
    new_rows = rng.standard_normal((5, 20)) + 1
    assert np.max(np.abs(ols.predict(new_rows) - reg.predict(new_rows))) > 0.01
    # With full column rank, or without an intercept, the two are the same.
    no_intercept = GradientDescentRegressor(fit_intercept=False, max_iter=20_000)
    no_intercept.fit(X, y)
    assert_allclose(no_intercept.coef_, np.linalg.pinv(X) @ y, rtol=1e-6, atol=1e-8)
    assert_allclose(
        no_intercept.coef_,
        LinearRegression(fit_intercept=False).fit(X, y).coef_,
        rtol=1e-6,
        atol=1e-8,
    )


# ---------------------------------------------------------------------------
# The random sweep: every solver against the textbook loop
# ---------------------------------------------------------------------------


def assert_costs_agree(actual, expected, rtol, dtype=np.float64):
    # A residual is known to about eps |r_0|: J = |r|^2 / 2 to about
    # eps sqrt(J_0 J), which dominates once J is far below J_0.
    largest = np.maximum(np.abs(actual), np.abs(expected))
    slack = rtol * np.abs(expected) + 1e3 * np.finfo(dtype).eps * np.sqrt(
        expected[0] * largest
    )
    assert np.all(np.abs(actual - expected) <= slack + 1e-300), np.max(
        np.abs(actual - expected) / (slack + 1e-300)
    )


# Every layout with every solver, each with its own random problems: 400 in all.
@pytest.mark.parametrize("solver", ["auto", "literal", "gram", "dual"])
@pytest.mark.parametrize("x_layout", ["C", "F", "csr", "csc"])
@settings(max_examples=25)
@given(
    seed=st.integers(0, 2**16),
    n_samples=st.integers(1, 30),
    n_features=st.integers(1, 8),
    n_targets=st.sampled_from([None, 1, 3]),
    y_order=st.sampled_from(["C", "F"]),
    dtype=st.sampled_from([np.float64, np.float32]),
    weighted=st.booleans(),
    fit_intercept=st.booleans(),
    offset=st.sampled_from([0.0, 10.0, 1e4, 1e6]),
    max_iter=st.integers(1, 80),
)
def test_every_solver_takes_the_textbook_steps_on_random_problems(
    seed,
    n_samples,
    n_features,
    n_targets,
    x_layout,
    y_order,
    dtype,
    weighted,
    fit_intercept,
    offset,
    solver,
    max_iter,
):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_features)) * rng.uniform(0.1, 10, n_features)
    X[rng.random(X.shape) < 0.3] = 0.0
    X[:, 0] += offset
    shape = (n_samples,) if n_targets is None else (n_samples, n_targets)
    y = rng.standard_normal(shape) + 5.0
    weights = None
    if weighted:
        weights = rng.uniform(0.0, 2.0, n_samples)
        weights[rng.random(n_samples) < 0.3] = 0.0
        weights[rng.integers(n_samples)] = 1.0
    X, y = X.astype(dtype), y.astype(dtype)
    data = {"C": X, "F": np.asfortranarray(X)}.get(x_layout)
    if data is None:
        data = sp.csr_array(X).asformat(x_layout)
    target = np.asfortranarray(y) if y_order == "F" else y
    reg = GradientDescentRegressor(
        solver=solver, max_iter=max_iter, fit_intercept=fit_intercept
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        reg.fit(data, target, sample_weight=weights)
    coef, intercept, costs = textbook_descent(
        X.astype(float), y.astype(float), reg.alpha_, max_iter, weights, fit_intercept
    )
    lipschitz = largest_hessian_eigenvalue(X.astype(float), weights, fit_intercept)
    # L = 0 (X all zeros, no intercept): every rate is stable, 'auto' takes 1.
    reference_alpha = 1 / lipschitz if lipschitz > 0 else 1.0
    # L of float32 data: from float32 products on some solvers.
    assert reg.alpha_ == pytest.approx(
        reference_alpha, rel=1e-9 if dtype == np.float64 else 1e-6
    )
    rtol = 1e-8 if dtype == np.float64 else 2e-3
    scale = max(np.max(np.abs(coef)), np.max(np.abs(intercept)))
    assert_allclose(reg.coef_, coef, rtol=rtol, atol=rtol * scale)
    assert_allclose(reg.intercept_, intercept, rtol=rtol, atol=rtol * scale)
    assert_costs_agree(reg.cost_history_, costs, rtol, dtype)
