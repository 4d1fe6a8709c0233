r"""The sufficient statistics of the half squared error, as a mergeable value.

Every gradient step on :math:`J` depends on the data only through sums over the
rows: :math:`W = \sum_i s_i`, the weighted means and the centred co-moments of
X and of the residual at an anchor. This module builds them (one pass over row
blocks, in :mod:`skgd._row_sums`; Dask collections in :mod:`skgd._dask`), adds
rows and merges them; :mod:`skgd._statistics_cost` reads the cost, gradient,
Hessian and least squares from them. The class docstring has the mathematics.
"""

import numpy as np

from skgd._dask_detect import is_dask_collection
from skgd._row_sums import centred_statistics, reanchored_residual
from skgd._statistics_cost import StatisticsCost, as_columns
from skgd._validation import validate_rows


class SufficientStatistics(StatisticsCost):
    """The weighted sums over rows on which every gradient step depends.

    A value: it holds no reference to the data, pickles exactly, and two of
    them, of disjoint rows, merge exactly in any order. Build it from arrays
    with :meth:`from_data` (one pass over row blocks; NumPy, SciPy sparse, or
    Dask collections); add rows with :meth:`update` (in place) or
    :meth:`merge` (a new value); fit an estimator from it with
    :meth:`GradientDescentRegressor.fit_from_statistics
    <skgd.GradientDescentRegressor.fit_from_statistics>`. Its arrays are
    float64 whatever the dtype of the data, and 2-D in the targets.

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
        The sum of the squares of X's values, unweighted. NaN or infinite if X
        held NaN or infinity, or values whose squares overflow float64:
        :meth:`from_data` and :meth:`update` raise scikit-learn's errors for
        those rather than return such statistics, and a fit from statistics
        that hold them refuses them alike.

    Attributes
    ----------
    n_features : int
        The number of columns of X.
    n_targets : int
        The number of targets.

    See Also
    --------
    GradientDescentRegressor.partial_fit : Accumulates these statistics.
    GradientDescentRegressor.fit_from_statistics : Fits from them.

    Notes
    -----
    With :math:`e = w - \\hat w` and :math:`c = \\mu_x e + b - \\mu_r`,

    .. math::

        J(w, b) = \\frac{1}{2W} \\left(e^T C_{xx} e - 2 e^T C_{xr} +
        C_{rr}\\right) + \\frac12 c^2 .

    The co-moments are centred, so that features with large offsets keep
    their digits (raw sums :math:`\\sum s x x^T` lose them); the anchor
    :math:`\\hat w`, near the least-squares point, keeps those of the small
    costs of a near-exact fit. Merging is the pairwise update of Chan, Golub
    and LeVeque: :math:`C = C_a + C_b + \\delta \\delta^T W_a W_b / W`, with
    :math:`\\delta` the difference of the means.

    References
    ----------
    .. [1] T. F. Chan, G. H. Golub and R. J. LeVeque, "Algorithms for computing
       the sample variance: analysis and recommendations", The American
       Statistician, vol. 37, pp. 242-247, 1983.

    Examples
    --------
    >>> import numpy as np
    >>> from skgd import SufficientStatistics
    >>> X = np.array([[1.0], [2.0], [3.0], [4.0]])
    >>> y = 2 * X[:, 0] + 1
    >>> stats = SufficientStatistics.from_data(X, y)
    >>> stats
    SufficientStatistics(n_samples=4, n_features=1, n_targets=1, weight_sum=4.0)
    >>> stats.mean_x, stats.mean_residual, stats.comoment_xx
    (array([2.5]), array([6.]), array([[5.]]))
    >>> halves = SufficientStatistics.from_data(X[:2], y[:2]).merge(
    ...     SufficientStatistics.from_data(X[2:], y[2:]))
    >>> bool(np.allclose(halves.comoment_xr, stats.comoment_xr))
    True
    >>> float(stats.cost(np.array([2.0, 1.0])))  # y = 2 x + 1 exactly
    0.0
    """

    # The cost read from the statistics (skgd._statistics_cost), as the class's
    # own methods: the API page documents them, and the docstring tests check.
    cost = StatisticsCost.cost
    gradient = StatisticsCost.gradient
    hessian = StatisticsCost.hessian
    least_squares = StatisticsCost.least_squares
    min_cost = StatisticsCost.min_cost
    cancellation = StatisticsCost.cancellation

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

    def __repr__(self):
        return (
            f"{type(self).__name__}(n_samples={self.n_samples}, "
            f"n_features={self.n_features}, n_targets={self.n_targets}, "
            f"weight_sum={self.weight_sum!r})"
        )

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
        X : {array-like, sparse matrix, dask array} of shape (n_samples, n_features)
            The rows, checked as :meth:`GradientDescentRegressor.fit
            <skgd.GradientDescentRegressor.fit>` checks them; float32 or
            float64 (other numbers become float64), dense of any memory layout,
            CSR or CSC. A Dask array or DataFrame is summed block by block,
            with one ``compute``, and never brought into memory whole.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Finite targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights, which may all be zero here; None weighs every
            row 1.
        anchor : array-like of shape (n_features,) or (n_features, n_targets)
            The coefficients at which the residual is summed; zero by default.
            Near the least-squares point, the small costs of a near-exact fit
            keep their digits.

        Returns
        -------
        statistics : SufficientStatistics
            The statistics of the rows.

        Raises
        ------
        ValueError
            For bad input, with scikit-learn's own messages: NaN or infinity in
            X or y, shapes that do not match, negative weights; also for values
            whose squares overflow float64, or, for X, underflow.

        Examples
        --------
        >>> import numpy as np
        >>> from skgd import SufficientStatistics
        >>> stats = SufficientStatistics.from_data([[0.0], [2.0]], [1.0, 5.0])
        >>> stats.weight_sum, stats.mean_x, stats.comoment_xr
        (2.0, array([1.]), array([[4.]]))
        """
        if is_dask_collection(X, y, sample_weight):
            from skgd._dask import dask_statistics

            return dask_statistics(X, y, sample_weight, anchor=anchor)
        X, y, weights = validate_rows(X, y, sample_weight)
        n_features = X.shape[1]
        anchor = (
            np.zeros((n_features, y.shape[1]))
            if anchor is None
            else np.asarray(anchor, float).reshape(n_features, y.shape[1])
        )
        # Overflow is found and reported by the pass's check; numpy need not warn.
        with np.errstate(over="ignore", invalid="ignore"):
            return cls(**centred_statistics(X, y, weights, anchor))

    def update(self, X, y, sample_weight=None):
        """Add the rows of ``X`` and ``y``: these statistics become those of all.

        In place, as ``partial_fit`` updates an estimator: the new rows are
        summed about this anchor and merged in (see :meth:`merge`).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The new rows, checked as in :meth:`from_data`.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Their targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Their weights; None weighs every row 1.

        Returns
        -------
        self : SufficientStatistics
            These statistics, updated.

        Raises
        ------
        ValueError
            As :meth:`from_data`, and for rows of another number of features
            or targets. The statistics are then left as they were.

        Examples
        --------
        >>> import numpy as np
        >>> from skgd import SufficientStatistics
        >>> stats = SufficientStatistics.from_data([[0.0]], [1.0])
        >>> stats.update([[2.0]], [5.0]).n_samples
        2
        >>> stats.mean_x
        array([1.])
        """
        # X not 2-D: from_data refuses it with scikit-learn's message.
        shape = (
            np.shape(X)[1] if np.ndim(X) == 2 else self.n_features,
            1 if np.ndim(y) == 1 else np.shape(y)[1],
        )
        if shape != self.anchor.shape:
            raise ValueError(
                "Cannot add rows of different shapes: these statistics are of "
                f"{self.anchor.shape}, the rows of {shape} (features, targets)."
            )
        merged = self.merge(
            SufficientStatistics.from_data(X, y, sample_weight, anchor=self.anchor)
        )
        vars(self).update(vars(merged))
        return self

    def with_anchor(self, X, y, sample_weight, anchor):
        """These statistics with the residual summed anew at ``anchor``.

        One pass over the same rows, about the known means; the co-moments of
        X are kept. For the cost near an exact fit, with the anchor at the
        least-squares point.

        Parameters
        ----------
        X : {ndarray, sparse matrix} of shape (n_samples, n_features)
            The rows these statistics were summed from.
        y : ndarray of shape (n_samples,) or (n_samples, n_targets)
            Their targets.
        sample_weight : ndarray of shape (n_samples,) or None
            Their weights.
        anchor : ndarray of shape (n_features,) or (n_features, n_targets)
            The new anchor.

        Returns
        -------
        statistics : SufficientStatistics
            A new value; these statistics are unchanged.
        """
        y = as_columns(y)
        anchor = as_columns(anchor).reshape(self.n_features, y.shape[1])
        weights = None if sample_weight is None else np.asarray(sample_weight, float)
        return SufficientStatistics(**reanchored_residual(self, X, y, weights, anchor))

    def reanchored(self, anchor):
        """The same statistics with the residual taken at ``anchor``, by algebra.

        Exact in exact arithmetic; in floating point, as accurate as the terms
        of the change are small, so for nearby anchors.

        Parameters
        ----------
        anchor : ndarray of shape (n_features,) or (n_features, n_targets)
            The new anchor.

        Returns
        -------
        statistics : SufficientStatistics
            A new value; these statistics are unchanged.
        """
        anchor = as_columns(anchor).reshape(self.anchor.shape)
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

        ``other`` is first moved to this anchor, by algebra (see
        :meth:`reanchored`). Means and co-moments are combined pairwise: with
        :math:`\\delta` the difference of the means, :math:`C = C_a + C_b +
        \\delta \\delta^T W_a W_b / W`. Exact in any order and any tree of
        merges, to rounding.

        Parameters
        ----------
        other : SufficientStatistics
            The statistics of other rows, of the same numbers of features and
            targets.

        Returns
        -------
        statistics : SufficientStatistics
            A new value; neither operand changes.

        Raises
        ------
        ValueError
            If the numbers of features or targets differ.

        Examples
        --------
        >>> from skgd import SufficientStatistics
        >>> a = SufficientStatistics.from_data([[0.0], [1.0]], [0.0, 1.0])
        >>> b = SufficientStatistics.from_data([[5.0]], [5.0])
        >>> a.merge(b).n_samples, a.merge(b).mean_x
        (3, array([2.]))
        """
        if not isinstance(other, SufficientStatistics):
            raise TypeError(
                f"Can only merge SufficientStatistics, not {type(other).__name__}."
            )
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
