"""Reading X: every layout gives the same sums, with or without the compiled kernel."""

import subprocess
import sys
import textwrap

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose

from skgd._blocks import (
    chunked_sum_of_squares,
    matmul,
    residual_products,
    rmatmul,
    row_blocks,
    weighted_row_blocks,
)


def problem(n_samples=3000, n_features=7, n_targets=None, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_features))
    X[rng.random(X.shape) < 0.6] = 0.0
    shape = (n_samples,) if n_targets is None else (n_samples, n_targets)
    return X, rng.standard_normal(shape), rng.uniform(0.0, 2.0, n_samples)


LAYOUTS = {
    "C": np.ascontiguousarray,
    "F": np.asfortranarray,
    "strided": lambda X: np.repeat(X, 2, axis=0)[::2],
    "csr": sp.csr_array,
    "csr int64": lambda X: sp.csr_array(
        (
            sp.csr_array(X).data,
            sp.csr_array(X).indices.astype(np.int64),
            sp.csr_array(X).indptr.astype(np.int64),
        ),
        shape=X.shape,
    ),
    "csc": sp.csc_array,
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n_targets", [None, 2])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("layout", LAYOUTS)
def test_residual_products_of_every_layout(layout, weighted, n_targets, dtype):
    X, y, weights = problem(n_targets=n_targets)
    X, y = X.astype(dtype), np.ascontiguousarray(y.astype(dtype))
    rng = np.random.default_rng(1)
    w = rng.standard_normal(X.shape[1:2] + y.shape[1:]).astype(dtype)
    b = np.asarray(rng.standard_normal(y.shape[1:]), dtype=dtype)
    s = weights if weighted else None
    gradient = np.zeros(w.shape)
    sum_of_squares, sums = residual_products(LAYOUTS[layout](X), w, b, y, s, gradient)
    exact = X.astype(np.float64)
    residual = exact @ w + b - y
    factors = np.ones(len(X)) if s is None else s
    scaled = residual * (factors if residual.ndim == 1 else factors[:, None])
    rtol = 1e-12 if dtype == np.float64 else 1e-5
    assert_allclose(sum_of_squares, np.sum(residual * scaled), rtol=rtol)
    assert_allclose(sums, scaled.sum(axis=0), rtol=rtol, atol=rtol * len(X))
    assert_allclose(gradient, exact.T @ scaled, rtol=rtol, atol=rtol * len(X))


@pytest.mark.parametrize("layout", ["C", "F", "strided", "csr"])
def test_weighted_row_blocks_cover_the_rows_once(layout):
    X, _, weights = problem(n_samples=70_000)
    shift = np.arange(7.0)
    seen, gram = 0, np.zeros((7, 7))
    for start, stop, rows, root in weighted_row_blocks(
        LAYOUTS[layout](X), weights, shift
    ):
        assert start == seen
        seen = stop
        gram += (rows.T @ rows).toarray() if sp.issparse(rows) else rows.T @ rows
        assert_allclose(root, np.sqrt(weights[start:stop]))
    assert seen == len(X) and len(row_blocks(X)) > 1
    centred = X - shift
    assert_allclose(gram, (centred.T * weights) @ centred, rtol=1e-12)


@pytest.mark.parametrize("layout", ["csr", "csc", "C"])
def test_float64_products_of_float32_data(layout):
    X, y, _ = problem(n_targets=3)
    data = LAYOUTS[layout](X.astype(np.float32))
    exact = X.astype(np.float32).astype(np.float64)
    V = np.random.default_rng(2).standard_normal((7, 3))
    assert_allclose(matmul(data, V), exact @ V, rtol=1e-12, atol=1e-14)
    assert_allclose(rmatmul(data, y), exact.T @ y, rtol=1e-12)
    assert_allclose(chunked_sum_of_squares(y), np.sum(y**2), rtol=1e-12)


def test_every_solver_fits_sparse_data_without_the_compiled_kernel():
    # The kernel is optional: a machine without a C compiler installs skgd
    # without it. There, the same tests of sparse data pass, with scipy's
    # products: run in a fresh interpreter in which the kernel cannot import.
    script = textwrap.dedent(
        """
        import sys
        sys.modules["skgd._csr_step"] = None  # as if it had not been built
        import pytest
        import skgd._blocks
        assert skgd._blocks.csr_residual_products is None
        sys.exit(pytest.main([
            "-q", "-p", "no:cacheprovider", "tests/test_layouts.py",
            "tests/test_blocks.py", "tests/test_csr_step.py",
            "-k", "csr and not without_the_compiled_kernel",
        ]))
        """
    )
    finished = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=600
    )
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-3000:]
    assert " passed" in finished.stdout and "skipped" in finished.stdout
