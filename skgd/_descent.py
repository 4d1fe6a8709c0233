"""The generic batch gradient descent loop, for any differentiable objective."""

from dataclasses import dataclass
from enum import IntEnum

import numpy as np

from skgd._path import PathRecorder, path_capacity


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
    path : ndarray of shape (n_points, \\*x.shape) or None
        The points kept with ``store_path``: ``path[i]`` is the point after
        ``path_iterations[i]`` steps. ``None`` when no path was asked for.
    path_iterations : ndarray of int of shape (n_points,) or None
        The step number of each point of ``path``, from 0 (``x0``) to ``nit``.

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
    path: np.ndarray | None = None
    path_iterations: np.ndarray | None = None

    @property
    def success(self):
        """Whether the loop ended without diverging or being stopped early."""
        return self.status in (Status.CONVERGED, Status.MAX_ITER)


def gradient_descent(
    fun,
    x0,
    *,
    alpha,
    max_iter=1000,
    tol=None,
    cost_scale=None,
    callback=None,
    store_path=False,
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
    store_path : bool or int, default=False
        Whether to keep the points along the way in ``result.path``. ``True`` keeps
        up to 1001 points (the start and every step of 1000), an int >= 2 at most
        that many: the points after steps ``0, s, 2s, ...`` and the last step,
        with the smallest stride ``s`` that fits ``max_iter`` steps. Memory:
        ``n_points * x0.size`` floats.

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

    With ``store_path`` the points along the way are kept too:

    >>> result = gradient_descent(
    ...     lambda theta: (float(theta @ theta), 2 * theta), [3.0],
    ...     alpha=0.1, max_iter=4, store_path=True)
    >>> result.path[:, 0], result.path_iterations
    (array([3.    , 2.4   , 1.92  , 1.536 , 1.2288]), array([0, 1, 2, 3, 4]))
    """
    x = np.array(x0, dtype=np.result_type(np.asarray(x0).dtype, np.float32))
    recorder = path_recorder(store_path, max_iter)
    # Overflow is detected and reported below; numpy need not warn about it too.
    with np.errstate(over="ignore", invalid="ignore"):
        return _descend(fun, x, alpha, max_iter, tol, cost_scale, callback, recorder)


def _descend(fun, x, alpha, max_iter, tol, cost_scale, callback, recorder):
    cost, grad = _evaluate(fun, x)
    if not (np.isfinite(cost) and np.all(np.isfinite(grad))):
        raise ValueError(
            f"The cost or gradient at the starting point is not finite (cost={cost}):"
            " the function overflows there; rescale the problem."
        )
    stop_rules = StopRules(
        x.dtype, abs(cost) if cost_scale is None else cost_scale, tol
    )

    cost_history = np.empty(max_iter + 1)
    cost_history[0] = cost
    if recorder is not None:
        recorder.record(0, x)
    status, nit = Status.MAX_ITER, max_iter
    for k in range(1, max_iter + 1):
        # 1. Simultaneous update: the whole gradient was taken at x_k.
        x_next = x - alpha * grad
        # 2. Cost and gradient at the new point.
        cost_next, grad_next = _evaluate(fun, x_next)
        # 3. With alpha below the stable bound the cost never rises, bar rounding.
        if stop_rules.diverged(cost, cost_next):
            status, nit = Status.DIVERGED, k - 1
            break
        # 4. Record.
        previous_cost = cost
        x, cost, grad = x_next, cost_next, grad_next
        cost_history[k] = cost
        if recorder is not None:
            recorder.record(k, x)
        # 5. Callback.
        if callback is not None:
            try:
                callback(make_result(x, cost, grad, k, Status.MAX_ITER, cost_history))
            except StopIteration:
                status, nit = Status.CALLBACK, k
                break
        # 6. Stop test.
        if stop_rules.converged(previous_cost, cost):
            status, nit = Status.CONVERGED, k
            break
    return make_result(x, cost, grad, nit, status, cost_history, recorder)


class StopRules:
    """When a descent stops, shared by every way of computing the iterates.

    Parameters
    ----------
    dtype : dtype
        The floating point type of the iterates, which sets the rounding level.
    cost_scale : float
        A typical magnitude of the cost; a rise below ``1e3 * eps`` of it (or of
        the current cost, if larger) is put down to rounding.
    tol : float or None
        The smallest decrease of the cost that lets the descent go on.
    """

    def __init__(self, dtype, cost_scale, tol):
        self.scale = float(cost_scale)
        self.roundoff = _ROUNDING_SLACK * np.finfo(dtype).eps
        self.tol = tol

    def diverged(self, cost, cost_next):
        """Whether a step from ``cost`` to ``cost_next`` shows divergence."""
        rise = cost_next - cost
        return not np.isfinite(cost_next) or rise > self.roundoff * max(
            self.scale, abs(cost)
        )

    def converged(self, cost, cost_next):
        """Whether a step from ``cost`` to ``cost_next`` lowered it by < ``tol``."""
        return self.tol is not None and cost - cost_next < self.tol

    def first_stop(self, costs):
        """The first step of ``costs[1:]`` (steps from ``costs[0]``) that stops.

        Returns ``(j, status)`` where ``costs[j]`` is the last accepted cost, or
        ``(None, None)`` when every step is accepted and none converged. The same
        rules as :meth:`diverged` and :meth:`converged`, applied to many steps.
        """
        before, after = costs[:-1], costs[1:]
        with np.errstate(invalid="ignore"):
            diverged = ~np.isfinite(after) | (
                after - before > self.roundoff * np.maximum(self.scale, abs(before))
            )
            stop = diverged
            if self.tol is not None:
                stop = stop | (before - after < self.tol)
        if not stop.any():
            return None, None
        first = int(np.argmax(stop))
        if diverged[first]:
            return first, Status.DIVERGED
        return first + 1, Status.CONVERGED


def path_recorder(store_path, max_iter):
    """The recorder ``store_path`` asks for, or None."""
    capacity = path_capacity(store_path)
    return PathRecorder(capacity, planned_steps=max_iter) if capacity else None


def _evaluate(fun, x):
    cost, grad = fun(x)
    return float(cost), grad


def make_result(x, cost, grad, nit, status, cost_history, recorder=None):
    """A :class:`GradientDescentResult` after ``nit`` steps, its path finished."""
    path = path_iterations = None
    if recorder is not None:
        path, path_iterations = recorder.finish(nit, x)
    message = _STATUS_MESSAGES[status].format(iteration=nit + 1)
    return GradientDescentResult(
        x=x,
        fun=cost,
        grad=grad,
        nit=nit,
        status=status,
        message=message,
        cost_history=cost_history[: nit + 1],
        path=path,
        path_iterations=path_iterations,
    )
