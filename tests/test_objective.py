"""The half mean squared error: cost, gradient and curvature against the formulas."""

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose
from scipy.optimize import check_grad

from skgd._objective import HalfSquaredError


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
    assert_allclose(objective.hessian(), expected, rtol=1e-12)
    assert_allclose(objective.lipschitz(), np.linalg.eigvalsh(expected)[-1], rtol=1e-12)
    v = np.random.default_rng(2).normal(size=objective.n_params)
    assert_allclose(objective.hessian_matvec(v), expected @ v, rtol=1e-12)


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


@pytest.mark.parametrize("n_features", [6, 200], ids=["thin", "wide"])
@pytest.mark.parametrize("layout", ["dense", "csr", "csc"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("n_targets", [None, 2])
def test_gram_and_statistics_against_the_design_matrix(
    n_features, layout, weighted, n_targets
):
    # Thin X goes through one pass (statistics); wide X through feature_gram and
    # products with [S y, S 1]: both must give [X 1]^T S [X 1] and [X 1]^T S y.
    rng = np.random.default_rng(5)
    X = rng.normal(size=(300, n_features)) + 1.0
    X[rng.random(X.shape) < 0.3] = 0.0
    y = rng.normal(size=(300,) if n_targets is None else (300, n_targets))
    weights = rng.uniform(0.0, 2.0, 300) if weighted else None
    s = np.full(300, 1 / 300) if weights is None else weights / weights.sum()
    design = np.hstack([X, np.ones((300, 1))])
    data = {"dense": X, "csr": sp.csr_array(X), "csc": sp.csc_array(X)}[layout]
    objective = HalfSquaredError(data, y, weights)

    hessian, c = objective.gram()
    assert_allclose(hessian, design.T @ (s[:, None] * design), rtol=1e-12)
    scaled_y = y * (s if y.ndim == 1 else s[:, None])
    assert_allclose(c, design.T @ scaled_y, rtol=1e-10, atol=1e-14)

    theta = rng.normal(size=objective.zeros().shape)
    cost, gradient, feature_gram, column_sums = objective.statistics(theta)
    residual = design @ theta - y
    scaled = residual * (s if residual.ndim == 1 else s[:, None])
    assert_allclose(cost, 0.5 * np.vdot(residual, scaled), rtol=1e-12)
    assert_allclose(gradient, design.T @ scaled, rtol=1e-10, atol=1e-13)
    assert_allclose(feature_gram, X.T @ (s[:, None] * X), rtol=1e-12)
    assert_allclose(column_sums, X.T @ s, rtol=1e-12)


def test_a_sample_is_read_in_the_blocks_of_the_whole():
    X = np.random.default_rng(6).normal(size=(100_000, 10))  # 8 MB: 250 KB blocks
    objective = HalfSquaredError(X, X[:, 0])
    sample = objective.subsample(64)  # 125 KB, which alone would get 16 KiB blocks
    assert objective._reader.block_size == 250_000
    assert sample._reader.block_size == 250_000
    assert len(sample._reader.blocks) == 1


@pytest.mark.parametrize("weighted", [False, True])
def test_float32_csc_gram_is_summed_in_float64(weighted):
    # X^T is converted to float64 a few rows at a time: the result is that of
    # float64 arithmetic on the float32 values.
    rng = np.random.default_rng(7)
    X = rng.normal(size=(3000, 30)).astype(np.float32)
    X[rng.random(X.shape) < 0.5] = 0.0
    weights = rng.uniform(0.5, 2.0, 3000) if weighted else None
    objective = HalfSquaredError(sp.csc_array(X), np.ones(3000, np.float32), weights)
    exact = X.astype(np.float64)
    if weights is None:
        s = np.full(3000, 1 / 3000)
    else:  # normalised weights are kept in X's dtype
        s = (weights / weights.sum()).astype(np.float32).astype(np.float64)
    assert_allclose(
        objective.feature_gram(), exact.T @ (s[:, None] * exact), rtol=1e-12
    )
