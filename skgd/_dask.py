"""Dask arrays and DataFrames in ``fit``, ``predict`` and ``score``, never whole.

Imported only when a Dask collection is passed (Dask is the optional extra
``skgd[dask]``). The rows are read in the collection's own blocks:

* ``fit`` with the statistics' solver: each row block's
  :class:`~skgd.SufficientStatistics`, merged pairwise up a tree of tasks, with
  one ``compute``; the steps are then taken locally, as after the in-memory
  pass. For a near-exact fit, a second pass sums the residual at the
  least-squares point, as in memory (:func:`exact_dask_statistics`).
* ``fit`` with ``solver='literal'`` (:mod:`skgd._dask_literal`): X persisted
  where the scheduler keeps data, one distributed pass per step.
* ``predict``: a lazy Dask array, block by block.

Column chunks are joined per row block in the graph (each block is still
loaded once), so a task holds a row block of all the columns.
"""

import dask
import dask.array as da
import numpy as np
from sklearn.utils.validation import check_is_fitted, validate_data

from skgd._dask_detect import is_dask_collection
from skgd._fit import descend_and_set
from skgd._incremental import MAX_PARTIAL_FIT_FEATURES, fit_statistics
from skgd._loss import HalfSquaredError
from skgd._row_sums import row_sums
from skgd._solvers._gram import _MAX_CANCELLATION_AT_MINIMUM
from skgd._statistics import SufficientStatistics
from skgd._validation import too_large_message, validate_rows, validation_given

try:  # Dask's DataFrames need pandas and pyarrow; its arrays (dask[array]) do not.
    from dask.dataframe import DataFrame, Series

    FRAMES = (DataFrame, Series)
except ImportError:
    DataFrame, FRAMES = (), ()

# Statistics merged per task of the tree: few enough that a task's inputs
# (n_features² floats each) stay small, enough for a shallow tree.
SPLIT_EVERY = 8


class DaskRows:
    """X, y and the weights as aligned lists of delayed row blocks.

    Parameters
    ----------
    X : dask Array or DataFrame of shape (n_samples, n_features)
    y : dask Array, Series or DataFrame, or array-like
        An array-like is split like X's rows, which must then be known.
    sample_weight : like y, or None
    """

    def __init__(self, X, y, sample_weight):
        self.X = _as_2d_array(X)
        self.n_features = self.X.shape[1]
        self.dtype = _meta_dtype(X)
        self.one_target = np.ndim(_meta(y)) == 1
        self.y = _aligned(y, self.X, "y")
        self.sample_weight = (
            None if sample_weight is None else _aligned(sample_weight, self.X, "w")
        )

    def blocks(self):
        """``(X_block, y_block, weight_block)`` delayed triples, one per row block."""
        # Unoptimised graphs, so that X and y sliced from one array share the
        # tasks that load its blocks (fused apart, each would load them again).
        x_blocks = list(self.X.to_delayed(optimize_graph=False).ravel())
        y_blocks = _delayed_rows(self.y)
        w_blocks = (
            [None] * len(x_blocks)
            if self.sample_weight is None
            else _delayed_rows(self.sample_weight)
        )
        if not len(x_blocks) == len(y_blocks) == len(w_blocks):
            raise ValueError(
                "X, y and sample_weight must come in as many row blocks (Dask "
                f"chunks or partitions): got {len(x_blocks)}, {len(y_blocks)} and "
                f"{len(w_blocks)}. Build them from one DataFrame, or rechunk them "
                "alike."
            )
        return list(zip(x_blocks, y_blocks, w_blocks, strict=True))


def validate_dask_X(estimator, X, *, reset):
    """``validate_data`` on X's empty meta: n_features_in_, feature_names_in_,
    and scikit-learn's errors for bad shapes and dtypes, reading no block."""
    meta = _meta(X)
    if isinstance(X, da.Array):
        meta = np.empty((0, *X.shape[1:]), dtype=X.dtype)
    validate_data(
        estimator,
        meta,
        reset=reset,
        dtype=[np.float64, np.float32],
        ensure_all_finite=False,
        ensure_min_samples=0,
    )
    if isinstance(X, da.Array) and X.shape[0] == 0:
        raise ValueError(
            f"Found array with 0 sample(s) (shape={X.shape}) while a minimum of 1 "
            "is required."
        )


def dask_statistics(X, y, sample_weight=None, *, anchor=None):
    """:meth:`SufficientStatistics.from_data` of Dask collections: one pass,
    a tree of merges, one ``compute``."""
    rows = DaskRows(X, y, sample_weight)
    return _reduce(rows, _block_statistics, anchor)


def exact_dask_statistics(rows, fit_intercept):
    """The statistics of ``rows``, anchored where the minimum needs it.

    As :func:`skgd._solvers._gram.exact_statistics` in memory: one pass; a
    second, reading every block again, only for a near-exact fit, whose cost at
    the least-squares point is a tiny difference of large terms.
    """
    stats = _reduce(rows, _block_statistics, None)
    if not stats.weight_sum > 0:
        return stats  # refused by the fit
    if not np.isfinite(stats.x_squares):
        # Every block was finite, their sum of squares is not: the message
        # names X's largest value, which takes a pass (on this error only).
        raise ValueError(too_large_message("X", rows.X))
    minimiser = stats.least_squares(fit_intercept)
    if stats.cancellation(minimiser, fit_intercept) <= _MAX_CANCELLATION_AT_MINIMUM:
        return stats
    anchor = minimiser[: stats.n_features]
    # About the known means, which are good shifts for every block.
    shift_r = stats.mean_residual - stats.mean_x @ (anchor - stats.anchor)
    residual = _reduce(rows, _block_residual, (anchor, stats.mean_x, shift_r))
    return SufficientStatistics(
        **{
            **vars(residual),
            "comoment_xx": stats.comoment_xx,
            "x_squares": stats.x_squares,
        }
    )


def fit_dask(estimator, X, y, sample_weight, X_val, y_val, sample_weight_val):
    """``fit`` on Dask collections: validation on the metadata, then the pass."""
    validate_dask_X(estimator, X, reset=True)
    rows = DaskRows(X, y, sample_weight)
    name = estimator.solver
    if name == "auto":
        # The statistics' pass reads X once; the literal solver once per step.
        name = "gram" if rows.n_features <= MAX_PARTIAL_FIT_FEATURES else "literal"
    if name == "dual":
        raise ValueError(
            "solver='dual' builds the n_samples x n_samples matrix X X^T, which "
            "Dask collections are too long for: use solver='gram' (or 'auto'), "
            "or 'literal' for data too wide for the statistics."
        )
    if X_val is not None and rows.n_features > MAX_PARTIAL_FIT_FEATURES:
        raise ValueError(
            f"A validation set of Dask collections is read from its statistics, "
            f"an (n_features + 1)² matrix: at most {MAX_PARTIAL_FIT_FEATURES} "
            f"features, X has {rows.n_features}. Fit without X_val and score the "
            "validation rows afterwards."
        )
    validation = validation_statistics(estimator, X_val, y_val, sample_weight_val)
    if name == "gram":
        statistics = exact_dask_statistics(rows, estimator.fit_intercept)
        _check_validation(validation, statistics.anchor.shape)
        fit_statistics(
            estimator,
            statistics,
            dtype=rows.dtype,
            one_target=rows.one_target,
            data=(X, y, sample_weight),
            warm_start=estimator.warm_start,
            validation=validation,
        )
        return
    from skgd._dask_literal import DaskLiteralSolver

    solver = DaskLiteralSolver(rows, estimator.fit_intercept, estimator.l2_penalty)
    _check_validation(validation, (rows.n_features, solver.n_targets))
    shape = (rows.n_features,) + (() if rows.one_target else (solver.n_targets,))
    loss = HalfSquaredError(
        np.empty((0, shape[0]), rows.dtype),
        np.empty((0, *shape[1:]), rows.dtype),
        fit_intercept=estimator.fit_intercept,
    )
    theta0 = estimator._starting_point(loss) if estimator.warm_start else loss.zeros()
    descend_and_set(
        estimator,
        solver,
        theta0,
        X=solver.X,
        y=y,
        sample_weight=sample_weight,
        validation=validation,
    )


def validation_statistics(estimator, X_val, y_val, sample_weight_val):
    """The statistics of the validation set of a Dask fit (one pass), or None.

    The rows that early stopping holds out in memory are drawn from all rows at
    once, which a Dask fit never holds: it needs ``X_val`` and ``y_val``.
    """
    if not validation_given(X_val, y_val, sample_weight_val):
        if estimator.early_stopping:
            raise ValueError(
                "early_stopping on Dask collections needs a validation set: pass "
                "X_val and y_val to fit (Dask collections or arrays). The rows "
                "held out otherwise are drawn from all rows at once, which a fit "
                "on Dask collections never holds in memory."
            )
        return None
    if is_dask_collection(X_val):
        validate_dask_X(estimator, X_val, reset=False)
    else:
        validate_data(
            estimator,
            X_val,
            reset=False,
            accept_sparse=["csr", "csc"],
            dtype=[np.float64, np.float32],
            ensure_all_finite=False,  # in the pass
        )
    return SufficientStatistics.from_data(X_val, y_val, sample_weight_val)


def _check_validation(validation, shape):
    if validation is not None and validation.anchor.shape != shape:
        raise ValueError(
            f"X_val and y_val have {validation.anchor.shape} (features, targets), "
            f"X and y {shape}: they must have the same features and targets."
        )
    if validation is not None and not validation.weight_sum > 0:
        raise ValueError(
            "sample_weight_val must have a positive sum: with all weights zero "
            "the validation cost is undefined."
        )


def predict_dask(estimator, X):
    """``X @ coef_.T + intercept_`` as a lazy Dask array, a block per row block."""
    check_is_fitted(estimator)
    validate_dask_X(estimator, X, reset=False)
    X = _as_2d_array(X)
    coef = np.asarray(estimator.coef_)
    intercept = np.asarray(estimator.intercept_)
    dtype = np.result_type(_meta_dtype(X), coef.dtype)
    if coef.ndim == 1:
        return X.map_blocks(
            _predict_block, coef, intercept, dtype=dtype, drop_axis=1, meta=np.empty(0)
        )
    return X.map_blocks(
        _predict_block,
        coef,
        intercept,
        dtype=dtype,
        chunks=(X.chunks[0], (coef.shape[0],)),
        meta=np.empty((0, 0)),
    )


def score_dask(estimator, X, y, sample_weight=None):
    """R² of a Dask collection: the predictions and targets computed together."""
    from sklearn.metrics import r2_score

    y_pred = predict_dask(estimator, X)
    # As arrays, so that one graph computes them all.
    y, sample_weight = (
        values.to_dask_array() if isinstance(values, FRAMES) else values
        for values in (y, sample_weight)
    )
    y_true, y_pred, sample_weight = dask.compute(y, y_pred, sample_weight)
    return r2_score(y_true, y_pred, sample_weight=sample_weight)


# -- The tasks ---------------------------------------------------------------


def _reduce(rows, block_function, argument):
    """``block_function`` on every block, merged up a tree: one ``compute``."""
    level = [
        dask.delayed(block_function)(x, y, w, argument) for x, y, w in rows.blocks()
    ]
    while len(level) > 1:
        level = [
            dask.delayed(_merge_all)(level[start : start + SPLIT_EVERY])
            for start in range(0, len(level), SPLIT_EVERY)
        ]
    (statistics,) = dask.compute(level[0])
    return statistics


def _block_statistics(X, y, sample_weight, anchor):
    return SufficientStatistics.from_data(X, y, sample_weight, anchor=anchor)


def _block_residual(X, y, sample_weight, argument):
    """A block's residual sums at a new anchor, about the whole data's means.

    Its co-moment of X is left zero: the caller keeps the one of the first pass.
    """
    anchor, shift_x, shift_r = argument
    X, y, weights = validate_rows(X, y, sample_weight)
    anchor = anchor.reshape(X.shape[1], y.shape[1])
    sums = row_sums(X, y, weights, anchor, shift_x, shift_r, gram=False)
    fields = sums.centred(comoment_xx=np.zeros((X.shape[1],) * 2))
    return SufficientStatistics(**fields)


def _merge_all(parts):
    merged = parts[0]
    for part in parts[1:]:
        merged = merged.merge(part)
    return merged


def _predict_block(X, coef, intercept):
    return np.asarray(X) @ coef.T + intercept


# -- Shapes and alignment ----------------------------------------------------


def _meta(collection):
    """An empty object of the collection's type, dtype and columns (no compute)."""
    if isinstance(collection, FRAMES):
        return collection._meta
    if isinstance(collection, da.Array):
        return np.empty((0, *collection.shape[1:]), dtype=collection.dtype)
    return np.asarray(collection)


def _meta_dtype(X):
    meta = _meta(X)
    if isinstance(meta, np.ndarray):
        return meta.dtype if meta.dtype in (np.float32, np.float64) else np.float64
    dtypes = {np.dtype(t) for t in meta.dtypes}  # a DataFrame's columns
    return np.float32 if dtypes == {np.dtype(np.float32)} else np.float64


def _as_2d_array(X):
    """A Dask array of X, with all columns in one chunk (joined in the graph)."""
    if isinstance(X, DataFrame):
        return X.to_dask_array()
    if not isinstance(X, da.Array):
        raise TypeError(
            "X must be a Dask array or DataFrame where y or sample_weight is a Dask "
            f"collection, not {type(X).__name__}."
        )
    return X.rechunk({1: -1}) if X.ndim == 2 else X


def _aligned(values, X, name):
    """``values`` (y or the weights) split into X's row blocks."""
    if isinstance(values, FRAMES):
        return values
    if isinstance(values, da.Array):
        if values.ndim == 2:
            values = values.rechunk({1: -1})
        if np.isnan(values.shape[0]) or np.isnan(X.shape[0]):
            return values
        _check_lengths(X, values)
        return values.rechunk({0: X.chunks[0]})
    values = np.asarray(values)
    if any(np.isnan(size) for size in X.chunks[0]):
        raise ValueError(
            f"{'y' if name == 'y' else 'sample_weight'} is in memory but X's row "
            "blocks have unknown lengths (a DataFrame's partitions): pass it as a "
            "Dask collection built alongside X, with the same partitions."
        )
    _check_lengths(X, values)
    return da.from_array(values, chunks=(X.chunks[0], *values.shape[1:]))


def _check_lengths(X, values):
    if values.shape[0] != X.shape[0]:
        raise ValueError(
            "Found input variables with inconsistent numbers of samples: "
            f"[{X.shape[0]}, {values.shape[0]}]"
        )


def _delayed_rows(values):
    blocks = values.to_delayed(optimize_graph=False)
    return list(np.asarray(blocks, dtype=object).ravel())
