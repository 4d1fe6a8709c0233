"""The compiled CSR kernel against numpy, and its place in the literal path."""

import doctest

import numpy as np
import pytest
import scipy.sparse as sp

import skgd._csr_step
from skgd import GradientDescentRegressor
from skgd._csr_step import csr_residual_products
from skgd._objective import HalfSquaredError


def random_csr(n_rows, n_features, index_dtype, seed=0):
    rng = np.random.default_rng(seed)
    dense = sp.random_array((n_rows, n_features), density=0.2, rng=rng).toarray()
    dense[n_rows // 2] = 0.0  # an empty row
    X = sp.csr_array(dense)
    X.indptr = X.indptr.astype(index_dtype)
    X.indices = X.indices.astype(index_dtype)
    return X


def test_the_module_is_built():
    # Built from skgd/_csr_step.pyx at install time; without a C compiler, skgd
    # falls back to scipy's kernels and this test says so.
    assert skgd._csr_step.__file__.endswith((".so", ".pyd"))


def test_its_docstring_examples_run():
    # pytest's --doctest-modules reads only .py files.
    results = doctest.testmod(skgd._csr_step, optionflags=doctest.ELLIPSIS)
    assert results.attempted > 0
    assert results.failed == 0


@pytest.mark.parametrize("index_dtype", [np.int32, np.int64])
@pytest.mark.parametrize("has_targets", [True, False])
@pytest.mark.parametrize("has_weights", [True, False])
def test_matches_the_two_products(index_dtype, has_targets, has_weights):
    X = random_csr(40, 7, index_dtype)
    rng = np.random.default_rng(1)
    w, b = rng.standard_normal(7), 0.3
    y = rng.standard_normal(40) if has_targets else None
    s = rng.uniform(0.0, 2.0, 40) if has_weights else None
    residual = X.toarray() @ w + b - (0.0 if y is None else y)
    scaled = residual * (1.0 if s is None else s)

    gradient = np.full(7, 10.0)  # the kernel adds into it
    sum_of_squares, total = csr_residual_products(
        X.indptr, X.indices, X.data, w, b, y, s, gradient
    )

    np.testing.assert_allclose(sum_of_squares, residual @ scaled, rtol=1e-13)
    np.testing.assert_allclose(total, scaled.sum(), rtol=1e-13)
    np.testing.assert_allclose(gradient, 10.0 + X.toarray().T @ scaled, rtol=1e-13)


def test_a_slice_of_indptr_reads_those_rows_only():
    X = random_csr(30, 5, np.int32)
    w, y = np.ones(5), np.arange(30.0)
    gradient = np.zeros(5)
    sum_of_squares, _ = csr_residual_products(
        X.indptr[10:21], X.indices, X.data, w, 0.0, y[10:20], None, gradient
    )
    rows = X[10:20].toarray()
    residual = rows @ w - y[10:20]
    np.testing.assert_allclose(sum_of_squares, residual @ residual, rtol=1e-13)
    np.testing.assert_allclose(gradient, rows.T @ residual, rtol=1e-13)


def test_duplicate_and_unsorted_entries_add_up():
    # CSR arrays may hold an entry twice, in any order: both count, as in scipy.
    indptr = np.array([0, 3], dtype=np.int32)
    indices = np.array([2, 0, 2], dtype=np.int32)
    data = np.array([1.0, 2.0, 3.0])
    gradient = np.zeros(3)
    sum_of_squares, total = csr_residual_products(
        indptr, indices, data, np.array([1.0, 0.0, 1.0]), 0.0, None, None, gradient
    )
    assert (sum_of_squares, total) == (36.0, 6.0)  # r = 2 + 1 + 3
    np.testing.assert_array_equal(gradient, [12.0, 0.0, 24.0])


def test_rows_without_entries_have_the_intercept_as_prediction():
    X = sp.csr_array((4, 3))  # no stored entry at all
    y = np.array([1.0, 2.0, 3.0, 4.0])
    gradient = np.zeros(3)
    sum_of_squares, total = csr_residual_products(
        X.indptr, X.indices, X.data, np.ones(3), 0.5, y, None, gradient
    )
    residual = 0.5 - y
    assert sum_of_squares == residual @ residual
    assert total == residual.sum()
    np.testing.assert_array_equal(gradient, np.zeros(3))


@pytest.mark.parametrize(
    "argument, message",
    [("y", "y has 4 rows, the CSR arrays 3"), ("weights", "weights has 4 rows")],
)
def test_arrays_of_the_wrong_length_are_refused(argument, message):
    X = random_csr(3, 2, np.int32)
    arguments = {"y": None, "weights": None, argument: np.ones(4)}
    with pytest.raises(ValueError, match=message):
        csr_residual_products(
            X.indptr,
            X.indices,
            X.data,
            np.ones(2),
            0.0,
            **arguments,
            gradient=np.zeros(2),
        )


def test_an_empty_indptr_is_refused():
    with pytest.raises(ValueError, match="indptr is empty"):
        csr_residual_products(
            np.zeros(0, dtype=np.int32),
            np.zeros(0, dtype=np.int32),
            np.zeros(0),
            np.ones(1),
            0.0,
            None,
            None,
            np.zeros(1),
        )


def test_indptr_past_the_arrays_is_refused():
    with pytest.raises(ValueError, match="indptr points past the end"):
        csr_residual_products(
            np.array([0, 5], dtype=np.int32),
            np.zeros(2, dtype=np.int32),
            np.zeros(2),
            np.ones(1),
            0.0,
            None,
            None,
            np.zeros(1),
        )


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weighted", [True, False])
def test_the_objective_gives_the_same_cost_gradient_and_curvature(
    fit_intercept, weighted
):
    X = random_csr(200, 9, np.int32, seed=2)
    rng = np.random.default_rng(3)
    y = rng.standard_normal(200)
    weights = rng.uniform(0.0, 3.0, 200) if weighted else None
    theta = rng.standard_normal(9 + fit_intercept)
    fused = HalfSquaredError(X, y, weights, fit_intercept=fit_intercept)
    blockwise = HalfSquaredError(X, y, weights, fit_intercept=fit_intercept)
    blockwise._reader.has_fused_products = False
    assert fused._reader.has_fused_products

    cost, gradient = fused.loss_gradient(theta)
    expected_cost, expected_gradient = blockwise.loss_gradient(theta)
    np.testing.assert_allclose(cost, expected_cost, rtol=1e-13)
    np.testing.assert_allclose(gradient, expected_gradient, rtol=1e-12)
    np.testing.assert_allclose(
        fused.hessian_matvec(theta), blockwise.hessian_matvec(theta), rtol=1e-12
    )


@pytest.mark.parametrize(
    "make_X",
    [
        lambda X: X.astype(np.float32),
        lambda X: sp.csc_array(X),
        lambda X: X.toarray(),
    ],
    ids=["float32", "csc", "dense"],
)
def test_only_float64_csr_goes_to_the_kernel(make_X):
    X = make_X(random_csr(20, 3, np.int32))
    objective = HalfSquaredError(X, np.ones(20, dtype=X.dtype))
    assert not objective._reader.has_fused_products


def test_fits_are_those_of_scipys_kernels(monkeypatch):
    X = random_csr(500, 20, np.int32, seed=4)
    y = X @ np.arange(20.0) + 1.0
    weights = np.random.default_rng(5).uniform(0.5, 2.0, 500)
    fused = GradientDescentRegressor(max_iter=200, solver="literal")
    fused.fit(X, y, sample_weight=weights)
    monkeypatch.setattr("skgd._blocks.csr_residual_products", None)
    plain = GradientDescentRegressor(max_iter=200, solver="literal")
    plain.fit(X, y, sample_weight=weights)
    np.testing.assert_allclose(fused.coef_, plain.coef_, rtol=1e-10)
    np.testing.assert_allclose(fused.intercept_, plain.intercept_, rtol=1e-10)
    np.testing.assert_allclose(fused.cost_history_, plain.cost_history_, rtol=1e-10)
