# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""One step's residuals and gradient over CSR rows, each row read once.

scipy computes ``X @ w`` and ``X.T @ r`` as two loops over X. Here, every row's
residual ``r_i = x_i . w + b - y_i`` is formed and at once multiplied back into
the gradient while the row's values are still in L1 cache, and no array of
n_samples is allocated. Sums are accumulated in double precision for float32
data too.
"""

from cython cimport floating
from libc.stdint cimport int32_t, int64_t

ctypedef fused index_t:
    int32_t
    int64_t


def csr_residual_products(
    const index_t[::1] indptr,
    const index_t[::1] indices,
    const floating[::1] data,
    const double[::1] w,
    double b,
    const floating[::1] y,
    const double[::1] weights,
    double[::1] gradient,
):
    """``sum_i s_i r_i**2`` and ``sum_i s_i r_i``; adds ``X^T S r`` to ``gradient``.

    For the rows of the CSR arrays ``(indptr, indices, data)``, with
    ``r = X w + b - y``, where ``y`` and ``weights`` (``s``) may be None for zero
    targets and unit weights.

    Parameters
    ----------
    indptr, indices, data : arrays
        The CSR arrays of the rows (``indptr`` may be a slice: rows
        ``[0, len(indptr) - 1)``); ``data`` float32 or float64.
    w : ndarray of shape (n_features,)
        The coefficients, float64.
    b : float
        The intercept (0 for none).
    y : ndarray of shape (n_rows,) or None
        The targets of the rows, of the dtype of ``data``; None for zeros.
    weights : ndarray of shape (n_rows,) or None
        The rows' weights, float64; None for ones.
    gradient : ndarray of shape (n_features,)
        ``X^T S r`` is added into it, float64.

    Returns
    -------
    weighted_sum_of_squares, weighted_sum : float
        ``sum_i s_i r_i**2`` and ``sum_i s_i r_i``.

    Examples
    --------
    >>> import numpy as np
    >>> import scipy.sparse as sp
    >>> from skgd._csr_step import csr_residual_products
    >>> X = sp.csr_array(np.array([[1.0, 0.0], [0.0, 2.0], [3.0, 4.0]]))
    >>> w, y = np.array([1.0, 1.0]), np.array([1.0, 1.0, 1.0])
    >>> gradient = np.zeros(2)
    >>> csr_residual_products(  # r = X w - y = [0, 1, 6]
    ...     X.indptr, X.indices, X.data, w, 0.0, y, None, gradient
    ... )
    (37.0, 7.0)
    >>> gradient  # X^T r
    array([18., 26.])
    """
    cdef Py_ssize_t n_rows = indptr.shape[0] - 1
    cdef Py_ssize_t i
    cdef index_t k, row_start, row_stop
    cdef double partial_0, partial_1, residual, scaled
    cdef double sum_of_squares = 0.0, total = 0.0
    cdef bint has_targets = y is not None
    cdef bint has_weights = weights is not None
    # Plain pointers: through them, stores into the gradient cannot make the
    # compiler reload the arrays' addresses.
    cdef const index_t *columns
    cdef const floating *values
    cdef const double *coefficients
    cdef double *gradient_data
    if n_rows < 0:
        raise ValueError("indptr is empty")
    if has_targets and y.shape[0] != n_rows:
        raise ValueError(f"y has {y.shape[0]} rows, the CSR arrays {n_rows}")
    if has_weights and weights.shape[0] != n_rows:
        raise ValueError(
            f"weights has {weights.shape[0]} rows, the CSR arrays {n_rows}"
        )
    if indices.shape[0] < indptr[n_rows] or data.shape[0] < indptr[n_rows]:
        raise ValueError("indptr points past the end of indices or data")
    # (Never read where empty: no row has an entry then.)
    columns = &indices[0] if indices.shape[0] > 0 else NULL
    values = &data[0] if data.shape[0] > 0 else NULL
    coefficients = &w[0] if w.shape[0] > 0 else NULL
    gradient_data = &gradient[0] if gradient.shape[0] > 0 else NULL
    with nogil:
        for i in range(n_rows):
            row_start = indptr[i]
            row_stop = indptr[i + 1]
            # Two partial sums: the additions of one sum wait on each other.
            partial_0 = 0.0
            partial_1 = 0.0
            k = row_start
            while k + 1 < row_stop:
                partial_0 += values[k] * coefficients[columns[k]]
                partial_1 += values[k + 1] * coefficients[columns[k + 1]]
                k += 2
            if k < row_stop:
                partial_0 += values[k] * coefficients[columns[k]]
            residual = (partial_0 + partial_1) + b
            if has_targets:
                residual -= y[i]
            scaled = residual * weights[i] if has_weights else residual
            sum_of_squares += residual * scaled
            total += scaled
            for k in range(row_start, row_stop):
                gradient_data[columns[k]] += values[k] * scaled
    return sum_of_squares, total
