"""What the Displays share: the matplotlib check, the axes, the fitted estimator.

matplotlib is imported only inside the functions that draw, so ``import skgd``
works without it; it is the optional extra ``skgd[plot]``.
"""

from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted


def check_matplotlib_support(caller_name):
    """Raise an ImportError naming the caller and the install command if needed.

    The same check as scikit-learn's, with skgd's install command.

    Parameters
    ----------
    caller_name : str
        The name of the method that needs matplotlib.

    Examples
    --------
    >>> from skgd._plotting._base import check_matplotlib_support
    >>> check_matplotlib_support("CostHistoryDisplay.plot")  # matplotlib is here
    """
    try:
        import matplotlib  # noqa: F401
    except ImportError as error:
        raise ImportError(
            f"{caller_name} requires matplotlib. You can install it with "
            '`pip install "skgd[plot]"` or `pip install matplotlib`.'
        ) from error


def axes_or_new(ax):
    """``ax``, or the axes of a new figure when ``ax`` is None."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots()
    return ax


def fitted_descent_step(estimator, caller_name, attribute):
    """The estimator that ran the descent: ``estimator`` or a pipeline's last step.

    Raises ``NotFittedError`` for an unfitted estimator, and a ``TypeError`` that
    says what to pass for one without ``attribute``.
    """
    final = estimator[-1] if isinstance(estimator, Pipeline) else estimator
    check_is_fitted(final)
    if not hasattr(final, attribute):
        raise TypeError(
            f"{caller_name} needs a fitted GradientDescentRegressor, or a Pipeline "
            f"ending in one, with the attribute {attribute}; got "
            f"{type(final).__name__}. For a search such as GridSearchCV, pass its "
            "best_estimator_."
        )
    return final


def require_path(fitted, caller_name):
    """Refuse an estimator, or a result, that recorded no parameter path."""
    if hasattr(fitted, "cost_history_") and getattr(fitted, "coef_path_", None) is None:
        raise ValueError(
            f"{caller_name} needs the parameter path, which the estimator did "
            "not record: fit it with store_path=True (or an int >= 2), for "
            "example GradientDescentRegressor(store_path=True)."
        )
    if not hasattr(fitted, "cost_history_") and getattr(fitted, "path", None) is None:
        raise ValueError(
            f"{caller_name} needs the path of the descent: call "
            "gradient_descent(..., store_path=True)."
        )
