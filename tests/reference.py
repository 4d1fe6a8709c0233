"""The oracle of the tests: batch gradient descent written out as the course does.

Independent of skgd: a column of ones, the whole residual, the whole gradient,
the simultaneous update, all in float64.
"""

import numpy as np
import scipy.sparse as sp


def textbook_descent(X, y, alpha, n_steps, weights=None, fit_intercept=True):
    """``theta -= alpha Z^T S (Z theta - y) / sum(S)``, from zero, ``n_steps`` times.

    Returns the coefficients (as ``coef_``), the intercept and the cost after
    every step (``n_steps + 1`` values).
    """
    X = X.toarray() if sp.issparse(X) else np.asarray(X)
    X, y = X.astype(np.float64), np.asarray(y, dtype=np.float64)
    weights = np.ones(len(X)) if weights is None else np.asarray(weights, float)
    Z = np.hstack([X, np.ones((len(X), 1))]) if fit_intercept else X
    theta = np.zeros((Z.shape[1],) + y.shape[1:])
    row_weights = weights if y.ndim == 1 else weights[:, None]
    costs = []
    for step in range(n_steps + 1):
        residual = Z @ theta - y
        costs.append(np.sum(row_weights * residual**2) / (2 * weights.sum()))
        if step < n_steps:
            theta = theta - alpha * Z.T @ (row_weights * residual) / weights.sum()
    n_features = X.shape[1]
    coef = theta[:n_features].T
    if fit_intercept:
        intercept = theta[n_features]
    else:
        intercept = 0.0 if y.ndim == 1 else np.zeros(y.shape[1])
    return coef, intercept, np.array(costs)


def largest_hessian_eigenvalue(X, weights=None, fit_intercept=True):
    """L, the largest eigenvalue of ``Z^T S Z / sum(S)``, by numpy."""
    X = X.toarray() if sp.issparse(X) else np.asarray(X, dtype=np.float64)
    weights = np.ones(len(X)) if weights is None else np.asarray(weights, float)
    Z = np.hstack([X, np.ones((len(X), 1))]) if fit_intercept else X
    return np.linalg.eigvalsh(Z.T @ (weights[:, None] * Z) / weights.sum())[-1]


def assert_follows(reg, X, y, weights=None, rtol=1e-9, cost_rtol=None, atol=None):
    """``reg`` (fitted) took the textbook steps at its own ``alpha_``."""
    coef, intercept, costs = textbook_descent(
        X, y, reg.alpha_, reg.n_iter_, weights, reg.fit_intercept
    )
    scale = max(np.max(np.abs(coef), initial=0.0), np.max(np.abs(intercept)), 1e-300)
    atol = 1e-13 * scale if atol is None else atol
    np.testing.assert_allclose(reg.coef_, coef, rtol=rtol, atol=atol)
    np.testing.assert_allclose(reg.intercept_, intercept, rtol=rtol, atol=atol)
    np.testing.assert_allclose(
        reg.cost_history_,
        costs,
        rtol=rtol if cost_rtol is None else cost_rtol,
        atol=1e-20 * costs[0],
    )
