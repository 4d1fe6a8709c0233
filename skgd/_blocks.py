"""Reading X in cache-sized row blocks, without copying it.

A step of gradient descent needs ``r = X w + b - y`` and then ``X^T S r``. Done as
two whole-matrix products, X streams from memory twice. Done block by block, the
second product finds its block still in cache, so X is read from memory once.
"""

import numpy as np
import scipy.sparse as sp

try:  # scipy's compiled kernels take row ranges of CSR arrays without any copy.
    from scipy.sparse._sparsetools import (
        csc_matvec,
        csc_matvecs,
        csr_matvec,
        csr_matvecs,
        csr_todense,
    )
except ImportError:  # a scipy that moved its private kernels
    csc_matvec = csc_matvecs = csr_matvec = csr_matvecs = csr_todense = None

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

    At most 1/64 of float32 X, whose blocks are copied to float64 for X^T X.
    """
    fraction = MAX_BLOCK_FRACTION * min(X.dtype.itemsize, 8) / 8
    return max(min(BLOCK_BYTES, fraction * nbytes(X)), 2**14)


def row_blocks(X, size=None):
    """Row ranges ``(start, stop)`` covering X in blocks of ``size`` bytes.

    ``size`` defaults to :func:`block_bytes` of X.
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


class RowBlockReader:
    """The products ``X_B V`` and ``X_B^T U`` for row blocks ``X_B`` of X.

    Dense arrays of any memory order are sliced as views. CSR arrays are read
    through scipy's compiled kernels on slices of ``indptr``, with no copy and no
    per-block sparse array construction. CSC arrays have no contiguous row
    blocks: they are read whole, in one block.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        The data, float32 or float64.
    size : int or None, default=None
        The bytes of X per block; None for :func:`block_bytes` of X. A sample of
        larger data is read in that data's blocks, not in blocks sized by the
        sample.
    """

    def __init__(self, X, *, size=None):
        self.X = X
        self._csr = sp.issparse(X) and X.format == "csr" and csr_matvecs is not None
        self.block_size = block_bytes(X) if size is None else size
        if sp.issparse(X) and not self._csr:
            self.blocks = [(0, X.shape[0])]
        else:
            self.blocks = row_blocks(X, self.block_size)
        self.has_fused_products = (
            sp.issparse(X)
            and X.format == "csr"
            and X.dtype == np.float64
            and X.indptr.dtype == X.indices.dtype
            and csr_residual_products is not None
        )

    def fused_products(self, w, b, y, weights, gradient):
        """Residual sums over all rows; adds ``X^T S r`` to ``gradient``.

        Only where :attr:`has_fused_products`: float64 CSR X, 1-D ``w`` and
        ``y`` (None for zeros), ``b`` a float (None for no intercept) and
        ``weights`` None for ones. Returns ``sum_i s_i r_i**2`` and
        ``sum_i s_i r_i`` for ``r = X w + b - y``.
        """
        X = self.X
        return csr_residual_products(
            X.indptr,
            X.indices,
            X.data,
            np.ascontiguousarray(w, dtype=np.float64),
            0.0 if b is None else float(b),
            None if y is None else np.ascontiguousarray(y),
            None if weights is None else np.ascontiguousarray(weights),
            gradient,
        )

    def rows(self, start, stop):
        """The dense or sparse rows ``X[start:stop]`` (a view for dense X)."""
        if (start, stop) == (0, self.X.shape[0]):
            return self.X
        return self.X[start:stop]

    def matmul(self, start, stop, V):
        """``X[start:stop] @ V`` for V of shape (n_features,) or (n_features, k)."""
        if not self._csr:
            return np.asarray(self.rows(start, stop) @ V)
        out = np.zeros((stop - start, *V.shape[1:]), dtype=self.X.dtype)
        self._csr_add_matmul(start, stop, V, out)
        return out

    def residual(self, start, stop, w, b, y):
        """``X[start:stop] @ w + b - y`` for the rows' targets ``y``, a new array.

        One array of the block's rows is allocated, and no other temporary.
        """
        if not self._csr:
            residual = np.asarray(self.rows(start, stop) @ w)
            residual -= y
        else:
            # The kernel adds into its output: start from -y.
            residual = np.negative(y, dtype=self.X.dtype)
            self._csr_add_matmul(start, stop, w, residual)
        if b is not None:
            residual += b
        return residual

    def _csr_add_matmul(self, start, stop, V, out):
        X = self.X
        _csr_kernel(V)(
            stop - start,
            X.shape[1],
            *_n_columns(V),
            X.indptr[start : stop + 1],
            X.indices,
            X.data,
            np.ascontiguousarray(V, dtype=X.dtype).ravel(),
            out.reshape(-1),
        )

    def add_rmatmul(self, start, stop, U, out):
        """``out += X[start:stop].T @ U`` for U of shape (stop - start, [k])."""
        if not self._csr:
            out += self.rows(start, stop).T @ U
            return
        X = self.X
        direct = out.dtype == X.dtype and out.flags.c_contiguous
        target = out if direct else np.zeros(out.shape, dtype=X.dtype)
        # The CSR arrays of a row block are the CSC arrays of its transpose;
        # the kernel adds into its output.
        _csc_kernel(U)(
            X.shape[1],
            stop - start,
            *_n_columns(U),
            X.indptr[start : stop + 1],
            X.indices,
            X.data,
            np.ascontiguousarray(U, dtype=X.dtype).ravel(),
            target.reshape(-1),
        )
        if not direct:
            out += target


def _n_columns(V):
    # The single-vector kernels take no column count, and are faster.
    return () if V.ndim == 1 else (V.shape[1],)


def _csr_kernel(V):
    return csr_matvec if V.ndim == 1 else csr_matvecs


def _csc_kernel(V):
    return csc_matvec if V.ndim == 1 else csc_matvecs


def add_sparse_to_dense(dense, sparse):
    """``dense += sparse`` without a dense temporary of the sparse matrix."""
    if csr_todense is None or dense.dtype != sparse.dtype:
        dense += sparse.toarray()
        return
    sparse = sp.csr_array(sparse)
    # The kernel adds the entries into its output.
    csr_todense(*sparse.shape, sparse.indptr, sparse.indices, sparse.data, dense)


def dense_columns(X, start, stop):
    """Columns ``start:stop`` of CSC X as a float64 array of shape (n_samples, k).

    Built column by column from views of X's arrays, with no other temporary.
    """
    block = np.zeros((stop - start, X.shape[0]))  # transposed: rows are columns
    for j in range(start, stop):
        values = slice(X.indptr[j], X.indptr[j + 1])
        if csr_todense is None or X.dtype != np.float64:
            block[j - start, X.indices[values]] = X.data[values]
            continue
        # Column j of X is row j - start of the transposed block: one CSR row.
        row_pointers = np.array([0, values.stop - values.start], X.indptr.dtype)
        csr_todense(
            1,
            X.shape[0],
            row_pointers,
            X.indices[values],
            X.data[values],
            block[j - start : j - start + 1],
        )
    return block.T
