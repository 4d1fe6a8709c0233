"""``gradient_descent``: the descent loop on any differentiable function."""

from numbers import Integral, Real

import numpy as np

from skgd._descent import descend
from skgd._path import path_capacity


class FunctionStepper:
    """The textbook step on any differentiable ``fun``: one call per step."""

    def __init__(self, fun, x0, alpha, cost_scale, validation_cost=None):
        self.fun, self.validation_cost = fun, validation_cost
        self.alpha = alpha
        self.x = x0
        self.dtype = x0.dtype
        self._scale = cost_scale
        self._next = None

    def start(self):
        self.cost, self.grad = _evaluate_first(self.fun, self.x)
        self.cost_scale = abs(self.cost) if self._scale is None else self._scale
        return self.cost

    def advance(self, max_steps):
        # The simultaneous update, from the whole gradient at x_k; in float64
        # where the gradient is, then stored in the dtype of the iterates.
        x_next = np.asarray(self.x - self.alpha * self.grad, dtype=self.dtype)
        if not np.all(np.isfinite(x_next)):
            self._next = (x_next, np.inf, None)
            return [np.inf]  # the step itself overflowed: divergence
        cost, grad = self.fun(x_next)
        cost = float(cost)
        if np.isfinite(cost) and not np.all(np.isfinite(grad)):
            cost = np.nan  # a gradient not defined at a finite cost
        self._next = (x_next, cost, grad)
        return [cost]

    def accept(self, n_steps):
        if n_steps:
            self.x, self.cost, self.grad = self._next

    def validation_start(self):
        return float(self.validation_cost(self.x))

    def validation_costs(self, count):
        return [float(self.validation_cost(self._next[0]))] if count else []

    def point(self, step):
        return self.x if step < 0 else self._next[0]

    def parameters(self, points):
        return np.stack(points)

    def gradient(self, step):
        return self.grad if step < 0 else self._next[2]


def _evaluate_first(fun, x):
    """``fun(x0)``, checked: a real scalar cost, a gradient of x's shape."""
    cost, grad = fun(x)
    if np.ndim(cost) != 0 or np.asarray(cost).dtype.kind not in "biuf":
        raise ValueError(
            f"fun must return a real number as the cost, got {cost!r} "
            f"(of shape {np.shape(cost)})."
        )
    grad = np.asarray(grad)
    if grad.shape != x.shape:
        raise ValueError(
            f"fun must return a gradient of the shape of x0, {x.shape}; got shape "
            f"{grad.shape}."
        )
    cost = float(cost)
    if not (np.isfinite(cost) and np.all(np.isfinite(grad))):
        raise ValueError(
            f"The cost or gradient at the starting point is not finite (cost={cost}):"
            " the function overflows or is not defined there; rescale the problem."
        )
    return cost, grad


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
    verbose=0,
):
    r"""Minimise a differentiable function by batch gradient descent.

    Each step computes the whole gradient at the current point, then moves every
    coordinate against it at once: :math:`x_{k+1} = x_k - \alpha \nabla f(x_k)`.
    It runs the same loop as :class:`GradientDescentRegressor`'s fits; for every
    step, in order:

    1. update all coordinates simultaneously from the gradient at :math:`x_k`;
    2. evaluate the cost and the gradient at :math:`x_{k+1}` (one call to ``fun``);
    3. stop with status ``DIVERGED`` if the cost is infinite or rose by more than
       rounding (``NOT_A_NUMBER`` if ``fun`` returned NaN), keeping :math:`x_k`;
    4. record the cost (and the point, with ``store_path``);
    5. call ``callback``, which may stop the loop by raising ``StopIteration``;
    6. stop with status ``CONVERGED`` if the step lowered the cost by less than
       ``tol``.

    Parameters
    ----------
    fun : callable
        ``fun(x) -> (cost, gradient)``: the objective value (a real number) and its
        gradient (an array of the shape of ``x``), as with ``jac=True`` in
        :func:`scipy.optimize.minimize`. Checked at the first call.
    x0 : array-like
        The starting point. It is copied, never modified.
    alpha : float
        The learning rate, a finite number > 0.
    max_iter : int, default=1000
        The number of steps to take when no other stop happens first, >= 0.
    tol : float or None, default=None
        ``None`` takes exactly ``max_iter`` steps. A float >= 0 stops as soon as one
        step lowers the cost by less than ``tol`` (a fall within rounding of the
        cost counts as none, so ``tol=0`` stops where rounding takes over).
    cost_scale : float or None, default=None
        A typical magnitude of the cost, used to tell a change of the cost caused
        by rounding from a real one. ``None`` takes ``abs(fun(x0)[0])``.
    callback : callable or None, default=None
        ``callback(intermediate_result)``, called after every accepted step with a
        :class:`GradientDescentResult` describing the current point, of status
        ``RUNNING``. Raising ``StopIteration`` ends the loop with status
        ``CALLBACK``.
    store_path : bool or int, default=False
        Whether to keep the points along the way in ``result.path``. ``True`` keeps
        up to 1001 points (the start and every step of 1000), an int >= 2 at most
        that many: the points after steps ``0, s, 2s, ...`` and the last step,
        with the smallest stride ``s`` that fits ``max_iter`` steps. Memory:
        ``n_points * x0.size`` floats.
    verbose : int, default=0
        ``1`` prints the cost after steps 0, 1, 2, 5, 10, 20, 50, ... and the last
        step, with why the loop stopped; ``2`` prints every step.

    Returns
    -------
    result : GradientDescentResult
        The last accepted point, its cost and gradient, the number of steps, the
        status and the whole cost history (as long as the steps taken).

    Raises
    ------
    ValueError
        If a parameter is invalid, if ``fun`` does not return a real cost and a
        gradient of the shape of ``x0``, or if they are not finite at ``x0``.

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
    _check_parameters(alpha, max_iter, tol, cost_scale, callback, verbose)
    path_capacity(store_path)  # raises for a bad store_path before any call
    x = np.array(x0, dtype=np.result_type(np.asarray(x0).dtype, np.float32))
    stepper = FunctionStepper(fun, x, float(alpha), cost_scale)
    # Overflow is detected and reported by the stop rules; numpy need not warn.
    with np.errstate(over="ignore", invalid="ignore"):
        return descend(
            stepper,
            max_iter=max_iter,
            tol=tol,
            callback=callback,
            store_path=store_path,
            verbose=verbose,
        )


def _check_parameters(alpha, max_iter, tol, cost_scale, callback, verbose):
    def real(value):
        return isinstance(value, Real) and not isinstance(value, bool)

    if not (real(alpha) and np.isfinite(alpha) and alpha > 0):
        raise ValueError(
            f"alpha must be a finite number > 0, got {alpha!r}. (gradient_descent "
            "does not know the Lipschitz constant L of an arbitrary function, so it "
            "has no alpha='auto'.)"
        )
    if not (isinstance(max_iter, Integral) and not isinstance(max_iter, bool)):
        raise ValueError(f"max_iter must be an int >= 0, got {max_iter!r}.")
    if max_iter < 0:
        raise ValueError(f"max_iter must be an int >= 0, got {max_iter!r}.")
    if tol is not None and not (real(tol) and tol >= 0):
        raise ValueError(f"tol must be None or a number >= 0, got {tol!r}.")
    if cost_scale is not None and not (
        real(cost_scale) and np.isfinite(cost_scale) and cost_scale >= 0
    ):
        raise ValueError(
            f"cost_scale must be None or a finite number >= 0, got {cost_scale!r}."
        )
    if not (isinstance(verbose, Integral) and verbose >= 0):
        raise ValueError(f"verbose must be an int >= 0, got {verbose!r}.")
    if callback is not None and not callable(callback):
        raise ValueError(f"callback must be callable or None, got {callback!r}.")
