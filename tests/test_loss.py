"""The half mean squared error: cost, gradient and curvature against the formulas."""

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose
from scipy.optimize import check_grad

from skgd._loss import HalfSquaredError, largest_eigenvalue, normalised_weights


def make_problem(n_samples=30, n_features=4, n_targets=None, weighted=False, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, n_features)) + rng.uniform(-3, 3, n_features)
    shape = (n_samples,) if n_targets is None else (n_samples, n_targets)
    y = rng.normal(size=shape)
    weights = rng.uniform(0.1, 3.0, n_samples) if weighted else None
    return X, y, weights


def reference_cost(X, y, weights, theta, fit_intercept):
    """J written out with an explicit column of ones, as in the derivation."""
    weights = np.ones(len(X)) if weights is None else weights
    design = np.hstack([X, np.ones((len(X), 1))]) if fit_intercept else X
    residual = design @ theta - y
    squared = residual**2 if residual.ndim == 1 else np.sum(residual**2, axis=1)
    return np.sum(weights * squared) / (2 * np.sum(weights))


CASES = [
    dict(),
    dict(weighted=True),
    dict(n_targets=3),
    dict(n_targets=2, weighted=True),
]


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("sparse_format", [None, "csr", "csc"])
def test_cost_and_gradient_match_the_formulas(case, fit_intercept, sparse_format):
    X, y, weights = make_problem(**case)
    data = X if sparse_format is None else sp.csr_matrix(X).asformat(sparse_format)
    objective = HalfSquaredError(data, y, weights, fit_intercept=fit_intercept)
    rng = np.random.default_rng(1)
    theta = rng.normal(size=objective.zeros().shape)

    cost, gradient = objective.loss_gradient(theta)
    assert_allclose(cost, reference_cost(X, y, weights, theta, fit_intercept))
    assert_allclose(objective.loss(theta), cost, rtol=1e-14)
    assert gradient.shape == theta.shape

    def flat_cost(flat):
        return reference_cost(X, y, weights, flat.reshape(theta.shape), fit_intercept)

    def flat_gradient(flat):
        return objective.loss_gradient(flat.reshape(theta.shape))[1].ravel()

    assert check_grad(flat_cost, flat_gradient, theta.ravel()) < 1e-5 * max(
        1.0, np.linalg.norm(gradient)
    )


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_hessian_and_its_largest_eigenvalue(weighted, fit_intercept):
    X, y, weights = make_problem(weighted=weighted)
    s = np.ones(len(X)) if weights is None else weights
    design = np.hstack([X, np.ones((len(X), 1))]) if fit_intercept else X
    expected = design.T @ (s[:, None] * design) / s.sum()

    objective = HalfSquaredError(X, y, weights, fit_intercept=fit_intercept)
    v = np.random.default_rng(2).normal(size=objective.n_params)
    assert_allclose(objective.hessian_matvec(v), expected @ v, rtol=1e-12)
    assert_allclose(objective.lipschitz(), np.linalg.eigvalsh(expected)[-1], rtol=1e-12)


@pytest.mark.parametrize("sparse_format", [None, "csr"])
def test_lanczos_estimate_of_l_matches_the_spectrum_for_many_features(sparse_format):
    # More parameters than the explicit Hessian takes: L comes from Lanczos.
    rng = np.random.default_rng(3)
    X = rng.normal(size=(400, 300)) * rng.uniform(0.1, 5, 300) + 2.0
    weights = rng.uniform(0.5, 2, 400)
    design = np.hstack([X, np.ones((400, 1))])
    expected = np.linalg.eigvalsh(design.T @ (weights[:, None] * design))[-1]
    data = X if sparse_format is None else sp.csr_matrix(X)
    objective = HalfSquaredError(data, rng.normal(size=400), weights)
    assert_allclose(objective.lipschitz(), expected / weights.sum(), rtol=1e-6)


def test_cost_scale_is_the_cost_of_predicting_zero():
    X, y, weights = make_problem(weighted=True, n_targets=2)
    objective = HalfSquaredError(X, y, weights)
    assert_allclose(objective.cost_scale, objective.loss(objective.zeros()))


@pytest.mark.parametrize("n_targets", [None, 3])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_pack_and_unpack_are_inverse(n_targets, fit_intercept):
    X, y, _ = make_problem(n_targets=n_targets)
    objective = HalfSquaredError(X, y, fit_intercept=fit_intercept)
    theta = np.random.default_rng(4).normal(size=objective.zeros().shape)
    coef, intercept = objective.unpack(theta)
    assert coef.shape == ((4,) if n_targets is None else (n_targets, 4))
    if fit_intercept:
        assert_allclose(objective.pack(coef, intercept), theta)
    else:
        assert np.all(np.asarray(intercept) == 0)


@pytest.mark.parametrize(
    "matrix",
    [np.zeros((200, 200)), np.diag(np.r_[np.zeros(199), 3.0])],
    ids=["zero", "rank one"],
)
def test_largest_eigenvalue_of_degenerate_matrices(matrix):
    # Lanczos cannot start from a zero product: "Starting vector is zero".
    assert largest_eigenvalue(matrix) == pytest.approx(matrix.max())
    dense_ones = np.ones((300, 300)) / 300  # rank one, L = 1
    assert largest_eigenvalue(dense_ones) == pytest.approx(1.0)


def test_weights_are_normalised_without_overflow():
    weights = normalised_weights(np.full(5, 1e308))
    assert_allclose(weights, 0.2, rtol=1e-15)
    tiny = normalised_weights(np.array([5e-324, 1e-323, 0.0]))
    assert_allclose(tiny, [1 / 3, 2 / 3, 0.0], rtol=1e-15)
    assert normalised_weights(None) is None
