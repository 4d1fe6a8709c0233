r"""The dual Gram path: steps in sample space, for fewer samples than features.

Every gradient :math:`[X\ 1]^T S r` lies in the span of the rows of
:math:`[X\ 1]`, so :math:`\theta_k = \theta_0 - \alpha [X\ 1]^T S^{1/2} a_k` with
:math:`a_k = \sum_{j<k} u_j`, where :math:`u = S^{1/2} r` is the scaled residual.
The residual itself follows

.. math:: u_{k+1} = u_k - \alpha K u_k, \qquad
          K = S^{1/2} (X X^T + 1 1^T) S^{1/2},

an (n_samples, n_samples) matrix, and the cost is read straight from it,
:math:`J_k = \tfrac12 \lVert u_k \rVert^2`, with no cancellation. Each step costs
O(n_samples²) instead of a pass over X; the parameters are formed at the end, in
one more pass.
"""

import numpy as np

from skgd._descent import Status, StopRules, make_result, path_recorder
from skgd._objective import largest_eigenvalue


class DualGram:
    """Gradient descent on the half squared error in the space of the samples.

    Parameters
    ----------
    objective : HalfSquaredError
        The cost.

    Examples
    --------
    >>> import numpy as np
    >>> from skgd._objective import HalfSquaredError
    >>> from skgd._dual import DualGram
    >>> X = np.array([[1.0, 0.0, 2.0], [0.0, 1.0, 1.0]])
    >>> solver = DualGram(HalfSquaredError(X, np.array([1.0, 2.0])))
    >>> result = solver.descend(np.zeros(4), alpha=0.2, max_iter=500)
    >>> np.round(X @ result.x[:3] + result.x[3], 6)  # interpolates the targets
    array([1., 2.])
    """

    name = "dual"
    bound_known = True

    def __init__(self, objective):
        self.objective = objective
        self._gram, self._root_weights = objective.dual_gram()
        self._lipschitz = None

    def lipschitz(self):
        """The largest eigenvalue ``L`` of the Hessian, from the dual matrix."""
        if self._lipschitz is None:
            self._lipschitz = largest_eigenvalue(self._gram)
        return self._lipschitz

    def descend(
        self, theta0, *, alpha, max_iter, tol=None, callback=None, store_path=False
    ):
        """Take up to ``max_iter`` steps from ``theta0``; as ``gradient_descent``."""
        with np.errstate(over="ignore", invalid="ignore"):
            return self._descend(theta0, alpha, max_iter, tol, callback, store_path)

    def _descend(self, theta0, alpha, max_iter, tol, callback, store_path):
        objective, dtype = self.objective, self.objective.X.dtype
        gram, root = self._gram, self._root_weights[:, np.newaxis]
        u = root * _as_columns(objective.residual(theta0))
        summed = np.zeros_like(u)  # a_k, the sum of u_0 ... u_{k-1}
        stop_rules = StopRules(dtype, objective.cost_scale, tol)
        recorder = path_recorder(store_path, max_iter)

        def point(sums):
            return self._points(theta0, alpha, [sums])[0]

        cost = 0.5 * float(np.vdot(u, u))
        cost_history = np.empty(max_iter + 1)
        cost_history[0] = cost
        # The recorder keeps the sums a_k, turned into parameters at the end.
        if recorder is not None:
            recorder.record(0, summed)
        status, nit = Status.MAX_ITER, max_iter
        for k in range(1, max_iter + 1):
            # 1.-2. Simultaneous update, carried by the residual, and its cost.
            u_next = u - alpha * (gram @ u)
            cost_next = 0.5 * float(np.vdot(u_next, u_next))
            # 3. Divergence, by the literal loop's rule.
            if stop_rules.diverged(cost, cost_next):
                status, nit = Status.DIVERGED, k - 1
                break
            # 4. Record.
            summed += u
            previous_cost, u, cost = cost, u_next, cost_next
            cost_history[k] = cost
            if recorder is not None:
                recorder.record(k, summed)
            # 5. Callback; the parameters cost a pass over X, so only here (and
            # the gradient, which the estimator's callbacks do not read, never).
            if callback is not None:
                intermediate = make_result(
                    point(summed), cost, None, k, Status.MAX_ITER, cost_history
                )
                try:
                    callback(intermediate)
                except StopIteration:
                    status, nit = Status.CALLBACK, k
                    break
            # 6. Stop test.
            if stop_rules.converged(previous_cost, cost):
                status, nit = Status.CONVERGED, k
                break
        # theta_k = theta_0 - alpha [X 1]^T S^(1/2) a_k, and the gradient at it,
        # in one pass over X.
        x, gradient_columns = self._final(theta0, alpha, summed, root * u)
        if recorder is not None:
            sums, steps = recorder.finish(nit, summed)
            recorder = _Finished(self._points(theta0, alpha, list(sums)), steps)
        return make_result(
            x,
            cost,
            gradient_columns.reshape(np.shape(theta0)).astype(dtype),
            nit,
            status,
            cost_history,
            recorder,
        )

    def _final(self, theta0, alpha, summed, scaled_residual):
        root = self._root_weights[:, np.newaxis]
        both = self.objective.design_rmatmul(
            np.hstack([root * summed, scaled_residual])
        )
        n_columns = summed.shape[1]
        step_sum, gradient = both[:, :n_columns], both[:, n_columns:]
        x = _as_columns(theta0) - alpha * step_sum
        dtype = self.objective.X.dtype
        return x.reshape(np.shape(theta0)).astype(dtype), gradient

    def _points(self, theta0, alpha, sums):
        """The parameters for each ``a_k`` in ``sums``, in one pass over X."""
        root = self._root_weights[:, np.newaxis]
        stacked = np.hstack([root * s for s in sums])
        moved = self.objective.design_rmatmul(stacked)
        n_columns = sums[0].shape[1]
        shape = np.shape(theta0)
        points = [
            (
                _as_columns(theta0)
                - alpha * moved[:, i * n_columns : (i + 1) * n_columns]
            )
            .reshape(shape)
            .astype(self.objective.X.dtype)
            for i in range(len(sums))
        ]
        return np.stack(points)


class _Finished:
    """A finished path, in the form ``make_result`` takes from a recorder."""

    def __init__(self, path, steps):
        self._path, self._steps = path, steps

    def finish(self, step, x):
        return self._path, self._steps


def _as_columns(theta):
    theta = np.asarray(theta, dtype=np.float64)
    return theta.reshape(len(theta), -1)
