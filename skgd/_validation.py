"""Checks of the data that scikit-learn's validation leaves to the estimator.

Gradient descent on the half squared error needs the squares of X and y in
float64: their sums must neither overflow nor, for X, underflow. Checked once,
up front, in one pass over X that finds NaN and infinity too, so that every
solver gives the same answer on the same data.
"""

import inspect

import numpy as np
import scipy.sparse as sp
from sklearn.utils import (
    _safe_indexing,
    assert_all_finite,
    check_array,
    check_consistent_length,
)
from sklearn.utils.validation import _check_sample_weight, validate_data

from skgd._blocks import chunked_sum_of_squares, row_blocks
from skgd._early_stopping import held_out_rows

# scikit-learn 1.9 refuses all-zero weights itself, with its own message; the
# versions before do not. This keeps one message on all of them.
_ALL_ZERO_WEIGHTS = (
    {"allow_all_zero_weights": True}
    if "allow_all_zero_weights" in inspect.signature(_check_sample_weight).parameters
    else {}
)
_TINY = np.finfo(np.float64).tiny


def validate_fit_data(estimator, X, y, sample_weight):
    """X, y and the weights of ``fit``, validated as scikit-learn does, and more.

    CSR and CSC X are kept as they are, float32 X too; y takes X's dtype.
    """
    if sp.issparse(y):
        # scikit-learn's own message for a sparse y, which is not supported.
        check_array(y, accept_sparse=False, input_name="y", estimator=estimator)
    X, y = validate_data(
        estimator,
        X,
        y,
        accept_sparse=["csr", "csc"],
        dtype=[np.float64, np.float32],
        multi_output=True,
        y_numeric=True,
        # X's NaN and infinity: below, in one pass that checks overflow too.
        ensure_all_finite=False,
    )
    check_magnitudes(estimator, X, y)
    y = y.astype(X.dtype, copy=False)
    if sample_weight is not None:
        sample_weight = validate_sample_weight(sample_weight, X)
    return X, y, sample_weight


def validation_set(estimator, X, y, sample_weight, X_val, y_val, sample_weight_val):
    """The training rows, and the validation set ``(X_val, y_val, weights)``.

    The validation set is the one given, validated as ``X`` and ``y`` are; with
    ``early_stopping`` and none given, ``validation_fraction`` of the rows, held
    out at random with ``random_state`` by
    :func:`skgd._early_stopping.held_out_rows` (a copy of them, and of the
    others), with their weights. None where there is neither.
    """
    if validation_given(X_val, y_val, sample_weight_val):
        X_val, y_val = validate_data(
            estimator,
            X_val,
            y_val,
            reset=False,
            accept_sparse=["csr", "csc"],
            dtype=X.dtype,
            multi_output=True,
            y_numeric=True,
            ensure_all_finite=False,
        )
        if y_val.ndim != y.ndim or y_val.shape[1:] != y.shape[1:]:
            raise ValueError(
                f"y_val has shape {y_val.shape[1:] or '(n_val,)'} per row, y "
                f"{y.shape[1:] or '(n_samples,)'}: they must have the same targets."
            )
        check_magnitudes(estimator, X_val, y_val)
        if sample_weight_val is not None:
            sample_weight_val = validate_sample_weight(sample_weight_val, X_val)
        return (
            X,
            y,
            sample_weight,
            (X_val, y_val.astype(X.dtype, copy=False), sample_weight_val),
        )
    if not estimator.early_stopping:
        return X, y, sample_weight, None
    held = held_out_rows(
        X, y, sample_weight, estimator.validation_fraction, estimator.random_state
    )
    held, kept = np.flatnonzero(held), np.flatnonzero(~held)
    weights = sample_weight
    validation = (
        _safe_indexing(X, held),
        _safe_indexing(y, held),
        None if weights is None else weights[held],
    )
    return (
        _safe_indexing(X, kept),
        _safe_indexing(y, kept),
        None if weights is None else weights[kept],
        validation,
    )


def validation_given(X_val, y_val, sample_weight_val):
    """Whether ``fit`` was given a validation set; its arguments must agree."""
    if (X_val is None) != (y_val is None):
        given, missing = ("X_val", "y_val") if y_val is None else ("y_val", "X_val")
        raise ValueError(f"{given} is provided, but {missing} was not provided.")
    if X_val is None and sample_weight_val is not None:
        raise ValueError("sample_weight_val is provided, but X_val was not provided.")
    return X_val is not None


def validate_rows(X, y, sample_weight):
    """Rows for the sufficient statistics, checked as ``fit`` checks its data.

    As :func:`validate_fit_data`, but for rows alone: no estimator, any number
    of rows (none too), and weights that may all be zero (the sum that must be
    positive is that of all rows, which only a fit sees). y is returned 2-D.
    """
    if sp.issparse(y):
        check_array(y, accept_sparse=False, input_name="y")
    X = check_array(
        X,
        accept_sparse=["csr", "csc"],
        dtype=[np.float64, np.float32],
        ensure_all_finite=False,  # in the pass, as for fit
        ensure_min_samples=0,
    )
    y = check_array(
        y, ensure_2d=False, dtype="numeric", ensure_min_samples=0, input_name="y"
    )
    if y.ndim > 2:
        raise ValueError(f"y must be 1-D or 2-D, got an array of shape {y.shape}.")
    check_consistent_length(X, y)
    check_magnitudes(None, X, y)
    y = y if y.ndim == 2 else y.reshape(len(y), 1)
    if sample_weight is not None and X.shape[0] == 0:
        check_consistent_length(X, sample_weight)  # scikit-learn refuses no rows
        sample_weight = np.zeros(0)
    elif sample_weight is not None:
        sample_weight = _check_sample_weight(
            sample_weight,
            X,
            dtype=np.float64,
            ensure_non_negative=True,
            **_ALL_ZERO_WEIGHTS,
        )
    return X, y, sample_weight


def validate_sample_weight(sample_weight, X):
    """Non-negative, finite float64 weights of X's rows, with a positive sum."""
    sample_weight = _check_sample_weight(
        sample_weight,
        X,
        dtype=np.float64,
        ensure_non_negative=True,
        **_ALL_ZERO_WEIGHTS,
    )
    if not np.any(sample_weight > 0):
        raise ValueError(
            "sample_weight must have a positive sum: with all weights zero the cost "
            "is undefined."
        )
    return sample_weight


def check_magnitudes(estimator, X, y):
    """Raise a clear ``ValueError`` for y that float64 cannot square.

    y must also fit the dtype of X (float32 X makes float32 parameters). X is
    checked by the solvers, in the first pass each makes over it (see
    :func:`check_squares_of_X`).
    """
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        y_squares = sum_of_squares(y)
    if not np.isfinite(y_squares):
        raise ValueError(too_large_message("y", y))
    if X.dtype != np.float64 and _largest(y) > float(np.finfo(X.dtype).max):
        raise ValueError(
            f"y's values are too large for {X.dtype} X (the largest absolute value "
            f"in y is {_largest(y):.3g}, beyond {X.dtype}'s range, which the "
            "parameters of the model take). Pass X as float64."
        )


def check_squares_of_X(X, squares=None):
    """Raise a clear ``ValueError`` for X that float64 cannot square.

    ``squares`` is the sum of the squares of X's values, in float64, from
    whichever pass over X computed it (None: one pass here). Not finite, X held
    NaN or infinity (scikit-learn's own error) or values whose squares overflow;
    below float64's smallest normal number, they underflow. Every solver applies
    this one rule, so that the same data get the same answer on each.
    """
    if squares is None:
        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            squares = sum_of_squares(X)
    if not np.isfinite(squares):
        assert_all_finite(X, input_name="X")
        raise ValueError(too_large_message("X", X))
    # All squares below float64's smallest normal number lose their digits.
    if squares < _TINY * max(_size(X), 1) and 0 < _largest(X) < np.sqrt(_TINY):
        raise ValueError(_too_small_message(_largest(X)))


def check_sum_of_squares(squares, largest, size):
    """The rule of :func:`check_squares_of_X` from sums alone: the sum of the
    squares of X's values (NaN and infinity already refused), the largest
    absolute value, and their count; for X summed in blocks (Dask).
    """
    if not np.isfinite(squares):
        raise ValueError(too_large_message("X", np.array([largest])))
    if squares < _TINY * max(size, 1) and 0 < largest < np.sqrt(_TINY):
        raise ValueError(_too_small_message(largest))


def _too_small_message(largest):
    return (
        "X's values are too small: their squares underflow float64 (the "
        f"largest absolute value in X is {largest:.3g}). Scale the "
        "features, for example with make_pipeline(StandardScaler(), "
        "GradientDescentRegressor())."
    )


def too_large_message(name, array):
    """Why ``array`` (X or y) is refused: its squares overflow float64."""
    what = (
        "features, for example with make_pipeline(StandardScaler(), "
        "GradientDescentRegressor())"
        if name == "X"
        else "target, for example with TransformedTargetRegressor("
        "GradientDescentRegressor(), transformer=StandardScaler())"
    )
    return (
        f"{name}'s values are too large: the sums of their squares overflow "
        f"float64 (the largest absolute value in {name} is {_largest(array):.3g})."
        f" Scale the {what}."
    )


def _values(array):
    return array.data if sp.issparse(array) else array


def _size(array):
    return array.nnz if sp.issparse(array) else array.size


def _largest(array):
    values = _values(array)
    if values.size == 0:
        return 0.0
    return float(max(abs(values.max()), abs(values.min())))  # abs(X) would copy X


def sum_of_squares(array):
    """The sum of the squares of the values, in float64, in one pass."""
    values = _values(array)
    if values.dtype == np.float64 and (
        values.flags.c_contiguous or values.flags.f_contiguous
    ):
        flat = values.ravel(order="K")  # a view
        return float(np.vdot(flat, flat))
    if values.ndim == 1:
        return chunked_sum_of_squares(values)
    return sum(
        chunked_sum_of_squares(values[start:stop]) for start, stop in row_blocks(values)
    )
