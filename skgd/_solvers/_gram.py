r"""``solver='gram'``: every step from the sufficient statistics, in closed form.

The gradient of the half squared error is affine in the parameters,
:math:`\nabla J(\theta) = H \theta - c`, so after the one pass over X that
builds the statistics (:mod:`skgd._statistics`) the data are no longer needed.
With :math:`H = Q \Lambda Q^T` and :math:`\gamma_0 = Q^T \nabla J(\theta_0)`, the
step :math:`\theta_{k+1} = \theta_k - \alpha \nabla J(\theta_k)` has the solution

.. math:: \theta_k = \theta_0 - Q \, f_k(\Lambda) \, \gamma_0, \qquad
          f_k(\lambda) = \frac{1 - (1 - \alpha\lambda)^k}{\lambda}

(:math:`f_k(0) = k\alpha`). Each step is computed from the start, so rounding
does not accumulate from step to step, and a block of steps is computed at once,
as arrays. Written from :math:`\theta_0` rather than from the minimiser, the
iterates keep their digits even where the minimiser is far away (features with
large offsets put it there). The cost of each step is read from the statistics,
whose centred form keeps its digits too.
"""

import numpy as np

from skgd._statistics import SufficientStatistics

# Steps evaluated together: enough to amortise numpy's per-call cost, few enough
# that the (steps, n_params, n_targets) block stays small.
_MAX_BLOCK_ELEMENTS = 2**14
# Eigenvalues above this fraction of the largest keep about ten digits through
# eigh's rounding: their directions' costs are summed from them.
_WELL_DETERMINED = 1e-6
# The statistics are summed again at the least-squares point when the cost
# there is a smaller fraction than this of the terms it is computed from.
_MAX_CANCELLATION_AT_MINIMUM = 1e4


class GramSolver:
    """Gradient descent on the half squared error from its sufficient statistics.

    Parameters
    ----------
    loss : HalfSquaredError
        The cost; its data are read once (twice for a near-exact fit, whose tiny
        costs need the residual at the minimiser summed from the data). See
        :meth:`from_statistics` for statistics summed elsewhere.

    Examples
    --------
    >>> import numpy as np
    >>> from skgd._descent import descend
    >>> from skgd._loss import HalfSquaredError
    >>> from skgd._solvers._gram import GramSolver
    >>> X = np.array([[1.0], [2.0], [3.0], [4.0]])
    >>> solver = GramSolver(HalfSquaredError(X, 2 * X[:, 0] + 1))
    >>> result = descend(solver.stepper(np.zeros(2), alpha=0.1), max_iter=2000)
    >>> np.round(result.x, 6)
    array([2., 1.])
    """

    name = "gram"
    bound_known = True
    knows_min_cost = True

    def __init__(self, loss):
        statistics, spectrum = exact_statistics(loss)
        self._build(statistics, loss.fit_intercept, loss.l2_penalty, spectrum)

    @classmethod
    def from_statistics(cls, statistics, fit_intercept=True, l2_penalty=0.0):
        """The solver of data summed elsewhere (merged from blocks, say): no X.

        Parameters
        ----------
        statistics : SufficientStatistics
            The statistics of all the rows.
        fit_intercept : bool, default=True
            Whether the model has an intercept.
        l2_penalty : float, default=0.0
            The L2 penalty of the coefficients.

        Returns
        -------
        solver : GramSolver
        """
        solver = cls.__new__(cls)
        spectrum = np.linalg.eigh(statistics.hessian(fit_intercept, l2_penalty))
        solver._build(statistics, fit_intercept, l2_penalty, spectrum)
        return solver

    def _build(self, statistics, fit_intercept, l2_penalty, spectrum):
        self.statistics, self.fit_intercept = statistics, fit_intercept
        self.l2_penalty, self.spectrum = l2_penalty, spectrum
        eigenvalues, self._basis = spectrum
        # H is positive semi-definite; negative eigenvalues are rounding.
        self._eigenvalues = np.maximum(eigenvalues, 0.0)

    def lipschitz(self):
        """The largest eigenvalue ``L`` of the Hessian."""
        return float(self._eigenvalues[-1]) if len(self._eigenvalues) else 0.0

    def min_cost(self):
        """The minimum of the cost, read from the statistics."""
        return self.statistics.min_cost(
            self.fit_intercept, self.spectrum, self.l2_penalty
        )

    def stepper(self, theta0, alpha, validation=None):
        """The descent from ``theta0`` with learning rate ``alpha``.

        ``validation``, ``(X_val, y_val, sample_weight_val)`` or their
        :class:`SufficientStatistics`, adds the cost of those rows after every
        step, read from their statistics (one pass over the rows).
        """
        if validation is not None and not isinstance(validation, SufficientStatistics):
            validation = SufficientStatistics.from_data(*validation)
        return _ClosedFormStepper(self, theta0, alpha, validation)


def exact_statistics(loss):
    """The statistics of the loss's data, anchored where its minimum needs it.

    One pass over X; a second, for the residual at the least-squares point, only
    when the cost there is so much smaller than the terms it is computed from
    that it would lose its digits (near-exact fits). Returns the statistics and
    the eigendecomposition of the Hessian, which the anchor does not change.
    """
    stats = SufficientStatistics.from_data(loss.X, loss.y, loss.weights)
    spectrum = np.linalg.eigh(stats.hessian(loss.fit_intercept, loss.l2_penalty))
    minimiser = stats.least_squares(loss.fit_intercept, spectrum, loss.l2_penalty)
    if stats.cancellation(minimiser, loss.fit_intercept) > _MAX_CANCELLATION_AT_MINIMUM:
        stats = stats.with_anchor(
            loss.X, loss.y, loss.weights, minimiser[: loss.n_features]
        )
    return stats, spectrum


class _ClosedFormStepper:
    """Blocks of steps of the closed form; see :mod:`skgd._solvers._gram`.

    A point is its row of :math:`f_k(\\lambda_i)`, ``n_params`` numbers; the
    parameters are formed only for the points asked for. The costs need no
    parameters: with :math:`z_i = \\gamma_{0,i} / \\lambda_i` in the well
    determined directions :math:`F` (:math:`\\lambda_i > 10^{-6} L`, where
    eigh's rounding leaves :math:`\\lambda_i` ten digits) and the others
    :math:`S`,

    .. math::

        J_k = J(\\theta_F) + \\tfrac12 \\sum_{i \\in F} \\lambda_i z_i^2
              (1 - \\alpha\\lambda_i)^{2k}
            - \\sum_{i \\in S} \\gamma_{0,i}^2 f_k(\\lambda_i)
              \\left(1 - \\tfrac12 \\lambda_i f_k(\\lambda_i)\\right),

    where :math:`\\theta_F = \\theta_0 - \\sum_{i \\in F} q_i z_i`, the limit
    of the descent along :math:`F`, has its cost read from the statistics. The
    sums are of terms as small as the cost they make up, so that a small cost
    keeps its digits, in O(n_params) per step.
    """

    def __init__(self, solver, theta0, alpha, validation=None):
        self.stats, self.validation = solver.statistics, validation
        self.fit_intercept, self.l2_penalty = solver.fit_intercept, solver.l2_penalty
        self.cost_scale = float(
            self.stats.cost(np.zeros_like(_as_columns(theta0)), self.fit_intercept)
        )
        self.dtype = np.asarray(theta0).dtype
        self.shape = np.shape(theta0)
        self.basis, self.eigenvalues = solver._basis, solver._eigenvalues
        self.alpha = alpha
        self.theta0 = _as_columns(theta0)
        gradient = self.stats.gradient(self.theta0, self.fit_intercept, self.l2_penalty)
        self.gamma = self.basis.T @ gradient
        largest = self.eigenvalues[-1] if len(self.eigenvalues) else 0.0
        self.fast = self.eigenvalues > _WELL_DETERMINED * largest
        z = self.gamma[self.fast] / self.eigenvalues[self.fast, np.newaxis]
        theta_fast = self.theta0 - self.basis[:, self.fast] @ z
        self.cost_fast = float(
            self.stats.cost(theta_fast, self.fit_intercept, self.l2_penalty)
        )
        self.fast_weights = 0.5 * self.eigenvalues[self.fast] * np.sum(z**2, axis=1)
        self.slow_weights = np.sum(self.gamma[~self.fast] ** 2, axis=1)
        self.block = max(1, _MAX_BLOCK_ELEMENTS // max(len(self.eigenvalues), 1))
        self.rho = 1.0 - alpha * self.eigenvalues
        self.base_power = self.base_one_minus = np.empty((0, len(self.rho)))
        self.taken, self.current, self._drifts = 0, np.zeros(len(self.rho)), None

    def start(self):
        return float(self.stats.cost(self.theta0, self.fit_intercept, self.l2_penalty))

    def validation_start(self):
        return float(self.validation.cost(self.theta0, self.fit_intercept))

    def validation_costs(self, count):
        # The half squared error of the validation rows, unpenalised.
        thetas = self._thetas(self._drifts[:count])
        return self.validation.cost(thetas, self.fit_intercept)

    def advance(self, max_steps):
        count = min(self.block, max_steps)
        power, drift = self._schedule(self.taken + 1, count)
        self._drifts = drift
        slow = drift[:, ~self.fast]
        slow_lambdas = self.eigenvalues[~self.fast]
        return (
            self.cost_fast
            + (power[:, self.fast] ** 2) @ self.fast_weights
            - (slow * (1.0 - 0.5 * slow_lambdas * slow)) @ self.slow_weights
        )

    def _schedule(self, first, count):
        """``rho**k`` and ``f_k(lambda)`` for ``count`` steps from step ``first``."""
        if len(self.base_power) < count:  # rho**j and 1 - rho**j, j < count
            self.base_power, self.base_one_minus = _powers(
                self.rho, self.alpha * self.eigenvalues, np.arange(count)
            )
        start_power, start_one_minus = _powers(
            self.rho, self.alpha * self.eigenvalues, np.array([first])
        )
        power = start_power * self.base_power[:count]
        # 1 - rho^(k0 + j) = (1 - rho^k0) + rho^k0 (1 - rho^j): no cancellation.
        one_minus_power = np.where(
            self.rho > 0,
            start_one_minus + start_power * self.base_one_minus[:count],
            1.0 - power,
        )
        flat = self.eigenvalues == 0
        drift = np.divide(
            one_minus_power,
            self.eigenvalues,
            out=np.zeros_like(one_minus_power),
            where=~flat,
        )
        # f_k(0) = k alpha: the flat directions move by alpha times the gradient.
        drift[:, flat] = self.alpha * np.arange(first, first + count)[:, np.newaxis]
        return power, drift

    def accept(self, n_steps):
        if n_steps:
            self.current = self._drifts[n_steps - 1]
            self.taken += n_steps

    def point(self, step):
        return self.current if step < 0 else self._drifts[step]

    def _thetas(self, drifts):
        # theta_k = theta_0 - Q (f_k * gamma_0)
        moves = np.asarray(drifts)[:, :, np.newaxis] * self.gamma
        return self.theta0 - np.matmul(self.basis, moves)

    def parameters(self, points):
        thetas = self._thetas(np.stack(points))
        return thetas.reshape((-1, *self.shape)).astype(self.dtype)

    def gradient(self, step):
        if step >= 0:
            return None  # not formed for every step
        theta = self._thetas(self.current[np.newaxis])[0]
        gradient = self.stats.gradient(theta, self.fit_intercept, self.l2_penalty)
        return gradient.reshape(self.shape).astype(self.dtype)


def _powers(rho, one_minus_rho, steps):
    """``rho**k`` and ``1 - rho**k`` for every ``k`` in ``steps``, without cancellation.

    For ``0 < rho < 1``, ``rho**k = exp(k log1p(-(1 - rho)))`` and
    ``1 - rho**k = -expm1(...)`` keep full relative accuracy even when
    ``1 - rho`` is tiny (the flat directions, which matter most).
    """
    k = steps[:, np.newaxis].astype(np.float64)
    positive = rho > 0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        log_magnitude = np.where(
            positive, np.log1p(-np.minimum(one_minus_rho, 1.0)), np.log(np.abs(rho))
        )
        exponent = np.where(k == 0, 0.0, k * log_magnitude)
        magnitude = np.exp(exponent)
    odd = (steps[:, np.newaxis] % 2) == 1
    power = np.where(~positive & odd, -magnitude, magnitude)
    one_minus_power = np.where(positive, -np.expm1(exponent), 1.0 - power)
    return power, one_minus_power


def _as_columns(theta):
    theta = np.asarray(theta, dtype=np.float64)
    return theta.reshape(len(theta), -1)
