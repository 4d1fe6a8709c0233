"""The compiled CSR kernel against numpy, and its place in the literal path."""

import doctest

import numpy as np
import pytest
import scipy.sparse as sp

# Built from skgd/_csr_step.pyx at install time where a C compiler is found (as
# on CI, which checks that it was built); without one, skgd reads CSR data
# with scipy's products (tests/test_blocks.py runs the fits that way too).
csr_step = pytest.importorskip(
    "skgd._csr_step",
    reason="skgd was installed without a C compiler, so without its compiled "
    "CSR kernel (optional)",
)
csr_residual_products = csr_step.csr_residual_products


def random_csr(n_rows, n_features, index_dtype, seed=0):
    rng = np.random.default_rng(seed)
    # Built by hand: sp.random_array is newer than the oldest supported scipy.
    dense = rng.uniform(size=(n_rows, n_features)) * (
        rng.random((n_rows, n_features)) < 0.2
    )
    dense[n_rows // 2] = 0.0  # an empty row
    X = sp.csr_array(dense)
    X.indptr = X.indptr.astype(index_dtype)
    X.indices = X.indices.astype(index_dtype)
    return X


def test_its_docstring_examples_run():
    # pytest's --doctest-modules reads only .py files.
    results = doctest.testmod(csr_step, optionflags=doctest.ELLIPSIS)
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


@pytest.mark.parametrize("has_weights", [True, False])
def test_float32_data_are_summed_in_double(has_weights):
    X = random_csr(50, 6, np.int32, seed=3)
    X32 = X.astype(np.float32)
    rng = np.random.default_rng(4)
    w, y = rng.standard_normal(6), rng.standard_normal(50).astype(np.float32)
    s = rng.uniform(0.0, 2.0, 50) if has_weights else None
    dense = X32.toarray().astype(np.float64)
    residual = dense @ w + 0.25 - y.astype(np.float64)
    scaled = residual * (1.0 if s is None else s)
    gradient = np.zeros(6)
    sum_of_squares, total = csr_residual_products(
        X32.indptr, X32.indices, X32.data, w, 0.25, y, s, gradient
    )
    np.testing.assert_allclose(sum_of_squares, residual @ scaled, rtol=1e-13)
    np.testing.assert_allclose(total, scaled.sum(), rtol=1e-12)
    np.testing.assert_allclose(gradient, dense.T @ scaled, rtol=1e-12)
