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
    )
except ImportError:  # pragma: no cover - a scipy that moved its private kernels
    csc_matvec = csc_matvecs = csr_matvec = csr_matvecs = None

# About 1 MiB of X per block: a block and its products stay in L2/L3 cache,
# and blocks are big enough for the per-block Python cost to be negligible.
BLOCK_BYTES = 2**20


def row_blocks(X):
    """Row ranges ``(start, stop)`` covering X in blocks of about 1 MiB."""
    n_samples = X.shape[0]
    if sp.issparse(X):
        bytes_per_row = (X.nnz / max(n_samples, 1)) * (
            X.dtype.itemsize + X.indices.itemsize
        )
    else:
        bytes_per_row = X.shape[1] * X.itemsize
    rows = max(1, int(BLOCK_BYTES // max(bytes_per_row, 1)))
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
    """

    def __init__(self, X):
        self.X = X
        self._csr = sp.issparse(X) and X.format == "csr" and csr_matvecs is not None
        if sp.issparse(X) and not self._csr:
            self.blocks = [(0, X.shape[0])]
        else:
            self.blocks = row_blocks(X)

    def rows(self, start, stop):
        """The dense or sparse rows ``X[start:stop]`` (a view for dense X)."""
        if (start, stop) == (0, self.X.shape[0]):
            return self.X
        return self.X[start:stop]

    def matmul(self, start, stop, V, offset=None):
        """``X[start:stop] @ V + offset`` for V of shape (n_features, [k]).

        ``offset``, a new array of the shape of the result, may be overwritten.
        """
        if not self._csr:
            product = np.asarray(self.rows(start, stop) @ V)
            if offset is not None:
                product += offset
            return product
        X = self.X
        # The kernel adds into its output, so the offset costs no extra pass.
        shape = (stop - start, *V.shape[1:])
        if offset is None:
            out = np.zeros(shape, dtype=X.dtype)
        elif offset.shape == shape and offset.dtype == X.dtype:
            out = np.ascontiguousarray(offset)
        else:
            out = np.array(np.broadcast_to(offset, shape), dtype=X.dtype)
        _csr_kernel(V)(
            stop - start,
            X.shape[1],
            *_n_columns(V),
            X.indptr[start : stop + 1],
            X.indices,
            X.data,
            np.ascontiguousarray(V, dtype=X.dtype).ravel(),
            out.ravel(),
        )
        return out

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
