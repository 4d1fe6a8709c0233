"""CostHistoryDisplay: the cost, or its distance to the minimum, step by step."""

import numpy as np

from skgd._plotting._base import (
    axes_or_new,
    check_matplotlib_support,
    fitted_descent_step,
)

_KINDS = ("cost", "gap")
_Y_LABELS = {"cost": "Cost J", "gap": r"$J - J_{\min}$"}
# A cost below the minimum by more than this fraction of the largest cost drawn
# is no rounding error: the minimum given is not the minimum of these costs.
_BELOW_MINIMUM_RTOL = 1e-8


class CostHistoryDisplay:
    r"""The cost of a gradient descent against the number of steps taken.

    Build it with :meth:`from_estimator` (a fitted
    :class:`GradientDescentRegressor`) or :meth:`from_result` (a
    :class:`GradientDescentResult`), which draw at once; or build it from the costs
    and call :meth:`plot`. All parameters are stored as attributes.

    Two pictures are on offer. ``kind="cost"`` draws :math:`J` itself, which
    shows how much of the cost the first steps remove. ``kind="gap"`` draws what
    is left to gain, :math:`J - J_{\min}`, on a logarithmic axis, where a linear
    rate of convergence is a straight line and its slope is the rate; it needs
    the minimum :math:`J_{\min}` of the cost (``min_cost``).

    Parameters
    ----------
    cost_history : array-like of shape (n_iter + 1,)
        ``cost_history[k]`` is the cost after ``k`` steps; ``[0]`` is the cost at
        the starting point.
    min_cost : float, default=None
        The minimum of the cost over all parameters, :math:`J_{\min}`, for
        ``kind="gap"``. For the half mean squared error it is the cost of the
        least-squares fit.
    name : str, default=None
        The name of the curve, shown in the legend. ``None`` shows no legend
        (unless there is a validation curve: then it is called "training").
    validation_cost_history : array-like of shape (n_iter + 1,), default=None
        The cost of a validation set after every step, drawn beside the
        training cost with ``kind="cost"``.
    best_iteration : int, default=None
        The step that early stopping kept, marked on the validation curve.

    Attributes
    ----------
    line_ : matplotlib Line2D
        The curve.
    validation_line_ : matplotlib Line2D or None
        The validation curve, where there is one.
    best_marker_ : matplotlib Line2D or None
        The marker of the best step, where there is one.
    ax_ : matplotlib Axes
        The axes the curve is drawn on.
    figure_ : matplotlib Figure
        The figure holding ``ax_``.

    See Also
    --------
    CostHistoryDisplay.from_estimator : Draw the cost curve of a fitted estimator.
    CostHistoryDisplay.from_result : Draw the cost curve of a
        :func:`gradient_descent` result.
    DescentPathDisplay : The path of two parameters over the contours of the cost.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from skgd import CostHistoryDisplay
    >>> display = CostHistoryDisplay(cost_history=[9.0, 5.76, 3.69, 2.36])
    >>> display.plot(log_scale=True)
    <...CostHistoryDisplay object at ...>
    >>> display.ax_.get_yscale(), display.ax_.get_xlabel()
    ('log', 'Iteration')
    >>> plt.close(display.figure_)

    What is left to gain, when the minimum is known (here 2.0):

    >>> display = CostHistoryDisplay(cost_history=[10.0, 4.0, 2.5], min_cost=2.0)
    >>> display.plot(kind="gap").line_.get_ydata()
    array([8. , 2. , 0.5])
    >>> display.ax_.get_yscale()
    'log'
    >>> plt.close(display.figure_)
    """

    def __init__(
        self,
        *,
        cost_history,
        min_cost=None,
        name=None,
        validation_cost_history=None,
        best_iteration=None,
    ):
        self.cost_history = cost_history
        self.min_cost = min_cost
        self.name = name
        self.validation_cost_history = validation_cost_history
        self.best_iteration = best_iteration

    def plot(self, ax=None, *, kind="cost", name=None, log_scale=None, **kwargs):
        r"""Draw the cost curve, or the gap to the minimum.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            The axes to draw on. ``None`` creates a new figure and axes.
        kind : {"cost", "gap"}, default="cost"
            ``"cost"`` draws the cost :math:`J` (and the validation cost, with
            the best step marked, where there are they); ``"gap"`` draws
            :math:`J - J_{\min}`, which needs ``self.min_cost``.
        name : str, default=None
            The name of the curve in the legend; ``None`` takes ``self.name``.
        log_scale : bool, default=None
            Whether to draw the y axis on a logarithmic scale. ``None`` draws
            ``kind="gap"`` on a logarithmic axis and ``kind="cost"`` on a linear
            one. Values of zero or below (a gap the descent has closed to
            rounding error) have no logarithm and are left out of the curve.
        **kwargs : dict
            Passed to :meth:`matplotlib.axes.Axes.plot`.

        Returns
        -------
        display : CostHistoryDisplay
            The display, with ``line_``, ``ax_`` and ``figure_`` set.
        """
        check_matplotlib_support(f"{type(self).__name__}.plot")
        if kind not in _KINDS:
            raise ValueError(f"kind must be one of {_KINDS}, got {kind!r}.")
        cost = np.asarray(self.cost_history, dtype=float)
        if cost.ndim != 1 or cost.size == 0:
            raise ValueError(
                "cost_history must be a non-empty 1-D array of costs, got an array "
                f"of shape {cost.shape}."
            )
        values = cost if kind == "cost" else _gap(cost, self.min_cost)
        if log_scale is None:
            log_scale = kind == "gap"
        name = self.name if name is None else name
        ax = axes_or_new(ax)

        validation = self.validation_cost_history if kind == "cost" else None
        if validation is not None and name is None:
            name = "training"
        self.line_ = ax.plot(np.arange(cost.size), values, label=name, **kwargs)[0]
        self.validation_line_ = self.best_marker_ = None
        if validation is not None:
            self._plot_validation(ax, np.asarray(validation, dtype=float))
        ax.set(xlabel="Iteration", ylabel=_Y_LABELS[kind])
        if log_scale:
            # A value of zero has no logarithm: leave it out rather than clip it.
            ax.set_yscale("log", nonpositive="mask")
        if name is not None:
            ax.legend()

        self.ax_ = ax
        self.figure_ = ax.figure
        return self

    def _plot_validation(self, ax, validation):
        color = self.line_.get_color()
        (self.validation_line_,) = ax.plot(
            np.arange(validation.size),
            validation,
            linestyle="--",
            color=color,
            alpha=0.8,
            label="validation",
        )
        best = self.best_iteration
        if best is not None:
            (self.best_marker_,) = ax.plot(
                [best],
                [validation[best]],
                marker="o",
                linestyle="none",
                color="black",
                label=f"best step ({best})",
            )

    @classmethod
    def from_estimator(
        cls,
        estimator,
        *,
        kind="cost",
        min_cost=None,
        name=None,
        log_scale=None,
        ax=None,
        **kwargs,
    ):
        r"""Draw the cost curve of a fitted estimator's last fit.

        Parameters
        ----------
        estimator : estimator instance
            A fitted :class:`GradientDescentRegressor`, or a fitted
            :class:`~sklearn.pipeline.Pipeline` whose last step is one.
        kind : {"cost", "gap"}, default="cost"
            ``"cost"`` draws ``cost_history_``, with ``validation_cost_history_``
            and ``best_iteration_`` where the fit has them; ``"gap"`` draws
            :math:`J - J_{\min}` on a logarithmic axis.
        min_cost : float, default=None
            :math:`J_{\min}` for ``kind="gap"``. ``None`` takes the estimator's
            ``min_cost_``, which the 'gram' solver sets, and any solver with
            ``compute_min_cost=True``.
        name : str, default=None
            The name of the curve in the legend. ``None`` shows no legend.
        log_scale : bool, default=None
            Whether the y axis is logarithmic; ``None`` chooses by ``kind``, as in
            :meth:`plot`.
        ax : matplotlib Axes, default=None
            The axes to draw on. ``None`` creates a new figure and axes.
        **kwargs : dict
            Passed to :meth:`matplotlib.axes.Axes.plot`.

        Returns
        -------
        display : CostHistoryDisplay
            The display, drawn.

        See Also
        --------
        CostHistoryDisplay.from_result : The same from a :func:`gradient_descent`
            result.

        Examples
        --------
        >>> import matplotlib.pyplot as plt
        >>> import numpy as np
        >>> from sklearn.datasets import load_diabetes
        >>> from sklearn.pipeline import make_pipeline
        >>> from sklearn.preprocessing import StandardScaler
        >>> from skgd import CostHistoryDisplay, GradientDescentRegressor
        >>> X, y = load_diabetes(return_X_y=True)
        >>> model = make_pipeline(StandardScaler(), GradientDescentRegressor())
        >>> display = CostHistoryDisplay.from_estimator(
        ...     model.fit(X, y), name="alpha='auto'")
        >>> len(display.line_.get_ydata()) == len(model[-1].cost_history_)
        True
        >>> plt.close(display.figure_)

        With a validation set and early stopping, both curves and the step kept:

        >>> model.set_params(gradientdescentregressor__early_stopping=True,
        ...                  gradientdescentregressor__tol=1e-3,
        ...                  gradientdescentregressor__random_state=0)
        Pipeline(...)
        >>> display = CostHistoryDisplay.from_estimator(model.fit(X, y))
        >>> [text.get_text() for text in display.ax_.get_legend().get_texts()]
        ['training', 'validation', 'best step (...)']
        >>> plt.close(display.figure_)

        How far from the least-squares minimum (``min_cost_``) the fit stopped:

        >>> display = CostHistoryDisplay.from_estimator(
        ...     model.set_params(gradientdescentregressor__early_stopping=False).fit(
        ...         X, y), kind="gap")
        >>> gap = display.line_.get_ydata()
        >>> bool(gap[-1] < 1e-3 * gap[0])
        True
        >>> plt.close(display.figure_)
        """
        caller_name = f"{cls.__name__}.from_estimator"
        check_matplotlib_support(caller_name)
        final = fitted_descent_step(estimator, caller_name, "cost_history_")
        if min_cost is None and kind == "gap":
            min_cost = getattr(final, "min_cost_", None)
        display = cls(
            cost_history=final.cost_history_,
            min_cost=min_cost,
            name=name,
            validation_cost_history=getattr(final, "validation_cost_history_", None),
            best_iteration=getattr(final, "best_iteration_", None),
        )
        return display.plot(ax=ax, kind=kind, log_scale=log_scale, **kwargs)

    @classmethod
    def from_result(
        cls,
        result,
        *,
        kind="cost",
        min_cost=None,
        name=None,
        log_scale=None,
        ax=None,
        **kwargs,
    ):
        r"""Draw the cost curve of a :func:`gradient_descent` result.

        Parameters
        ----------
        result : GradientDescentResult
            The result of :func:`gradient_descent`.
        kind : {"cost", "gap"}, default="cost"
            ``"cost"`` draws ``result.cost_history``; ``"gap"`` draws
            :math:`J - J_{\min}` on a logarithmic axis, and needs ``min_cost``.
        min_cost : float, default=None
            The minimum of the function, for ``kind="gap"``.
        name : str, default=None
            The name of the curve in the legend. ``None`` shows no legend.
        log_scale : bool, default=None
            Whether the y axis is logarithmic; ``None`` chooses by ``kind``, as in
            :meth:`plot`.
        ax : matplotlib Axes, default=None
            The axes to draw on. ``None`` creates a new figure and axes.
        **kwargs : dict
            Passed to :meth:`matplotlib.axes.Axes.plot`.

        Returns
        -------
        display : CostHistoryDisplay
            The display, drawn.

        Examples
        --------
        >>> import matplotlib.pyplot as plt
        >>> from skgd import CostHistoryDisplay, gradient_descent
        >>> result = gradient_descent(
        ...     lambda x: (x @ x + 1, 2 * x), [3.0], alpha=0.1, max_iter=10)
        >>> display = CostHistoryDisplay.from_result(result)
        >>> display.line_.get_ydata()[:3]
        array([10.    ,  6.76  ,  4.6864])
        >>> display = CostHistoryDisplay.from_result(result, kind="gap", min_cost=1)
        >>> display.line_.get_ydata()[:3]
        array([9.    , 5.76  , 3.6864])
        >>> plt.close("all")
        """
        check_matplotlib_support(f"{cls.__name__}.from_result")
        if not hasattr(result, "cost_history"):
            raise TypeError(
                "result must be the GradientDescentResult returned by "
                f"skgd.gradient_descent, got {type(result).__name__}."
            )
        display = cls(
            cost_history=result.cost_history,
            min_cost=min_cost,
            name=name,
            validation_cost_history=getattr(result, "validation_cost_history", None),
            best_iteration=getattr(result, "best_iteration", None),
        )
        return display.plot(ax=ax, kind=kind, log_scale=log_scale, **kwargs)


def _gap(cost, min_cost):
    """``cost - min_cost``, after checking that ``min_cost`` can be the minimum."""
    if min_cost is None:
        raise ValueError(
            "kind='gap' draws J - J_min and needs the minimum of the cost: fit "
            "the estimator with compute_min_cost=True, which sets min_cost_, or "
            "pass min_cost."
        )
    min_cost = float(min_cost)
    if not np.isfinite(min_cost):
        raise ValueError(f"min_cost must be a finite float, got {min_cost!r}.")
    gap = cost - min_cost
    scale = max(np.max(np.abs(cost[np.isfinite(cost)]), initial=0.0), abs(min_cost))
    lowest = int(np.nanargmin(gap)) if np.any(np.isfinite(gap)) else 0
    if gap[lowest] < -_BELOW_MINIMUM_RTOL * scale:
        raise ValueError(
            f"min_cost={min_cost!r} is not the minimum of these costs: the cost "
            f"after {lowest} steps is {cost[lowest]!r}, lower by more than rounding "
            "error. Pass the minimum of the cost on the data the descent ran on."
        )
    return gap
