"""The half mean squared error of a linear model: its cost, gradient and curvature."""

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import LinearOperator, eigsh

from skgd._blocks import (
    RowBlockReader,
    add_sparse_to_dense,
    block_bytes,
    dense_columns,
    nbytes,
    row_blocks,
)
from skgd._threads import map_in_threads

# Up to this many parameters the Hessian is formed and its spectrum read exactly;
# beyond, Lanczos needs a few dozen products with X instead of O(n_features**2)
# memory and O(n_samples * n_features**2) work.
_MAX_PARAMS_FOR_EXPLICIT_HESSIAN = 128
# The row chunks of a pass shared among threads: a fixed number, so that the
# sums, added chunk by chunk, are the same for any number of threads; several
# per thread, so that a thread on a busier core takes fewer. X smaller than
# _MIN_SHARED_BYTES is read in one thread.
_ROW_CHUNKS = 8
_MIN_SHARED_BYTES = 8 * 2**20


class NonFiniteHessian(ArithmeticError):
    """The Hessian built from X is not finite.

    X holds NaN or infinity, or its values are so large that their squares
    overflow. Raised instead of passing a non-finite matrix to LAPACK or ARPACK,
    whose errors would not say what is wrong with the data.
    """


class HalfSquaredError:
    r"""The half (weighted) mean squared error of a linear model.

    .. math::

        J(w, b) = \frac{1}{2 \sum_i s_i} \sum_i s_i \, \lVert x_i w + b - y_i \rVert^2

    The parameters travel as one array ``theta`` of shape ``(n_params,)`` for 1-D
    ``y`` or ``(n_params, n_targets)`` for 2-D ``y``: the rows are the coefficients
    ``w`` followed, when ``fit_intercept``, by the intercept ``b``. ``X`` itself is
    never copied or augmented with a column of ones.

    This is the one place that reads the data during the descent, so a faster way
    to compute the same cost and gradient plugs in here.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        Training data, float32 or float64.
    y : ndarray of shape (n_samples,) or (n_samples, n_targets)
        Targets, of the dtype of ``X``.
    sample_weight : ndarray of shape (n_samples,) or None, default=None
        Non-negative weights with a positive sum; ``None`` weighs every sample 1.
    fit_intercept : bool, default=True
        Whether the model has an intercept ``b``.
    block_size : int or None, default=None
        The bytes of X per row block; None for the default of
        :class:`~skgd._blocks.RowBlockReader`.

    Examples
    --------
    >>> import numpy as np
    >>> from skgd._objective import HalfSquaredError
    >>> X = np.array([[1.0], [2.0], [3.0]])
    >>> y = np.array([2.0, 4.0, 6.0])
    >>> objective = HalfSquaredError(X, y)
    >>> cost, gradient = objective.loss_gradient(np.zeros(2))
    >>> float(cost)  # (4 + 16 + 36) / (2 * 3)
    9.333...
    >>> gradient  # [-(2 + 8 + 18) / 3, -(2 + 4 + 6) / 3]
    array([-9.333..., -4.        ])
    """

    def __init__(
        self, X, y, sample_weight=None, *, fit_intercept=True, block_size=None
    ):
        self.X = X
        self.y = y
        self.fit_intercept = fit_intercept
        n_samples = X.shape[0]
        if sample_weight is None:
            self._weights = None
            self._row_scale = 1.0 / n_samples
        else:
            # Normalised so that they sum to one: J is then half the weighted mean.
            self._weights = np.asarray(sample_weight / sample_weight.sum(), X.dtype)
            self._row_scale = (
                self._weights if y.ndim == 1 else self._weights[:, np.newaxis]
            )
        self._reader = RowBlockReader(X, size=block_size)

    @property
    def n_params(self):
        """Number of rows of ``theta``: the features, plus one for the intercept."""
        return self.X.shape[1] + int(self.fit_intercept)

    @property
    def cost_scale(self):
        """The cost of the model that predicts zero everywhere, ``J(0, 0)``."""
        if self._weights is None:
            return 0.5 * self._row_scale * float(np.vdot(self.y, self.y))
        return 0.5 * float(np.vdot(self.y, self._row_scale * self.y))

    def zeros(self):
        """The starting point ``w = 0, b = 0`` as a ``theta`` array."""
        return np.zeros((self.n_params, *self.y.shape[1:]), dtype=self.X.dtype)

    def pack(self, coef, intercept):
        """Stack ``coef`` (as ``coef_``) and ``intercept`` into one ``theta``."""
        theta = np.asarray(coef, dtype=self.X.dtype).T
        if self.fit_intercept:
            intercept = np.asarray(intercept, dtype=theta.dtype)
            theta = np.concatenate([theta, intercept[np.newaxis]])
        return np.array(theta)

    def unpack(self, theta):
        """Split ``theta`` into ``coef`` (shaped as ``coef_``) and ``intercept``."""
        n_features = self.X.shape[1]
        coef = np.array(theta[:n_features].T)
        if self.fit_intercept:
            intercept = theta[n_features]
            intercept = float(intercept) if intercept.ndim == 0 else intercept.copy()
        else:
            intercept = (
                0.0 if theta.ndim == 1 else np.zeros(theta.shape[1], theta.dtype)
            )
        return coef, intercept

    def _residual(self, theta):
        n_features = self.X.shape[1]
        residual = np.asarray(self.X @ theta[:n_features])
        if self.fit_intercept:
            residual += theta[n_features]
        residual -= self.y
        return residual

    def residual(self, theta):
        """The residual ``r = X w + b - y`` at ``theta``, one row per sample."""
        return self._residual(theta)

    def loss(self, theta):
        """The cost ``J`` at ``theta``."""
        residual = self._residual(theta)
        return 0.5 * float(np.vdot(residual, self._row_scale * residual))

    def loss_gradient(self, theta, *, column_sums=None):
        """The cost ``J`` and its gradient with respect to ``theta``, in one pass.

        ``dJ/dw = X^T S r`` and ``dJ/db = sum(S r)``, where ``r = X w + b - y`` and
        ``S`` holds the normalised weights. X is read once, in row blocks: each
        block's residual is formed and at once multiplied back by the block
        (for float64 CSR X and one target, row by row, by a compiled kernel).
        ``X^T S 1`` is added into ``column_sums`` too, if given, while the block
        is in cache.
        """
        n_features = self.X.shape[1]
        w = theta[:n_features]
        intercept = theta[n_features] if self.fit_intercept else None
        gradient = np.zeros_like(theta)
        if column_sums is None and self._has_fused_products(theta):
            weighted_sum_of_squares, weighted_sum = self._reader.fused_products(
                w, intercept, self.y, self._weights, gradient[:n_features]
            )
            if self.fit_intercept:
                gradient[n_features] = weighted_sum
        else:
            weighted_sum_of_squares = self._blockwise_loss_gradient(
                theta, gradient, column_sums
            )
        if self._weights is None:
            gradient *= self._row_scale
            weighted_sum_of_squares *= self._row_scale
            if column_sums is not None:
                column_sums *= self._row_scale
        return 0.5 * weighted_sum_of_squares, gradient

    @property
    def compiled_step(self):
        """Whether :meth:`loss_gradient` goes through the compiled CSR kernel."""
        return self._reader.has_fused_products and self.y.ndim == 1

    def _has_fused_products(self, theta):
        # The compiled kernel takes one float64 target.
        return (
            self._reader.has_fused_products
            and theta.ndim == 1
            and theta.dtype == np.float64
        )

    def _blockwise_loss_gradient(
        self, theta, gradient, column_sums, blocks=None, feature_gram=None
    ):
        """Adds the unscaled gradient into ``gradient``; returns ``sum s r**2``.

        Over ``blocks`` (all of X's by default); adds each block's ``X_B^T S X_B``
        into ``feature_gram`` too, if given, while the block is in cache.
        """
        n_features = self.X.shape[1]
        w = theta[:n_features]
        intercept = theta[n_features] if self.fit_intercept else None
        weighted_sum_of_squares = 0.0
        for start, stop in self._reader.blocks if blocks is None else blocks:
            if feature_gram is not None:
                self._add_block_gram(feature_gram, start, stop)
            residual = self._reader.residual(
                start, stop, w, intercept, self.y[start:stop]
            )
            # Without weights, 1/m is applied once at the end instead of per row.
            scaled = (
                residual
                if self._weights is None
                else residual * self._block_weights(start, stop)
            )
            weighted_sum_of_squares += float(np.vdot(residual, scaled))
            self._reader.add_rmatmul(start, stop, scaled, gradient[:n_features])
            if self.fit_intercept:
                gradient[n_features] += scaled.sum(axis=0)
            if column_sums is not None:
                ones = (
                    np.ones(stop - start, self.X.dtype)
                    if self._weights is None
                    else self._weights[start:stop]
                )
                self._reader.add_rmatmul(start, stop, ones, column_sums)
        return weighted_sum_of_squares

    def _add_block_gram(self, feature_gram, start, stop):
        weights = None if self._weights is None else self._weights[start:stop]
        _add_gram_of(feature_gram, _gram_rows(self._reader.rows(start, stop), weights))

    def _block_weights(self, start, stop):
        weights = self._weights[start:stop]
        return weights if self.y.ndim == 1 else weights[:, np.newaxis]

    def design_rmatmul(self, V):
        """``[X 1]^T V`` (``X^T V`` without intercept), shaped like ``theta``."""
        n_features = self.X.shape[1]
        out = np.empty((self.n_params, *V.shape[1:]), dtype=np.result_type(V, self.X))
        out[:n_features] = self.X.T @ V
        if self.fit_intercept:
            out[n_features] = V.sum(axis=0)
        return out

    def hessian_matvec(self, v):
        """The product of the Hessian of ``J`` with one vector ``v`` of ``n_params``.

        ``[X 1]^T S [X 1] v``, block by block like :meth:`loss_gradient`, so that no
        array of n_samples is formed.
        """
        n_features = self.X.shape[1]
        v = np.asarray(v, dtype=self.X.dtype).ravel()
        product = np.zeros(self.n_params, dtype=np.float64)
        if self._has_fused_products(v):
            # The Hessian's product is the gradient for zero targets.
            intercept = v[n_features] if self.fit_intercept else None
            _, weighted_sum = self._reader.fused_products(
                v[:n_features], intercept, None, self._weights, product[:n_features]
            )
            if self.fit_intercept:
                product[n_features] = weighted_sum
            if self._weights is None:
                product *= self._row_scale
            return product
        for start, stop in self._reader.blocks:
            direction = self._reader.matmul(start, stop, v[:n_features])
            if self.fit_intercept:
                direction += v[n_features]
            if self._weights is not None:
                direction *= self._weights[start:stop]
            self._reader.add_rmatmul(start, stop, direction, product[:n_features])
            if self.fit_intercept:
                product[n_features] += direction.sum()
        if self._weights is None:
            product *= self._row_scale
        return product

    def hessian(self):
        """The Hessian ``[X 1]^T S [X 1]`` as a dense float64 array."""
        return self.gram()[0]

    def subsample(self, stride):
        """The same cost on every ``stride``-th sample (views of X where dense).

        The sample is read in the row blocks of X's size, not in the smaller
        ones its own size would give.
        """
        weights = None if self._weights is None else self._weights[::stride]
        return HalfSquaredError(
            self.X[::stride],
            self.y[::stride],
            weights,
            fit_intercept=self.fit_intercept,
            block_size=self._reader.block_size,
        )

    def feature_gram(self):
        """``X^T S X`` alone, in float64: the Hessian without its intercept row.

        Plain float64 arrays go to BLAS as they are (``X.T @ X`` is a symmetric
        rank-k update); weighted, float32 and CSR data go in row blocks, CSC data
        in column blocks, and only a block is ever converted or scaled.
        """
        X, weights = self.X, self._weights
        if weights is None and not sp.issparse(X) and X.dtype == np.float64:
            return (X.T @ X) * self._row_scale
        if sp.issparse(X) and X.format == "csc":
            gram_x = _csc_weighted_gram(X, weights)
        else:
            gram_x = np.zeros((X.shape[1], X.shape[1]))
            for start, stop in row_blocks(X, self._reader.block_size):
                rows = _gram_rows(
                    X[start:stop], None if weights is None else weights[start:stop]
                )
                _add_gram_of(gram_x, rows)
        if weights is None:
            gram_x *= self._row_scale
        return gram_x

    def hessian_from(self, feature_gram, column_sums):
        """The Hessian from ``X^T S X`` and ``X^T S 1``.

        Raises :class:`NonFiniteHessian` if it is not finite: its diagonal holds
        the (weighted) sums of squares of X's columns, so it is finite if and
        only if X is, short of overflow.
        """
        n_features = self.X.shape[1]
        hessian = np.zeros((self.n_params, self.n_params))
        hessian[:n_features, :n_features] = feature_gram
        if self.fit_intercept:
            hessian[:n_features, n_features] = column_sums
            hessian[n_features, :n_features] = column_sums
            hessian[n_features, n_features] = (
                1.0 if self._weights is None else self._weights.sum(dtype=np.float64)
            )
        _check_finite(hessian)
        return hessian

    def statistics(self, theta):
        """``J(theta)``, its gradient, ``X^T S X`` and ``X^T S 1``, in one pass.

        For thin X in row blocks (dense or CSR, up to 128 parameters), each block's
        share of all four is added while the block is in cache. Dense blocks are
        shared among threads in eight chunks, each with single-threaded BLAS (see
        :mod:`skgd._threads`); the chunks' sums are added in order, so the result
        does not depend on the number of threads. Otherwise ``X^T S X`` takes a
        pass of its own (:meth:`feature_gram`).
        """
        n_features = self.X.shape[1]
        if not self._gram_in_row_blocks():
            column_sums = np.zeros(n_features)
            cost, gradient = self.loss_gradient(theta, column_sums=column_sums)
            return cost, gradient, self.feature_gram(), column_sums

        def chunk_statistics(blocks):
            gradient = np.zeros_like(theta)
            column_sums = np.zeros(n_features)
            feature_gram = np.zeros((n_features, n_features))
            sum_of_squares = self._blockwise_loss_gradient(
                theta, gradient, column_sums, blocks, feature_gram
            )
            return sum_of_squares, gradient, feature_gram, column_sums

        n_chunks = _ROW_CHUNKS if self.shares_passes else 1
        chunks = np.array_split(np.array(self._reader.blocks), n_chunks)
        parts = map_in_threads(chunk_statistics, [c for c in chunks if len(c)])
        sum_of_squares, gradient, feature_gram, column_sums = (
            sum(part[1:], start=part[0]) for part in zip(*parts, strict=True)
        )
        if self._weights is None:
            for total in (gradient, feature_gram, column_sums):
                total *= self._row_scale
            sum_of_squares *= self._row_scale
        return 0.5 * sum_of_squares, gradient, feature_gram, column_sums

    @property
    def shares_passes(self):
        """Whether :meth:`statistics` shares its pass over X among threads.

        For thin, dense X of at least 8 MiB. A sparse block's temporaries are
        larger than the block: sharing sparse X among threads would multiply
        them; and smaller X is not worth a thread.
        """
        return (
            self._gram_in_row_blocks()
            and not sp.issparse(self.X)
            and nbytes(self.X) >= _MIN_SHARED_BYTES
        )

    def _gram_in_row_blocks(self):
        csc = sp.issparse(self.X) and self.X.format == "csc"
        return self.n_params <= _MAX_PARAMS_FOR_EXPLICIT_HESSIAN and not csc

    def gram(self):
        """The Hessian ``H = [X 1]^T S [X 1]`` and ``c = [X 1]^T S y``, in float64.

        Every step's gradient is ``H theta - c``. X is never copied whole: see
        :meth:`feature_gram`; ``[S y, S 1]``, whose products with ``X^T`` give
        ``c`` and the intercept's column of ``H``, is formed block by block.
        """
        if self._gram_in_row_blocks():
            # The gradient at zero is -c.
            _, gradient, feature_gram, column_sums = self.statistics(self.zeros())
            hessian = self.hessian_from(feature_gram, column_sums)
            return hessian, -gradient.astype(np.float64)
        X, n_features = self.X, self.X.shape[1]
        y = self.y.reshape(len(self.y), -1)
        weights = self._weights
        x_t_right = np.zeros((n_features, y.shape[1] + 1))
        right_sums = np.zeros(y.shape[1] + 1)
        if sp.issparse(X) and X.format == "csc":  # no row blocks: whole columns
            scaled_y = y if weights is None else y * weights[:, np.newaxis]
            x_t_right[:, :-1] = X.T @ scaled_y
            x_t_right[:, -1] = X.sum(axis=0) if weights is None else X.T @ weights
            right_sums[:-1] = scaled_y.sum(axis=0)
            right_sums[-1] = X.shape[0] if weights is None else weights.sum()
        else:
            for start, stop in row_blocks(X, self._reader.block_size):
                right = np.empty((stop - start, y.shape[1] + 1), order="F")
                right[:, :-1] = y[start:stop]
                right[:, -1] = 1.0
                if weights is not None:
                    right *= weights[start:stop, np.newaxis]
                right_sums += right.sum(axis=0)
                rows = _as_float64(X[start:stop])
                # A product per column: BLAS is slow at products with a few
                # columns (measured: 4 times slower than two vector products).
                for column in range(right.shape[1]):
                    x_t_right[:, column] += rows.T @ right[:, column]
        if weights is None:
            # The weights 1/m are applied once, to the sums.
            x_t_right *= self._row_scale
            right_sums *= self._row_scale
        hessian = self.hessian_from(self.feature_gram(), x_t_right[:, -1])
        c = np.zeros((self.n_params, y.shape[1]))
        c[:n_features] = x_t_right[:, :-1]
        if self.fit_intercept:
            c[n_features] = right_sums[:-1]
        return hessian, c.reshape((self.n_params, *self.y.shape[1:]))

    def dual_gram(self):
        """The sample-space matrix ``S^(1/2) [X 1] [X 1]^T S^(1/2)``, float64.

        Of shape (n_samples, n_samples): its nonzero eigenvalues are those of the
        Hessian. Also returns ``S^(1/2)`` as an array of n_samples.
        """
        X = self.X
        gram = X @ X.T
        if sp.issparse(gram):
            # The product is a new (n_samples, n_samples) matrix, not X itself.
            gram = sp.csr_array(gram).toarray()
        gram = np.asarray(gram)
        gram = gram.astype(np.float64, copy=False)
        if self.fit_intercept:
            gram += 1.0
        if self._weights is None:
            root = np.full(X.shape[0], np.sqrt(self._row_scale))
        else:
            root = np.sqrt(self._weights, dtype=np.float64)
        gram *= root[:, np.newaxis]
        gram *= root[np.newaxis, :]
        _check_finite(gram)
        return gram, root

    def lipschitz(self):
        """The largest eigenvalue ``L`` of the Hessian, the Lipschitz constant of ∇J.

        Gradient descent on ``J`` is stable for learning rates below ``2 / L``, and
        the cost falls fastest in the worst direction at ``1 / L``.
        """
        n_params = self.n_params
        if n_params == 0:
            return 0.0
        if n_params <= _MAX_PARAMS_FOR_EXPLICIT_HESSIAN:
            return max(float(np.linalg.eigvalsh(self.hessian())[-1]), 0.0)
        operator = LinearOperator(
            (n_params, n_params),
            matvec=lambda v: _check_finite(self.hessian_matvec(v)),
            dtype=np.float64,
        )
        return largest_eigenvalue(operator)


def largest_eigenvalue(matrix):
    """The largest eigenvalue of a symmetric positive semi-definite matrix, >= 0.

    ``matrix`` is an array or, for Lanczos, anything with a matvec. Small arrays
    are decomposed outright; otherwise Lanczos (``eigsh``) runs to machine
    precision (``tol=0``), so that ``alpha='auto'`` is the same on every solver
    path, from a fixed start vector, so that fits are deterministic. Eight
    Lanczos vectors suffice for the one extreme eigenvalue and keep its memory
    small.
    """
    size = matrix.shape[0]
    if size == 0:
        return 0.0
    if size <= _MAX_PARAMS_FOR_EXPLICIT_HESSIAN:
        return max(float(np.linalg.eigvalsh(np.asarray(matrix))[-1]), 0.0)
    start = np.random.default_rng(0).standard_normal(size)
    value = eigsh(matrix, k=1, which="LA", v0=start, tol=0, ncv=8)[0][0]
    return max(float(value), 0.0)


def _check_finite(matrix, rows=256):
    # A few rows at a time: a mask of the whole dual matrix would be 5% of X.
    for start in range(0, len(matrix), rows):
        if not np.isfinite(matrix[start : start + rows]).all():
            raise NonFiniteHessian("the Hessian of the cost is not finite")
    return matrix


def _as_float64(rows):
    return rows.astype(np.float64, copy=False)


def _gram_rows(rows, weights):
    """``S^(1/2) rows`` in float64, whose ``A^T A`` is the rows' ``X^T S X``.

    At most one copy of dense rows: a float32 block, copied to float64, is
    scaled in place.
    """
    converted = rows.dtype != np.float64
    rows = _as_float64(rows)
    if weights is None:
        return rows
    factors = np.sqrt(weights, dtype=np.float64)
    if sp.issparse(rows):
        return sp.diags_array(factors) @ rows
    if converted:
        rows *= factors[:, np.newaxis]
        return rows
    return rows * factors[:, np.newaxis]


def _add_gram_of(gram, rows):
    """``gram += rows^T rows`` (numpy sends ``A.T @ A`` to BLAS syrk)."""
    product = rows.T @ rows
    if sp.issparse(product):
        add_sparse_to_dense(gram, product)
    else:
        gram += product


def _csc_weighted_gram(X, weights):
    """``X^T S X`` for CSC X, by column blocks: only a block of X is copied.

    Each block of columns is made dense (an array of n_samples by a few columns),
    so that the product with ``X^T`` (CSR, a view of X) converts nothing. For
    float32 X, which the product would convert to float64 whole, ``X^T`` is
    taken a few rows (columns of X) at a time.
    """
    n_samples, n_features = X.shape
    gram = np.empty((n_features, n_features))
    width = max(1, int(block_bytes(X) // (8 * n_samples)))
    transposed = X.T  # CSR, a view of X's arrays
    parts = [(0, n_features)] if X.dtype == np.float64 else row_blocks(transposed)
    for start in range(0, n_features, width):
        stop = min(start + width, n_features)
        block = dense_columns(X, start, stop)
        if weights is not None:
            block *= weights[:, np.newaxis]
        for first, last in parts:
            rows = (
                transposed
                if (first, last) == (0, n_features)
                else (_as_float64(transposed[first:last]))
            )
            gram[first:last, start:stop] = rows @ block
        del block  # before the next block is built, not after
    return gram
