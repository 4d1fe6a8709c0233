"""Reading X in cache-sized row blocks, without copying it.

A step of gradient descent needs ``r = X w + b - y`` and then ``X^T S r``. Done as
two whole-matrix products, X streams from memory twice. Done block by block, the
second product finds its block still in cache, so X is read from memory once.

* Dense arrays of any memory order are sliced into row blocks, as views.
* CSR arrays with one target go through skgd's compiled kernel, which reads each
  row once; where it is not built (no C compiler at install time) or for several
  targets, scipy's products take the whole matrix, with one array of residuals.
* CSC arrays have no row blocks: scipy's products take the whole matrix.
"""

import numpy as np
import scipy.sparse as sp

try:  # skgd's own kernel, which reads each CSR row once per step
    from skgd._csr_step import csr_residual_products
except ImportError:  # installed without a C compiler
    csr_residual_products = None

# About 1 MiB of X per block: a block and its products stay in L2/L3 cache,
# and blocks are big enough for the per-block Python cost to be negligible.
BLOCK_BYTES = 2**20
# But no more than this fraction of X, so that a copy of a block (to float64,
# scaled by weights) stays a small fraction of X's memory.
MAX_BLOCK_FRACTION = 1 / 32


def nbytes(X):
    """The memory held by the values (and indices) of X."""
    if sp.issparse(X):
        return X.data.nbytes + X.indices.nbytes + X.indptr.nbytes
    return X.nbytes


def block_bytes(X):
    """The size of a block of X: about 1 MiB, at most 1/32 of X (but >= 16 KiB).

    At most 1/64 of float32 X, whose blocks are copied to float64.
    """
    fraction = MAX_BLOCK_FRACTION * min(X.dtype.itemsize, 8) / 8
    return max(min(BLOCK_BYTES, fraction * nbytes(X)), 2**14)


def row_blocks(X, size=None):
    """Row ranges ``(start, stop)`` covering X in blocks of ``size`` bytes.

    ``size`` defaults to :func:`block_bytes` of X; a sparse row counts its
    values and indices.
    """
    n_samples = X.shape[0]
    if sp.issparse(X):
        bytes_per_row = (X.nnz / max(n_samples, 1)) * (
            X.dtype.itemsize + X.indices.itemsize
        )
    else:
        bytes_per_row = X.shape[1] * X.itemsize
    size = block_bytes(X) if size is None else size
    rows = max(1, int(size // max(bytes_per_row, 1)))
    return [
        (start, min(start + rows, n_samples)) for start in range(0, n_samples, rows)
    ]


def uses_compiled_kernel(X, y):
    """Whether :func:`residual_products` reads X with skgd's compiled kernel."""
    return (
        csr_residual_products is not None
        and sp.issparse(X)
        and X.format == "csr"
        and X.indptr.dtype == X.indices.dtype
        and (y is None or y.ndim == 1)
    )


def residual_products(X, w, b, y, weights, gradient):
    """Sums over the residuals ``r = X w + b - y``; adds ``X^T S r`` to ``gradient``.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        The data, float32 or float64.
    w : ndarray of shape (n_features,) or (n_features, n_targets)
        The coefficients.
    b : float, ndarray of shape (n_targets,) or None
        The intercept; None for none.
    y : ndarray of shape (n_samples,) or (n_samples, n_targets), or None
        The targets, C-contiguous; None for zeros (then the sums are those of
        ``X w + b``, whose products with X give Hessian products).
    weights : ndarray of shape (n_samples,) or None
        The weights ``s``; None for ones.
    gradient : float64 ndarray of the shape of ``w``
        ``X^T S r`` is added into it.

    Returns
    -------
    sum_of_squares : float
        ``sum_i s_i |r_i|^2``, in float64.
    sums : float or ndarray of shape (n_targets,)
        ``sum_i s_i r_i``, in float64.
    """
    if uses_compiled_kernel(X, y) and w.ndim == 1:
        return csr_residual_products(
            X.indptr,
            X.indices,
            X.data,
            np.ascontiguousarray(w, dtype=np.float64),
            0.0 if b is None else float(b),
            y,
            weights,
            gradient,
        )
    if sp.issparse(X):
        return _block_products(X, w, b, y, weights, gradient)
    sum_of_squares, sums = 0.0, 0.0
    for start, stop in row_blocks(X):
        block_squares, block_sums = _block_products(
            X[start:stop],
            w,
            b,
            None if y is None else y[start:stop],
            None if weights is None else weights[start:stop],
            gradient,
        )
        sum_of_squares += block_squares
        sums = sums + block_sums
    return sum_of_squares, sums


def _block_products(rows, w, b, y, weights, gradient):
    # One array of the block's residuals; products in X's dtype, sums in float64.
    residual = np.asarray(rows @ w)
    if b is not None:
        residual += np.asarray(b, dtype=residual.dtype)
    if y is not None:
        residual -= y
    sum_of_squares = chunked_sum_of_squares(residual, weights)
    if weights is not None:
        factors = weights if residual.ndim == 1 else weights[:, np.newaxis]
        residual *= factors.astype(residual.dtype, copy=False)
    gradient += rows.T @ residual
    return sum_of_squares, residual.sum(axis=0, dtype=np.float64)


def design_rmatmul(X, V, fit_intercept):
    """``[X 1]^T V`` (``X^T V`` without intercept), in float64."""
    n_features = X.shape[1]
    out = np.empty((n_features + fit_intercept, *V.shape[1:]))
    out[:n_features] = X.T @ V
    if fit_intercept:
        out[n_features] = V.sum(axis=0)
    return out


def weighted_row_blocks(X, weights, shift):
    """Row blocks of X as ``(start, stop, rows, root)``, ready to be summed.

    ``root`` is the square root of the block's weights (ones without weights)
    and ``rows = root * (X[start:stop] - shift)``, so that ``rows.T @ rows`` is
    the block's weighted co-moment about ``shift``.

    * Dense X, and sparse X with a nonzero ``shift`` (made dense a block at a
      time): float64 blocks of about 1 MiB, each a copy only where X's own rows
      will not do (float32, weights or a shift); one buffer serves every block.
    * CSR X without a shift: sparse blocks, converted and scaled.

    CSC X without a shift has no row blocks: see :func:`csc_weighted_gram`.
    """
    n_samples, n_features = X.shape
    densify = sp.issparse(X) and np.any(shift)
    if densify:
        rows_per_block = max(1, int(block_bytes(X) // (8 * max(n_features, 1))))
        blocks = [
            (start, min(start + rows_per_block, n_samples))
            for start in range(0, n_samples, rows_per_block)
        ]
    else:
        blocks = row_blocks(X)
    buffer = None
    own_rows = not sp.issparse(X) and X.dtype == np.float64 and weights is None
    own_rows = own_rows and not np.any(shift)
    ones = np.ones(blocks[0][1] - blocks[0][0]) if blocks and weights is None else None
    for start, stop in blocks:
        block = X[start:stop]
        root = (
            ones[: stop - start] if ones is not None else np.sqrt(weights[start:stop])
        )
        if sp.issparse(block) and not densify:
            rows = sp.csr_array(block.astype(np.float64, copy=weights is not None))
            if weights is not None:
                # Each stored value scaled by its row's root weight, in place.
                rows.data *= np.repeat(root, np.diff(rows.indptr))
        elif own_rows:
            rows = block  # X's own rows, a view
        else:
            if buffer is None:
                buffer = np.empty((stop - start, n_features))
            rows = buffer[: stop - start]
            rows[...] = block.toarray() if sp.issparse(block) else block
            rows -= shift
            if weights is not None:
                rows *= root[:, np.newaxis]
        yield start, stop, rows, root


def csc_weighted_gram(X, weights):
    """``X^T S X`` for CSC X, by column blocks: only a block of X is made dense.

    Each block of columns is made dense (an array of n_samples by a few
    columns), so that the product with ``X^T`` (CSR, a view of X) converts
    nothing. For float32 X, which the product would convert to float64 whole,
    ``X^T`` is taken a few rows (columns of X) at a time.
    """
    n_samples, n_features = X.shape
    gram = np.empty((n_features, n_features))
    width = max(1, int(block_bytes(X) // (8 * max(n_samples, 1))))
    transposed = X.T  # CSR, a view of X's arrays
    parts = [(0, n_features)] if X.dtype == np.float64 else row_blocks(transposed)
    for start in range(0, n_features, width):
        stop = min(start + width, n_features)
        block = dense_columns(X, range(start, stop))
        if weights is not None:
            block *= weights[:, np.newaxis]
        for first, last in parts:
            # (A slice of all rows would be a copy of X^T.)
            rows = transposed
            if X.dtype != np.float64:
                rows = transposed[first:last].astype(np.float64)
            gram[first:last, start:stop] = rows @ block
        del block  # before the next block is built, not after
    return gram


def dense_columns(X, columns):
    """Columns of sparse X as a float64 array of shape (n_samples, len(columns))."""
    columns = list(columns)
    if X.format == "csc":
        block = np.zeros((len(columns), X.shape[0]))  # transposed: rows are columns
        for i, j in enumerate(columns):
            values = slice(X.indptr[j], X.indptr[j + 1])
            block[i, X.indices[values]] = X.data[values]
        return block.T
    return X[:, columns].toarray().astype(np.float64, copy=False)


def chunked_sum_of_squares(values, weights=None, chunk=2**13):
    """``sum_i s_i |v_i|^2`` over the rows of ``values``, in float64.

    A chunk of rows at a time, so that float32 values are never converted whole.
    """
    total = 0.0
    for start in range(0, len(values), chunk):
        part = np.asarray(values[start : start + chunk], dtype=np.float64)
        part = part.reshape(len(part), -1)
        squares = np.einsum("ij,ij->i", part, part)
        total += float(
            squares.sum()
            if weights is None
            else weights[start : start + chunk] @ squares
        )
    return total


def rmatmul(X, V):
    """``X^T V`` in float64, converting at most a few columns of X at a time.

    scipy would convert float32 X whole to multiply it with float64 ``V``.
    """
    if X.dtype == np.float64 or not sp.issparse(X) or X.format != "csc":
        return np.asarray(X.T @ V, dtype=np.float64)
    transposed = X.T  # CSR, a view of X's arrays
    return np.concatenate(
        [
            transposed[start:stop].astype(np.float64) @ V
            for start, stop in row_blocks(transposed)
        ]
    )


def matmul(X, V):
    """``X V`` in float64, converting at most a block of sparse X at a time."""
    if X.dtype == np.float64 or not sp.issparse(X):
        return np.asarray(X @ V, dtype=np.float64)
    if X.format == "csr":
        return np.concatenate(
            [X[start:stop].astype(np.float64) @ V for start, stop in row_blocks(X)]
        )
    bytes_per_column = max(X.nnz / max(X.shape[1], 1), 1) * (X.dtype.itemsize + 4)
    width = max(1, int(block_bytes(X) // bytes_per_column))
    return sum(
        X[:, start : start + width].astype(np.float64) @ V[start : start + width]
        for start in range(0, X.shape[1], width)
    )
