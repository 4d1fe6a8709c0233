"""``solver='literal'`` on Dask collections: one distributed pass per step.

For data too wide for the statistics (or when asked for): X, y and the weights
are persisted where the scheduler keeps data (a cluster's workers), and every
step sums the blocks' shares of the cost and the gradient, as the in-memory
literal solver sums its row blocks' (:func:`skgd._blocks.residual_products`).
The iterates are the same; the loop is the same (a :class:`FunctionStepper`).
"""

import dask
import numpy as np
from scipy.sparse.linalg import LinearOperator
from sklearn.utils import assert_all_finite

from skgd._blocks import residual_products
from skgd._dask import SPLIT_EVERY, exact_dask_statistics
from skgd._gradient_descent import FunctionStepper
from skgd._loss import MAX_PARAMS_FOR_EXPLICIT_SPECTRUM, largest_eigenvalue
from skgd._validation import check_sum_of_squares, sum_of_squares, validate_rows


class DaskLiteralSolver:
    """The textbook step over the persisted blocks of a :class:`DaskRows`.

    Parameters
    ----------
    rows : DaskRows
        X, y and the weights, in aligned row blocks.
    fit_intercept : bool
        Whether the model has an intercept.
    l2_penalty : float, default=0.0
        :math:`\\lambda` of the penalised cost, as in memory.
    """

    name = "literal"
    bound_known = False
    knows_min_cost = False

    def __init__(self, rows, fit_intercept, l2_penalty=0.0):
        self.rows = rows
        self.fit_intercept, self.l2_penalty = fit_intercept, l2_penalty
        self.X = rows.X
        # Held where the scheduler keeps data; the steps read these blocks.
        self._blocks = dask.persist(
            *[part for block in rows.blocks() for part in block]
        )
        self._blocks = [self._blocks[i : i + 3] for i in range(0, len(self._blocks), 3)]
        # One pass: the checks of X, y and the weights, and what the scale needs.
        squares, largest, size, weight, cost_sum, n_targets = _sum_tree(
            [dask.delayed(_block_check)(*block) for block in self._blocks],
            maximum_at=(1, 5),  # the largest value, the number of targets
        )
        check_sum_of_squares(squares, largest, size)
        if not weight > 0:
            raise ValueError(
                "sample_weight must have a positive sum: with all weights zero the "
                "cost is undefined."
            )
        self.n_targets = int(n_targets)
        self.weight = weight
        self.cost_scale = 0.5 * cost_sum / weight
        self._lipschitz = self._statistics = None

    def loss_gradient(self, theta):
        """J and its gradient at ``theta``: one pass over the blocks."""
        n_features = self.rows.n_features
        w = theta[:n_features]
        b = theta[n_features] if self.fit_intercept else None
        squares, sums, gradient = _sum_tree(
            [
                dask.delayed(_block_products)(*block, w, b, True)
                for block in self._blocks
            ]
        )
        full = np.zeros(theta.shape)
        full[:n_features] = gradient / self.weight + self.l2_penalty * w
        if self.fit_intercept:
            full[n_features] = sums / self.weight
        penalty = 0.5 * self.l2_penalty * float(np.sum(np.square(w, dtype=float)))
        return 0.5 * squares / self.weight + penalty, full

    def _hessian_matvec(self, v):
        n_features = self.rows.n_features
        v = np.asarray(v, dtype=np.float64).ravel()
        b = v[n_features] if self.fit_intercept else None
        _, sums, product = _sum_tree(
            [
                dask.delayed(_block_products)(*block, v[:n_features], b, False)
                for block in self._blocks
            ]
        )
        result = np.zeros(len(v))
        result[:n_features] = product / self.weight + self.l2_penalty * v[:n_features]
        if self.fit_intercept:
            result[n_features] = sums / self.weight
        return result

    def _exact_statistics(self):
        if self._statistics is None:
            stats = exact_dask_statistics(self.rows, self.fit_intercept)
            hessian = stats.hessian(self.fit_intercept, self.l2_penalty)
            spectrum = np.linalg.eigh(hessian)
            self._statistics = stats, spectrum
        return self._statistics

    def lipschitz(self):
        """``L``: from the statistics (a pass) up to 128 parameters, else by
        Lanczos (a pass per product), as in memory."""
        if self._lipschitz is None:
            n_params = self.rows.n_features + self.fit_intercept
            if n_params <= MAX_PARAMS_FOR_EXPLICIT_SPECTRUM:
                eigenvalues = self._exact_statistics()[1][0]
                self._lipschitz = max(float(eigenvalues[-1]), 0.0)
            else:
                operator = LinearOperator(
                    (n_params, n_params), matvec=self._hessian_matvec, dtype=float
                )
                self._lipschitz = largest_eigenvalue(operator)
        return self._lipschitz

    def min_cost(self):
        """The minimum of the cost, from the statistics (a pass over X)."""
        stats, spectrum = self._exact_statistics()
        return stats.min_cost(self.fit_intercept, spectrum, self.l2_penalty)

    def stepper(self, theta0, alpha, validation=None):
        """The descent from ``theta0`` with learning rate ``alpha``.

        ``validation``, the :class:`~skgd.SufficientStatistics` of a validation
        set, adds the cost of those rows after every step, read from them.
        """
        validation_cost = None
        if validation is not None:

            def validation_cost(theta):
                return validation.cost(theta, self.fit_intercept)

        return FunctionStepper(
            self.loss_gradient, np.array(theta0), alpha, None, validation_cost
        )


def _sum_tree(tasks, maximum_at=()):
    """The sum of the tasks' tuples, up a tree: one ``compute``.

    The fields at the indices ``maximum_at`` are maxima instead.
    """
    while len(tasks) > 1:
        tasks = [
            dask.delayed(_add_tuples)(tasks[start : start + SPLIT_EVERY], maximum_at)
            for start in range(0, len(tasks), SPLIT_EVERY)
        ]
    (total,) = dask.compute(tasks[0])
    return total


def _add_tuples(parts, maximum_at):
    return tuple(
        max(values) if index in maximum_at else sum(values)
        for index, values in enumerate(zip(*parts, strict=True))
    )


def _block(X, y, sample_weight):
    X, y, weights = validate_rows(X, y, sample_weight)
    return X, np.ascontiguousarray(y, dtype=X.dtype), weights


def _block_check(X, y, sample_weight):
    """A block's share of the checks: squares, largest value, count, weight."""
    X, y, weights = _block(X, y, sample_weight)
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        squares = sum_of_squares(X)
    if not np.isfinite(squares):
        assert_all_finite(X, input_name="X")
    largest = float(np.max(np.abs(X), initial=0.0))
    weight = float(len(X) if weights is None else weights.sum())
    scale = np.ones(len(X)) if weights is None else weights
    cost_sum = float(np.einsum("i,ij,ij->", scale, y, y, dtype=np.float64))
    return squares, largest, X.size, weight, cost_sum, y.shape[1]


def _block_products(X, y, sample_weight, w, b, with_targets):
    """A block's ``sum s r^2``, ``sum s r`` and ``X^T S r``, r = X w + b - y."""
    X, y, weights = _block(X, y, sample_weight)
    if w.ndim == 1 and y.shape[1] == 1:
        y = y[:, 0]
    gradient = np.zeros(w.shape)
    squares, sums = residual_products(
        X,
        w.astype(X.dtype, copy=False),
        b,
        y if with_targets else None,
        weights,
        gradient,
    )
    return squares, np.asarray(sums, dtype=np.float64), gradient
