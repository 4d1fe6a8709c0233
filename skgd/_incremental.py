"""Fits from sufficient statistics: ``partial_fit`` and ``fit_from_statistics``.

Both end in the steps of every fit (:func:`skgd._fit.descend_and_set`), on a
Gram solver made from the statistics alone (:meth:`GramSolver.from_statistics`):
the same learning rate, descent, errors and attributes as ``fit``.
"""

import copy

import numpy as np
from sklearn.base import _fit_context
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import validate_data

from skgd._exceptions import previous_fit_kept_on_error
from skgd._fit import descend_and_set
from skgd._loss import HalfSquaredError
from skgd._solvers import MAX_AUTO_MATRIX_BYTES
from skgd._solvers._gram import _MAX_CANCELLATION_AT_MINIMUM, GramSolver
from skgd._statistics import SufficientStatistics

# The solvers that step from the statistics, for which rows can be added.
STATISTICS_SOLVERS = ("auto", "gram")
# The most features whose statistics partial_fit keeps: X^T X in float64 within
# the largest matrix that solver='auto' ever chooses to build.
MAX_PARTIAL_FIT_FEATURES = int(np.sqrt(MAX_AUTO_MATRIX_BYTES / 8)) - 1


def _accumulates(estimator):
    """Whether ``partial_fit`` applies: only to the solver of the statistics."""
    if estimator.solver in STATISTICS_SOLVERS:
        return True
    raise AttributeError(
        f"partial_fit needs the solver that steps from the sufficient statistics "
        f"(solver='gram' or 'auto'), not solver={estimator.solver!r}, which must "
        "read every row at every step: fit it on all rows at once instead, a "
        "Dask array if they do not fit in memory."
    )


@available_if(_accumulates)
@_fit_context(prefer_skip_nested_validation=True)
def partial_fit(self, X, y, sample_weight=None):
    """Add the rows of ``X`` and ``y``, and fit on all rows seen so far.

    This is the *accumulating* ``partial_fit``, as in
    :class:`~sklearn.preprocessing.StandardScaler` and
    :class:`~sklearn.decomposition.IncrementalPCA`, not "one more epoch" as in
    :class:`~sklearn.linear_model.SGDRegressor`: the sufficient statistics of
    every batch are added up (``statistics_``), and the descent is computed
    anew from :math:`w = 0, b = 0` on all of them, so that after any split of
    the rows into batches the estimator equals ``fit`` on their concatenation,
    to rounding. Passing the same rows twice counts them twice, as ``fit`` on
    the rows repeated would; it moves no step further, since :math:`J` is an
    average. ``warm_start`` does not apply: every call starts from zero; nor
    does ``early_stopping``, as in :class:`~sklearn.neural_network.MLPRegressor`
    (no rows are held out of the batches: fit on all rows for it, or give
    validation statistics to :meth:`fit_from_statistics`). ``l2_penalty``
    applies.
    ``fit`` starts anew; after a fit whose solver was ``'gram'``, which keeps
    its statistics, ``partial_fit`` adds rows to the fit's.

    Only for ``solver='auto'`` or ``'gram'`` (the estimator has no
    ``partial_fit`` otherwise), and up to 16,383 features, whose statistics
    hold an (n_features + 1)² matrix of up to 2 GiB.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        The new rows. Every call must have as many features as the first
        (and the same feature names, if any). A batch may be empty, except the
        first.

    y : array-like of shape (n_samples,) or (n_samples, n_targets)
        Their targets; as many targets in every call. The shape of ``coef_``
        follows this call's ``y``, as in ``fit``.

    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative weights of the new rows. A batch's may all be zero; the
        sum over all rows must be positive.

    Returns
    -------
    self : object
        The estimator, fitted on all rows seen so far.

    Raises
    ------
    ValueError
        For bad input, as ``fit`` raises; for a feature count or names other
        than the first call's, as scikit-learn's estimators do; for too many
        features (saying how many, and what to use instead); and after a
        ``fit`` whose solver kept no statistics.
    """
    with previous_fit_kept_on_error(self):
        first = not hasattr(self, "statistics_")
        if first and hasattr(self, "coef_"):
            raise ValueError(
                f"partial_fit adds rows to those of the last fit, but that fit's "
                f"solver, {self.solver_!r}, kept no statistics of its rows. Fit "
                "with solver='gram', or clone the estimator (sklearn.base.clone) "
                "and call partial_fit on every batch."
            )
        X = validate_data(
            self,
            X,
            reset=first,
            accept_sparse=["csr", "csc"],
            dtype=[np.float64, np.float32],
            ensure_all_finite=False,  # in the pass over X, as in fit
            ensure_min_samples=1 if first else 0,
        )
        _check_feature_count(X.shape[1], self.fit_intercept)
        one_target = np.ndim(y) == 1
        previous = None if first else self.statistics_
        statistics = _add_rows(previous, X, y, sample_weight, self.fit_intercept)
        fit_statistics(
            self,
            statistics,
            dtype=X.dtype,
            one_target=one_target,
            data=(X, y, sample_weight),
            warm_start=False,
        )
    return self


@_fit_context(prefer_skip_nested_validation=True)
def fit_from_statistics(self, statistics, validation_statistics=None):
    """Fit on the rows that ``statistics`` sums, without the rows themselves.

    For statistics computed elsewhere: by another engine (Spark, a database,
    a loop over a file), merged from many machines, or kept from earlier data.
    The estimator then equals ``fit`` on those rows, to rounding. It is a
    method, as ``fit`` is, and not a constructor, so that the estimator's
    parameters (``max_iter``, ``alpha``, ``tol``, ...) are set, cloned and
    searched as always; it returns the estimator.

    Parameters
    ----------
    statistics : SufficientStatistics
        The statistics of all rows, with a positive weight sum. Their anchor
        is kept: for a near-exact fit, whose small costs lose digits with the
        anchor at zero, sum them about a point near the least-squares one
        (``SufficientStatistics.from_data(..., anchor=...)``).

    validation_statistics : SufficientStatistics, default=None
        The statistics of a validation set, of as many features and targets:
        as ``X_val`` and ``y_val`` in :meth:`fit
        <skgd.GradientDescentRegressor.fit>`, their cost after every step is
        ``validation_cost_history_``, and ``early_stopping`` stops on it.
        Without them, ``early_stopping`` does not apply (there are no rows to
        hold out).

    Returns
    -------
    self : object
        The fitted estimator. ``n_features_in_`` is the statistics' number of
        features (there are no feature names); with one target, ``coef_`` is
        1-D, as ``fit`` on a 1-D ``y`` gives. ``statistics_`` holds a copy of
        ``statistics``, so that ``partial_fit`` can add rows to them.

    Raises
    ------
    ValueError
        If the statistics hold NaN, infinity or squares that overflow, or no
        positive weight, or if the validation statistics do not match them.

    Examples
    --------
    >>> import numpy as np
    >>> from skgd import GradientDescentRegressor, SufficientStatistics
    >>> X = np.array([[1.0], [2.0], [3.0], [4.0]])
    >>> y = 2 * X[:, 0] + 1
    >>> stats = SufficientStatistics.from_data(X[:2], y[:2])
    >>> stats = stats.merge(SufficientStatistics.from_data(X[2:], y[2:]))
    >>> reg = GradientDescentRegressor(max_iter=2000).fit_from_statistics(stats)
    >>> reg.coef_, round(reg.intercept_, 6), reg.n_samples_seen_
    (array([2.]), 1.0, 4)
    """
    for given in (statistics, validation_statistics):
        if given is not None and not isinstance(given, SufficientStatistics):
            raise TypeError(
                "fit_from_statistics takes SufficientStatistics, not "
                f"{type(given).__name__}; for arrays, use fit."
            )
    if validation_statistics is not None:
        check_statistics(validation_statistics)
        if validation_statistics.anchor.shape != statistics.anchor.shape:
            raise ValueError(
                "The validation statistics are of "
                f"{validation_statistics.anchor.shape} (features, targets), the "
                f"statistics of {statistics.anchor.shape}: they must match."
            )
    with previous_fit_kept_on_error(self):
        for stale in ("feature_names_in_",):
            if hasattr(self, stale):
                delattr(self, stale)  # a previous fit's
        self.n_features_in_ = statistics.n_features
        fit_statistics(
            self,
            copy.deepcopy(statistics),
            dtype=np.dtype(np.float64),
            one_target=statistics.n_targets == 1,
            data=(None, None, None),
            warm_start=self.warm_start,
            validation=validation_statistics,
        )
    return self


def forget_rows(estimator):
    """``fit`` starts anew: the rows of earlier ``partial_fit`` calls go."""
    for name in ("statistics_", "n_samples_seen_"):
        if hasattr(estimator, name):
            delattr(estimator, name)


def keep_rows(estimator, solver, sample_weight):
    """After ``fit``: the statistics its solver stepped from, if it had them.

    So that ``partial_fit`` can add rows to ``fit``'s, as scikit-learn's
    accumulating estimators allow. The loss normalises the weights to sum to
    one; the statistics are scaled back to the weights as given, which later
    rows' weights are relative to.
    """
    statistics = getattr(solver, "statistics", None)
    if statistics is None:
        return
    if sample_weight is not None:
        with np.errstate(over="ignore"):
            total = float(np.sum(sample_weight))
        if not np.isfinite(total):
            return  # weights beyond float64, which later rows cannot join
        statistics = scaled(statistics, total)
    estimator.statistics_ = statistics
    estimator.n_samples_seen_ = statistics.n_samples


def scaled(statistics, factor):
    """The statistics of the same rows with every weight times ``factor``."""
    fields = {
        name: getattr(statistics, name)
        for name in ("n_samples", "mean_x", "mean_residual", "anchor", "x_squares")
    }
    return SufficientStatistics(
        **fields,
        weight_sum=statistics.weight_sum * factor,
        comoment_xx=statistics.comoment_xx * factor,
        comoment_xr=statistics.comoment_xr * factor,
        comoment_rr=statistics.comoment_rr * factor,
    )


def _check_feature_count(n_features, fit_intercept):
    if n_features <= MAX_PARTIAL_FIT_FEATURES:
        return
    n_params = n_features + fit_intercept
    raise ValueError(
        f"X has {n_features} features: too many for partial_fit, which keeps "
        f"the sufficient statistics of the rows, a {n_params} x {n_params} "
        f"matrix of {8 * n_params**2 / 2**30:.1f} GiB (at most "
        f"{MAX_PARTIAL_FIT_FEATURES} features, 2 GiB). Fit on all rows at once "
        "with solver='literal', which keeps no such matrix and reads X once per "
        "step: a Dask array if the rows do not fit in memory."
    )


def _add_rows(previous, X, y, sample_weight, fit_intercept):
    """``previous`` (or nothing) and the statistics of new rows, merged.

    The new rows are summed about the previous anchor. Where the cost at the
    new least-squares point is a tiny difference of large terms (a near-exact
    fit), the anchor moves there: the new rows are summed again about it (a
    second pass over this batch, which is in memory), and the earlier rows'
    statistics are moved there by algebra, exact to rounding since they were
    anchored at the previous such point, nearby.
    """
    anchor = None if previous is None else previous.anchor
    n_targets = 1 if np.ndim(y) == 1 else np.shape(y)[1]
    if previous is not None and n_targets != previous.n_targets:
        raise ValueError(
            f"y has {n_targets} targets, but the earlier rows had "
            f"{previous.n_targets}: every partial_fit call needs as many."
        )
    batch = SufficientStatistics.from_data(X, y, sample_weight, anchor=anchor)
    merged = batch if previous is None else previous.merge(batch)
    if not merged.weight_sum > 0:
        return merged  # refused by the fit
    minimiser = merged.least_squares(fit_intercept)
    if merged.cancellation(minimiser, fit_intercept) <= _MAX_CANCELLATION_AT_MINIMUM:
        return merged
    anchor = minimiser[: merged.n_features]
    batch = batch.with_anchor(X, y, sample_weight, anchor)
    return batch if previous is None else previous.reanchored(anchor).merge(batch)


def fit_statistics(
    estimator, statistics, *, dtype, one_target, data, warm_start, validation=None
):
    """The estimator's fit on ``statistics``, its rows being ``data`` (or Nones).

    The statistics are checked as ``fit`` checks X; the iterates take ``dtype``,
    the dtype of X (float32 X makes float32 parameters, as in ``fit``).
    ``validation`` is the validation set of the stepper, or None.
    """
    check_statistics(statistics)
    solver = GramSolver.from_statistics(
        statistics, estimator.fit_intercept, estimator.l2_penalty
    )
    shape = (statistics.n_features,) + (() if one_target else (statistics.n_targets,))
    # A loss of no rows: the shapes and dtype of the parameters, for the start.
    loss = HalfSquaredError(
        np.empty((0, shape[0]), dtype),
        np.empty((0, *shape[1:]), dtype),
        fit_intercept=estimator.fit_intercept,
    )
    theta0 = estimator._starting_point(loss) if warm_start else loss.zeros()
    X, y, sample_weight = data
    descend_and_set(
        estimator,
        solver,
        theta0,
        X=X,
        y=y,
        sample_weight=sample_weight,
        validation=validation,
    )
    estimator.statistics_ = statistics
    estimator.n_samples_seen_ = statistics.n_samples


def check_statistics(statistics):
    """Refuse statistics that no fit could use, with ``fit``'s messages."""
    if np.isnan(statistics.x_squares):
        raise ValueError("Input X contains NaN.")
    if not np.isfinite(statistics.x_squares):
        raise ValueError(
            "Input X contains infinity, or values whose squares overflow float64. "
            "Scale the features, for example with make_pipeline(StandardScaler(), "
            "GradientDescentRegressor())."
        )
    if not statistics.weight_sum > 0:
        raise ValueError(
            "sample_weight must have a positive sum: with all weights zero the cost "
            "is undefined."
        )
