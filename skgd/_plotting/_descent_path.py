"""DescentPathDisplay: the path of two parameters over the contours of the cost."""

import numpy as np
from sklearn.pipeline import Pipeline

from skgd._plotting import _contours as picture
from skgd._plotting._base import (
    axes_or_new,
    check_matplotlib_support,
    fitted_descent_step,
    require_path,
)
from skgd._plotting._cost_slice import CostOverTwoParameters


class DescentPathDisplay:
    """The path of two parameters over the contours of the cost.

    The level curves of :math:`J` over two parameters and the points the descent
    went through, from the start (a circle) to the last step (a square), with the
    minimum (a star); the legend says what the contours are, and keeps off the
    minimum. Build it with :meth:`from_estimator` (a
    :class:`GradientDescentRegressor` fitted with ``store_path``) or
    :meth:`from_result` (a :func:`gradient_descent` result with a path), which
    draw at once; or from the arrays, then call :meth:`plot`.

    Parameters
    ----------
    xx0, xx1 : ndarray of shape (grid_resolution, grid_resolution)
        The two parameters at each grid point, as from :func:`numpy.meshgrid`.
    cost : ndarray of shape (grid_resolution, grid_resolution)
        The cost at each grid point.
    path : ndarray of shape (n_points, 2)
        The two parameters at the recorded steps, first step first.
    path_iterations : ndarray of shape (n_points,), default=None
        The step number of each point of ``path``.
    minimum : array-like of shape (2,), default=None
        Where the drawn cost is lowest, marked with a star. ``None`` marks none.
    param_names : tuple of two str, default=None
        The axis labels. ``None`` labels them ``"parameter 0"`` and
        ``"parameter 1"``.
    contour_label : str, default=None
        What the contours are, shown as the title of the legend.
    name : str, default=None
        The name of the path in the legend. ``None`` calls it "descent path".

    Attributes
    ----------
    contour_ : matplotlib QuadContourSet
        The level curves of the cost.
    line_ : matplotlib Line2D
        The path.
    start_, end_ : matplotlib Line2D
        The markers of the first and the last point of the path.
    minimum_ : matplotlib Line2D or None
        The marker of the minimum, if ``minimum`` is known.
    legend_ : matplotlib Legend
        The legend naming the path, its ends, the minimum and the contours.
    ax_ : matplotlib Axes
        The axes the picture is drawn on.
    figure_ : matplotlib Figure
        The figure holding ``ax_``.

    See Also
    --------
    DescentPathDisplay.from_estimator : The path of a fitted estimator.
    DescentPathDisplay.from_result : The path of a :func:`gradient_descent` result.
    CostHistoryDisplay : The cost against the number of steps.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import numpy as np
    >>> from skgd import DescentPathDisplay
    >>> xx0, xx1 = np.meshgrid(np.linspace(-3, 3, 50), np.linspace(-3, 3, 50))
    >>> path = np.array([[3.0, 2.0], [1.8, 1.2], [1.08, 0.72]])
    >>> display = DescentPathDisplay(
    ...     xx0=xx0, xx1=xx1, cost=xx0**2 + xx1**2, path=path, minimum=(0, 0),
    ...     param_names=("theta_1", "theta_2"))
    >>> display.plot()
    <...DescentPathDisplay object at ...>
    >>> display.line_.get_xdata()
    array([3.  , 1.8 , 1.08])
    >>> [text.get_text() for text in display.legend_.get_texts()]
    ['descent path', 'start', 'end', 'minimum']
    >>> plt.close(display.figure_)
    """

    def __init__(
        self,
        *,
        xx0,
        xx1,
        cost,
        path,
        path_iterations=None,
        minimum=None,
        param_names=None,
        contour_label=None,
        name=None,
    ):
        self.xx0 = xx0
        self.xx1 = xx1
        self.cost = cost
        self.path = path
        self.path_iterations = path_iterations
        self.minimum = minimum
        self.param_names = param_names
        self.contour_label = contour_label
        self.name = name

    def plot(
        self, ax=None, *, name=None, levels=None, contour_kwargs=None, path_kwargs=None
    ):
        """Draw the level curves of the cost, the path and its landmarks.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            The axes to draw on. ``None`` creates a new figure and axes.
        name : str, default=None
            The name of the path in the legend; ``None`` takes ``self.name``, and
            if that is ``None`` too, "descent path".
        levels : int or array-like, default=None
            The costs at which level curves are drawn, or how many. ``None`` draws
            12 levels :math:`J_{min} + (J_{max} - J_{min}) t` over the grid, for
            :math:`t` geometric from :math:`10^{-3}` to 1 (excluded).
        contour_kwargs : dict, default=None
            Passed to :meth:`matplotlib.axes.Axes.contour`.
        path_kwargs : dict, default=None
            Passed to :meth:`matplotlib.axes.Axes.plot` for the path.

        Returns
        -------
        display : DescentPathDisplay
            The display, with ``contour_``, ``line_``, ``start_``, ``end_``,
            ``minimum_``, ``legend_``, ``ax_`` and ``figure_`` set.
        """
        check_matplotlib_support(f"{type(self).__name__}.plot")
        cost, path, minimum = picture.check_picture(
            self.xx0, self.xx1, self.cost, self.path, self.minimum
        )
        name = self.name if name is None else name
        name = "descent path" if name is None else name
        param_names = self.param_names or ("parameter 0", "parameter 1")
        if levels is None:
            levels = picture.geometric_levels(cost)
        ax = axes_or_new(ax)

        self.contour_ = ax.contour(
            self.xx0,
            self.xx1,
            cost,
            levels=levels,
            **{**picture.CONTOUR_STYLE, **(contour_kwargs or {})},
        )
        self.line_ = ax.plot(
            path[:, 0],
            path[:, 1],
            label=name,
            **{**picture.PATH_STYLE, **(path_kwargs or {})},
        )[0]
        self.start_, self.end_, self.minimum_ = picture.draw_landmarks(
            ax, path, self.path_iterations, minimum
        )
        ax.set(xlabel=param_names[0], ylabel=param_names[1])
        self.legend_ = picture.legend_off_the_landmarks(
            ax, path, minimum, self.contour_label
        )

        self.ax_ = ax
        self.figure_ = ax.figure
        return self

    @classmethod
    def from_estimator(
        cls,
        estimator,
        X,
        y,
        *,
        params=None,
        contours="profile",
        target=None,
        sample_weight=None,
        grid_resolution=100,
        extent=None,
        param_names=None,
        name=None,
        levels=None,
        ax=None,
        contour_kwargs=None,
        path_kwargs=None,
    ):
        """Draw a fitted estimator's path over the contours of its cost.

        The cost is the half mean squared error on ``X`` and ``y`` over the two
        chosen parameters: with one feature and an intercept, the whole cost. With
        more parameters, ``contours`` says what the others are:

        - ``"profile"`` (default): at their best at each point, so a contour is
          the lowest cost any model with those two values reaches. The star is
          the least-squares solution, where a converged descent ends, and every
          point of the path lies inside the contour of its own cost.
        - ``"slice"``: at their fitted values. The picture is a cross-section
          through the end of the path, which earlier points do not lie in: the
          path can seem to climb it.

        Parameters
        ----------
        estimator : estimator instance
            A :class:`GradientDescentRegressor` fitted with ``store_path=True``
            (or an int), or a :class:`~sklearn.pipeline.Pipeline` whose last step
            is one. For a pipeline, ``X`` goes through the steps before it.
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The training data the estimator was fitted on.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            The training targets.
        params : tuple of two (int or str), default=None
            The two parameters to draw: ``"intercept"``, a feature's index in
            ``coef_``, or a feature's name from ``feature_names_in_``. ``None``
            takes the first two of the intercept (if fitted), ``coef_[0]``,
            ``coef_[1]``.
        contours : {"profile", "slice"}, default="profile"
            The other parameters at their best, or at their fitted values; see
            above. ``"profile"`` reads their columns as one dense array.
        target : int, default=None
            For an estimator fitted on several targets, the one whose parameters
            are drawn. Must be ``None`` for a single target.
        sample_weight : array-like of shape (n_samples,), default=None
            The sample weights the estimator was fitted with.
        grid_resolution : int, default=100
            The number of grid points along each axis.
        extent : tuple of four floats, default=None
            ``(x_min, x_max, y_min, y_max)`` of the drawn region. ``None`` covers
            the path and the minimum, with a margin.
        param_names : tuple of two str, default=None
            The axis labels. ``None`` names the fitted attributes, such as
            ``"intercept_"`` and ``"coef_[0]"``, with the feature's name if known.
        name : str, default=None
            The name of the path in the legend; ``None`` calls it "descent path".
        levels : int or array-like, default=None
            The level curves to draw; see :meth:`plot`.
        ax : matplotlib Axes, default=None
            The axes to draw on. ``None`` creates a new figure and axes.
        contour_kwargs : dict, default=None
            Passed to :meth:`matplotlib.axes.Axes.contour`.
        path_kwargs : dict, default=None
            Passed to :meth:`matplotlib.axes.Axes.plot` for the path.

        Returns
        -------
        display : DescentPathDisplay
            The display, drawn.

        Examples
        --------
        >>> import matplotlib.pyplot as plt
        >>> import numpy as np
        >>> from skgd import DescentPathDisplay, GradientDescentRegressor
        >>> X = np.array([[1.0], [2.0], [3.0], [4.0]])
        >>> y = np.array([3.0, 5.0, 7.0, 9.0])
        >>> reg = GradientDescentRegressor(store_path=50, max_iter=2000).fit(X, y)
        >>> display = DescentPathDisplay.from_estimator(reg, X, y)
        >>> display.ax_.get_xlabel(), display.ax_.get_ylabel()
        ('intercept_', 'coef_[0]')
        >>> display.path[0], display.path[-1].round(6)  # from (0, 0) to (b, w)
        (array([0., 0.]), array([1., 2.]))
        >>> len(display.path) <= 50, int(display.path_iterations[-1])
        (True, 2000)
        >>> display.contour_label
        'contours of the cost J'
        >>> plt.close(display.figure_)
        """
        caller_name = f"{cls.__name__}.from_estimator"
        check_matplotlib_support(caller_name)
        final = fitted_descent_step(estimator, caller_name, "cost_history_")
        require_path(final, caller_name)
        if isinstance(estimator, Pipeline) and len(estimator) > 1:
            X = estimator[:-1].transform(X)
        cost = CostOverTwoParameters(
            final, X, y, sample_weight, params, target, contours
        )
        path, minimum = cost.path(), cost.minimum()
        around = np.vstack([path, minimum])
        xx0, xx1 = picture.grid_around(around, extent, grid_resolution)
        display = cls(
            xx0=xx0,
            xx1=xx1,
            cost=cost.cost(xx0, xx1),
            path=path,
            path_iterations=np.asarray(final.path_iterations_),
            minimum=minimum,
            param_names=param_names or cost.names(),
            contour_label=cost.description(),
            name=name,
        )
        return display.plot(
            ax=ax,
            levels=levels,
            contour_kwargs=contour_kwargs,
            path_kwargs=path_kwargs,
        )

    @classmethod
    def from_result(
        cls,
        result,
        fun,
        *,
        params=(0, 1),
        minimum=None,
        grid_resolution=100,
        extent=None,
        param_names=None,
        name=None,
        levels=None,
        ax=None,
        contour_kwargs=None,
        path_kwargs=None,
    ):
        """Draw a :func:`gradient_descent` path over the contours of its function.

        Parameters
        ----------
        result : GradientDescentResult
            The result of :func:`gradient_descent` called with ``store_path``.
        fun : callable
            The function that was minimised, ``fun(x) -> (cost, gradient)``,
            called once per grid point.
        params : tuple of two int, default=(0, 1)
            The two coordinates of ``x`` to draw (indices into ``x.ravel()``); the
            others are held at their values in ``result.x``.
        minimum : array-like of shape (2,), default=None
            The minimum of ``fun`` in the two drawn coordinates, if known, marked
            with a star. ``None`` marks none.
        grid_resolution : int, default=100
            The number of grid points along each axis.
        extent : tuple of four floats, default=None
            ``(x_min, x_max, y_min, y_max)`` of the drawn region. ``None`` covers
            the path and the minimum, with a margin.
        param_names : tuple of two str, default=None
            The axis labels. ``None`` takes ``"x[i]"``.
        name : str, default=None
            The name of the path in the legend; ``None`` calls it "descent path".
        levels : int or array-like, default=None
            The level curves to draw; see :meth:`plot`.
        ax : matplotlib Axes, default=None
            The axes to draw on. ``None`` creates a new figure and axes.
        contour_kwargs : dict, default=None
            Passed to :meth:`matplotlib.axes.Axes.contour`.
        path_kwargs : dict, default=None
            Passed to :meth:`matplotlib.axes.Axes.plot` for the path.

        Returns
        -------
        display : DescentPathDisplay
            The display, drawn.

        Examples
        --------
        >>> import matplotlib.pyplot as plt
        >>> from skgd import DescentPathDisplay, gradient_descent
        >>> def fun(theta):
        ...     return theta @ theta, 2 * theta
        >>> result = gradient_descent(
        ...     fun, [3.0, 2.0], alpha=0.2, max_iter=20, store_path=True)
        >>> display = DescentPathDisplay.from_result(
        ...     result, fun, minimum=(0, 0), extent=(-3.5, 3.5, -3.5, 3.5))
        >>> display.path[:3]
        array([[3.  , 2.  ],
               [1.8 , 1.2 ],
               [1.08, 0.72]])
        >>> plt.close(display.figure_)
        """
        caller_name = f"{cls.__name__}.from_result"
        check_matplotlib_support(caller_name)
        require_path(result, caller_name)
        params = picture.check_coordinates_pair(params, np.size(result.x))
        xx0, xx1, cost, path, minimum = picture.function_over_path(
            fun, result, params, picture.check_minimum(minimum), extent, grid_resolution
        )
        display = cls(
            xx0=xx0,
            xx1=xx1,
            cost=cost,
            path=path,
            path_iterations=result.path_iterations,
            minimum=minimum,
            param_names=param_names or tuple(f"x[{i}]" for i in params),
            contour_label=picture.function_contour_label(np.size(result.x) - 2),
            name=name,
        )
        return display.plot(
            ax=ax,
            levels=levels,
            contour_kwargs=contour_kwargs,
            path_kwargs=path_kwargs,
        )
