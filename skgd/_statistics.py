r"""The sufficient statistics of the half squared error: sums over the rows.

Every gradient step on :math:`J` depends on the data only through

* :math:`W = \sum_i s_i`, the weighted means :math:`\mu_x` and :math:`\mu_r`,
* the centred co-moments :math:`C_{xx} = \sum_i s_i (x_i - \mu_x)(x_i -
  \mu_x)^T`, :math:`C_{xr}` and :math:`C_{rr}` (one per target),

where :math:`r_i = y_i - x_i \hat w` is the residual at an *anchor* :math:`\hat
w` (zero by default, when :math:`r = y`). With :math:`e = w - \hat w` and the
mean residual of the model :math:`c = \mu_x e + b - \mu_r`,

.. math::

    J(w, b) = \frac{1}{2W} \left(e^T C_{xx} e - 2 e^T C_{xr} + C_{rr}\right)
              + \frac12 c^2, \qquad
    \nabla_w J = \frac{C_{xx} e - C_{xr}}{W} + \mu_x c, \quad
    \nabla_b J = c,

exactly. Two things keep these as exact as the textbook loop's sums:

* **Centring.** Features with large offsets make the raw sums
  :math:`\sum s x x^T` lose every digit of the variance to cancellation. Rows
  are summed shifted by a constant near the mean (exact centring comes at the
  end), and a pass whose shift proves too far from the mean is repeated with
  the mean as the shift.
* **The anchor.** Near an exact fit, the cost is a tiny difference of large
  terms unless :math:`\hat w` is near the minimiser: :meth:`SufficientStatistics.
  with_anchor` then sums the residuals at the least-squares point from the data.

Two statistics of disjoint rows merge exactly (the pairwise update of means and
co-moments of Chan, Golub and LeVeque), in any order.
"""

import numpy as np
import scipy.sparse as sp

from skgd._row_sums import (
    constant_column,
    first_block_shifts,
    recentre_sparse_columns,
    row_sums,
)
from skgd._validation import check_squares_of_X


class SufficientStatistics:
    """The weighted sums over rows on which the half squared error depends.

    A value: it holds no reference to the data. Build it with
    :meth:`from_data`; add rows with :meth:`merge`. All arrays are float64,
    whatever the dtype of the data, and 2-D in the targets.

    Parameters
    ----------
    n_samples : int
        The number of rows summed.
    weight_sum : float
        :math:`W = \\sum_i s_i`.
    mean_x : ndarray of shape (n_features,)
        The weighted mean of the rows of X.
    mean_residual : ndarray of shape (n_targets,)
        The weighted mean of the residual at the anchor, :math:`y - X \\hat w`.
    comoment_xx : ndarray of shape (n_features, n_features)
        :math:`C_{xx}`, not divided by :math:`W`.
    comoment_xr : ndarray of shape (n_features, n_targets)
        :math:`C_{xr}`, not divided by :math:`W`.
    comoment_rr : ndarray of shape (n_targets,)
        :math:`C_{rr}` of each target, not divided by :math:`W`.
    anchor : ndarray of shape (n_features, n_targets)
        The coefficients :math:`\\hat w` at which the residual is taken.
    x_squares : float, default=0.0
        The sum of the squares of X's values, unweighted: it says whether X held
        NaN or infinity, or values whose squares overflow or underflow float64.

    Examples
    --------
    >>> import numpy as np
    >>> from skgd._statistics import SufficientStatistics
    >>> X = np.array([[1.0], [2.0], [3.0], [4.0]])
    >>> y = 2 * X[:, 0] + 1
    >>> stats = SufficientStatistics.from_data(X, y)
    >>> stats.mean_x, stats.mean_residual, stats.comoment_xx
    (array([2.5]), array([6.]), array([[5.]]))
    >>> halves = SufficientStatistics.from_data(X[:2], y[:2]).merge(
    ...     SufficientStatistics.from_data(X[2:], y[2:]))
    >>> bool(np.allclose(halves.comoment_xr, stats.comoment_xr))
    True
    >>> float(stats.cost(np.array([2.0, 1.0])))  # y = 2 x + 1 exactly
    0.0
    """

    def __init__(
        self,
        *,
        n_samples,
        weight_sum,
        mean_x,
        mean_residual,
        comoment_xx,
        comoment_xr,
        comoment_rr,
        anchor,
        x_squares=0.0,
    ):
        self.n_samples = int(n_samples)
        self.weight_sum = float(weight_sum)
        self.mean_x = mean_x
        self.mean_residual = mean_residual
        self.comoment_xx = comoment_xx
        self.comoment_xr = comoment_xr
        self.comoment_rr = comoment_rr
        self.anchor = anchor
        self.x_squares = float(x_squares)

    @property
    def n_features(self):
        """The number of columns of X."""
        return len(self.mean_x)

    @property
    def n_targets(self):
        """The number of targets."""
        return len(self.mean_residual)

    # -- Building ------------------------------------------------------------

    @classmethod
    def from_data(cls, X, y, sample_weight=None, *, anchor=None):
        """The statistics of the rows of ``X`` and ``y``, in one pass.

        Parameters
        ----------
        X : {ndarray, sparse matrix} of shape (n_samples, n_features)
            Finite data, float32 or float64; dense arrays of any memory layout,
            CSR or CSC.
        y : ndarray of shape (n_samples,) or (n_samples, n_targets)
            Finite targets.
        sample_weight : ndarray of shape (n_samples,) or None, default=None
            Non-negative weights; None weighs every row 1.
        anchor : ndarray of shape (n_features,) or (n_features, n_targets)
            The coefficients at which the residual is summed; zero by default.

        Returns
        -------
        statistics : SufficientStatistics
            Where the pass shows a shift too far from a column's mean, that
            column is summed again about its mean (all of X for dense data; the
            offending columns, made dense, for sparse data).

        Raises
        ------
        ValueError
            If X holds NaN or infinity (scikit-learn's own error), or values
            whose squares overflow or underflow float64.
        """
        y = _as_columns(y)
        n_features = X.shape[1]
        anchor = (
            np.zeros((n_features, y.shape[1]))
            if anchor is None
            else _as_columns(anchor).reshape(n_features, y.shape[1])
        )
        weights = None if sample_weight is None else np.asarray(sample_weight, float)
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
        stats = cls(**centred)
        if len(columns) and sp.issparse(X):
            columns = [j for j in columns if not constant_column(X, j)]
            if columns:
                recentre_sparse_columns(stats, X, y, weights, columns)
        return stats

    def with_anchor(self, X, y, sample_weight, anchor):
        """These statistics with the residual summed anew at ``anchor``.

        One pass over the same rows, about the known means; the co-moments of
        X are kept. For the cost near an exact fit, with the anchor at the
        least-squares point.
        """
        y = _as_columns(y)
        anchor = _as_columns(anchor).reshape(self.n_features, y.shape[1])
        weights = None if sample_weight is None else np.asarray(sample_weight, float)
        # Sparse X is not shifted, so as to stay sparse.
        shift_x = np.zeros(self.n_features) if sp.issparse(X) else self.mean_x
        # The mean of y - x a: that of y - x w^, less mu_x (a - w^).
        shift_r = self.mean_residual - self.mean_x @ (anchor - self.anchor)
        sums = row_sums(X, y, weights, anchor, shift_x, shift_r, gram=False)
        centred = sums.centred(comoment_xx=self.comoment_xx)
        return SufficientStatistics(**{**centred, "x_squares": self.x_squares})

    def reanchored(self, anchor):
        """The same statistics with the residual taken at ``anchor``, by algebra.

        Exact in exact arithmetic; in floating point, as accurate as the terms
        of the change are small, so for nearby anchors.
        """
        anchor = _as_columns(anchor).reshape(self.anchor.shape)
        change = anchor - self.anchor
        # r' = r - x d: the centred residual loses x~ d.
        moved = self.comoment_xx @ change
        return SufficientStatistics(
            n_samples=self.n_samples,
            weight_sum=self.weight_sum,
            mean_x=self.mean_x,
            mean_residual=self.mean_residual - self.mean_x @ change,
            comoment_xx=self.comoment_xx,
            comoment_xr=self.comoment_xr - moved,
            comoment_rr=self.comoment_rr
            - 2 * np.einsum("ij,ij->j", change, self.comoment_xr)
            + np.einsum("ij,ij->j", change, moved),
            anchor=anchor,
            x_squares=self.x_squares,
        )

    def merge(self, other):
        """The statistics of the rows of both, which are disjoint.

        ``other`` is first moved to this anchor. Means and co-moments are
        combined pairwise: with :math:`\\delta` the difference of the means,
        :math:`C = C_a + C_b + \\delta \\delta^T W_a W_b / W`.
        """
        if other.anchor.shape != self.anchor.shape:
            raise ValueError(
                "Cannot merge statistics of different shapes: "
                f"{self.anchor.shape} and {other.anchor.shape} (features, targets)."
            )
        if not np.array_equal(other.anchor, self.anchor):
            other = other.reanchored(self.anchor)
        total = self.weight_sum + other.weight_sum
        share = other.weight_sum / total if total > 0 else 0.0
        delta_x = other.mean_x - self.mean_x
        delta_r = other.mean_residual - self.mean_residual
        between = self.weight_sum * share  # W_a W_b / W
        return SufficientStatistics(
            n_samples=self.n_samples + other.n_samples,
            weight_sum=total,
            mean_x=self.mean_x + share * delta_x,
            mean_residual=self.mean_residual + share * delta_r,
            comoment_xx=self.comoment_xx
            + other.comoment_xx
            + between * np.outer(delta_x, delta_x),
            comoment_xr=self.comoment_xr
            + other.comoment_xr
            + between * np.outer(delta_x, delta_r),
            comoment_rr=self.comoment_rr + other.comoment_rr + between * delta_r**2,
            anchor=self.anchor,
            x_squares=self.x_squares + other.x_squares,
        )

    # -- The cost, read from the statistics ----------------------------------

    # The methods that read the cost from the statistics take the L2 penalty of
    # the coefficients, lambda / 2 |w|^2 (the intercept unpenalised), as
    # ``l2_penalty``: J_lambda's value, gradient and Hessian, and its minimiser.

    def hessian(self, fit_intercept=True, l2_penalty=0.0):
        """The Hessian of J, ``[X 1]^T S [X 1] / W`` (+ lambda on the w block)."""
        n = self.n_features
        mean = self.mean_x
        hessian = np.empty((n + fit_intercept,) * 2)
        hessian[:n, :n] = self.comoment_xx / self.weight_sum + np.outer(mean, mean)
        hessian[range(n), range(n)] += l2_penalty
        if fit_intercept:
            hessian[:n, n] = hessian[n, :n] = mean
            hessian[n, n] = 1.0
        return hessian

    def _split(self, theta, fit_intercept):
        # theta of shape (..., n_params, n_targets) -> e and b of (..., n, k), (..., k)
        n = self.n_features
        error = theta[..., :n, :] - self.anchor
        intercept = theta[..., n, :] if fit_intercept else 0.0
        mean_error = np.einsum("j,...jt->...t", self.mean_x, error)
        return error, mean_error + intercept - self.mean_residual

    def cost(self, theta, fit_intercept=True, l2_penalty=0.0):
        """J at ``theta`` of shape (n_params,) or (n_params, n_targets).

        A stack of parameters, of shape (n_points, n_params, n_targets), gives
        the cost of each.
        """
        theta = np.asarray(theta, dtype=np.float64)
        stacked = theta.reshape(-1, self.n_features + fit_intercept, self.n_targets)
        error, offset = self._split(stacked, fit_intercept)
        # e^T C e - 2 e^T C_xr + C_rr, per target, then summed over targets.
        moved = np.matmul(self.comoment_xx, error)
        centred = (
            np.einsum("pjt,pjt->p", error, moved - 2 * self.comoment_xr)
            + self.comoment_rr.sum()
        )
        costs = 0.5 * centred / self.weight_sum + 0.5 * np.sum(offset**2, axis=-1)
        if l2_penalty:
            w = stacked[:, : self.n_features]
            costs = costs + 0.5 * l2_penalty * np.einsum("pjt,pjt->p", w, w)
        return costs if theta.ndim == 3 else costs[0]

    def gradient(self, theta, fit_intercept=True, l2_penalty=0.0):
        """The gradient of J at ``theta``, shaped like ``theta``."""
        theta = np.asarray(theta, dtype=np.float64)
        columns = theta.reshape(self.n_features + fit_intercept, self.n_targets)
        error, offset = self._split(columns, fit_intercept)
        gradient = np.empty_like(columns)
        gradient[: self.n_features] = (
            self.comoment_xx @ error - self.comoment_xr
        ) / self.weight_sum + np.outer(self.mean_x, offset)
        gradient[: self.n_features] += l2_penalty * columns[: self.n_features]
        if fit_intercept:
            gradient[self.n_features] = offset
        return gradient.reshape(theta.shape)

    def least_squares(self, fit_intercept=True, spectrum=None, l2_penalty=0.0):
        """A minimiser of J: the least-squares parameters of smallest norm.

        Returns an array of shape (n_params, n_targets): the one of smallest
        :math:`\\lVert (w, b) \\rVert` among the minimisers, which gradient
        descent from zero reaches (with a penalty, the one minimiser: the ridge
        solution). ``spectrum``, the eigenvalues and vectors of :meth:`hessian`,
        saves their computation.
        """
        if spectrum is None:
            spectrum = np.linalg.eigh(self.hessian(fit_intercept, l2_penalty))
        eigenvalues, basis = spectrum
        zero = np.zeros((len(eigenvalues), self.n_targets))
        gradient = self.gradient(zero, fit_intercept)  # -c, as H theta - c
        largest = eigenvalues[-1] if len(eigenvalues) else 0.0
        cutoff = largest * len(eigenvalues) * np.finfo(np.float64).eps
        inverse = np.divide(
            1.0, eigenvalues, out=np.zeros_like(eigenvalues), where=eigenvalues > cutoff
        )
        return -basis @ (inverse[:, np.newaxis] * (basis.T @ gradient))

    def min_cost(self, fit_intercept=True, spectrum=None, l2_penalty=0.0):
        """The minimum of J over all parameters: J at :meth:`least_squares`."""
        minimiser = self.least_squares(fit_intercept, spectrum, l2_penalty)
        return float(self.cost(minimiser, fit_intercept, l2_penalty))

    def cancellation(self, theta, fit_intercept=True):
        """How many times larger the terms of J at ``theta`` are than J itself.

        The relative rounding error of :meth:`cost` there is about this times
        the precision of float64. Infinite where J is zero but its terms are not.
        """
        columns = np.asarray(theta, float).reshape(-1, self.n_targets)
        error, offset = self._split(columns, fit_intercept)
        moved = self.comoment_xx @ error
        terms = (
            np.abs(np.einsum("jt,jt->", error, moved))
            + 2 * np.abs(np.einsum("jt,jt->", error, self.comoment_xr))
            + self.comoment_rr.sum()
        ) / self.weight_sum + np.sum(
            (np.abs(self.mean_x) @ np.abs(error) + np.abs(self.mean_residual)) ** 2
        )
        cost = 2 * float(self.cost(theta, fit_intercept))
        if terms == 0:
            return 1.0
        return terms / cost if cost > 0 else np.inf


def _as_columns(y):
    y = np.asarray(y)
    return y if y.ndim == 2 else y.reshape(len(y), 1)
