"""The validation curve of a descent, early stopping on it, and its held-out rows."""

import numpy as np
import scipy.sparse as sp
from sklearn.utils import check_random_state

from skgd._blocks import row_blocks

# As for the training cost's stop rules: a change of the validation cost within
# this many units of roundoff of its scale counts as none.
_ROUNDING_SLACK = 1e3
_RELATIVE_SLACK = _ROUNDING_SLACK * np.finfo(np.float64).eps


class ValidationCurve:
    """The validation cost at the start and after every accepted step.

    With ``n_iter_no_change``, the rule of scikit-learn's ``MLPRegressor`` and
    ``SGDRegressor``: a step whose validation cost is not below the best so far
    by more than ``tol`` adds one to a count, which any other step resets; the
    descent stops when the count reaches ``n_iter_no_change``, and keeps the
    point of the best step. A fall within rounding counts as none, so that every
    solver stops at the same step.

    Parameters
    ----------
    start : float
        The validation cost at the starting point.
    point : object
        The stepper's record of the starting point.
    dtype : dtype
        The floating point type of the iterates, which sets the rounding level.
    n_iter_no_change : int or None, default=None
        None records the curve without stopping on it.
    tol : float or None, default=None
        The smallest fall of the best validation cost that counts as one.

    Examples
    --------
    >>> import numpy as np
    >>> from skgd._early_stopping import ValidationCurve
    >>> curve = ValidationCurve(5.0, "start", np.float64, n_iter_no_change=2)
    >>> curve.add([4.0, 3.0, 3.5, 3.2, 2.0], lambda i: f"step {i + 1}")
    4
    >>> curve.values(), curve.best_step, curve.best_point
    (array([5. , 4. , 3. , 3.5, 3.2]), 2, 'step 2')
    """

    def __init__(self, start, point, dtype, n_iter_no_change=None, tol=None):
        self._values = [float(start)]
        self.best, self.best_step, self.best_point = float(start), 0, point
        self.n_iter_no_change = n_iter_no_change
        self.tol = 0.0 if tol is None else tol
        self.slack = _ROUNDING_SLACK * np.finfo(dtype).eps * max(abs(start), 1e-300)
        self._no_improvement = 0
        self.stopped = False

    def add(self, costs, point_of):
        """Record the validation costs of a block of steps.

        ``point_of(i)`` gives the stepper's record of the block's step ``i``.
        Returns how many of the block's steps to accept: all, or up to the one at
        which the rule stops the descent (``stopped`` is then True).
        """
        self._before = (
            len(self._values),
            self.best,
            self.best_step,
            self.best_point,
            self._no_improvement,
        )
        costs = np.asarray(costs, dtype=np.float64)
        self._block = (costs, point_of)
        # Vectorised over the block, as the loop's rules are: the best cost
        # before each step, whether the step improved on it, and the steps since
        # the last improvement (from the count carried in).
        best_before = np.fmin.accumulate(np.r_[self.best, costs])[:-1]
        slack = np.maximum(self.slack, _RELATIVE_SLACK * np.abs(costs))
        improved = ~(costs > best_before - self.tol - slack)
        steps = np.arange(len(costs))
        last = np.maximum.accumulate(np.where(improved, steps, -1))
        count = np.where(last >= 0, steps - last, self._no_improvement + steps + 1)
        accepted = len(costs)
        if self.n_iter_no_change is not None:
            fired = np.flatnonzero(count >= self.n_iter_no_change)
            if len(fired):
                self.stopped, accepted = True, int(fired[0]) + 1
        kept = costs[:accepted]
        start = len(self._values)
        self._values.extend(kept.tolist())
        if accepted:
            self._no_improvement = int(count[accepted - 1])
            best = int(np.argmin(np.where(np.isnan(kept), np.inf, kept)))
            if kept[best] < self.best:  # the point of the block's best step only
                self.best, self.best_step = float(kept[best]), start + best
                self.best_point = point_of(best)
        return accepted

    def values(self):
        """The validation costs so far, a new array."""
        return np.asarray(self._values)

    def truncate(self, size):
        """Keep the first ``size`` costs (a callback stopped the last block early)."""
        start, self.best, self.best_step, self.best_point, self._no_improvement = (
            self._before
        )
        costs, point_of = self._block
        del self._values[start:]
        self.stopped = False
        self.add(costs[: size - start], point_of)


def held_out_rows(X, y, sample_weight, fraction, random_state):
    """Which rows early stopping holds out: a boolean mask of the rows.

    A fraction ``fraction`` of the rows' weight (of the rows, without weights),
    drawn at random as scikit-learn's splitters draw rows, but by a hash of each
    row's values salted by ``random_state``: identical rows go together, so that
    a row of weight ``k`` is held out exactly when ``k`` copies of it would be,
    and weights mean repetitions, as scikit-learn's checks of ``sample_weight``
    require. The hash reads 28 of the 52 bits of each mantissa, so that data
    rounded differently (by another NumPy or BLAS) hold out the same rows. The
    groups of identical rows are taken in the order of their hash until they
    hold the fraction of the weight, at least one and never all.
    Zero entries count for nothing, so that dense and sparse X agree.

    Examples
    --------
    >>> import numpy as np
    >>> from skgd._early_stopping import held_out_rows
    >>> X = np.arange(20.0).reshape(10, 2)
    >>> held = held_out_rows(X, np.arange(10.0), None, 0.2, random_state=0)
    >>> int(held.sum())
    2
    >>> twice = held_out_rows(np.vstack([X, X[:1]]), np.r_[np.arange(10.0), 0.0],
    ...                       None, 0.2, random_state=0)
    >>> bool(twice[0] == twice[10])  # the copies of a row go together
    True
    """
    salt = check_random_state(random_state).randint(1, 2**62, size=X.shape[1] + 1)
    salt = salt.astype(np.uint64)
    keys = _row_keys(X, salt[:-1])
    targets = np.asarray(y, dtype=np.float64).reshape(X.shape[0], -1)
    for column in range(targets.shape[1]):
        keys += _mix(_bits(targets[:, column]) ^ salt[-1])
    keys = _mix(keys)
    groups, inverse = np.unique(keys, return_inverse=True)
    inverse = inverse.ravel()
    weights = np.ones(X.shape[0]) if sample_weight is None else sample_weight
    mass = np.cumsum(np.bincount(inverse, weights=weights, minlength=len(groups)))
    n_held = int(np.searchsorted(mass, fraction * mass[-1])) + 1
    if not 0 < mass[n_held - 1] < mass[-1]:
        raise ValueError(
            f"early_stopping holds out validation_fraction={fraction} of the "
            f"weight of the {X.shape[0]} sample(s), which leaves no weight to fit "
            "or none to validate on; pass more samples, another "
            "validation_fraction, or X_val and y_val."
        )
    return inverse < n_held


# The hash ignores the low 24 bits of the mantissa (52): values that differ only
# in them, rounded differently by another NumPy or BLAS, hold out the same rows.
_HASHED_BITS = ~np.uint64(2**24 - 1)


def _bits(values):
    """The bits of float64 ``values`` that the hash reads."""
    return values.view(np.uint64) & _HASHED_BITS


def _mix(values):
    """A 64-bit hash of each value (splitmix64's finaliser), wrapping around."""
    values = values ^ (values >> np.uint64(30))
    values = values * np.uint64(0xBF58476D1CE4E5B9)
    values = values ^ (values >> np.uint64(27))
    values = values * np.uint64(0x94D049BB133111EB)
    return values ^ (values >> np.uint64(31))


def _row_keys(X, salt):
    """The sum, over each row's nonzero entries, of a hash of (column, value)."""
    keys = np.zeros(X.shape[0], dtype=np.uint64)
    if sp.issparse(X):
        coo = X.tocoo()
        rows, columns, values = coo.row, coo.col, coo.data
        nonzero = values != 0
        terms = _mix(
            _bits(np.asarray(values[nonzero], dtype=np.float64))
            ^ salt[columns[nonzero]]
        )
        np.add.at(keys, rows[nonzero], terms)
        return keys
    for start, stop in row_blocks(X):
        block = np.asarray(X[start:stop], dtype=np.float64)
        terms = _mix(_bits(np.ascontiguousarray(block)) ^ salt)
        terms[block == 0] = 0
        keys[start:stop] = terms.sum(axis=1, dtype=np.uint64)
    return keys
