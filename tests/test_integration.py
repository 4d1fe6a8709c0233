"""The estimator as a user meets it: pipelines, searches, parallel jobs, pickling,
pandas, float32, sparse and multi-output data, routed sample weights.

Expected values come from LinearRegression or numpy's lstsq, never from skgd.
"""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.datasets import load_diabetes
from sklearn.exceptions import FitFailedWarning, NotFittedError
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import GridSearchCV, KFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted

from skgd import DivergenceError, GradientDescentRegressor

# On standardized diabetes data 2/L is about 0.5: 50.0 diverges, the rest do not.
ALPHA_GRID = [0.01, 0.1, "auto", 50.0]
DIVERGING_ALPHA = 50.0
CV = KFold(n_splits=3, shuffle=True, random_state=0)


@pytest.fixture(scope="module")
def diabetes():
    return load_diabetes(return_X_y=True)


def _well_conditioned(n_samples=120, n_features=4, n_targets=None, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, n_features))
    shape = (n_features,) if n_targets is None else (n_features, n_targets)
    coef = rng.normal(size=shape)
    y = X @ coef + 2.0 + 0.3 * rng.normal(size=(n_samples, *shape[1:]))
    return X, y


def _lstsq(X, y, sample_weight=None):
    """Least squares with intercept by numpy: returns (coef, intercept)."""
    A = np.column_stack([X, np.ones(len(X))])
    if sample_weight is not None:
        root = np.sqrt(sample_weight)
        A, y = A * root[:, np.newaxis], y * (root if y.ndim == 1 else root[:, None])
    theta, *_ = np.linalg.lstsq(A, y, rcond=None)
    return theta[:-1].T, theta[-1]


# ---------------------------------------------------------------------------
# Pipelines and model selection
# ---------------------------------------------------------------------------


def test_pipeline_on_diabetes_matches_linear_regression(diabetes):
    X, y = diabetes
    pipe = make_pipeline(StandardScaler(), GradientDescentRegressor()).fit(X, y)
    reference = LinearRegression().fit(X, y)
    r2, r2_reference = pipe.score(X, y), reference.score(X, y)
    assert r2 <= r2_reference + 1e-12  # least squares is optimal on the train set
    assert r2 == pytest.approx(r2_reference, abs=1e-3)
    assert r2 > 0.5


def test_grid_search_survives_a_diverging_alpha(diabetes):
    X, y = diabetes
    search = GridSearchCV(
        make_pipeline(StandardScaler(), GradientDescentRegressor()),
        {"gradientdescentregressor__alpha": ALPHA_GRID},
        cv=CV,
    )
    with (
        pytest.warns(FitFailedWarning, match=rf"{CV.n_splits} fits failed"),
        pytest.warns(UserWarning, match="test scores are non-finite"),
    ):
        search.fit(X, y)

    alphas = list(search.cv_results_["param_gradientdescentregressor__alpha"])
    scores = search.cv_results_["mean_test_score"]
    diverging = alphas.index(DIVERGING_ALPHA)
    assert np.isnan(scores[diverging])
    for split in range(CV.n_splits):
        assert np.isnan(search.cv_results_[f"split{split}_test_score"][diverging])
    stable = [i for i in range(len(alphas)) if i != diverging]
    assert np.all(np.isfinite(scores[stable]))

    best_alpha = search.best_params_["gradientdescentregressor__alpha"]
    assert best_alpha != DIVERGING_ALPHA
    assert best_alpha in ALPHA_GRID
    # The refitted best model is a sound model of the whole data.
    reference = LinearRegression().fit(X, y).score(X, y)
    assert search.best_estimator_.score(X, y) == pytest.approx(reference, abs=0.02)


def test_grid_search_error_score_raise_reports_divergence(diabetes):
    X, y = diabetes
    search = GridSearchCV(
        make_pipeline(StandardScaler(), GradientDescentRegressor()),
        {"gradientdescentregressor__alpha": [DIVERGING_ALPHA]},
        cv=CV,
        error_score="raise",
    )
    with pytest.raises(DivergenceError, match="StandardScaler") as excinfo:
        search.fit(X, y)
    assert excinfo.value.alpha == DIVERGING_ALPHA


def test_cross_validate_in_two_worker_processes(diabetes):
    X, y = diabetes
    pipe = make_pipeline(StandardScaler(), GradientDescentRegressor())
    parallel = cross_validate(pipe, X, y, cv=CV, n_jobs=2)["test_score"]
    serial = cross_validate(pipe, X, y, cv=CV, n_jobs=1)["test_score"]
    reference = cross_validate(LinearRegression(), X, y, cv=CV)["test_score"]
    assert_allclose(parallel, serial, rtol=1e-12)
    assert_allclose(parallel, reference, atol=5e-3)


def test_grid_search_in_two_worker_processes(diabetes):
    X, y = diabetes
    grid = {"gradientdescentregressor__alpha": ALPHA_GRID}
    pipe = make_pipeline(StandardScaler(), GradientDescentRegressor())
    with pytest.warns(FitFailedWarning), pytest.warns(UserWarning, match="non-finite"):
        parallel = GridSearchCV(pipe, grid, cv=CV, n_jobs=2).fit(X, y)
    with pytest.warns(FitFailedWarning), pytest.warns(UserWarning, match="non-finite"):
        serial = GridSearchCV(pipe, grid, cv=CV, n_jobs=1).fit(X, y)
    assert_allclose(
        parallel.cv_results_["mean_test_score"],
        serial.cv_results_["mean_test_score"],
        rtol=1e-12,
        equal_nan=True,
    )
    assert np.isnan(parallel.cv_results_["mean_test_score"]).sum() == 1
    assert parallel.best_params_ == serial.best_params_


def test_divergence_error_crosses_worker_process_boundary(diabetes):
    X, y = diabetes
    search = GridSearchCV(
        make_pipeline(StandardScaler(), GradientDescentRegressor()),
        {"gradientdescentregressor__alpha": [DIVERGING_ALPHA, DIVERGING_ALPHA * 2]},
        cv=CV,
        error_score="raise",
        n_jobs=2,
    )
    with pytest.raises(DivergenceError) as excinfo:
        search.fit(X, y)
    assert excinfo.value.alpha in (DIVERGING_ALPHA, DIVERGING_ALPHA * 2)
    # None: the Gram paths refuse a learning rate above 2/L before any step.
    assert excinfo.value.iteration is None or excinfo.value.iteration >= 1
    assert 0 < excinfo.value.max_stable_alpha < DIVERGING_ALPHA


def test_sample_weight_routed_through_pipeline():
    X, y = _well_conditioned()
    # A curved target, so that the weighted and unweighted fits differ.
    y = y + 2.0 * X[:, 0] ** 2
    weights = np.random.default_rng(3).uniform(0.1, 5.0, len(X))
    pipe = make_pipeline(StandardScaler(), GradientDescentRegressor(max_iter=3000))
    pipe.fit(X, y, gradientdescentregressor__sample_weight=weights)

    # Predictions do not depend on an affine rescaling of the features, so the
    # scaled pipeline predicts as weighted least squares on the raw features.
    weighted = LinearRegression().fit(X, y, sample_weight=weights).predict(X)
    unweighted = LinearRegression().fit(X, y).predict(X)
    assert np.max(np.abs(weighted - unweighted)) > 0.1
    assert_allclose(pipe.predict(X), weighted, rtol=1e-8, atol=1e-8)

    coef, intercept = _lstsq(X, y, sample_weight=weights)
    assert_allclose(pipe.predict(X), X @ coef + intercept, rtol=1e-8, atol=1e-8)


# ---------------------------------------------------------------------------
# clone and pickle
# ---------------------------------------------------------------------------


def test_clone_keeps_params_and_is_unfitted():
    X, y = _well_conditioned()
    params = dict(
        alpha=0.05,
        max_iter=321,
        tol=1e-7,
        fit_intercept=False,
        warm_start=True,
        solver="dual",
        store_path=7,
        compute_min_cost=True,
        verbose=0,
        l2_penalty=0.25,
        early_stopping=True,
        validation_fraction=0.2,
        n_iter_no_change=5,
        random_state=3,
    )
    reg = GradientDescentRegressor(**params).fit(X, y)
    cloned = clone(reg)
    assert cloned is not reg
    assert cloned.get_params() == params
    with pytest.raises(NotFittedError):
        check_is_fitted(cloned)
    assert not hasattr(cloned, "coef_")
    # The original is untouched.
    check_is_fitted(reg)


def test_pickle_round_trip_predicts_identically():
    X, y = _well_conditioned()
    reg = GradientDescentRegressor().fit(X, y)
    restored = pickle.loads(pickle.dumps(reg))
    assert restored.get_params() == reg.get_params()
    assert_array_equal(restored.predict(X), reg.predict(X))
    assert_array_equal(restored.coef_, reg.coef_)
    assert_array_equal(restored.cost_history_, reg.cost_history_)
    assert restored.n_iter_ == reg.n_iter_


# ---------------------------------------------------------------------------
# pandas
# ---------------------------------------------------------------------------


@pytest.fixture
def frame():
    X, y = _well_conditioned()
    columns = ["age", "bmi", "bp", "s1"]
    return pd.DataFrame(X, columns=columns), pd.Series(y, name="target")


def test_dataframe_sets_feature_names_and_matches_numpy(frame):
    X, y = frame
    reg = GradientDescentRegressor().fit(X, y)
    assert_array_equal(reg.feature_names_in_, np.array(X.columns, dtype=object))
    assert reg.n_features_in_ == X.shape[1]
    from_numpy = GradientDescentRegressor().fit(X.to_numpy(), y.to_numpy())
    assert not hasattr(from_numpy, "feature_names_in_")
    assert_allclose(reg.coef_, from_numpy.coef_, rtol=1e-12)
    coef, intercept = _lstsq(X.to_numpy(), y.to_numpy())
    assert_allclose(reg.predict(X), X.to_numpy() @ coef + intercept, rtol=1e-8)


def test_predict_with_renamed_columns_raises(frame):
    X, y = frame
    reg = GradientDescentRegressor().fit(X, y)
    renamed = X.rename(columns={"bmi": "weight"})
    with pytest.raises(ValueError, match=r"(?s)feature names should match.*weight"):
        reg.predict(renamed)


def test_predict_with_reordered_columns_raises(frame):
    X, y = frame
    reg = GradientDescentRegressor().fit(X, y)
    with pytest.raises(ValueError, match="must be in the same order"):
        reg.predict(X[X.columns[::-1]])


def test_predict_with_array_after_dataframe_fit_warns(frame):
    X, y = frame
    reg = GradientDescentRegressor().fit(X, y)
    with pytest.warns(UserWarning, match="X does not have valid feature names"):
        predictions = reg.predict(X.to_numpy())
    assert_allclose(predictions, reg.predict(X), rtol=1e-15)


def test_predict_with_dataframe_after_array_fit_warns(frame):
    X, y = frame
    reg = GradientDescentRegressor().fit(X.to_numpy(), y.to_numpy())
    with pytest.warns(UserWarning, match="X has feature names, but"):
        reg.predict(X)


# ---------------------------------------------------------------------------
# dtypes, sparse input, multi-output
# ---------------------------------------------------------------------------


def test_float32_input_keeps_float32():
    X, y = _well_conditioned()
    reg64 = GradientDescentRegressor().fit(X, y)
    X32, y32 = X.astype(np.float32), y.astype(np.float32)
    reg32 = GradientDescentRegressor().fit(X32, y32)
    assert reg32.coef_.dtype == np.float32
    predictions = reg32.predict(X32)
    assert predictions.dtype == np.float32
    assert_allclose(reg32.coef_, reg64.coef_, rtol=1e-4, atol=1e-5)
    assert_allclose(reg32.intercept_, reg64.intercept_, rtol=1e-4)
    assert_allclose(predictions, reg64.predict(X), rtol=1e-4, atol=1e-4)


class _NeverDense:
    """Mixin for scipy sparse classes: any densification fails the test."""

    matmul_calls = 0

    def toarray(self, *args, **kwargs):
        raise AssertionError("the sparse input was densified with toarray")

    def todense(self, *args, **kwargs):
        raise AssertionError("the sparse input was densified with todense")

    def __matmul__(self, other):
        type(self).matmul_calls += 1
        return super().__matmul__(other)


def _sparse_data(n_samples=150, n_features=6, density=0.3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, n_features))
    X[rng.random(X.shape) > density] = 0.0
    y = X @ rng.normal(size=n_features) + 1.0 + 0.1 * rng.normal(size=n_samples)
    return X, y


@pytest.mark.parametrize("solver", ["literal", "gram", "dual"])
@pytest.mark.parametrize(
    "container", [sp.csr_matrix, sp.csc_matrix, sp.csr_array, sp.csc_array]
)
def test_sparse_input_matches_dense_and_is_never_densified(container, solver):
    X, y = _sparse_data()
    never_dense = type(f"NeverDense_{container.__name__}", (_NeverDense, container), {})
    X_sparse = never_dense(X)
    with pytest.raises(AssertionError, match="densified"):
        X_sparse.toarray()  # the guard works

    dense = GradientDescentRegressor(solver="literal").fit(X, y)
    reg = GradientDescentRegressor(solver=solver).fit(X_sparse, y)
    calls_after_fit = never_dense.matmul_calls

    assert_allclose(reg.coef_, dense.coef_, rtol=1e-10)
    assert_allclose(reg.intercept_, dense.intercept_, rtol=1e-10)
    predictions = reg.predict(X_sparse)
    assert never_dense.matmul_calls > calls_after_fit
    assert isinstance(predictions, np.ndarray)
    assert_allclose(predictions, dense.predict(X), rtol=1e-10, atol=1e-12)
    # And both are the least-squares solution.
    coef, intercept = _lstsq(X, y)
    assert_allclose(reg.coef_, coef, rtol=1e-6)
    assert_allclose(reg.intercept_, intercept, rtol=1e-6)


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_multi_output_y_shapes_and_values(fit_intercept):
    n_features, n_targets = 4, 3
    X, y = _well_conditioned(n_features=n_features, n_targets=n_targets)
    reg = GradientDescentRegressor(fit_intercept=fit_intercept).fit(X, y)
    assert reg.coef_.shape == (n_targets, n_features)
    assert np.shape(reg.intercept_) == (n_targets,)
    predictions = reg.predict(X)
    assert predictions.shape == (len(X), n_targets)

    reference = LinearRegression(fit_intercept=fit_intercept).fit(X, y)
    assert_allclose(reg.coef_, reference.coef_, rtol=1e-8, atol=1e-10)
    assert_allclose(reg.intercept_, reference.intercept_, rtol=1e-8, atol=1e-10)
    # Each target is the fit it would get alone.
    for target in range(n_targets):
        alone = GradientDescentRegressor(fit_intercept=fit_intercept).fit(
            X, y[:, target]
        )
        assert_allclose(reg.coef_[target], alone.coef_, rtol=1e-8, atol=1e-10)


def test_no_warnings_in_a_plain_pipeline_fit(diabetes):
    X, y = diabetes
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pipe = make_pipeline(StandardScaler(), GradientDescentRegressor())
        pipe.fit(X, y).predict(X)
    # tol=None takes exactly max_iter steps.
    assert pipe[-1].n_iter_ == pipe[-1].max_iter
