"""The sufficient statistics: one pass, any split merged, and their trajectory."""

import pickle

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from reference import textbook_descent

from skgd._statistics import SufficientStatistics


def centred_by_hand(X, y, weights=None):
    """W, the means and the centred co-moments, as the definitions write them."""
    X = X.toarray() if sp.issparse(X) else np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64).reshape(len(X), -1)
    weights = np.ones(len(X)) if weights is None else np.asarray(weights, float)
    total = weights.sum()
    mean_x, mean_y = weights @ X / total, weights @ y / total
    Xc, yc = X - mean_x, y - mean_y
    return dict(
        weight_sum=total,
        mean_x=mean_x,
        mean_residual=mean_y,
        comoment_xx=(Xc.T * weights) @ Xc,
        comoment_xr=(Xc.T * weights) @ yc,
        comoment_rr=np.einsum("i,ij,ij->j", weights, yc, yc),
    )


def assert_statistics_equal(stats, expected, rtol=1e-12):
    for name, value in expected.items():
        actual = getattr(stats, name)
        scale = np.max(np.abs(value)) if np.size(value) else 1.0
        assert_allclose(actual, value, rtol=rtol, atol=rtol * scale, err_msg=name)


def problem(n_samples=500, n_features=4, n_targets=2, offset=0.0, seed=0):
    rng = np.random.default_rng(seed)
    X = (
        rng.standard_normal((n_samples, n_features))
        * [1.0, 10.0, 0.1, 3.0][:n_features]
    )
    X[rng.random(X.shape) < 0.4] = 0.0
    X += offset
    y = X @ rng.standard_normal((n_features, n_targets)) + rng.standard_normal(
        (n_samples, n_targets)
    )
    weights = rng.uniform(0.0, 2.0, n_samples)
    weights[rng.random(n_samples) < 0.2] = 0.0
    return X, y, weights


LAYOUTS = {
    "C": lambda X: np.ascontiguousarray(X),
    "F": lambda X: np.asfortranarray(X),
    "strided": lambda X: np.repeat(X, 2, axis=1)[:, ::2],
    "float32": lambda X: X.astype(np.float32),
    "csr": sp.csr_array,
    "csc": sp.csc_array,
    "csr float32": lambda X: sp.csr_array(X.astype(np.float32)),
}


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("offset", [0.0, 1e6])
@pytest.mark.parametrize("layout", LAYOUTS)
def test_one_pass_gives_the_centred_statistics(layout, offset, weighted):
    X, y, weights = problem(offset=offset)
    if not weighted:
        weights = None
    data = LAYOUTS[layout](X)
    exact = X.astype(np.float32) if "float32" in layout else X
    stats = SufficientStatistics.from_data(data, y, weights)
    assert stats.n_samples == len(X)
    assert (stats.n_features, stats.n_targets) == (4, 2)
    # Centred sums of offset data are computed by hand about exact means here;
    # the pass gets within rounding of them.
    assert_statistics_equal(stats, centred_by_hand(exact, y, weights), rtol=1e-10)


def test_the_anchor_sums_the_residual():
    X, y, weights = problem()
    anchor = np.random.default_rng(1).standard_normal((4, 2))
    stats = SufficientStatistics.from_data(X, y, weights, anchor=anchor)
    assert_statistics_equal(stats, centred_by_hand(X, y - X @ anchor, weights))
    # Moved to another anchor by algebra, or summed anew there: the same.
    other = np.random.default_rng(2).standard_normal((4, 2))
    moved = stats.reanchored(other)
    assert_statistics_equal(moved, centred_by_hand(X, y - X @ other, weights), 1e-10)
    again = stats.with_anchor(X, y, weights, other)
    assert_statistics_equal(again, centred_by_hand(X, y - X @ other, weights))


def splits(n_samples, kind, rng):
    if kind == "single rows":
        return np.arange(1, n_samples)
    if kind == "sevens":
        return np.arange(7, n_samples, 7)
    if kind == "with empty blocks":
        return np.array([0, 0, 10, 10, 10, 250, n_samples, n_samples])
    return np.sort(rng.choice(n_samples, 12, replace=False))  # ragged


@pytest.mark.parametrize(
    "kind", ["single rows", "sevens", "with empty blocks", "ragged"]
)
@pytest.mark.parametrize("offset", [0.0, 1e4])
def test_merged_blocks_equal_one_pass(kind, offset):
    X, y, weights = problem(n_samples=300, offset=offset)
    weights[100:130] = 0.0  # a block of zero weights
    rng = np.random.default_rng(3)
    whole = SufficientStatistics.from_data(X, y, weights)
    parts = [
        SufficientStatistics.from_data(X[rows], y[rows], weights[rows])
        for rows in np.split(np.arange(len(X)), splits(len(X), kind, rng))
    ]
    # Merged left to right, and in a random order as a balanced tree.
    left = parts[0]
    for part in parts[1:]:
        left = left.merge(part)
    order = list(rng.permutation(len(parts)))
    tree = [parts[i] for i in order]
    while len(tree) > 1:
        tree = [
            tree[i].merge(tree[i + 1]) if i + 1 < len(tree) else tree[i]
            for i in range(0, len(tree), 2)
        ]
    for merged in (left, tree[0]):
        assert merged.n_samples == whole.n_samples
        expected = {name: getattr(whole, name) for name in centred_by_hand(X, y)}
        assert_statistics_equal(merged, expected, rtol=1e-10)


@settings(max_examples=40)
@given(
    seed=st.integers(0, 2**16),
    n_samples=st.integers(2, 60),
    n_blocks=st.integers(1, 6),
    offset=st.sampled_from([0.0, 1.0, 1e3, 1e6]),
)
def test_any_split_merges_to_the_statistics_of_the_whole(
    seed, n_samples, n_blocks, offset
):
    X, y, weights = problem(n_samples=n_samples, offset=offset, seed=seed)
    weights[0] = 1.0
    rng = np.random.default_rng(seed)
    cuts = np.sort(rng.integers(0, n_samples + 1, n_blocks - 1))
    merged = None
    for rows in np.split(np.arange(n_samples), cuts):
        part = SufficientStatistics.from_data(X[rows], y[rows], weights[rows])
        merged = part if merged is None else merged.merge(part)
    assert_statistics_equal(merged, centred_by_hand(X, y, weights), rtol=1e-9)


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_cost_and_gradient_from_the_statistics(fit_intercept):
    X, y, weights = problem(offset=3.0)
    stats = SufficientStatistics.from_data(X, y, weights)
    theta = np.random.default_rng(4).standard_normal((4 + fit_intercept, 2))
    design = np.hstack([X, np.ones((len(X), 1))]) if fit_intercept else X
    residual = design @ theta - y
    cost = np.einsum("i,ij,ij->", weights, residual, residual) / (2 * weights.sum())
    gradient = design.T @ (weights[:, None] * residual) / weights.sum()
    assert_allclose(stats.cost(theta, fit_intercept), cost, rtol=1e-12)
    assert_allclose(stats.gradient(theta, fit_intercept), gradient, rtol=1e-11)
    hessian = design.T @ (weights[:, None] * design) / weights.sum()
    assert_allclose(stats.hessian(fit_intercept), hessian, rtol=1e-12)
    # A stack of parameters gives a cost each.
    stack = np.stack([theta, 2 * theta, np.zeros_like(theta)])
    costs = stats.cost(stack, fit_intercept)
    assert costs.shape == (3,) and costs[0] == pytest.approx(cost, rel=1e-12)


def test_least_squares_is_the_minimiser_of_smallest_norm():
    rng = np.random.default_rng(5)
    X = rng.standard_normal((8, 12)) + 1
    y = rng.standard_normal(8)
    stats = SufficientStatistics.from_data(X, y)
    design = np.hstack([X, np.ones((8, 1))])
    assert_allclose(stats.least_squares()[:, 0], np.linalg.pinv(design) @ y, rtol=1e-8)


def test_statistics_pickle_exactly_and_hold_no_data():
    X, y, weights = problem()
    stats = SufficientStatistics.from_data(X, y, weights)
    again = pickle.loads(pickle.dumps(stats))
    for name in centred_by_hand(X, y):
        np.testing.assert_array_equal(getattr(again, name), getattr(stats, name))
    assert len(pickle.dumps(stats)) < X.nbytes / 10


def test_a_trajectory_from_merged_statistics_is_the_textbook_loop():
    from skgd._descent import descend
    from skgd._loss import HalfSquaredError
    from skgd._solvers._gram import GramSolver

    X, y, weights = problem(n_samples=200, offset=1e3)
    loss = HalfSquaredError(X, y, weights)
    halves = SufficientStatistics.from_data(X[:77], y[:77], weights[:77]).merge(
        SufficientStatistics.from_data(X[77:], y[77:], weights[77:])
    )
    solver = GramSolver.from_statistics(halves)  # reads nothing of X
    alpha = 1 / solver.lipschitz()
    result = descend(solver.stepper(loss.zeros(), alpha), max_iter=150)
    coef, intercept, costs = textbook_descent(X, y, alpha, 150, weights)
    assert_allclose(result.x[:4].T, coef, rtol=1e-9)
    assert_allclose(result.x[4], intercept, rtol=1e-9)
    assert_allclose(result.cost_history, costs, rtol=1e-9)


def test_merging_statistics_of_other_shapes_is_refused():
    X, y, _ = problem()
    with pytest.raises(ValueError, match="different shapes"):
        SufficientStatistics.from_data(X, y).merge(
            SufficientStatistics.from_data(X[:, :3], y)
        )


def test_update_adds_rows_in_place_as_one_pass_over_all():
    X, y, weights = problem(n_samples=300, offset=1e4)
    stats = SufficientStatistics.from_data(X[:100], y[:100], weights[:100])
    returned = stats.update(X[100:250], y[100:250], weights[100:250])
    assert returned is stats
    stats.update(X[250:], y[250:], weights[250:]).update(X[:0], y[:0], weights[:0])
    assert stats.n_samples == 300
    assert_statistics_equal(stats, centred_by_hand(X, y, weights), rtol=1e-9)


@settings(max_examples=25)
@given(seed=st.integers(0, 2**16), n_parts=st.integers(2, 9))
def test_random_trees_of_merges_and_updates_equal_one_pass(seed, n_parts):
    X, y, weights = problem(n_samples=90, offset=1e3, seed=seed)
    rng = np.random.default_rng(seed)
    cuts = np.sort(rng.integers(0, 91, n_parts - 1))
    parts = [
        SufficientStatistics.from_data(X[rows], y[rows], weights[rows])
        for rows in np.split(np.arange(90), cuts)
    ]
    # Pairs drawn at random merged until one is left: a random tree.
    while len(parts) > 1:
        i, j = sorted(rng.choice(len(parts), 2, replace=False))
        merged = parts[i].merge(parts[j])
        parts = [p for k, p in enumerate(parts) if k not in (i, j)] + [merged]
    expected = centred_by_hand(X, y, weights)
    assert_statistics_equal(parts[0], expected, rtol=1e-9)


BAD_ROWS = {
    "NaN in X": (lambda X, y, w: (np.where(X > 1, np.nan, X), y, w), "X contains NaN"),
    "infinity in X": (lambda X, y, w: (X + np.inf, y, w), "X contains infinity"),
    "NaN in y": (lambda X, y, w: (X, y * np.nan, w), "y contains NaN"),
    "negative weights": (lambda X, y, w: (X, y, -1 - w), "Negative values"),
    "too few y": (lambda X, y, w: (X, y[:-1], w[:-1]), "inconsistent numbers"),
    "squares overflow": (lambda X, y, w: (X * 1e160, y, w), "too large"),
    "other features": (lambda X, y, w: (X[:, :3], y, w), "different shapes"),
}


@pytest.mark.parametrize("case", BAD_ROWS)
def test_update_refuses_bad_rows_with_scikit_learns_errors_and_changes_nothing(case):
    X, y, weights = problem(n_samples=40)
    stats = SufficientStatistics.from_data(X, y, weights)
    before = pickle.dumps(stats)
    make, message = BAD_ROWS[case]
    with pytest.raises(ValueError, match=message):
        stats.update(*make(X, y, weights))
    assert pickle.dumps(stats) == before


def test_statistics_are_float64_whatever_the_dtype_and_say_what_they_hold():
    X, y, _ = problem(n_samples=30)
    stats = SufficientStatistics.from_data(X.astype(np.float32), y.astype(np.int64))
    assert stats.comoment_xx.dtype == stats.mean_residual.dtype == np.float64
    assert repr(stats) == (
        "SufficientStatistics(n_samples=30, n_features=4, n_targets=2, weight_sum=30.0)"
    )
    assert stats.x_squares == pytest.approx(np.sum(X.astype(np.float32) ** 2.0))
    with pytest.raises(TypeError, match="Can only merge"):
        stats.merge((X, y))
