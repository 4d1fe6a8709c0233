"""Errors raised by skgd, and how a fit that raises leaves the estimator."""

from contextlib import contextmanager


class DivergenceError(ValueError):
    """Raised when gradient descent diverges: the learning rate is too large.

    It subclasses :class:`ValueError`, as scikit-learn's ``NotFittedError`` does,
    so that code catching bad input catches it too.

    Parameters
    ----------
    iteration : int or None
        The step at which the cost rose, or ``None`` when the divergence was
        foreseen before the first step: with a Gram matrix at hand, ``L`` is known
        and ``alpha > 2 / L`` is refused without iterating.
    alpha : float
        The learning rate that was used.
    max_stable_alpha : float
        ``2 / L``, the largest stable learning rate for this data, where ``L`` is
        the largest eigenvalue of the Hessian of the cost.

    See Also
    --------
    GradientDescentRegressor : Whose fit raises it.
    sklearn.exceptions.ConvergenceWarning : Warned when ``tol`` does not stop
        the descent within ``max_iter`` steps.

    Examples
    --------
    >>> import numpy as np
    >>> from skgd import DivergenceError, GradientDescentRegressor
    >>> X = np.array([[1.0], [2.0], [3.0]])
    >>> reg = GradientDescentRegressor(alpha=10.0, solver="literal")
    >>> try:
    ...     reg.fit(X, [1.0, 2.0, 3.0])
    ... except DivergenceError as error:
    ...     print(error.iteration, error.alpha, round(error.max_stable_alpha, 3))
    1 10.0 0.361

    The Gram solvers know the bound before the first step:

    >>> try:
    ...     reg.set_params(solver="gram").fit(X, [1.0, 2.0, 3.0])
    ... except DivergenceError as error:
    ...     print(error.iteration, error.alpha, round(error.max_stable_alpha, 3))
    None 10.0 0.361
    """

    def __init__(self, iteration, alpha, max_stable_alpha):
        self.iteration = iteration
        self.alpha = alpha
        self.max_stable_alpha = max_stable_alpha
        if iteration is None:
            what = "would diverge, so no step was taken"
        else:
            what = f"diverged: the cost rose at iteration {iteration}"
        super().__init__(
            f"Gradient descent {what} "
            f"with learning rate alpha={alpha:.6g}, above the largest stable "
            f"learning rate 2/L={max_stable_alpha:.6g} for this data (L is the "
            "largest eigenvalue of the Hessian of the cost). Use a smaller alpha, "
            "alpha='auto' (which chooses 1/L), or scale the features, for example "
            "with make_pipeline(StandardScaler(), GradientDescentRegressor())."
        )

    def __reduce__(self):
        # Keeps the error picklable, so that it crosses joblib's process boundary.
        return type(self), (self.iteration, self.alpha, self.max_stable_alpha)


@contextmanager
def previous_fit_kept_on_error(estimator):
    """Leave the fitted attributes as they were before ``fit`` if it raises.

    A failed fit then never leaves a half-fitted estimator: a fitted one keeps
    its previous model whole, an unfitted one stays unfitted.
    """
    before = _fitted_attributes(estimator)
    try:
        yield
    except BaseException:
        for name in _fitted_attributes(estimator):
            delattr(estimator, name)
        for name, value in before.items():
            setattr(estimator, name, value)
        raise


def _fitted_attributes(estimator):
    return {
        name: value
        for name, value in vars(estimator).items()
        if name.endswith("_") and not name.startswith("_")
    }
