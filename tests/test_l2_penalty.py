"""The L2 penalty: J + lambda/2 |w|^2, on every solver, against Ridge and by hand."""

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose
from sklearn.linear_model import Ridge

from skgd import DivergenceError, GradientDescentRegressor

SOLVERS = ["literal", "gram", "dual"]


def problem(n_samples=40, n_features=5, n_targets=None, seed=0):
    rng = np.random.default_rng(seed)
    X = (
        rng.standard_normal((n_samples, n_features))
        + [0.5, -1.0, 0.0, 2.0, 0.3][:n_features]
    )
    X[rng.random(X.shape) < 0.3] = 0.0
    shape = (n_features,) if n_targets is None else (n_features, n_targets)
    y = (
        X @ rng.standard_normal(shape)
        + 1.0
        + rng.standard_normal((n_samples,) + shape[1:])
    )
    return X, y, rng.uniform(0.0, 2.0, n_samples)


def penalised_textbook_descent(X, y, alpha, n_steps, penalty, weights, fit_intercept):
    """theta -= alpha (Z^T S (Z theta - y) / sum(S) + penalty * (w, 0))."""
    weights = np.ones(len(X)) if weights is None else weights
    Z = np.hstack([X, np.ones((len(X), 1))]) if fit_intercept else X
    theta = np.zeros((Z.shape[1],) + y.shape[1:])
    mask = np.ones((Z.shape[1],) + (1,) * (y.ndim - 1))
    if fit_intercept:
        mask[-1] = 0.0
    row_weights = weights if y.ndim == 1 else weights[:, None]
    costs = []
    for step in range(n_steps + 1):
        residual = Z @ theta - y
        w = theta * mask
        costs.append(
            np.sum(row_weights * residual**2) / (2 * weights.sum())
            + 0.5 * penalty * np.sum(w**2)
        )
        if step < n_steps:
            gradient = Z.T @ (row_weights * residual) / weights.sum() + penalty * w
            theta = theta - alpha * gradient
    return theta, np.array(costs)


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("n_targets", [None, 2])
@pytest.mark.parametrize("layout", ["dense", "csr", "csc"])
@pytest.mark.parametrize("solver", SOLVERS)
def test_the_penalised_steps_are_the_textbook_ones(
    solver, layout, n_targets, weighted, fit_intercept
):
    X, y, weights = problem(n_targets=n_targets)
    weights = weights if weighted else None
    data = X if layout == "dense" else sp.csr_array(X).asformat(layout)
    reg = GradientDescentRegressor(
        solver=solver, l2_penalty=0.3, max_iter=60, fit_intercept=fit_intercept
    ).fit(data, y, sample_weight=weights)
    theta, costs = penalised_textbook_descent(
        X, y, reg.alpha_, 60, 0.3, weights, fit_intercept
    )
    assert_allclose(reg.cost_history_, costs, rtol=1e-10)
    assert_allclose(reg.coef_, theta[: X.shape[1]].T, rtol=1e-9, atol=1e-12)
    if fit_intercept:
        assert_allclose(reg.intercept_, theta[-1], rtol=1e-9)


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("n_targets", [None, 3])
@pytest.mark.parametrize("layout", ["dense", "csr"])
@pytest.mark.parametrize("solver", SOLVERS)
def test_converges_to_ridge(solver, layout, n_targets, weighted, fit_intercept):
    # Ridge minimises |y - X w - b|^2_S + alpha |w|^2: alpha = lambda * sum(S).
    X, y, weights = problem(n_targets=n_targets, seed=1)
    weights = weights if weighted else None
    data = X if layout == "dense" else sp.csr_array(X)
    penalty = 0.2
    reg = GradientDescentRegressor(
        solver=solver, l2_penalty=penalty, max_iter=4000, fit_intercept=fit_intercept
    ).fit(data, y, sample_weight=weights)
    total = len(X) if weights is None else weights.sum()
    ridge = Ridge(alpha=penalty * total, fit_intercept=fit_intercept, tol=1e-14)
    ridge.fit(X, y, sample_weight=weights)
    assert_allclose(reg.coef_, ridge.coef_, rtol=1e-8, atol=1e-12)
    assert_allclose(reg.intercept_, ridge.intercept_, rtol=1e-8, atol=1e-12)
    # min_cost_, where asked for, is the cost at Ridge's solution.
    reg.set_params(compute_min_cost=True, max_iter=1).fit(
        data, y, sample_weight=weights
    )
    residual = (ridge.predict(X) - y).reshape(len(X), -1)
    s = np.ones(len(X)) if weights is None else weights
    expected = np.sum(s[:, None] * residual**2) / (
        2 * s.sum()
    ) + 0.5 * penalty * np.sum(ridge.coef_**2)
    assert reg.min_cost_ == pytest.approx(expected, rel=1e-10)


def test_the_first_step_by_hand():
    # From zero the residual is -y: w_1 = alpha mean(y x), b_1 = alpha mean(y);
    # the penalty, lambda w_0 = 0, does not act on the first step.
    X, y, _ = problem()
    for solver in SOLVERS:
        reg = GradientDescentRegressor(
            solver=solver, alpha=0.1, l2_penalty=5.0, max_iter=1
        ).fit(X, y)
        assert_allclose(reg.coef_, 0.1 * (X * y[:, None]).mean(axis=0), rtol=1e-13)
        assert_allclose(reg.intercept_, 0.1 * y.mean(), rtol=1e-13)
        # The second step shrinks w by (1 - alpha lambda) on top of the gradient.
        two = GradientDescentRegressor(
            solver=solver, alpha=0.1, l2_penalty=5.0, max_iter=2
        ).fit(X, y)
        w1, b1 = reg.coef_, reg.intercept_
        residual = X @ w1 + b1 - y
        w2 = w1 - 0.1 * (X.T @ residual / len(X) + 5.0 * w1)
        assert_allclose(two.coef_, w2, rtol=1e-12)
        assert_allclose(
            two.cost_history_[1], 0.5 * np.mean(residual**2) + 2.5 * w1 @ w1
        )


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("solver", SOLVERS)
def test_auto_alpha_and_the_bound_are_those_of_the_penalised_hessian(
    solver, fit_intercept
):
    X, y, weights = problem()
    penalty = 2.0
    Z = np.hstack([X, np.ones((len(X), 1))]) if fit_intercept else X
    hessian = Z.T @ (weights[:, None] * Z) / weights.sum()
    unpenalised = np.linalg.eigvalsh(hessian)[-1]
    hessian[range(X.shape[1]), range(X.shape[1])] += penalty
    lipschitz = np.linalg.eigvalsh(hessian)[-1]
    assert lipschitz <= unpenalised + penalty + 1e-12  # L + lambda bounds it
    if not fit_intercept:
        assert lipschitz == pytest.approx(unpenalised + penalty, rel=1e-12)
    reg = GradientDescentRegressor(
        solver=solver, l2_penalty=penalty, max_iter=5, fit_intercept=fit_intercept
    )
    reg.fit(X, y, sample_weight=weights)
    assert reg.alpha_ == pytest.approx(1 / lipschitz, rel=1e-10)
    with pytest.raises(DivergenceError) as excinfo:
        reg.set_params(alpha=2.05 / lipschitz, max_iter=2000).fit(
            X, y, sample_weight=weights
        )
    assert excinfo.value.max_stable_alpha == pytest.approx(2 / lipschitz, rel=1e-10)
    # Just below the bound, no solver diverges.
    reg.set_params(alpha=1.95 / lipschitz).fit(X, y, sample_weight=weights)
    assert np.all(np.isfinite(reg.coef_))


def test_the_cost_history_records_the_penalised_cost():
    X, y, _ = problem()
    reg = GradientDescentRegressor(l2_penalty=1.0, max_iter=20).fit(X, y)
    w, b = reg.coef_, reg.intercept_
    expected = 0.5 * np.mean((X @ w + b - y) ** 2) + 0.5 * w @ w
    assert reg.cost_history_[-1] == pytest.approx(expected, rel=1e-12)
