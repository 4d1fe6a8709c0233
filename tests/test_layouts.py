"""Every memory layout a user can give, on every solver, against the textbook loop.

X: C- and F-ordered, non-contiguous views of rows and of columns, CSR and CSC;
y: 1-D, a strided 1-D view, (n, 1), (n, k) C- and F-ordered and a non-contiguous
view; float64 and float32; with and without weights (zeros among them); and
pandas DataFrames, whose several columns are F-ordered.
"""

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from reference import assert_follows, textbook_descent
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LinearRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from skgd import GradientDescentRegressor

N_SAMPLES, N_FEATURES = 40, 4
SOLVERS = ["literal", "gram", "dual", "auto"]


def base_data(n_targets=2, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((N_SAMPLES, N_FEATURES))
    X[rng.random(X.shape) < 0.3] = 0.0  # sparse formats have something to skip
    Y = X @ rng.standard_normal((N_FEATURES, n_targets)) + rng.standard_normal(
        (N_SAMPLES, n_targets)
    )
    return X, Y


def x_layout(X, layout):
    if layout == "C":
        return np.ascontiguousarray(X)
    if layout == "F":
        return np.asfortranarray(X)
    if layout == "row view":  # every other row of a taller array
        taller = np.repeat(X, 2, axis=0)
        taller[1::2] = 99.0
        return taller[::2]
    if layout == "column view":  # every other column of a wider array
        wider = np.repeat(X, 2, axis=1)
        wider[:, 1::2] = 99.0
        return wider[:, ::2]
    return sp.csr_array(X) if layout == "csr" else sp.csc_array(X)


def y_layout(Y, layout):
    if layout == "1-D":
        return np.ascontiguousarray(Y[:, 0])
    if layout == "1-D view":
        return Y[:, 0]  # strided: a column of a C-ordered array
    if layout == "(n, 1)":
        return Y[:, :1].copy()
    if layout == "(n, 1) F":
        return np.asfortranarray(Y[:, :1])
    if layout == "(n, k) C":
        return np.ascontiguousarray(Y)
    if layout == "(n, k) F":
        return np.asfortranarray(Y)
    wider = np.repeat(Y, 2, axis=1)  # "(n, k) view"
    return wider[:, ::2]


X_LAYOUTS = ["C", "F", "row view", "column view", "csr", "csc"]
Y_LAYOUTS = [
    "1-D",
    "1-D view",
    "(n, 1)",
    "(n, 1) F",
    "(n, k) C",
    "(n, k) F",
    "(n, k) view",
]


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("y_kind", Y_LAYOUTS)
@pytest.mark.parametrize("x_kind", X_LAYOUTS)
def test_every_layout_on_every_solver_takes_the_textbook_steps(
    x_kind, y_kind, dtype, weighted
):
    X, Y = base_data()
    X, Y = X.astype(dtype), Y.astype(dtype)
    weights = None
    if weighted:
        weights = np.random.default_rng(1).uniform(0.0, 2.0, N_SAMPLES)
        weights[[0, 5, 6]] = 0.0
    data, target = x_layout(X, x_kind), y_layout(Y, y_kind)
    rtol = 1e-9 if dtype == np.float64 else 2e-4
    for solver in SOLVERS:
        reg = GradientDescentRegressor(solver=solver, max_iter=60)
        reg.fit(data, target, sample_weight=weights)
        assert reg.coef_.dtype == dtype
        expected_shape = (
            (N_FEATURES,) if target.ndim == 1 else (target.shape[1], N_FEATURES)
        )
        assert reg.coef_.shape == expected_shape
        assert_follows(
            reg,
            X,
            np.asarray(target, float),
            weights,
            rtol=rtol,
            atol=1e-5 if dtype == np.float32 else None,
        )


def test_a_column_major_target_with_csr_data_is_the_dense_fit():
    # The case of the issue: max |difference| was 115 on the literal solver.
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((30, 4)), rng.standard_normal((30, 2))
    for solver in ["literal", "gram", "dual"]:
        sparse = GradientDescentRegressor(max_iter=500, solver=solver).fit(
            sp.csr_array(X), np.asfortranarray(Y)
        )
        dense = GradientDescentRegressor(max_iter=500, solver=solver).fit(X, Y)
        np.testing.assert_allclose(sparse.coef_, dense.coef_, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(sparse.intercept_, dense.intercept_, rtol=1e-10)


def test_a_one_hot_pipeline_on_dataframes_matches_linear_regression():
    # Every DataFrame of two or more columns is column-major: so is its y.
    rng = np.random.default_rng(3)
    n = 400
    frame = pd.DataFrame(
        {
            "colour": rng.choice(["red", "green", "blue"], n),
            "size": rng.choice(["S", "M", "L", "XL"], n),
            "weight": rng.normal(70.0, 10.0, n),
        }
    )
    effects = {
        "red": 1.0,
        "green": -2.0,
        "blue": 0.5,
        "S": 0.0,
        "M": 1.0,
        "L": 2.0,
        "XL": 4.0,
    }
    base = frame["colour"].map(effects) + frame["size"].map(effects)
    targets = pd.DataFrame(
        {
            "a": base + 0.1 * frame["weight"] + 0.01 * rng.standard_normal(n),
            "b": -base + 0.02 * rng.standard_normal(n),
        }
    )
    encode = ColumnTransformer(
        [
            ("categories", OneHotEncoder(), ["colour", "size"]),
            ("numbers", StandardScaler(), ["weight"]),
        ],
        sparse_threshold=1.0,  # a CSR matrix, as with many categories
    )
    for solver in ["literal", "gram", "auto"]:
        ours = make_pipeline(
            encode, GradientDescentRegressor(solver=solver, max_iter=5000)
        ).fit(frame, targets)
        reference = make_pipeline(encode, LinearRegression()).fit(frame, targets)
        assert ours.score(frame, targets) == pytest.approx(
            reference.score(frame, targets), abs=1e-6
        )
        assert reference.score(frame, targets) > 0.99


@pytest.mark.parametrize("solver", ["literal", "gram", "dual"])
def test_dataframes_in_and_out(solver):
    X, Y = base_data(n_targets=3)
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(N_FEATURES)])
    targets = pd.DataFrame(Y, columns=["a", "b", "c"])
    reg = GradientDescentRegressor(solver=solver, max_iter=80).fit(frame, targets)
    np.testing.assert_array_equal(reg.feature_names_in_, frame.columns)
    coef, intercept, costs = textbook_descent(X, Y, reg.alpha_, 80)
    np.testing.assert_allclose(reg.coef_, coef, rtol=1e-9)
    np.testing.assert_allclose(reg.intercept_, intercept, rtol=1e-9)
    series = GradientDescentRegressor(solver=solver, max_iter=80).fit(
        frame, targets["b"]
    )
    np.testing.assert_allclose(series.coef_, coef[1], rtol=1e-9)
