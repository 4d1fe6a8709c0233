"""What a descent returns: its result, and why it stopped."""

from dataclasses import dataclass
from enum import IntEnum

import numpy as np


class Status(IntEnum):
    """Why a descent stopped: the ``status`` of its result.

    An :class:`~enum.IntEnum`, so it compares equal to scipy-style status codes:
    0 converged (``tol``), 1 ``max_iter`` reached, 2 diverged, 3 stopped by the
    callback, 4 the function returned a value that is not a number, 5 stopped
    early on the validation cost; and -1 for the results handed to a callback
    while the loop is still running.

    See Also
    --------
    GradientDescentResult : The result whose ``status`` it is.

    Examples
    --------
    >>> from skgd import Status, gradient_descent
    >>> result = gradient_descent(lambda x: (x @ x, 2 * x), [1.0], alpha=2.5)
    >>> result.status is Status.DIVERGED, int(result.status)
    (True, 2)
    """

    RUNNING = -1
    CONVERGED = 0
    MAX_ITER = 1
    DIVERGED = 2
    CALLBACK = 3
    NOT_A_NUMBER = 4
    EARLY_STOPPED = 5


STATUS_MESSAGES = {
    Status.RUNNING: "Running: {nit} steps taken so far.",
    Status.CONVERGED: "Converged: the last step lowered the cost by less than tol.",
    Status.MAX_ITER: "Stopped after max_iter steps.",
    Status.DIVERGED: (
        "Diverged: the cost rose at iteration {next}, so the learning rate "
        "is above the stable bound; the last accepted point is returned."
    ),
    Status.CALLBACK: "Stopped by the callback.",
    Status.EARLY_STOPPED: (
        "Stopped early: the validation cost did not fall by more than tol for "
        "n_iter_no_change steps; the point is that of step {best}, the best."
    ),
    Status.NOT_A_NUMBER: (
        "The function returned NaN at iteration {next}, at a finite point: "
        "its value or gradient is not defined there; the last accepted point "
        "is returned."
    ),
}


@dataclass(frozen=True)
class GradientDescentResult:
    """The outcome of a descent, in the manner of ``OptimizeResult``.

    Made by :func:`gradient_descent` (and handed to its callback after every
    step, with status ``RUNNING``); every field is read-only.

    Parameters
    ----------
    x : ndarray
        The last accepted point.
    fun : float
        The cost at ``x``.
    grad : ndarray or None
        The gradient at ``x``. Always an array in the final result; None in the
        results handed to a callback by descents that do not form it at every
        step (the estimator's 'gram' and 'dual' solvers).
    nit : int
        The number of steps taken (accepted).
    status : Status
        Why the loop stopped; :attr:`Status.RUNNING` in the results handed to a
        callback, while it runs.
    message : str
        The status, said in words.
    cost_history : ndarray of shape (nit + 1,)
        ``cost_history[k]`` is the cost after ``k`` steps; ``[0]`` is the cost at
        ``x0``.
    path : ndarray of shape (n_points, \\*x.shape) or None, default=None
        The points kept with ``store_path``: ``path[i]`` is the point after
        ``path_iterations[i]`` steps. ``None`` when no path was asked for, and
        in the results handed to a callback.
    path_iterations : ndarray of int of shape (n_points,) or None, default=None
        The step number of each point of ``path``, from 0 (``x0``) to ``nit``.
    validation_cost_history : ndarray of shape (nit + 1,) or None, default=None
        The validation cost at the start and after every step, where the
        descent had validation data.
    best_iteration : int or None, default=None
        With early stopping, the step of the lowest validation cost, whose point
        ``x`` is (``grad`` is then None unless it is the last step).

    Attributes
    ----------
    success : bool
        Whether the loop ended by ``tol`` or ``max_iter``.

    See Also
    --------
    gradient_descent : The loop that returns it.
    Status : The values of ``status``.

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
    grad: np.ndarray | None
    nit: int
    status: Status
    message: str
    cost_history: np.ndarray
    path: np.ndarray | None = None
    path_iterations: np.ndarray | None = None
    validation_cost_history: np.ndarray | None = None
    best_iteration: int | None = None

    @property
    def success(self):
        """Whether the loop ended by ``tol`` or ``max_iter`` (False while running)."""
        return self.status in (Status.CONVERGED, Status.MAX_ITER)
