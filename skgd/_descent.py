"""The generic batch gradient descent loop, for any differentiable objective."""

from dataclasses import dataclass
from enum import IntEnum

import numpy as np


class Status(IntEnum):
    """Why :func:`gradient_descent` stopped: the ``status`` of its result.

    An :class:`~enum.IntEnum`, so it compares equal to scipy-style status codes:
    0 converged (``tol``), 1 ``max_iter`` reached, 2 diverged, 3 stopped by the
    callback.

    Examples
    --------
    >>> from skgd import Status, gradient_descent
    >>> result = gradient_descent(lambda x: (x @ x, 2 * x), [1.0], alpha=2.5)
    >>> result.status is Status.DIVERGED, int(result.status)
    (True, 2)
    """

    CONVERGED = 0
    MAX_ITER = 1
    DIVERGED = 2
    CALLBACK = 3


_STATUS_MESSAGES = {
    Status.CONVERGED: "Converged: the last step lowered the cost by less than tol.",
    Status.MAX_ITER: "Stopped after max_iter steps.",
    Status.DIVERGED: (
        "Diverged: the cost rose at iteration {iteration}, so the learning rate "
        "is above the stable bound; the last accepted point is returned."
    ),
    Status.CALLBACK: "Stopped by the callback.",
}

# A rise of the cost smaller than this many units of roundoff of the cost's scale
# is put down to rounding near the minimum, not to a learning rate that is too large.
_ROUNDING_SLACK = 1e3


@dataclass(frozen=True)
class GradientDescentResult:
    """The outcome of :func:`gradient_descent`, in the manner of ``OptimizeResult``.

    Attributes
    ----------
    x : ndarray
        The last accepted point.
    fun : float
        The cost at ``x``.
    grad : ndarray
        The gradient at ``x``.
    nit : int
        The number of steps taken (accepted).
    status : Status
        Why the loop stopped; see :class:`Status`.
    message : str
        The status, said in words.
    cost_history : ndarray of shape (nit + 1,)
        ``cost_history[k]`` is the cost after ``k`` steps; ``[0]`` is the cost at
        ``x0``.

    Examples
    --------
    >>> from skgd import gradient_descent
    >>> result = gradient_descent(lambda x: (x @ x, 2 * x), [1.0], alpha=0.25)
    >>> result.nit, result.success, result.message
    (1000, True, 'Stopped after max_iter steps.')
    >>> result.cost_history[:3]
    array([1.    , 0.25  , 0.0625])
    """

    x: np.ndarray
    fun: float
    grad: np.ndarray
    nit: int
    status: Status
    message: str
    cost_history: np.ndarray

    @property
    def success(self):
        """Whether the loop ended without diverging or being stopped early."""
        return self.status in (Status.CONVERGED, Status.MAX_ITER)


def gradient_descent(
    fun, x0, *, alpha, max_iter=1000, tol=None, cost_scale=None, callback=None
):
    r"""Minimise a differentiable function by batch gradient descent.

    Each step computes the whole gradient at the current point, then moves every
    coordinate against it at once: :math:`x_{k+1} = x_k - \alpha \nabla f(x_k)`.

    The loop, in order, for every step:

    1. update all coordinates simultaneously from the gradient at :math:`x_k`;
    2. evaluate the cost and the gradient at :math:`x_{k+1}` (one call to ``fun``);
    3. stop with status ``DIVERGED`` if the cost is not finite or rose by more than
       rounding, keeping :math:`x_k`;
    4. record the cost;
    5. call ``callback``, which may stop the loop by raising ``StopIteration``;
    6. stop with status ``CONVERGED`` if the step lowered the cost by less than
       ``tol``.

    Parameters
    ----------
    fun : callable
        ``fun(x) -> (cost, gradient)``: the objective value (a real number) and its
        gradient (an array of the shape of ``x``), as with ``jac=True`` in
        :func:`scipy.optimize.minimize`.
    x0 : array-like
        The starting point. It is copied, never modified.
    alpha : float
        The learning rate, > 0.
    max_iter : int, default=1000
        The number of steps to take when no other stop happens first, >= 0.
    tol : float or None, default=None
        ``None`` takes exactly ``max_iter`` steps. A float >= 0 stops as soon as one
        step lowers the cost by less than ``tol``.
    cost_scale : float or None, default=None
        A typical magnitude of the cost, used to tell a rise of the cost caused by
        rounding (ignored) from one caused by too large a learning rate
        (divergence). ``None`` takes ``abs(fun(x0)[0])``.
    callback : callable or None, default=None
        ``callback(intermediate_result)``, called after every accepted step with a
        :class:`GradientDescentResult` describing the current point. Raising
        ``StopIteration`` ends the loop with status ``CALLBACK``.

    Returns
    -------
    result : GradientDescentResult
        The last accepted point, its cost and gradient, the number of steps, the
        status and the whole cost history.

    Raises
    ------
    ValueError
        If the cost or the gradient at ``x0`` is not finite.

    See Also
    --------
    GradientDescentRegressor : Linear regression fitted with this loop.
    scipy.optimize.minimize : General purpose minimisers.

    Examples
    --------
    Minimise :math:`J(\theta) = \theta^2` from :math:`\theta_0 = 3` with
    :math:`\alpha = 0.1`; every step multiplies :math:`\theta` by 0.8.

    >>> import numpy as np
    >>> from skgd import gradient_descent
    >>> result = gradient_descent(
    ...     lambda theta: (float(theta @ theta), 2 * theta), [3.0],
    ...     alpha=0.1, max_iter=4)
    >>> result.x
    array([1.2288])
    >>> np.round(np.sqrt(result.cost_history), 4)
    array([3.    , 2.4   , 1.92  , 1.536 , 1.2288])
    >>> result.message
    'Stopped after max_iter steps.'
    """
    x = np.array(x0, dtype=np.result_type(np.asarray(x0).dtype, np.float32))
    # Overflow is detected and reported below; numpy need not warn about it too.
    with np.errstate(over="ignore", invalid="ignore"):
        return _descend(fun, x, alpha, max_iter, tol, cost_scale, callback)


def _descend(fun, x, alpha, max_iter, tol, cost_scale, callback):
    cost, grad = _evaluate(fun, x)
    if not (np.isfinite(cost) and np.all(np.isfinite(grad))):
        raise ValueError(
            f"The cost or gradient at the starting point is not finite (cost={cost}):"
            " the function overflows there; rescale the problem."
        )
    scale = abs(cost) if cost_scale is None else float(cost_scale)
    roundoff = _ROUNDING_SLACK * np.finfo(x.dtype).eps

    cost_history = np.empty(max_iter + 1)
    cost_history[0] = cost
    status, nit = Status.MAX_ITER, max_iter
    for k in range(1, max_iter + 1):
        # 1. Simultaneous update: the whole gradient was taken at x_k.
        x_next = x - alpha * grad
        # 2. Cost and gradient at the new point.
        cost_next, grad_next = _evaluate(fun, x_next)
        # 3. With alpha below the stable bound the cost never rises, bar rounding.
        rise = cost_next - cost
        if not np.isfinite(cost_next) or rise > roundoff * max(scale, abs(cost)):
            status, nit = Status.DIVERGED, k - 1
            break
        # 4. Record.
        previous_cost = cost
        x, cost, grad = x_next, cost_next, grad_next
        cost_history[k] = cost
        # 5. Callback.
        if callback is not None:
            try:
                callback(_result(x, cost, grad, k, Status.MAX_ITER, cost_history))
            except StopIteration:
                status, nit = Status.CALLBACK, k
                break
        # 6. Stop test.
        if tol is not None and previous_cost - cost < tol:
            status, nit = Status.CONVERGED, k
            break
    return _result(x, cost, grad, nit, status, cost_history)


def _evaluate(fun, x):
    cost, grad = fun(x)
    return float(cost), grad


def _result(x, cost, grad, nit, status, cost_history):
    message = _STATUS_MESSAGES[status].format(iteration=nit + 1)
    return GradientDescentResult(
        x=x,
        fun=cost,
        grad=grad,
        nit=nit,
        status=status,
        message=message,
        cost_history=cost_history[: nit + 1],
    )
