r"""The primal Gram path: every step from the Hessian, in closed form.

The gradient of the half squared error is affine in the parameters,
:math:`\nabla J(\theta) = H \theta - c`, so after one pass over X (to build
:math:`H = [X\ 1]^T S [X\ 1]` and :math:`c`) the data are no longer needed.

Two precautions keep the iterates and the cost as exact as the literal loop's:

* **An anchor.** :math:`J(\theta) = \tfrac12\theta^T H\theta - c^T\theta +
  \tfrac12 y^T S y` loses all its digits to cancellation near the minimum.
  Instead, with any anchor :math:`\hat\theta` whose cost :math:`\hat J` and
  gradient :math:`\hat g` are computed from the data, and :math:`e = \theta -
  \hat\theta`,

  .. math:: \nabla J(\theta) = H e + \hat g, \qquad
            J(\theta) = \hat J + \hat g^T e + \tfrac12 e^T H e,

  exactly, and with :math:`\hat\theta` near the minimum every term is small
  where the cost is small. The anchor is the least-squares solution from the
  spectrum of :math:`H`; it need not be accurate.
* **The eigenbasis.** With :math:`H = Q \Lambda Q^T` and :math:`z = Q^T e`,
  :math:`\gamma = Q^T \hat g`, the step :math:`e_{k+1} = e_k - \alpha (H e_k +
  \hat g)` decouples into :math:`z_{k+1} = \rho z_k - \alpha\gamma` with
  :math:`\rho = 1 - \alpha\lambda`, whose solution is

  .. math:: z_k = \rho^k z_0 - \frac{1 - \rho^k}{\lambda}\gamma

  (:math:`z_k = z_0 - k\alpha\gamma` where :math:`\lambda = 0`). Each step is
  computed directly from the start, so rounding does not accumulate from step
  to step, and many steps are evaluated at once, as arrays.
"""

import contextlib

import numpy as np
import scipy.sparse as sp

from skgd._descent import Status, StopRules, make_result, path_recorder
from skgd._threads import one_blas_thread

# Steps evaluated together: enough to amortise numpy's per-call cost, few enough
# that the (steps, n_params, n_targets) block stays small.
_MAX_BLOCK_ELEMENTS = 2**14


class PrimalGram:
    """Gradient descent on the half squared error from its Hessian.

    Parameters
    ----------
    objective : HalfSquaredError
        The cost; read once here, and once more for the anchor.

    Examples
    --------
    >>> import numpy as np
    >>> from skgd._objective import HalfSquaredError
    >>> from skgd._primal import PrimalGram
    >>> X = np.array([[1.0], [2.0], [3.0], [4.0]])
    >>> solver = PrimalGram(HalfSquaredError(X, 2 * X[:, 0] + 1))
    >>> result = solver.descend(np.zeros(2), alpha=0.1, max_iter=2000)
    >>> np.round(result.x, 6)
    array([2., 1.])
    """

    name = "gram"
    bound_known = True

    def __init__(self, objective):
        self.objective = objective
        # The pass over X shares its rows among threads itself (skgd._threads),
        # and the other matrices are small.
        self._blas = (
            one_blas_thread if objective.shares_passes else contextlib.nullcontext
        )
        with self._blas():
            self._read(objective)

    def _read(self, objective):
        stride = _anchor_stride(objective)
        if stride > 1:
            # Anchor on a sample of the rows; then one pass gives the anchor's
            # cost and gradient and the intercept's column of H together.
            anchor = _least_squares(*objective.subsample(stride).gram())
            cost, gradient, feature_gram, column_sums = objective.statistics(
                anchor.reshape(objective.zeros().shape).astype(objective.X.dtype)
            )
            hessian = objective.hessian_from(feature_gram, column_sums)
            eigenvalues, self._basis = _eigh(hessian)
        else:
            hessian, c = objective.gram()
            eigenvalues, self._basis = _eigh(hessian)
            anchor = _least_squares(hessian, c, (eigenvalues, self._basis))
            cost, gradient = objective.loss_gradient(
                anchor.reshape(objective.zeros().shape).astype(objective.X.dtype)
            )
        # H is positive semi-definite; negative eigenvalues are rounding.
        self._eigenvalues = np.maximum(eigenvalues, 0.0)
        self._anchor = anchor
        self._anchor_cost = float(cost)
        self._gamma = self._basis.T @ _as_columns(gradient)

    def lipschitz(self):
        """The largest eigenvalue ``L`` of the Hessian."""
        return float(self._eigenvalues[-1]) if len(self._eigenvalues) else 0.0

    def descend(
        self, theta0, *, alpha, max_iter, tol=None, callback=None, store_path=False
    ):
        """Take up to ``max_iter`` steps from ``theta0``; as ``gradient_descent``.

        Returns a :class:`~skgd.GradientDescentResult` whose iterates and costs
        equal those of the literal loop, up to rounding.
        """
        # Beyond 2/L the powers overflow; the stop rules report it as divergence.
        with np.errstate(over="ignore", invalid="ignore"), self._blas():
            return self._descend(theta0, alpha, max_iter, tol, callback, store_path)

    def _descend(self, theta0, alpha, max_iter, tol, callback, store_path):
        dtype, shape = self.objective.X.dtype, np.shape(theta0)
        z0 = self._basis.T @ (_as_columns(theta0) - self._anchor)
        block = max(1, min(max_iter + 1, _MAX_BLOCK_ELEMENTS // max(z0.size, 1)))
        trajectory = _Trajectory(self, z0, alpha, block)
        stop_rules = StopRules(dtype, self.objective.cost_scale, tol)
        recorder = path_recorder(store_path, max_iter)

        def point(z):
            return self._point(z).reshape(shape).astype(dtype)

        cost_history = np.empty(max_iter + 1)
        cost_history[0] = trajectory.costs(0, 1)[0][0]
        if recorder is not None:
            recorder.record(0, theta0)
        status, nit, z_last = Status.MAX_ITER, max_iter, z0
        for first in range(1, max_iter + 1, block):
            steps = np.arange(first, min(first + block, max_iter + 1))
            costs, zs = trajectory.costs(first, len(steps))
            # 1.-3. The same stop rules as the literal loop, on the whole block.
            accepted, stop = stop_rules.first_stop(
                np.concatenate([[cost_history[first - 1]], costs])
            )
            n_accepted = len(steps) if accepted is None else accepted
            cost_history[first : first + n_accepted] = costs[:n_accepted]
            # 4.-5. Path and callback, step by step, only when asked for.
            step_by_step = recorder is not None or callback is not None
            for i in range(n_accepted if step_by_step else 0):
                step = int(steps[i])
                if recorder is not None and recorder.wants(step):
                    recorder.record(step, point(zs[i]))
                if callback is not None:
                    # The estimator's step callbacks read only x, so the
                    # gradient of intermediate results is not formed.
                    intermediate = make_result(
                        point(zs[i]),
                        costs[i],
                        None,
                        step,
                        Status.MAX_ITER,
                        cost_history,
                    )
                    try:
                        callback(intermediate)
                    except StopIteration:
                        stop, n_accepted = Status.CALLBACK, i + 1
                        break
            if n_accepted:
                z_last = zs[n_accepted - 1]
            if stop is not None:
                status, nit = stop, first - 1 + n_accepted
                break
        x = point(z_last)
        gradient = self._basis @ (
            self._eigenvalues[:, np.newaxis] * z_last + self._gamma
        )
        return make_result(
            x,
            float(cost_history[nit]),
            gradient.reshape(shape).astype(dtype),
            nit,
            status,
            cost_history,
            recorder,
        )

    def _point(self, z):
        return self._anchor + self._basis @ z


class _Trajectory:
    """The eigen-coordinates ``z_k`` and costs ``J_k`` of blocks of steps ``k``.

    The powers ``rho**j`` for ``j`` below the block length are computed once;
    the block starting at ``k0`` then takes ``rho**(k0 + j) = rho**k0 * rho**j``
    and, where ``rho > 0``, ``1 - rho**(k0 + j) = (1 - rho**k0) + rho**k0 (1 -
    rho**j)``, a sum of two non-negative terms: no cancellation, and no
    exponentials per step.
    """

    def __init__(self, solver, z0, alpha, block):
        self.z0, self.gamma = z0, solver._gamma
        self.eigenvalues = solver._eigenvalues
        self.anchor_cost = solver._anchor_cost
        self.alpha = alpha
        self.flat = self.eigenvalues == 0
        self.rho = 1.0 - alpha * self.eigenvalues
        self.positive = self.rho > 0
        self.inverse = np.divide(
            1.0,
            self.eigenvalues,
            out=np.zeros_like(self.eigenvalues),
            where=~self.flat,
        )
        self.base_power, self.base_one_minus = _powers(
            self.rho, alpha * self.eigenvalues, np.arange(block)
        )
        n_targets = z0.shape[1]
        self._cost_weights = np.repeat(0.5 * self.eigenvalues, n_targets)

    def costs(self, first, count):
        """``(J_k, z_k)`` for the ``count`` steps ``k = first, first + 1, ...``."""
        steps = np.arange(first, first + count)
        start_power, start_one_minus = _powers(
            self.rho, self.alpha * self.eigenvalues, steps[:1]
        )
        power = start_power * self.base_power[:count]
        one_minus_power = np.where(
            self.positive,
            start_one_minus + start_power * self.base_one_minus[:count],
            1.0 - power,
        )
        # (1 - rho^k) / lambda, which is k * alpha where lambda = 0.
        drift = one_minus_power * self.inverse
        if self.flat.any():
            drift[:, self.flat] = self.alpha * steps[:, np.newaxis]
        zs = power[..., np.newaxis] * self.z0 - drift[..., np.newaxis] * self.gamma
        # J = J(anchor) + g.e + e^T H e / 2, in the eigenbasis.
        flat_zs = zs.reshape(count, -1)
        costs = (
            self.anchor_cost
            + flat_zs @ self.gamma.ravel()
            + (flat_zs * flat_zs) @ self._cost_weights
        )
        return costs, zs


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


def _anchor_stride(objective):
    """Every how many rows the anchor is taken: 1 (all rows) for short data.

    The sample keeps at least 32 rows per parameter, and at most every 64th row
    is taken, so that the anchor stays near the least-squares solution. Sparse
    rows cannot be sampled without a copy, so sparse data use all rows.
    """
    if sp.issparse(objective.X):
        return 1
    n_samples, n_params = objective.X.shape[0], objective.n_params
    return int(np.clip(n_samples // (32 * max(n_params, 1)), 1, 64))


def _eigh(hessian):
    # numpy's eigh, not scipy's: numpy's BLAS threads, still spinning after
    # building H, would otherwise compete with scipy's for the cores.
    return np.linalg.eigh(hessian)


def _least_squares(hessian, c, spectrum=None):
    """A minimiser of ``theta' H theta / 2 - c' theta`` (the pseudo-inverse)."""
    eigenvalues, basis = _eigh(hessian) if spectrum is None else spectrum
    largest = eigenvalues[-1] if len(eigenvalues) else 0.0
    cutoff = largest * len(eigenvalues) * np.finfo(np.float64).eps
    inverse = np.divide(
        1.0, eigenvalues, out=np.zeros_like(eigenvalues), where=eigenvalues > cutoff
    )
    return basis @ (inverse[:, np.newaxis] * (basis.T @ _as_columns(c)))


def _as_columns(theta):
    theta = np.asarray(theta, dtype=np.float64)
    return theta.reshape(len(theta), -1)
