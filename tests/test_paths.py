"""Every solver path computes the literal loop's iterates and costs."""

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal

from skgd import DivergenceError, GradientDescentRegressor
from skgd._objective import HalfSquaredError
from skgd._solvers import estimated_seconds

FAST_PATHS = ["gram", "dual"]
# Tolerances of the issue: well-conditioned data, and raw unscaled data.
COEF_RTOL, COST_RTOL = 1e-10, 1e-9
RAW_RTOL = 1e-6


def well_conditioned(n_samples=60, n_features=5, n_targets=None, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, n_features))
    shape = (n_features,) if n_targets is None else (n_features, n_targets)
    y = (
        X @ rng.normal(size=shape)
        + 0.5
        + 0.3 * rng.normal(size=(n_samples,) + shape[1:])
    )
    return X, y


def raw_unscaled(n_samples=80, seed=1):
    """Feature means of 1e3 and scales from 1e-2 to 1e2: a badly conditioned H."""
    rng = np.random.default_rng(seed)
    scales = np.array([1e-2, 1.0, 30.0, 1e2])
    X = 1e3 + scales * rng.normal(size=(n_samples, 4))
    y = (X - 1e3) @ np.array([50.0, 2.0, -0.1, 0.03]) + 7.0 + rng.normal(size=n_samples)
    return X, y


def fit(solver, X, y, sample_weight=None, **params):
    return GradientDescentRegressor(solver=solver, **params).fit(
        X, y, sample_weight=sample_weight
    )


def assert_same_trajectory(reference, other, coef_rtol=COEF_RTOL, cost_rtol=COST_RTOL):
    scale = np.max(np.abs(reference.coef_))
    assert other.n_iter_ == reference.n_iter_
    assert_allclose(other.coef_, reference.coef_, rtol=coef_rtol, atol=1e-13 * scale)
    assert_allclose(
        other.intercept_, reference.intercept_, rtol=coef_rtol, atol=1e-13 * scale
    )
    # A residual r is known to about eps * |r_0|, so J = |r|^2 / 2 to about
    # eps * |r| * |r_0|: relative agreement is lost only where J < 1e-12 J_0.
    assert_allclose(
        other.cost_history_,
        reference.cost_history_,
        rtol=cost_rtol,
        atol=1e-20 * reference.cost_history_[0],
    )
    assert other.alpha_ == pytest.approx(reference.alpha_, rel=1e-12)


CASES = {
    "tall": dict(data=well_conditioned()),
    "wide": dict(data=well_conditioned(n_samples=15, n_features=40)),
    "multi-output": dict(data=well_conditioned(n_targets=3)),
    "weighted": dict(data=well_conditioned(), weighted=True),
    "weighted wide": dict(data=well_conditioned(20, 30), weighted=True),
    "no intercept": dict(data=well_conditioned(), fit_intercept=False),
    "wide multi-output no intercept": dict(
        data=well_conditioned(12, 25, n_targets=2), fit_intercept=False
    ),
    # Long enough for the primal path to anchor on a sample of the rows.
    "long": dict(data=well_conditioned(n_samples=2000, n_features=5)),
    "long weighted multi-output": dict(
        data=well_conditioned(n_samples=2000, n_features=5, n_targets=2),
        weighted=True,
    ),
    "long no intercept": dict(
        data=well_conditioned(n_samples=2000, n_features=5), fit_intercept=False
    ),
}


@pytest.mark.parametrize("solver", FAST_PATHS)
@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("sparse_format", [None, "csr", "csc"])
def test_every_path_follows_the_literal_trajectory(case, solver, sparse_format):
    X, y = CASES[case]["data"]
    fit_intercept = CASES[case].get("fit_intercept", True)
    weights = None
    if CASES[case].get("weighted"):
        weights = np.random.default_rng(5).uniform(0.0, 3.0, len(X))
        weights[0] = 0.0  # a zero weight drops the sample
    data = X if sparse_format is None else sp.csr_array(X).asformat(sparse_format)

    literal = fit("literal", X, y, weights, max_iter=300, fit_intercept=fit_intercept)
    other = fit(solver, data, y, weights, max_iter=300, fit_intercept=fit_intercept)
    assert other.solver_ == solver
    assert_same_trajectory(literal, other)


@pytest.mark.parametrize("solver", ["literal", *FAST_PATHS])
def test_sparse_literal_and_fast_paths_agree_with_dense_literal(solver):
    X, y = well_conditioned(n_samples=500, n_features=8)
    X[np.random.default_rng(2).random(X.shape) < 0.7] = 0.0
    dense = fit("literal", X, y, max_iter=200)
    for container in (sp.csr_array, sp.csc_array):
        assert_same_trajectory(dense, fit(solver, container(X), y, max_iter=200))


@pytest.mark.parametrize("solver", FAST_PATHS)
def test_raw_unscaled_data_follow_the_literal_trajectory(solver):
    X, y = raw_unscaled()
    literal = fit("literal", X, y, max_iter=2000)
    other = fit(solver, X, y, max_iter=2000)
    assert_same_trajectory(literal, other, coef_rtol=RAW_RTOL, cost_rtol=RAW_RTOL)
    # And long enough for the anchor to come from a sample of the rows.
    X, y = raw_unscaled(n_samples=3000)
    literal = fit("literal", X, y, max_iter=2000)
    other = fit(solver, X, y, max_iter=2000)
    assert_same_trajectory(literal, other, coef_rtol=RAW_RTOL, cost_rtol=RAW_RTOL)


@pytest.mark.parametrize("solver", FAST_PATHS)
def test_cost_keeps_its_digits_far_below_its_start(solver):
    # y = X w + b exactly: J falls by 20 orders of magnitude. Computed as
    # theta'H theta / 2 - c'theta + y'Sy / 2, it would be rounding noise of
    # about 1e-16 J_0 long before that; the anchor keeps it exact.
    X, _ = well_conditioned(n_samples=50, n_features=3)
    y = X @ np.array([1.0, -2.0, 0.5]) + 3.0
    literal = fit("literal", X, y, max_iter=300)
    assert literal.cost_history_[-1] < 1e-20 * literal.cost_history_[0]
    other = fit(solver, X, y, max_iter=300)
    start = literal.cost_history_[0]
    # Below 1e-22 J_0 even the literal residual is rounding noise.
    below = (literal.cost_history_ < 1e-12 * start) & (
        literal.cost_history_ > 1e-22 * start
    )
    assert below.sum() > 20
    assert_allclose(other.cost_history_[below], literal.cost_history_[below], rtol=1e-3)


@pytest.mark.parametrize("solver", FAST_PATHS)
def test_warm_start_continues_the_same_trajectory_on_every_path(solver):
    X, y = well_conditioned(n_samples=30, n_features=6)
    literal = fit("literal", X, y, max_iter=400, alpha=0.05)
    warm = GradientDescentRegressor(
        solver=solver, max_iter=150, alpha=0.05, warm_start=True
    )
    warm.fit(X, y)
    warm.set_params(max_iter=250).fit(X, y)
    assert_allclose(warm.coef_, literal.coef_, rtol=COEF_RTOL)
    assert_allclose(warm.intercept_, literal.intercept_, rtol=COEF_RTOL)
    assert_allclose(warm.cost_history_, literal.cost_history_[150:], rtol=COST_RTOL)


@pytest.mark.parametrize("solver", FAST_PATHS)
def test_tol_stops_every_path_at_the_same_step(solver):
    X, y = well_conditioned()
    literal = fit("literal", X, y, max_iter=5000, tol=1e-9)
    assert literal.n_iter_ < 5000
    other = fit(solver, X, y, max_iter=5000, tol=1e-9)
    assert_same_trajectory(literal, other)


@pytest.mark.parametrize("solver", ["literal", *FAST_PATHS])
def test_every_path_raises_for_alpha_above_two_over_l(solver):
    X, y = well_conditioned()
    L = np.linalg.eigvalsh(HalfSquaredError(X, y).hessian())[-1]
    reg = GradientDescentRegressor(solver=solver).fit(X, y)
    before = reg.coef_.copy()
    with pytest.raises(DivergenceError) as excinfo:
        reg.set_params(alpha=3.0 / L).fit(X, 2 * y + 100)
    assert_allclose(excinfo.value.max_stable_alpha, 2.0 / L, rtol=1e-10)
    assert_array_equal(reg.coef_, before)  # the previous fit is kept


@pytest.mark.parametrize("solver", ["literal", *FAST_PATHS])
def test_stored_path_is_the_trajectory_on_every_path(solver):
    X, y = well_conditioned(n_samples=20, n_features=4, n_targets=2)
    reg = fit(solver, X, y, max_iter=37, store_path=6)
    steps = reg.path_iterations_
    assert len(steps) <= 6 and steps[0] == 0 and steps[-1] == 37
    assert reg.coef_path_.shape == (len(steps), 2, 4)
    assert reg.intercept_path_.shape == (len(steps), 2)
    assert_array_equal(reg.coef_path_[-1], reg.coef_)
    for i, step in enumerate(steps[1:], start=1):
        alone = fit("literal", X, y, max_iter=int(step))
        assert_allclose(reg.coef_path_[i], alone.coef_, rtol=COEF_RTOL)
        assert_allclose(reg.intercept_path_[i], alone.intercept_, rtol=COEF_RTOL)
    assert_array_equal(reg.coef_path_[0], np.zeros((2, 4)))


def test_no_path_attributes_without_store_path():
    X, y = well_conditioned()
    reg = GradientDescentRegressor(max_iter=5).fit(X, y)
    assert not hasattr(reg, "coef_path_") and not hasattr(reg, "path_iterations_")


def test_float32_stays_float32_on_every_path():
    X, y = well_conditioned()
    reference = fit("literal", X, y, max_iter=200)
    for solver in ["literal", *FAST_PATHS]:
        reg = fit(solver, X.astype(np.float32), y.astype(np.float32), max_iter=200)
        assert reg.coef_.dtype == np.float32
        assert_allclose(reg.coef_, reference.coef_, rtol=1e-4, atol=1e-5)


# ---------------------------------------------------------------------------
# The cost model
# ---------------------------------------------------------------------------


def chosen(X, max_iter=1000, n_targets=None, every_step_needed=False):
    y = np.zeros(X.shape[0] if n_targets is None else (X.shape[0], n_targets))
    times = estimated_seconds(
        HalfSquaredError(X, y),
        max_iter=max_iter,
        auto_alpha=True,
        every_step_needed=every_step_needed,
    )
    return min(times, key=times.get)


class _Shape:
    """Stands for a dense array of a shape, without allocating it."""

    def __init__(self, n_samples, n_features):
        self.shape = (n_samples, n_features)
        self.dtype = np.dtype(np.float64)
        self.itemsize = 8
        self.nbytes = 8 * n_samples * n_features


@pytest.mark.parametrize(
    "shape, max_iter, expected",
    [
        ((200_000, 50), 1000, "gram"),
        ((20_000, 500), 1000, "gram"),
        ((2_000, 5_000), 1000, "dual"),
        ((442, 10), 1000, "gram"),
        ((200_000, 50), 1, "literal"),
        ((2_000, 5_000), 5, "literal"),
    ],
)
def test_cost_model_picks_the_measured_fastest_path(shape, max_iter, expected):
    X = np.lib.stride_tricks.as_strided(np.zeros(1), shape=shape, strides=(0, 0))
    assert chosen(X, max_iter) == expected


def test_cost_model_never_forms_a_huge_gram_matrix_of_sparse_data():
    # 200,000 x 10,000 at density 1e-3, built by hand: sp.random_array's seeding
    # keyword changed across the scipy versions this package supports.
    rng = np.random.default_rng(0)
    n_samples, n_features, nnz = 200_000, 10_000, 2_000_000
    X = sp.csr_array(
        (
            rng.standard_normal(nnz),
            (rng.integers(0, n_samples, nnz), rng.integers(0, n_features, nnz)),
        ),
        shape=(n_samples, n_features),
    )
    assert chosen(X) == "literal"


def test_auto_solver_is_reported():
    X, y = well_conditioned(n_samples=15, n_features=40)
    assert GradientDescentRegressor().fit(X, y).solver_ in {"gram", "dual"}


def test_the_cost_model_counts_the_compiled_csr_step(monkeypatch):
    X = sp.random_array((20_000, 1_000), density=0.01, format="csr", rng=0)
    objective = HalfSquaredError(X, np.ones(20_000))
    assert objective.compiled_step
    plan = dict(max_iter=100, auto_alpha=False, every_step_needed=False)
    compiled = estimated_seconds(objective, **plan)["literal"]
    monkeypatch.setattr(objective._reader, "has_fused_products", False)
    assert not objective.compiled_step
    assert compiled < 0.8 * estimated_seconds(objective, **plan)["literal"]
