"""Validation curves and early stopping, on every solver."""

import re
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.fixes import parse_version

from skgd import GradientDescentRegressor
from skgd._early_stopping import ValidationCurve, held_out_rows

SOLVERS = ["literal", "gram", "dual"]


def problem(n_samples=60, n_features=8, n_targets=None, seed=0, noise=1.0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_features)) + 1.0
    X[rng.random(X.shape) < 0.3] = 0.0
    shape = (n_features,) if n_targets is None else (n_features, n_targets)
    coef = rng.standard_normal(shape)
    y = X @ coef + noise * rng.standard_normal((n_samples,) + shape[1:])
    X_val = rng.standard_normal((30, n_features)) + 1.0
    y_val = X_val @ coef + noise * rng.standard_normal((30,) + shape[1:])
    return X, y, X_val, y_val, rng.uniform(0.0, 2.0, 30)


def half_squared_error(X, y, coef, intercept, weights=None):
    residual = (X @ np.asarray(coef).T + intercept - y).reshape(len(X), -1)
    weights = np.ones(len(X)) if weights is None else weights
    return np.sum(weights[:, None] * residual**2) / (2 * weights.sum())


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("n_targets", [None, 2])
@pytest.mark.parametrize("layout", ["dense", "csr"])
@pytest.mark.parametrize("solver", SOLVERS)
def test_the_validation_curve_is_the_validation_cost_of_every_step(
    solver, layout, n_targets, weighted
):
    X, y, X_val, y_val, weights_val = problem(n_targets=n_targets)
    weights_val = weights_val if weighted else None
    to = (lambda a: a) if layout == "dense" else sp.csr_array
    reg = GradientDescentRegressor(solver=solver, max_iter=40, store_path=True)
    reg.fit(to(X), y, X_val=to(X_val), y_val=y_val, sample_weight_val=weights_val)
    curve = reg.validation_cost_history_
    assert curve.shape == reg.cost_history_.shape == (41,)
    assert_array_equal(reg.path_iterations_, np.arange(41))
    for step in range(41):
        expected = half_squared_error(
            X_val, y_val, reg.coef_path_[step], reg.intercept_path_[step], weights_val
        )
        assert curve[step] == pytest.approx(expected, rel=1e-10, abs=1e-14)
    assert not hasattr(reg, "best_iteration_")  # no early stopping asked for


def early_stopping_rule(curve, patience, tol=0.0):
    """The first step at which the rule fires, and the best step before it."""
    best, best_step, count = curve[0], 0, 0
    for step in range(1, len(curve)):
        count = count + 1 if curve[step] > best - tol else 0
        if curve[step] < best:
            best, best_step = curve[step], step
        if count >= patience:
            return step, best_step
    return None, best_step


@pytest.mark.parametrize("tol", [None, 1e-3])
@pytest.mark.parametrize("solver", SOLVERS)
def test_early_stopping_is_the_full_run_truncated_where_the_rule_fires(solver, tol):
    # Few samples and much noise: the validation cost turns back up.
    X, y, X_val, y_val, _ = problem(n_samples=12, n_features=20, noise=2.0)
    full = GradientDescentRegressor(solver=solver, max_iter=3000, store_path=3001)
    full.fit(X, y, X_val=X_val, y_val=y_val)
    stop, best = early_stopping_rule(full.validation_cost_history_, 10, tol or 0.0)
    assert stop is not None and 0 < best < stop
    early = GradientDescentRegressor(
        solver=solver, max_iter=3000, early_stopping=True, n_iter_no_change=10, tol=tol
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        early.fit(X, y, X_val=X_val, y_val=y_val)
    assert early.n_iter_ == stop and early.best_iteration_ == best
    assert_allclose(early.cost_history_, full.cost_history_[: stop + 1], rtol=1e-12)
    assert_allclose(
        early.validation_cost_history_,
        full.validation_cost_history_[: stop + 1],
        rtol=1e-12,
    )
    assert_allclose(early.coef_, full.coef_path_[best], rtol=1e-10)
    assert_allclose(early.intercept_, full.intercept_path_[best], rtol=1e-10)


def test_every_solver_stops_early_at_the_same_step():
    X, y, *_ = problem(n_samples=200, n_features=30, noise=3.0, seed=3)
    fits = [
        GradientDescentRegressor(
            solver=solver, early_stopping=True, random_state=7, max_iter=5000
        ).fit(X, y)
        for solver in SOLVERS
    ]
    for reg in fits[1:]:
        assert reg.n_iter_ == fits[0].n_iter_ < 5000
        assert reg.best_iteration_ == fits[0].best_iteration_
        assert_allclose(reg.coef_, fits[0].coef_, rtol=1e-9)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_held_out_rows_follow_random_state_and_carry_their_weights():
    X, y, *_ = problem(n_samples=100)
    weights = np.random.default_rng(1).uniform(0.5, 2.0, 100)

    def fit(random_state):
        return GradientDescentRegressor(
            early_stopping=True, random_state=random_state, max_iter=30
        ).fit(X, y, sample_weight=weights)

    assert_array_equal(fit(0).validation_cost_history_, fit(0).validation_cost_history_)
    assert fit(0).validation_cost_history_[0] != fit(1).validation_cost_history_[0]
    # The curve starts at the held-out rows' cost of the zero model, their
    # weights included; they are a tenth of the weight.
    held = held_out_rows(X, y, weights, 0.1, random_state=0)
    assert 0.1 <= weights[held].sum() / weights.sum() < 0.15
    start = np.average(0.5 * y[held] ** 2, weights=weights[held])
    assert fit(0).validation_cost_history_[0] == pytest.approx(start, rel=1e-12)


def test_a_weight_is_a_repetition_for_the_held_out_rows():
    X, y, *_ = problem(n_samples=40)
    counts = np.random.default_rng(2).integers(0, 3, 40)
    weighted = GradientDescentRegressor(
        early_stopping=True, random_state=0, max_iter=50
    )
    weighted.fit(X, y, sample_weight=counts)
    repeated = GradientDescentRegressor(
        early_stopping=True, random_state=0, max_iter=50
    )
    repeated.fit(np.repeat(X, counts, axis=0), np.repeat(y, counts))
    assert_allclose(
        weighted.validation_cost_history_, repeated.validation_cost_history_
    )
    assert_allclose(weighted.coef_, repeated.coef_, rtol=1e-10)


def test_without_improvement_max_iter_warns():
    X, y, X_val, y_val, _ = problem(n_samples=200, noise=0.1)
    with pytest.warns(
        ConvergenceWarning, match="did not stop early within max_iter=20"
    ):
        GradientDescentRegressor(early_stopping=True, max_iter=20).fit(
            X, y, X_val=X_val, y_val=y_val
        )


@pytest.mark.parametrize(
    "arguments, message",
    [
        (dict(X_val=np.ones((3, 8))), "X_val is provided, but y_val was not provided"),
        (dict(y_val=np.ones(3)), "y_val is provided, but X_val was not provided"),
        (
            dict(sample_weight_val=np.ones(3)),
            "sample_weight_val is provided, but X_val was not provided",
        ),
        (
            dict(X_val=np.ones((3, 8)), y_val=np.ones((3, 2))),
            "they must have the same targets",
        ),
        (
            dict(X_val=np.ones((3, 7)), y_val=np.ones(3)),
            "X has 7 features, but GradientDescentRegressor is expecting 8",
        ),
    ],
)
def test_bad_validation_sets_are_refused(arguments, message):
    X, y, *_ = problem()
    with pytest.raises(ValueError, match=re.escape(message)):
        GradientDescentRegressor().fit(X, y, **arguments)


def test_too_few_samples_to_hold_out_is_refused():
    with pytest.raises(ValueError, match="leaves no weight to fit or none to validate"):
        GradientDescentRegressor(early_stopping=True).fit([[1.0]], [2.0])


@pytest.mark.skipif(
    parse_version(sklearn.__version__) < parse_version("1.7"),
    reason="Pipeline(transform_input=...) is new in scikit-learn 1.7",
)
def test_a_pipeline_routes_and_transforms_the_validation_set():
    X, y, X_val, y_val, _ = problem()
    with sklearn.config_context(enable_metadata_routing=True):
        model = Pipeline(
            [
                ("scale", StandardScaler()),
                (
                    "descent",
                    GradientDescentRegressor(max_iter=30).set_fit_request(
                        X_val=True, y_val=True
                    ),
                ),
            ],
            transform_input=["X_val"],
        )
        model.fit(X, y, X_val=X_val, y_val=y_val)
    scaler = model[0]
    reference = GradientDescentRegressor(max_iter=30).fit(
        scaler.transform(X), y, X_val=scaler.transform(X_val), y_val=y_val
    )
    assert_allclose(
        model[-1].validation_cost_history_, reference.validation_cost_history_
    )


def test_rounding_of_the_data_does_not_change_the_held_out_rows():
    # Data preprocessed by another NumPy or BLAS differ in their last bits; the
    # rows held out for random_state=0 must not.
    X, y, *_ = problem(n_samples=300)
    held = held_out_rows(X, y, None, 0.1, random_state=0)
    rng = np.random.default_rng(3)
    ulps = np.where(X != 0, rng.integers(-8, 9, X.shape), 0)  # zeros stay zeros
    X_rounded = X.view(np.int64) + ulps  # a few units of roundoff away
    y_rounded = y.view(np.int64) + rng.integers(-8, 9, y.shape)
    rounded = held_out_rows(
        X_rounded.view(np.float64), y_rounded.view(np.float64), None, 0.1, 0
    )
    assert not np.array_equal(X_rounded.view(np.float64), X)
    # A row whose values sit at a boundary of the hashed bits may change
    # (about 300 * 9 * 16 / 2**24 of them): none here.
    assert_array_equal(rounded, held)
    assert not np.array_equal(held_out_rows(X, y, None, 0.1, 1), held)


@settings(max_examples=200, deadline=None)
@given(
    curve=st.lists(
        st.integers(0, 6).map(float), min_size=1, max_size=40
    ),  # small integers: ties and plateaus, no rounding slack involved
    cuts=st.lists(st.integers(0, 40), max_size=5),
    patience=st.integers(1, 6),
    tol=st.sampled_from([0.0, 0.5, 1.0]),
)
def test_property_the_curve_applies_the_rule_block_by_block(curve, cuts, patience, tol):
    # The loop hands the curve its costs in blocks of any size; the rule must
    # fire at the step where the textbook rule above does, with its best step.
    start, costs = curve[0], np.array(curve[1:])
    validation = ValidationCurve(start, 0, np.float64, patience, tol)
    accepted = 0
    for block in np.split(costs, sorted(c for c in cuts if c <= len(costs))):
        taken = validation.add(block, lambda i, first=accepted: first + i + 1)
        accepted += taken
        if validation.stopped:
            break
    # On these integer costs, a fall within rounding is a fall of zero: a
    # step improves only when strictly below the best less tol.
    stop, best = early_stopping_rule(np.array(curve), patience, tol + 1e-9)
    assert validation.stopped == (stop is not None)
    assert accepted == (len(costs) if stop is None else stop)
    assert validation.best_step == best and validation.best_point == best
    assert_array_equal(validation.values(), curve[: accepted + 1])
