"""Errors raised by skgd."""


class DivergenceError(ValueError):
    """Raised when gradient descent diverges: the learning rate is too large.

    It subclasses :class:`ValueError`, as scikit-learn's ``NotFittedError`` does,
    so that code catching bad input catches it too.

    Parameters
    ----------
    iteration : int
        The step at which the cost rose.
    alpha : float
        The learning rate that was used.
    max_stable_alpha : float
        ``2 / L``, the largest stable learning rate for this data, where ``L`` is
        the largest eigenvalue of the Hessian of the cost.

    Examples
    --------
    >>> import numpy as np
    >>> from skgd import DivergenceError, GradientDescentRegressor
    >>> X = np.array([[1.0], [2.0], [3.0]])
    >>> try:
    ...     GradientDescentRegressor(alpha=10.0).fit(X, [1.0, 2.0, 3.0])
    ... except DivergenceError as error:
    ...     print(error.iteration, error.alpha, round(error.max_stable_alpha, 3))
    1 10.0 0.361
    """

    def __init__(self, iteration, alpha, max_stable_alpha):
        self.iteration = iteration
        self.alpha = alpha
        self.max_stable_alpha = max_stable_alpha
        super().__init__(
            f"Gradient descent diverged: the cost rose at iteration {iteration} "
            f"with learning rate alpha={alpha:.6g}, above the largest stable "
            f"learning rate 2/L={max_stable_alpha:.6g} for this data (L is the "
            "largest eigenvalue of the Hessian of the cost). Use a smaller alpha, "
            "alpha='auto' (which chooses 1/L), or scale the features, for example "
            "with make_pipeline(StandardScaler(), GradientDescentRegressor())."
        )

    def __reduce__(self):
        # Keeps the error picklable, so that it crosses joblib's process boundary.
        return type(self), (self.iteration, self.alpha, self.max_stable_alpha)
