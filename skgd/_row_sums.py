"""The pass over the rows that builds the sufficient statistics.

Rows are summed shifted by constants near their means, in the blocks of
:mod:`skgd._blocks`; the shifted sums are centred exactly at the end
(:meth:`RowSums.centred`). Where a shift proves too far from a column's
mean, the caller sums again.
"""

from types import SimpleNamespace

import numpy as np
import scipy.sparse as sp

from skgd._blocks import (
    chunked_sum_of_squares,
    csc_weighted_gram,
    dense_columns,
    matmul,
    rmatmul,
    row_blocks,
    weighted_row_blocks,
)
from skgd._validation import check_squares_of_X

# A column is summed again about its mean if its raw second moment about the
# shift exceeds its variance by more than this: beyond, the centred co-moment
# would keep fewer than about 12 of float64's 16 digits.
MAX_CANCELLATION = 1e4
# From this many columns on, X^T X of dense X that needs no copy is one product
# of the whole X, the other sums a pass of their own; below, each block's share
# of all of them is added while the block is in cache. benchmarks/README.md has
# the measurements.
WHOLE_GRAM_MIN_FEATURES = 200


class RowSums:
    """Sums over rows shifted by constants: the raw material of the statistics.

    With :math:`\\tilde x = x - K_x` and :math:`\\tilde r = r - K_r`, where
    :math:`r = y - x \\hat w`: :math:`\\sum s \\tilde x`, :math:`\\sum s
    \\tilde r`, :math:`\\sum s \\tilde x \\tilde x^T`, :math:`\\sum s
    \\tilde x \\tilde r^T` and :math:`\\sum s \\tilde r^2`.
    """

    def __init__(self, X, y, weights, anchor, shift_x, shift_r, gram):
        n_features, n_targets = anchor.shape
        self.anchor = anchor
        self.shift_x = shift_x
        self.shift_r = shift_r
        self.count = X.shape[0]
        self.weight = float(X.shape[0] if weights is None else weights.sum())
        self.x = np.zeros(n_features)
        self.r = np.zeros(n_targets)
        self.xx = np.zeros((n_features, n_features)) if gram else None
        self.xr = np.zeros((n_features, n_targets))
        self.rr = np.zeros(n_targets)
        self.weighted, self.anchored = weights is not None, bool(np.any(anchor))
        self.xx_done = False
        self.x_squares = 0.0  # of X's own values, unweighted: for the checks
        # y~ = y - K_y, with K_y = K_x w^ + K_r.
        self.shift_y = shift_x @ anchor + shift_r

    def add(self, rows, root, y):
        """Add ``rows = sqrt(s) x~`` (dense or sparse), whose targets are ``y``."""
        if self.xx is not None and not self.xx_done:
            product = rows.T @ rows
            if sp.issparse(product):
                # Only its entries: a dense copy of the n^2 product per block
                # would cost more than the product itself on wide sparse X.
                product = product.tocoo()
                self.xx[product.row, product.col] += product.data
            else:
                self.xx += product
        # sqrt(s) r~ = sqrt(s) (y - K_y) - sqrt(s) x~ w^
        scaled = y - self.shift_y
        if self.weighted:
            scaled *= root[:, np.newaxis]
        if self.anchored:
            scaled -= np.asarray(rows @ self.anchor)
        if scaled.shape[1] == 1:  # matrix-vector products, which BLAS does best
            column = scaled[:, 0]
            self.x += rows.T @ root
            self.xr[:, 0] += rows.T @ column
            self.r[0] += root @ column
            self.rr[0] += column @ column
            return
        self.x += rows.T @ root
        self.xr += rows.T @ scaled
        self.r += root @ scaled
        self.rr += np.einsum("ij,ij->j", scaled, scaled)

    def centred(self, comoment_xx=None):
        """The shifted sums, centred exactly: the fields of the statistics."""
        inverse = 1.0 / self.weight if self.weight > 0 else 0.0
        if comoment_xx is None:
            comoment_xx = self.xx - np.outer(self.x, self.x) * inverse
        return dict(
            x_squares=self.x_squares,
            n_samples=self.count,
            weight_sum=self.weight,
            mean_x=self.shift_x + self.x * inverse,
            mean_residual=self.shift_r + self.r * inverse,
            comoment_xx=comoment_xx,
            comoment_xr=self.xr - np.outer(self.x, self.r) * inverse,
            comoment_rr=self.rr - self.r**2 * inverse,
            anchor=self.anchor,
        )

    def badly_centred(self, centred):
        """The columns of X, and whether the residual, lost digits to the shift.

        A raw second moment about the shift exceeds the centred one by the
        squared distance of the shift from the mean, times the weight; beyond
        :data:`MAX_CANCELLATION` times, the centred one keeps too few digits.
        A column that is constant about its shift, to the precision of its
        values, has nothing to lose.
        """

        def bad(raw, centred, shift):
            constant = raw <= self.weight * (1e-12 * np.abs(shift)) ** 2
            return (raw > MAX_CANCELLATION * np.maximum(centred, 0.0)) & ~constant

        columns = np.flatnonzero(
            bad(np.diag(self.xx), np.diag(centred["comoment_xx"]), self.shift_x)
        )
        residual = bool(np.any(bad(self.rr, centred["comoment_rr"], self.shift_r)))
        return columns, residual


def centred_statistics(X, y, weights, anchor):
    """The fields of the statistics of X and y (2-D), summed about ``anchor``.

    One pass, which also checks X (:func:`check_squares_of_X`). Where it shows
    a shift too far from a column's mean, that column is summed again about its
    mean: all of X for dense data; the offending columns, made dense, for
    sparse data.
    """
    shift_x, shift_r = first_block_shifts(X, y, weights, anchor)
    sums = row_sums(X, y, weights, anchor, shift_x, shift_r, gram=True)
    check_squares_of_X(X, sums.x_squares)
    centred = sums.centred()
    columns, residual = sums.badly_centred(centred)
    if residual or (len(columns) and not sp.issparse(X)):
        # The shift was far from the mean: sum again about the mean.
        shift_x = centred["mean_x"] if not sp.issparse(X) else shift_x
        sums = row_sums(
            X, y, weights, anchor, shift_x, centred["mean_residual"], gram=True
        )
        centred = sums.centred()
        columns, _ = sums.badly_centred(centred)
    if len(columns) and sp.issparse(X):
        columns = [j for j in columns if not constant_column(X, j)]
        if columns:
            # In place, in the arrays of ``centred``.
            recentre_sparse_columns(SimpleNamespace(**centred), X, y, weights, columns)
    return centred


def reanchored_residual(stats, X, y, weights, anchor):
    """The fields of ``stats`` with the residual summed anew at ``anchor``.

    One pass over the rows of ``stats``, about its known means; the co-moments
    of X are kept.
    """
    # Sparse X is not shifted, so as to stay sparse.
    shift_x = np.zeros(stats.n_features) if sp.issparse(X) else stats.mean_x
    # The mean of y - x a: that of y - x w^, less mu_x (a - w^).
    shift_r = stats.mean_residual - stats.mean_x @ (anchor - stats.anchor)
    sums = row_sums(X, y, weights, anchor, shift_x, shift_r, gram=False)
    centred = sums.centred(comoment_xx=stats.comoment_xx)
    return {**centred, "x_squares": stats.x_squares}


def first_block_shifts(X, y, weights, anchor):
    """Shifts for the pass: the means of the first block of rows.

    X is shifted only where that block shows an offset large against its
    spread, since shifting needs a copy of each block; sparse X never (its
    columns with offsets are summed again instead). The residual's shift costs
    no copy of X and is always made.
    """
    shift_x = np.zeros(X.shape[1])
    if X.shape[0] == 0:
        return shift_x, np.zeros(y.shape[1])
    rows = slice(*row_blocks(X)[0])
    block_weights = None if weights is None else weights[rows]
    if block_weights is not None and not block_weights.sum() > 0:
        block_weights = None
    block = X[rows]
    if not sp.issparse(X):
        block = block.astype(np.float64)
        mean = np.average(block, axis=0, weights=block_weights)
        spread = np.average((block - mean) ** 2, axis=0, weights=block_weights)
        if np.any(mean**2 > 16 * spread):
            shift_x = mean
    residual = y[rows] - np.asarray(block @ anchor)
    shift_r = np.average(residual, axis=0, weights=block_weights) - shift_x @ anchor
    return shift_x, shift_r


def row_sums(X, y, weights, anchor, shift_x, shift_r, *, gram):
    """One pass over the rows of X and y, in blocks."""
    sums = RowSums(X, y, weights, anchor, shift_x, shift_r, gram)
    if sp.issparse(X) and X.format == "csc" and not np.any(shift_x):
        _add_csc(sums, X, y, weights)
        return sums
    own_rows = (
        not sp.issparse(X)
        and X.dtype == np.float64
        and weights is None
        and not np.any(shift_x)
    )
    if gram and own_rows and X.shape[1] >= WHOLE_GRAM_MIN_FEATURES:
        # One product of the whole X, which BLAS does faster than the sum of
        # the blocks' when their n^2 outputs are large.
        sums.xx += X.T @ X
        sums.xx_done = True
    for start, stop, rows, root in weighted_row_blocks(X, weights, shift_x):
        sums.add(rows, root, y[start:stop])
        if not (gram and own_rows):  # there, the diagonal of X^T X holds them
            sums.x_squares += _sum_of_squares(X[start:stop])
    if gram and own_rows:
        sums.x_squares = float(np.trace(sums.xx))
    return sums


def _sum_of_squares(rows):
    values = rows.data if sp.issparse(rows) else rows
    return (
        float(np.vdot(values, values))
        if values.dtype == np.float64
        else (chunked_sum_of_squares(values.ravel() if values.ndim == 1 else values))
    )


def _add_csc(sums, X, y, weights):
    """The sums of CSC X, which has no row blocks: whole-matrix products.

    One array of n_samples per target at a time: the residual, scaled in place.
    """
    residual = y - sums.shift_r
    if np.any(sums.anchor):
        residual -= matmul(X, sums.anchor)
    squares = np.einsum(
        "ij,ij->j",
        residual,
        residual if weights is None else residual * weights[:, np.newaxis],
    )
    if weights is not None:
        residual *= weights[:, np.newaxis]
    if weights is None:
        sums.x += np.asarray(X.sum(axis=0), dtype=np.float64).ravel()
    else:
        sums.x += rmatmul(X, weights)
    sums.xr += rmatmul(X, residual)
    sums.r += residual.sum(axis=0)
    sums.rr += squares
    del residual
    if sums.xx is not None:
        sums.xx += csc_weighted_gram(X, weights)
    sums.x_squares = _sum_of_squares(X)


def constant_column(X, j):
    values = dense_columns(X, [j])
    return values.min() == values.max()


def recentre_sparse_columns(stats, X, y, weights, columns):
    """Sum the given columns of sparse X again, made dense and centred.

    Sparse columns keep their digits in raw sums: a column with a fraction p of
    nonzeros has a squared mean at most p / (1 - p) times its variance. Only
    dense columns with offsets lose them; their co-moments are replaced, in
    place, by sums of the centred columns.
    """
    scale = np.ones(X.shape[0]) if weights is None else weights
    mean = stats.mean_x[columns]
    centred = dense_columns(X, columns) - mean
    scaled = centred * scale[:, np.newaxis]
    # Against every column; those among the centred ones, centred on both sides.
    product = X.T @ scaled
    product = product - np.outer(stats.mean_x, scaled.sum(axis=0))
    product[columns] = centred.T @ scaled
    stats.comoment_xx[:, columns] = product
    stats.comoment_xx[columns, :] = product.T
    residual = y - np.asarray(X @ stats.anchor) - stats.mean_residual
    stats.comoment_xr[columns] = scaled.T @ residual
