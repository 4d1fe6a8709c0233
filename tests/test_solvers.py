"""Every solver computes the literal solver's iterates and costs, and 'auto' chooses.

The literal solver is itself pinned to the textbook loop (test_regressor_math.py,
test_layouts.py); here the 'gram' and 'dual' solvers are held to it, on the
cases where they used to differ: offsets, spread scales, float32, tol.
"""

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from reference import largest_hessian_eigenvalue, textbook_descent

from skgd import DivergenceError, GradientDescentRegressor
from skgd._solvers import choose_solver

FAST = ["gram", "dual"]
COEF_RTOL, COST_RTOL = 1e-10, 1e-9


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


def fit(solver, X, y, sample_weight=None, **params):
    return GradientDescentRegressor(solver=solver, **params).fit(
        X, y, sample_weight=sample_weight
    )


def assert_same_trajectory(reference, other, coef_rtol=COEF_RTOL, cost_rtol=COST_RTOL):
    scale = max(np.max(np.abs(reference.coef_)), np.max(np.abs(reference.intercept_)))
    assert other.n_iter_ == reference.n_iter_
    assert_allclose(other.coef_, reference.coef_, rtol=coef_rtol, atol=1e-13 * scale)
    assert_allclose(
        other.intercept_, reference.intercept_, rtol=coef_rtol, atol=1e-13 * scale
    )
    # A residual r is known to about eps |r_0|, so J = |r|^2 / 2 to about
    # eps |r| |r_0|: relative agreement is lost only where J < 1e-12 J_0.
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
    "long weighted multi-output": dict(
        data=well_conditioned(n_samples=2000, n_features=5, n_targets=2),
        weighted=True,
    ),
}


# The dual solver is for fewer samples than features: long data are left out.
SOLVER_CASES = [
    (case, solver)
    for case in CASES
    for solver in FAST
    if solver == "gram" or len(CASES[case]["data"][0]) <= 100
]


@pytest.mark.parametrize("case, solver", SOLVER_CASES)
@pytest.mark.parametrize("sparse_format", [None, "csr", "csc"])
def test_every_solver_follows_the_literal_trajectory(case, solver, sparse_format):
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


@pytest.mark.parametrize("solver", ["literal", *FAST])
def test_sparse_solvers_agree_with_dense_literal(solver):
    X, y = well_conditioned(n_samples=500, n_features=8)
    X[np.random.default_rng(2).random(X.shape) < 0.7] = 0.0
    dense = fit("literal", X, y, max_iter=200)
    for container in (sp.csr_array, sp.csc_array):
        assert_same_trajectory(dense, fit(solver, container(X), y, max_iter=200))


# ---------------------------------------------------------------------------
# Offsets, spread scales and float32: where the Gram solver used to lose digits
# ---------------------------------------------------------------------------


def offset_data(offset, n_samples=200, n_features=5, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_features)) + offset
    y = X @ rng.standard_normal(n_features) + rng.standard_normal(n_samples)
    return X, y


def relative_error(actual, expected):
    return np.max(np.abs(actual - expected)) / np.max(np.abs(expected))


@pytest.mark.parametrize("offset", [0.0, 1e3, 1e5, 1e6])
@pytest.mark.parametrize("layout", ["dense", "csr", "csc"])
@pytest.mark.parametrize("solver", FAST)
def test_features_with_large_offsets_keep_every_digit(offset, layout, solver):
    # 200 x 5, features N(0, 1) + offset, 300 steps at alpha = 1/L: the Gram
    # solver's relative cost error was 2e-6 at 1e5 and 1.6e-4 at 1e6.
    X, y = offset_data(offset)
    data = X if layout == "dense" else sp.csr_array(X).asformat(layout)
    literal = fit("literal", X, y, max_iter=300)
    other = fit(solver, data, y, max_iter=300)
    assert np.max(np.abs(other.cost_history_ / literal.cost_history_ - 1)) < 1e-9
    assert relative_error(other.coef_, literal.coef_) < 1e-9
    assert relative_error(other.intercept_, literal.intercept_) < 1e-9
    # And the literal solver is the textbook loop's, to the same digits.
    coef, intercept, costs = textbook_descent(X, y, literal.alpha_, 300)
    assert np.max(np.abs(literal.cost_history_ / costs - 1)) < 1e-9
    assert relative_error(literal.coef_, coef) < 1e-9


@pytest.mark.parametrize("solver", FAST)
def test_sparse_offset_columns_among_sparse_ones_keep_their_digits(solver):
    # One-hot columns beside raw numeric ones, in one CSR matrix.
    rng = np.random.default_rng(4)
    n = 300
    onehot = np.eye(6)[rng.integers(0, 6, n)]
    numeric = rng.standard_normal((n, 2)) * [1.0, 30.0] + [1e6, -2e5]
    X = np.hstack([onehot, numeric])
    y = X @ rng.standard_normal(8) + rng.standard_normal(n)
    literal = fit("literal", X, y, max_iter=200)
    other = fit(solver, sp.csr_array(X), y, max_iter=200)
    assert np.max(np.abs(other.cost_history_ / literal.cost_history_ - 1)) < 1e-9
    assert relative_error(other.coef_, literal.coef_) < 1e-9


@pytest.mark.parametrize("solver", FAST)
def test_scales_spread_over_twelve_orders_of_magnitude(solver):
    rng = np.random.default_rng(1)
    scales = np.logspace(-6, 6, 5)
    X = rng.standard_normal((200, 5)) * scales
    y = X @ (1 / scales) + rng.standard_normal(200)
    literal = fit("literal", X, y, max_iter=300)
    other = fit(solver, X, y, max_iter=300)
    assert np.max(np.abs(other.cost_history_ / literal.cost_history_ - 1)) < 1e-9
    assert relative_error(other.coef_, literal.coef_) < 1e-9


def test_sorted_data_whose_first_rows_are_not_typical():
    # The pass shifts by the first block's means; sorted by a feature with an
    # offset, they are far from the whole's, and the pass is repeated.
    rng = np.random.default_rng(7)
    X = rng.standard_normal((100_000, 3)) + [1e6, 0.0, 5.0]
    X = X[np.argsort(X[:, 0])]
    X[:, 0] += np.linspace(0, 1e3, len(X))
    y = X @ [1.0, 2.0, 3.0] + rng.standard_normal(len(X))
    literal = fit("literal", X, y, max_iter=50)
    gram = fit("gram", X, y, max_iter=50)
    assert np.max(np.abs(gram.cost_history_ / literal.cost_history_ - 1)) < 1e-9
    assert relative_error(gram.coef_, literal.coef_) < 1e-9


@pytest.mark.parametrize("seed", range(3))
def test_float32_is_as_accurate_on_every_solver_as_on_the_literal_one(seed):
    # Near-square, ill-conditioned: 91 x 92, X + 2, y close to X w. The Gram
    # solver's float32 error was 1,000 times the literal solver's.
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((91, 92)) + 2
    y = X @ rng.standard_normal(92) + 0.01 * rng.standard_normal(91)
    X32, y32 = X.astype(np.float32), y.astype(np.float32)
    errors = {}
    for solver in ["literal", *FAST]:
        reg = fit(solver, X32, y32, max_iter=200)
        _, _, costs = textbook_descent(X32, y32, reg.alpha_, 200)
        errors[solver] = np.max(np.abs(reg.cost_history_ - costs)) / costs[0]
    for solver in FAST:
        assert errors[solver] <= 10 * errors["literal"], errors


@pytest.mark.parametrize("solver", FAST)
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


# ---------------------------------------------------------------------------
# The loop's rules, the same on every solver
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("solver", FAST)
def test_warm_start_continues_the_same_trajectory_on_every_solver(solver):
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


@pytest.mark.parametrize("tol", [1e-9, 0.0])
@pytest.mark.parametrize("solver", FAST)
def test_tol_stops_every_solver_at_the_same_step(solver, tol):
    # tol=0 stops where rounding takes over: the same step on every solver
    # (the Gram solver never stopped, and warned of non-convergence).
    X, y = well_conditioned()
    literal = fit("literal", X, y, max_iter=5000, tol=tol)
    assert literal.n_iter_ < 5000
    other = fit(solver, X, y, max_iter=5000, tol=tol)
    assert_same_trajectory(literal, other)


@pytest.mark.parametrize("solver", ["literal", *FAST])
def test_every_solver_raises_for_alpha_above_two_over_l(solver):
    X, y = well_conditioned()
    L = largest_hessian_eigenvalue(X)
    reg = GradientDescentRegressor(solver=solver).fit(X, y)
    before = reg.coef_.copy()
    with pytest.raises(DivergenceError) as excinfo:
        reg.set_params(alpha=3.0 / L).fit(X, 2 * y + 100)
    assert_allclose(excinfo.value.max_stable_alpha, 2.0 / L, rtol=1e-10)
    assert_array_equal(reg.coef_, before)  # the previous fit is kept


@pytest.mark.parametrize("solver", ["literal", *FAST])
def test_stored_path_is_the_trajectory_on_every_solver(solver):
    X, y = well_conditioned(n_samples=20, n_features=4, n_targets=2)
    reg = fit(solver, X, y, max_iter=37, store_path=6)
    steps = reg.path_iterations_
    assert len(steps) <= 6 and steps[0] == 0 and steps[-1] == 37
    assert reg.coef_path_.shape == (len(steps), 2, 4)
    assert reg.intercept_path_.shape == (len(steps), 2)
    assert_array_equal(reg.coef_path_[-1], reg.coef_)
    for i, step in enumerate(steps[1:], start=1):
        coef, intercept, _ = textbook_descent(X, y, reg.alpha_, int(step))
        assert_allclose(reg.coef_path_[i], coef, rtol=COEF_RTOL)
        assert_allclose(reg.intercept_path_[i], intercept, rtol=COEF_RTOL)
    assert_array_equal(reg.coef_path_[0], np.zeros((2, 4)))


def test_no_path_attributes_without_store_path():
    X, y = well_conditioned()
    reg = GradientDescentRegressor(max_iter=5).fit(X, y)
    assert not hasattr(reg, "coef_path_") and not hasattr(reg, "path_iterations_")


# ---------------------------------------------------------------------------
# The choice of 'auto'
# ---------------------------------------------------------------------------


def shaped(n_samples, n_features):
    """A dense array of that shape, without its memory: the rule reads the shape."""
    return np.lib.stride_tricks.as_strided(
        np.zeros(1), shape=(n_samples, n_features), strides=(0, 0)
    )


@pytest.mark.parametrize(
    "shape, max_iter, expected",
    [
        ((200_000, 50), 1000, "gram"),
        ((20_000, 500), 1000, "gram"),
        ((2_000, 5_000), 1000, "dual"),
        ((442, 10), 1000, "gram"),
        # One step: the Gram pass is also what L costs the literal solver.
        ((200_000, 50), 1, "gram"),
        ((2_000, 5_000), 5, "literal"),
        ((200_000, 5_000), 10, "literal"),
    ],
)
def test_auto_takes_the_solver_of_least_work(shape, max_iter, expected):
    choice = choose_solver(
        shaped(*shape),
        1,
        fit_intercept=True,
        max_iter=max_iter,
        auto_alpha=True,
        every_step=False,
    )
    assert choice == expected


def test_auto_never_forms_a_huge_matrix_of_sparse_data():
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
    choice = choose_solver(
        X, 1, fit_intercept=True, max_iter=1000, auto_alpha=True, every_step=False
    )
    assert choice == "literal"


def test_auto_solver_is_reported():
    X, y = well_conditioned(n_samples=15, n_features=40)
    assert GradientDescentRegressor().fit(X, y).solver_ in {"gram", "dual"}
