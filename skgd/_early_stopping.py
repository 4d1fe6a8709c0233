"""The validation curve of a descent, and early stopping on it."""

import numpy as np

# As for the training cost's stop rules: a change of the validation cost within
# this many units of roundoff of its scale counts as none.
_ROUNDING_SLACK = 1e3


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
        self._block = (list(costs), point_of)
        for i, cost in enumerate(costs):
            cost = float(cost)
            self._values.append(cost)
            slack = max(self.slack, _ROUNDING_SLACK * np.finfo(float).eps * abs(cost))
            if cost > self.best - self.tol - slack:
                self._no_improvement += 1
            else:
                self._no_improvement = 0
            if cost < self.best:
                self.best, self.best_step = cost, len(self._values) - 1
                self.best_point = point_of(i)
            if (
                self.n_iter_no_change is not None
                and self._no_improvement >= self.n_iter_no_change
            ):
                self.stopped = True
                return i + 1
        return len(costs)

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
