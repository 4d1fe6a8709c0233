"""Bad input, bad parameters and divergence: every failure is a clear error.

Expected values are derived independently of skgd (numpy linear algebra, hand
math); messages are matched on their meaningful part.
"""

import re
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.validation import check_is_fitted

from skgd import DivergenceError, GradientDescentRegressor

N_SAMPLES, N_FEATURES = 30, 3


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(N_SAMPLES, N_FEATURES))
    y = X @ np.array([1.5, -2.0, 0.5]) + 3.0 + 0.1 * rng.normal(size=N_SAMPLES)
    return X, y


def _hessian(X, fit_intercept=True):
    """``[X 1]^T [X 1] / m``: the Hessian of the half MSE, computed by hand."""
    A = np.column_stack([X, np.ones(len(X))]) if fit_intercept else X
    return A.T @ A / len(X)


def _fitted_attribute_names(estimator):
    return sorted(
        name
        for name in vars(estimator)
        if name.endswith("_") and not name.startswith("_")
    )


# ---------------------------------------------------------------------------
# Non-finite, empty and mismatched input
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, message",
    [(np.nan, "Input X contains NaN"), (np.inf, "Input X contains infinity")],
    ids=["nan", "inf"],
)
@pytest.mark.parametrize("solver", ["auto", "literal", "gram", "dual"])
@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
def test_non_finite_X_is_rejected(data, value, message, solver, sparse):
    X, y = data
    X = X.copy()
    X[4, 1] = value
    if sparse:
        X = sp.csr_array(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an error, and nothing on the way to it
        with pytest.raises(ValueError, match=message):
            GradientDescentRegressor(solver=solver).fit(X, y)


@pytest.mark.parametrize("row", [0, 12_345, 19_999])
@pytest.mark.parametrize("solver", ["literal", "gram"])
def test_non_finite_X_anywhere_in_long_data_is_rejected(row, solver):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(20_000, 3))
    y = X.sum(axis=1)
    X[row, 2] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match="Input X contains NaN"):
            GradientDescentRegressor(solver=solver).fit(X, y)


@pytest.mark.parametrize("alpha", ["auto", 0.1])
@pytest.mark.parametrize("solver", ["auto", "literal", "gram", "dual"])
def test_X_whose_squares_overflow_is_rejected_by_name(data, solver, alpha):
    # With alpha=0.1, the literal solver let a private exception escape.
    X, y = data
    X = X * 1e160  # finite, but x**2 is not
    reg = GradientDescentRegressor(solver=solver, alpha=alpha)
    largest = re.escape(f"{np.abs(X).max():.3g}")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=f"X's values are too large.*{largest}"):
            reg.fit(X, y)
    assert _fitted_attribute_names(reg) == []


@pytest.mark.parametrize(
    "value, message",
    [(np.nan, "Input y contains NaN"), (-np.inf, "Input y contains infinity")],
    ids=["nan", "inf"],
)
def test_non_finite_y_is_rejected(data, value, message):
    X, y = data
    y = y.copy()
    y[7] = value
    with pytest.raises(ValueError, match=message):
        GradientDescentRegressor().fit(X, y)


def test_non_finite_X_at_predict_is_rejected(data):
    X, y = data
    reg = GradientDescentRegressor().fit(X, y)
    X_bad = X.copy()
    X_bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        reg.predict(X_bad)


def test_zero_samples_is_rejected():
    with pytest.raises(ValueError, match=r"0 sample\(s\).*minimum of 1 is required"):
        GradientDescentRegressor().fit(np.empty((0, N_FEATURES)), np.empty(0))


def test_zero_features_is_rejected(data):
    _, y = data
    with pytest.raises(ValueError, match=r"0 feature\(s\).*minimum of 1 is required"):
        GradientDescentRegressor().fit(np.empty((N_SAMPLES, 0)), y)


def test_length_mismatch_of_X_and_y_is_rejected(data):
    X, y = data
    with pytest.raises(
        ValueError,
        match=rf"inconsistent numbers of samples: \[{N_SAMPLES}, {N_SAMPLES - 1}\]",
    ):
        GradientDescentRegressor().fit(X, y[:-1])


def test_length_mismatch_of_sample_weight_is_rejected(data):
    X, y = data
    with pytest.raises(
        ValueError,
        match=rf"sample_weight\.shape == \({N_SAMPLES - 2},\), "
        rf"expected \({N_SAMPLES},\)",
    ):
        GradientDescentRegressor().fit(X, y, sample_weight=np.ones(N_SAMPLES - 2))


# ---------------------------------------------------------------------------
# Wrong types of data
# ---------------------------------------------------------------------------


def test_string_X_is_rejected():
    X = np.array([["a", "b"], ["c", "d"], ["e", "f"]], dtype=object)
    with pytest.raises(ValueError, match="could not convert string to float"):
        GradientDescentRegressor().fit(X, [1.0, 2.0, 3.0])


def test_string_y_is_rejected(data):
    X, _ = data
    y = np.array(["low", "high"] * (N_SAMPLES // 2))
    with pytest.raises(ValueError, match="could not convert string to float"):
        GradientDescentRegressor().fit(X, y)


def test_complex_X_is_rejected(data):
    X, y = data
    with pytest.raises(ValueError, match="Complex data not supported"):
        GradientDescentRegressor().fit(X + 1j, y)


def test_complex_y_is_rejected(data):
    X, y = data
    with pytest.raises(ValueError, match="Complex data not supported"):
        GradientDescentRegressor().fit(X, y + 1j)


# ---------------------------------------------------------------------------
# Sample weights
# ---------------------------------------------------------------------------


def test_negative_sample_weight_is_rejected(data):
    X, y = data
    sample_weight = np.ones(N_SAMPLES)
    sample_weight[3] = -0.5
    with pytest.raises(ValueError, match="Negative values in data passed to"):
        GradientDescentRegressor().fit(X, y, sample_weight=sample_weight)


def test_nan_sample_weight_is_rejected(data):
    X, y = data
    sample_weight = np.ones(N_SAMPLES)
    sample_weight[0] = np.nan
    with pytest.raises(ValueError, match="sample_weight contains NaN"):
        GradientDescentRegressor().fit(X, y, sample_weight=sample_weight)


# ---------------------------------------------------------------------------
# Predict
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("n_features_predict", [N_FEATURES - 1, N_FEATURES + 2])
def test_predict_with_wrong_number_of_features(data, n_features_predict):
    X, y = data
    reg = GradientDescentRegressor().fit(X, y)
    X_predict = np.ones((5, n_features_predict))
    with pytest.raises(
        ValueError,
        match=rf"X has {n_features_predict} features, but GradientDescentRegressor "
        rf"is expecting {N_FEATURES} features",
    ):
        reg.predict(X_predict)


def test_predict_before_fit_raises_not_fitted(data):
    X, _ = data
    with pytest.raises(NotFittedError, match="instance is not fitted yet"):
        GradientDescentRegressor().predict(X)


# ---------------------------------------------------------------------------
# Parameters
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, value",
    [
        ("alpha", 0),
        ("alpha", -1),
        ("alpha", "fast"),
        ("max_iter", 0),
        ("max_iter", 1.5),
        ("tol", -1),
        ("fit_intercept", "yes"),
        ("warm_start", None),
    ],
)
def test_invalid_parameter_is_rejected(data, name, value):
    X, y = data
    reg = GradientDescentRegressor(**{name: value})
    with pytest.raises(
        InvalidParameterError,
        match=rf"The '{name}' parameter of GradientDescentRegressor must be .*"
        rf"Got {re.escape(repr(value))} instead",
    ):
        reg.fit(X, y)
    # A rejected fit leaves nothing behind.
    assert _fitted_attribute_names(reg) == []


# ---------------------------------------------------------------------------
# Divergence
# ---------------------------------------------------------------------------


def _number_after(label, message):
    match = re.search(rf"{re.escape(label)}\s*=?\s*([-+0-9.eEinf]+)", message)
    assert match is not None, f"{label!r} not found in {message!r}"
    return float(match.group(1).rstrip("."))


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_divergence_error_names_iteration_alpha_and_stable_bound(data, fit_intercept):
    # The literal path finds the divergence as it happens.
    X, y = data
    eigenvalues = np.linalg.eigvalsh(_hessian(X, fit_intercept))
    max_stable_alpha = 2.0 / eigenvalues[-1]
    # Above 2 / lambda_min every direction of the first step overshoots, so the
    # cost must rise at the very first step, whatever the starting gradient.
    alpha = 1000.0
    assert alpha > 2.0 / eigenvalues[0]

    reg = GradientDescentRegressor(
        alpha=alpha, fit_intercept=fit_intercept, solver="literal"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(DivergenceError) as excinfo:
            reg.fit(X, y)

    error = excinfo.value
    assert isinstance(error, ValueError)
    assert error.iteration == 1
    assert error.alpha == alpha
    assert_allclose(error.max_stable_alpha, max_stable_alpha, rtol=1e-10)

    message = str(error)
    assert re.search(r"\biteration 1\b", message), message
    assert _number_after("alpha", message) == alpha
    assert_allclose(_number_after("2/L", message), max_stable_alpha, rtol=1e-5)
    assert "StandardScaler" in message


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("solver", ["gram", "dual"])
def test_gram_paths_refuse_alpha_above_the_bound_before_any_step(
    data, fit_intercept, solver
):
    X, y = data
    max_stable_alpha = 2.0 / np.linalg.eigvalsh(_hessian(X, fit_intercept))[-1]
    reg = GradientDescentRegressor(
        alpha=1.01 * max_stable_alpha, fit_intercept=fit_intercept, solver=solver
    )
    with pytest.raises(DivergenceError, match="no step was taken") as excinfo:
        reg.fit(X, y)
    assert excinfo.value.iteration is None
    assert_allclose(excinfo.value.max_stable_alpha, max_stable_alpha, rtol=1e-10)
    assert "StandardScaler" in str(excinfo.value)
    # Just below the bound, the same path descends (slowly) without raising.
    reg.set_params(alpha=0.99 * max_stable_alpha).fit(X, y)
    assert np.all(np.isfinite(reg.coef_))


def test_divergence_just_above_stable_bound_reports_its_iteration(data):
    X, y = data
    L = np.linalg.eigvalsh(_hessian(X))[-1]
    alpha = 2.05 / L
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(DivergenceError) as excinfo:
            GradientDescentRegressor(
                alpha=alpha, max_iter=10_000, solver="literal"
            ).fit(X, y)
    error = excinfo.value
    assert error.iteration >= 1
    assert re.search(rf"\biteration {error.iteration}\b", str(error))
    assert_allclose(error.alpha, alpha, rtol=1e-12)
    assert_allclose(error.max_stable_alpha, 2.0 / L, rtol=1e-10)


@pytest.mark.parametrize("alpha", [1e300, 1e308])
def test_absurd_alpha_overflows_without_runtime_warning(data, alpha):
    X, y = data
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(DivergenceError, match="StandardScaler") as excinfo:
            GradientDescentRegressor(alpha=alpha).fit(X, y)
    assert excinfo.value.alpha == alpha
    assert_allclose(
        excinfo.value.max_stable_alpha,
        2.0 / np.linalg.eigvalsh(_hessian(X))[-1],
        rtol=1e-10,
    )


def test_diverging_refit_keeps_previous_model(data):
    X, y = data
    reg = GradientDescentRegressor().fit(X, y)
    before = {
        name: np.copy(getattr(reg, name)) for name in _fitted_attribute_names(reg)
    }
    predictions_before = reg.predict(X)
    assert not hasattr(reg, "feature_names_in_")

    # The diverging fit has other data: more features and named columns, so a
    # half-done refit would show in n_features_in_ and feature_names_in_.
    rng = np.random.default_rng(1)
    X_other = pd.DataFrame(
        100.0 * rng.normal(size=(40, 5)), columns=[f"f{i}" for i in range(5)]
    )
    y_other = rng.normal(size=40)
    reg.set_params(alpha=1e300)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(DivergenceError):
            reg.fit(X_other, y_other)

    assert _fitted_attribute_names(reg) == sorted(before)
    assert not hasattr(reg, "feature_names_in_")
    assert reg.n_features_in_ == N_FEATURES
    for name, value in before.items():
        assert_array_equal(getattr(reg, name), value, err_msg=name)
    assert np.all(np.isfinite(reg.coef_))
    assert np.all(np.isfinite(reg.intercept_))
    predictions_after = reg.predict(X)
    assert np.all(np.isfinite(predictions_after))
    assert_array_equal(predictions_after, predictions_before)


def test_diverging_first_fit_leaves_estimator_unfitted(data):
    X, y = data
    reg = GradientDescentRegressor(alpha=1e6)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(DivergenceError):
            reg.fit(X, y)
    assert _fitted_attribute_names(reg) == []
    with pytest.raises(NotFittedError):
        check_is_fitted(reg)
    with pytest.raises(NotFittedError):
        reg.predict(X)


# ---------------------------------------------------------------------------
# warm_start
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("two_d_y", [False, True], ids=["1d_y", "2d_y"])
@pytest.mark.parametrize("n_features_refit", [N_FEATURES - 1, N_FEATURES + 1])
def test_warm_start_with_other_number_of_features(
    data, fit_intercept, two_d_y, n_features_refit
):
    X, y = data
    if two_d_y:
        y = np.column_stack([y, -y])
    reg = GradientDescentRegressor(
        warm_start=True, fit_intercept=fit_intercept, max_iter=50
    ).fit(X, y)
    coef_before = reg.coef_.copy()

    rng = np.random.default_rng(2)
    X_refit = rng.normal(size=(N_SAMPLES, n_features_refit))
    with pytest.raises(ValueError, match=r"warm_start=True .*warm_start=False"):
        reg.fit(X_refit, y)
    assert reg.n_features_in_ == N_FEATURES
    assert_array_equal(reg.coef_, coef_before)


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_warm_start_refit_with_same_shape_is_accepted(data, fit_intercept):
    # Not a bad input: the warm_start check must reject only real misfits, and
    # the refit must start where the previous fit stopped.
    X, y = data
    reg = GradientDescentRegressor(
        warm_start=True, fit_intercept=fit_intercept, max_iter=5
    ).fit(X, y)
    residual = X @ reg.coef_ + reg.intercept_ - y
    reg.fit(X, y)
    assert_allclose(reg.cost_history_[0], 0.5 * np.mean(residual**2), rtol=1e-12)


# ---------------------------------------------------------------------------
# ConvergenceWarning
# ---------------------------------------------------------------------------


def test_convergence_warning_when_max_iter_reached_before_tol(data):
    X, y = data
    max_iter = 3
    # After 3 steps from zero on this data, the cost still falls by far more
    # than 1e-12 per step.
    reg = GradientDescentRegressor(tol=1e-12, max_iter=max_iter)
    with pytest.warns(ConvergenceWarning, match=rf"max_iter={max_iter}\b"):
        reg.fit(X, y)
    assert reg.n_iter_ == max_iter


def test_no_convergence_warning_when_tol_reached(data):
    X, y = data
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        reg = GradientDescentRegressor(tol=1e-8, max_iter=10_000).fit(X, y)
    assert reg.n_iter_ < 10_000
    # It stopped near the least-squares solution, computed independently.
    A = np.column_stack([X, np.ones(len(X))])
    theta, *_ = np.linalg.lstsq(A, y, rcond=None)
    assert_allclose(reg.coef_, theta[:-1], atol=1e-3)
    assert_allclose(reg.intercept_, theta[-1], atol=1e-3)


def test_no_convergence_warning_without_tol(data):
    X, y = data
    max_iter = 3
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        reg = GradientDescentRegressor(tol=None, max_iter=max_iter).fit(X, y)
    assert reg.n_iter_ == max_iter


# ---------------------------------------------------------------------------
# Magnitudes: the same answer on every solver, and a clear one
# ---------------------------------------------------------------------------

SOLVERS = ["literal", "gram", "dual", "auto"]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("solver", SOLVERS)
def test_y_whose_squares_overflow_is_rejected_by_name(data, solver, dtype):
    # Reported as "alpha=0.73 ... above 2/L=1.47", which was not so.
    X, y = data
    big = y * (1e160 if dtype == np.float64 else 1e40)
    largest = re.escape(f"{np.abs(big).max():.3g}")
    message = (
        f"y's values are too large.*{largest}"
        if dtype == np.float64
        else f"y's values are too large for float32 X.*{largest}.*float64"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=message):
            GradientDescentRegressor(solver=solver).fit(X.astype(dtype), big)


def test_y_beyond_float32_is_not_cast_to_infinity(data):
    X, y = data
    with pytest.raises(ValueError, match="too large for float32 X"):
        GradientDescentRegressor().fit(X.astype(np.float32), y * 1e39)


@pytest.mark.parametrize("what", ["X", "y"])
def test_float32_data_near_its_range_gives_one_answer_on_every_solver(data, what):
    # float32 X ~ 1e20 fitted on 'gram' and 'literal', but 'dual' refused it;
    # y ~ 1e20 flipped the roles.
    X, y = data
    X, y = X.astype(np.float32), y.astype(np.float32)
    if what == "X":
        X = X * np.float32(1e20)
    else:
        y = y * np.float32(1e20)
    fits = {s: GradientDescentRegressor(solver=s).fit(X, y) for s in SOLVERS[:3]}
    for solver, reg in fits.items():
        assert np.all(np.isfinite(reg.coef_)), solver
        assert_allclose(reg.coef_, fits["literal"].coef_, rtol=1e-4)
        assert_allclose(reg.intercept_, fits["literal"].intercept_, rtol=1e-4)


@pytest.mark.parametrize("scale", [1e-155, 1e-163])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("solver", SOLVERS)
def test_X_whose_squares_underflow_is_rejected_by_name(
    data, scale, solver, fit_intercept
):
    # alpha='auto' gave alpha_ = inf and a DivergenceError about it at 1e-155,
    # and a silent coef_ = 0 at 1e-163.
    X, y = data
    reg = GradientDescentRegressor(solver=solver, fit_intercept=fit_intercept)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match="X's values are too small.*underflow"):
            reg.fit(X * scale, y)


@pytest.mark.parametrize("solver", SOLVERS)
def test_tiny_but_representable_features_are_fitted(data, solver):
    # Squares of 1e-150 are normal numbers: L and alpha = 1/L are representable.
    X, y = data
    scale = 1e-150
    reg = GradientDescentRegressor(solver=solver, fit_intercept=False, max_iter=50)
    reg.fit(X * scale, y)
    reference = GradientDescentRegressor(
        solver="literal", fit_intercept=False, max_iter=50
    )
    reference.fit(X, y)
    assert_allclose(reg.coef_ * scale, reference.coef_, rtol=1e-9)
    assert_allclose(reg.alpha_ * scale**2, reference.alpha_, rtol=1e-9)


@pytest.mark.parametrize("solver", ["literal", "gram", "dual"])
def test_weights_whose_sum_overflows_are_normalised_safely(data, solver):
    # All 1e308: the sum is infinite in float64, and the fit returned zeros.
    X, y = data
    huge = GradientDescentRegressor(solver=solver, max_iter=50)
    huge.fit(X, y, sample_weight=np.full(len(X), 1e308))
    plain = GradientDescentRegressor(solver="literal", max_iter=50).fit(X, y)
    assert_allclose(huge.coef_, plain.coef_, rtol=1e-10)
    assert_allclose(huge.cost_history_, plain.cost_history_, rtol=1e-10)


@pytest.mark.parametrize("solver", ["literal", "gram", "auto"])
def test_zero_weights_on_most_of_long_data(solver):
    # Weight 1 on 50 random rows of 100,000, 0 elsewhere: half of the fits
    # raised "X's values are too large ... largest absolute value 4.73".
    rng = np.random.default_rng(0)
    X = rng.standard_normal((100_000, 5))
    y = X @ np.arange(1.0, 6.0) + 0.1 * rng.standard_normal(100_000)
    for seed in range(4):
        weights = np.zeros(len(X))
        weights[np.random.default_rng(seed).choice(len(X), 50, replace=False)] = 1.0
        reg = GradientDescentRegressor(solver=solver, max_iter=300)
        reg.fit(X, y, sample_weight=weights)
        chosen = weights > 0
        alone = GradientDescentRegressor(solver="literal", max_iter=300)
        alone.fit(X[chosen], y[chosen])
        assert_allclose(reg.coef_, alone.coef_, rtol=1e-9)
        assert_allclose(reg.cost_history_, alone.cost_history_, rtol=1e-9)


@pytest.mark.parametrize(
    "X, alpha, solver",
    [
        (sp.csr_array((300, 1000)), "auto", "auto"),
        (np.zeros((50, 300)), "auto", "literal"),
        (np.zeros((300, 5)), 0.1, "dual"),
        (np.zeros((300, 5)), "auto", "gram"),
        (sp.csc_array((40, 200)), "auto", "literal"),
    ],
    ids=["csr-auto", "dense-literal", "dense-dual-explicit-alpha", "gram", "csc"],
)
def test_all_zero_X_without_intercept_fits_the_zero_model(X, alpha, solver):
    # L = 0 is the right answer there; Lanczos raised "Starting vector is zero".
    y = np.random.default_rng(0).standard_normal(X.shape[0])
    reg = GradientDescentRegressor(fit_intercept=False, alpha=alpha, solver=solver)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        reg.fit(X, y)
    assert_array_equal(reg.coef_, np.zeros(X.shape[1]))
    assert_allclose(reg.cost_history_, 0.5 * np.mean(y**2), rtol=1e-12)


@pytest.mark.parametrize("container", [sp.csr_array, sp.csc_matrix])
def test_sparse_y_gets_scikit_learns_error(data, container):
    X, y = data
    with pytest.raises(TypeError, match="Sparse data was passed for y"):
        GradientDescentRegressor().fit(X, container(y[:, None]))


def test_all_zero_weights_message_is_skgds_on_every_scikit_learn(data):
    # scikit-learn 1.9 refuses them itself first; older versions do not. The
    # message is the same either way.
    X, y = data
    with pytest.raises(ValueError, match="sample_weight must have a positive sum"):
        GradientDescentRegressor().fit(X, y, sample_weight=np.zeros(N_SAMPLES))
