"""Displays: the cost curve and the parameter path, in scikit-learn's Display style.

matplotlib is imported only inside the methods that draw, so ``import skgd`` works
without it; it is the optional extra ``skgd[plot]``.
"""

from numbers import Integral

import numpy as np
import scipy.sparse as sp
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_array, check_is_fitted

# Contour levels drawn when none are given: their heights above the lowest cost
# on the grid span this fraction of the range to (just below) all of it.
_DEFAULT_N_LEVELS = 12
_LOWEST_LEVEL = 1e-3
# The drawn region reaches this fraction of the path's extent beyond it on each side.
_MARGIN = 0.15


def check_matplotlib_support(caller_name):
    """Raise an ImportError naming the caller and the install command if needed.

    The same check as scikit-learn's, with skgd's install command.

    Parameters
    ----------
    caller_name : str
        The name of the method that needs matplotlib.
    """
    try:
        import matplotlib  # noqa: F401
    except ImportError as error:
        raise ImportError(
            f"{caller_name} requires matplotlib. You can install it with "
            '`pip install "skgd[plot]"` or `pip install matplotlib`.'
        ) from error


def _axes(ax):
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots()
    return ax


def _fitted_descent_step(estimator, caller_name, attribute):
    """The estimator that ran the descent: ``estimator`` or a pipeline's last step."""
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


class CostHistoryDisplay:
    """The cost of a gradient descent against the number of steps taken.

    Build it with :meth:`from_estimator` (a fitted
    :class:`GradientDescentRegressor`) or :meth:`from_result` (a
    :class:`GradientDescentResult`), which draw at once; or build it from the costs
    and call :meth:`plot`. All parameters are stored as attributes.

    Parameters
    ----------
    cost_history : array-like of shape (n_iter + 1,)
        ``cost_history[k]`` is the cost after ``k`` steps; ``[0]`` is the cost at
        the starting point.

    name : str, default=None
        The name of the curve, shown in the legend. ``None`` shows no legend.

    Attributes
    ----------
    line_ : matplotlib Line2D
        The cost curve.

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
    """

    def __init__(self, *, cost_history, name=None):
        self.cost_history = cost_history
        self.name = name

    def plot(self, ax=None, *, name=None, log_scale=False, **kwargs):
        """Draw the cost curve.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            The axes to draw on. ``None`` creates a new figure and axes.

        name : str, default=None
            The name of the curve in the legend; ``None`` takes ``self.name``.

        log_scale : bool, default=False
            Whether to draw the cost on a logarithmic axis, where a linear rate of
            convergence shows as a straight line. Costs of exactly zero are left
            out of the curve.

        **kwargs : dict
            Passed to :meth:`matplotlib.axes.Axes.plot`.

        Returns
        -------
        display : CostHistoryDisplay
            The display, with ``line_``, ``ax_`` and ``figure_`` set.
        """
        check_matplotlib_support(f"{type(self).__name__}.plot")
        cost = np.asarray(self.cost_history, dtype=float)
        if cost.ndim != 1 or cost.size == 0:
            raise ValueError(
                "cost_history must be a non-empty 1-D array of costs, got an array "
                f"of shape {cost.shape}."
            )
        name = self.name if name is None else name
        ax = _axes(ax)

        self.line_ = ax.plot(np.arange(cost.size), cost, label=name, **kwargs)[0]
        ax.set(xlabel="Iteration", ylabel="Cost J")
        if log_scale:
            # A cost of zero has no logarithm: leave it out rather than clip it.
            ax.set_yscale("log", nonpositive="mask")
        if name is not None:
            ax.legend()

        self.ax_ = ax
        self.figure_ = ax.figure
        return self

    @classmethod
    def from_estimator(
        cls, estimator, *, name=None, log_scale=False, ax=None, **kwargs
    ):
        """Draw the cost curve of a fitted estimator's last fit.

        Parameters
        ----------
        estimator : estimator instance
            A fitted :class:`GradientDescentRegressor`, or a fitted
            :class:`~sklearn.pipeline.Pipeline` whose last step is one.

        name : str, default=None
            The name of the curve in the legend. ``None`` shows no legend.

        log_scale : bool, default=False
            Whether to draw the cost on a logarithmic axis.

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
        >>> from sklearn.datasets import load_diabetes
        >>> from sklearn.pipeline import make_pipeline
        >>> from sklearn.preprocessing import StandardScaler
        >>> from skgd import CostHistoryDisplay, GradientDescentRegressor
        >>> X, y = load_diabetes(return_X_y=True)
        >>> model = make_pipeline(StandardScaler(), GradientDescentRegressor())
        >>> display = CostHistoryDisplay.from_estimator(
        ...     model.fit(X, y), name="alpha='auto'", log_scale=True)
        >>> len(display.line_.get_ydata()) == len(model[-1].cost_history_)
        True
        >>> plt.close(display.figure_)
        """
        caller_name = f"{cls.__name__}.from_estimator"
        check_matplotlib_support(caller_name)
        final = _fitted_descent_step(estimator, caller_name, "cost_history_")
        display = cls(cost_history=final.cost_history_, name=name)
        return display.plot(ax=ax, log_scale=log_scale, **kwargs)

    @classmethod
    def from_result(cls, result, *, name=None, log_scale=False, ax=None, **kwargs):
        """Draw the cost curve of a :func:`gradient_descent` result.

        Parameters
        ----------
        result : GradientDescentResult
            The result of :func:`gradient_descent`.

        name : str, default=None
            The name of the curve in the legend. ``None`` shows no legend.

        log_scale : bool, default=False
            Whether to draw the cost on a logarithmic axis.

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
        ...     lambda x: (x @ x, 2 * x), [3.0], alpha=0.1, max_iter=10)
        >>> display = CostHistoryDisplay.from_result(result)
        >>> display.line_.get_ydata()[:3]
        array([9.    , 5.76  , 3.6864])
        >>> plt.close(display.figure_)
        """
        check_matplotlib_support(f"{cls.__name__}.from_result")
        if not hasattr(result, "cost_history"):
            raise TypeError(
                "result must be the GradientDescentResult returned by "
                f"skgd.gradient_descent, got {type(result).__name__}."
            )
        display = cls(cost_history=result.cost_history, name=name)
        return display.plot(ax=ax, log_scale=log_scale, **kwargs)


class DescentPathDisplay:
    """The path of two parameters over the contours of the cost.

    The classic picture of gradient descent: the level curves of :math:`J` over
    two parameters, the other parameters held at their final values, and the
    points the descent went through. Build it with :meth:`from_estimator` (a
    :class:`GradientDescentRegressor` fitted with ``store_path``) or
    :meth:`from_result` (a :func:`gradient_descent` result with a path), which
    draw at once; or from the arrays, then call :meth:`plot`. All parameters are
    stored as attributes.

    Parameters
    ----------
    xx0 : ndarray of shape (grid_resolution, grid_resolution)
        The first parameter at each grid point, as from :func:`numpy.meshgrid`.

    xx1 : ndarray of shape (grid_resolution, grid_resolution)
        The second parameter at each grid point.

    cost : ndarray of shape (grid_resolution, grid_resolution)
        The cost at each grid point.

    path : ndarray of shape (n_points, 2)
        The two parameters at the recorded steps, first step first.

    path_iterations : ndarray of shape (n_points,), default=None
        The step number of each point of ``path``.

    param_names : tuple of two str, default=None
        The axis labels. ``None`` labels them ``"parameter 0"`` and
        ``"parameter 1"``.

    name : str, default=None
        The name of the path, shown in the legend. ``None`` shows no legend.

    Attributes
    ----------
    contour_ : matplotlib QuadContourSet
        The level curves of the cost.

    line_ : matplotlib Line2D
        The path.

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
    ...     xx0=xx0, xx1=xx1, cost=xx0**2 + xx1**2, path=path,
    ...     param_names=("theta_1", "theta_2"))
    >>> display.plot()
    <...DescentPathDisplay object at ...>
    >>> display.line_.get_xdata()
    array([3.  , 1.8 , 1.08])
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
        param_names=None,
        name=None,
    ):
        self.xx0 = xx0
        self.xx1 = xx1
        self.cost = cost
        self.path = path
        self.path_iterations = path_iterations
        self.param_names = param_names
        self.name = name

    def plot(
        self, ax=None, *, name=None, levels=None, contour_kwargs=None, path_kwargs=None
    ):
        """Draw the level curves of the cost and the path.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            The axes to draw on. ``None`` creates a new figure and axes.

        name : str, default=None
            The name of the path in the legend; ``None`` takes ``self.name``.

        levels : int or array-like, default=None
            The costs at which level curves are drawn, or how many. ``None`` draws
            12 levels :math:`J_{min} + (J_{max} - J_{min}) t` for :math:`t`
            spaced geometrically from :math:`10^{-3}` to 1 (1 excluded), over the
            costs on the grid: for a quadratic bowl, nested curves each a fixed
            ratio smaller than the next, down to the bottom.

        contour_kwargs : dict, default=None
            Passed to :meth:`matplotlib.axes.Axes.contour`.

        path_kwargs : dict, default=None
            Passed to :meth:`matplotlib.axes.Axes.plot` for the path.

        Returns
        -------
        display : DescentPathDisplay
            The display, with ``contour_``, ``line_``, ``ax_`` and ``figure_`` set.
        """
        check_matplotlib_support(f"{type(self).__name__}.plot")
        cost = np.asarray(self.cost, dtype=float)
        path = np.asarray(self.path, dtype=float)
        if path.ndim != 2 or path.shape[1] != 2 or path.shape[0] == 0:
            raise ValueError(
                "path must have shape (n_points, 2): the two drawn parameters at "
                f"each recorded step; got shape {path.shape}."
            )
        if not (np.shape(self.xx0) == np.shape(self.xx1) == cost.shape):
            raise ValueError(
                "xx0, xx1 and cost must have the same 2-D shape, got "
                f"{np.shape(self.xx0)}, {np.shape(self.xx1)} and {cost.shape}."
            )
        name = self.name if name is None else name
        param_names = self.param_names or ("parameter 0", "parameter 1")
        if levels is None:
            levels = _geometric_levels(cost)
        ax = _axes(ax)

        contour_kwargs = {
            "cmap": "viridis",
            "linewidths": 1.0,
            **(contour_kwargs or {}),
        }
        self.contour_ = ax.contour(
            self.xx0, self.xx1, cost, levels=levels, **contour_kwargs
        )
        path_kwargs = {
            "color": "tab:red",
            "marker": "o",
            "markersize": 3,
            "linewidth": 1.5,
            **(path_kwargs or {}),
        }
        self.line_ = ax.plot(path[:, 0], path[:, 1], label=name, **path_kwargs)[0]
        ax.set(xlabel=param_names[0], ylabel=param_names[1])
        if name is not None:
            ax.legend()

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

        The cost is the half mean squared error on ``X`` and ``y`` as a function
        of the two chosen parameters, the others held at their fitted values. With
        one feature and an intercept, that is the whole cost and the path lies in
        the drawn plane; with more parameters, the path is the projection of the
        descent onto it, and the level curves are those of the final slice.

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

        target : int, default=None
            For an estimator fitted on several targets, the one whose parameters
            are drawn. Must be ``None`` for a single target.

        sample_weight : array-like of shape (n_samples,), default=None
            The sample weights the estimator was fitted with.

        grid_resolution : int, default=100
            The number of grid points along each axis.

        extent : tuple of four floats, default=None
            ``(x_min, x_max, y_min, y_max)`` of the drawn region. ``None`` covers
            the path and the minimum of the drawn slice, with a margin.

        param_names : tuple of two str, default=None
            The axis labels. ``None`` names the fitted attributes, such as
            ``"intercept_"`` and ``"coef_[0]"``, with the feature's name if known.

        name : str, default=None
            The name of the path in the legend. ``None`` shows no legend.

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
        >>> plt.close(display.figure_)
        """
        caller_name = f"{cls.__name__}.from_estimator"
        check_matplotlib_support(caller_name)
        final = _fitted_descent_step(estimator, caller_name, "cost_history_")
        if getattr(final, "coef_path_", None) is None:
            raise ValueError(
                f"{caller_name} needs the parameter path, which the estimator did "
                "not record: fit it with store_path=True (or an int >= 2), for "
                "example GradientDescentRegressor(store_path=True)."
            )
        if isinstance(estimator, Pipeline) and len(estimator) > 1:
            X = estimator[:-1].transform(X)
        slice_ = _ParameterSlice(final, X, y, sample_weight, params, target)
        path = slice_.path()
        if extent is None:
            extent = _extent_around(np.vstack([path, slice_.minimum()]))
        xx0, xx1 = _grid(extent, grid_resolution)
        display = cls(
            xx0=xx0,
            xx1=xx1,
            cost=slice_.cost(xx0, xx1),
            path=path,
            path_iterations=np.asarray(final.path_iterations_),
            param_names=param_names or slice_.names(),
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
            The function that was minimised, ``fun(x) -> (cost, gradient)``; only
            the cost is used. It is called once per grid point.

        params : tuple of two int, default=(0, 1)
            The two coordinates of ``x`` to draw (indices into ``x.ravel()``); the
            others are held at their values in ``result.x``.

        grid_resolution : int, default=100
            The number of grid points along each axis.

        extent : tuple of four floats, default=None
            ``(x_min, x_max, y_min, y_max)`` of the drawn region. ``None`` covers
            the path with a margin.

        param_names : tuple of two str, default=None
            The axis labels. ``None`` takes ``"x[i]"``.

        name : str, default=None
            The name of the path in the legend. ``None`` shows no legend.

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
        ...     result, fun, extent=(-3.5, 3.5, -3.5, 3.5))
        >>> display.path[:3]
        array([[3.  , 2.  ],
               [1.8 , 1.2 ],
               [1.08, 0.72]])
        >>> plt.close(display.figure_)
        """
        caller_name = f"{cls.__name__}.from_result"
        check_matplotlib_support(caller_name)
        if getattr(result, "path", None) is None:
            raise ValueError(
                f"{caller_name} needs the path of the descent: call "
                "gradient_descent(..., store_path=True)."
            )
        x = np.asarray(result.x, dtype=float).ravel()
        params = _check_params_pair(params)
        for index in params:
            if not (isinstance(index, Integral) and -x.size <= index < x.size):
                raise ValueError(
                    f"params must be two indices into x.ravel(), which has {x.size} "
                    f"coordinates; got {params!r}."
                )
        path = np.asarray(result.path, dtype=float).reshape(len(result.path), -1)
        path = path[:, list(params)]
        if extent is None:
            extent = _extent_around(path)
        xx0, xx1 = _grid(extent, grid_resolution)
        cost = np.empty(xx0.shape)
        point = x.copy()
        for index in np.ndindex(xx0.shape):
            point[list(params)] = xx0[index], xx1[index]
            cost[index] = fun(point.reshape(np.shape(result.x)))[0]
        display = cls(
            xx0=xx0,
            xx1=xx1,
            cost=cost,
            path=path,
            path_iterations=result.path_iterations,
            param_names=param_names or tuple(f"x[{i}]" for i in params),
            name=name,
        )
        return display.plot(
            ax=ax,
            levels=levels,
            contour_kwargs=contour_kwargs,
            path_kwargs=path_kwargs,
        )


class _ParameterSlice:
    r"""The half mean squared error over two parameters of a fitted linear model.

    With the fitted residual :math:`r` and the columns :math:`u_a, u_b` that the
    two parameters multiply (a feature, or ones for the intercept), moving them by
    :math:`d` gives the residual :math:`r + d_a u_a + d_b u_b`, so the cost is the
    quadratic :math:`[1, d_a, d_b]\, G\, [1, d_a, d_b]^\top / (2 \sum_i s_i)`,
    :math:`G = V^\top S V` with :math:`V = [r, u_a, u_b]`: exact, and one pass over
    the data for any number of grid points.
    """

    def __init__(self, estimator, X, y, sample_weight, params, target):
        self.estimator = estimator
        # Predicted before the check below, which drops a DataFrame's names.
        prediction = np.asarray(estimator.predict(X), dtype=np.float64)
        X = check_array(X, accept_sparse=["csr", "csc"], dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        coef = np.asarray(estimator.coef_)
        if X.shape[1] != coef.shape[-1]:
            raise ValueError(
                f"X has {X.shape[1]} features, but the estimator was fitted on "
                f"{coef.shape[-1]}; pass the data it was fitted on."
            )
        if y.shape[0] != X.shape[0]:
            raise ValueError(
                f"X and y have different numbers of samples: {X.shape[0]} and "
                f"{y.shape[0]}."
            )
        self.target = _check_target(target, coef)
        weights = (
            np.ones(X.shape[0])
            if sample_weight is None
            else np.asarray(sample_weight, dtype=np.float64)
        )
        if weights.shape != (X.shape[0],):
            raise ValueError(
                f"sample_weight must have shape ({X.shape[0]},), got {weights.shape}."
            )
        if params is None:
            candidates = (
                ["intercept"] if getattr(estimator, "fit_intercept", True) else []
            )
            params = (candidates + list(range(coef.shape[-1])))[:2]
            if len(params) < 2:
                raise ValueError(
                    "The estimator has a single parameter: there is no pair to draw."
                )
        self.params = [self._param_index(p) for p in _check_params_pair(params)]

        if y.shape != prediction.shape:
            raise ValueError(
                f"y has shape {y.shape}, but the estimator predicts shape "
                f"{prediction.shape}: pass the targets it was fitted on."
            )
        residual = (prediction - y).reshape(X.shape[0], -1)
        t = 0 if self.target is None else self.target
        others = np.delete(residual, t, axis=1)
        V = np.column_stack(
            [residual[:, t]] + [self._column(X, p) for p in self.params]
        )
        # Other targets add a constant: the cost sums over all targets.
        self.gram = (V * weights[:, np.newaxis]).T @ V
        self.gram[0, 0] += float(weights @ (others**2).sum(axis=1))
        self.denominator = 2.0 * weights.sum()
        self.center = np.array([self._fitted_value(p) for p in self.params])

    def _param_index(self, param):
        # "intercept", or the index of a feature in coef_.
        estimator = self.estimator
        n_features = np.shape(estimator.coef_)[-1]
        if isinstance(param, str) and param == "intercept":
            if not getattr(estimator, "fit_intercept", True):
                raise ValueError(
                    "params names 'intercept', but the estimator was fitted with "
                    "fit_intercept=False: choose two features."
                )
            return "intercept"
        if isinstance(param, str):
            names = list(getattr(estimator, "feature_names_in_", []))
            if param not in names:
                raise ValueError(
                    f"params names {param!r}, which is neither 'intercept' nor one "
                    f"of the estimator's feature names {names}."
                )
            return names.index(param)
        if isinstance(param, Integral) and 0 <= param < n_features:
            return int(param)
        raise ValueError(
            f"params must hold 'intercept', feature names or feature indices in "
            f"[0, {n_features}), got {param!r}."
        )

    def _column(self, X, param):
        if param == "intercept":
            return np.ones(X.shape[0])
        column = X[:, [param]]
        return column.toarray().ravel() if sp.issparse(column) else column.ravel()

    def _select(self, array):
        array = np.asarray(array, dtype=np.float64)
        return array if self.target is None else array[..., self.target]

    def _fitted_value(self, param):
        if param == "intercept":
            return float(self._select(self.estimator.intercept_))
        coef = np.asarray(self.estimator.coef_, dtype=np.float64)
        return float(coef[param] if self.target is None else coef[self.target, param])

    def path(self):
        """The two parameters at each recorded step, shape (n_points, 2)."""
        columns = []
        for param in self.params:
            if param == "intercept":
                values = self._select(self.estimator.intercept_path_)
            else:
                coef_path = np.asarray(self.estimator.coef_path_, dtype=np.float64)
                values = (
                    coef_path[:, param]
                    if self.target is None
                    else coef_path[:, self.target, param]
                )
            columns.append(np.asarray(values, dtype=np.float64).reshape(-1))
        return np.column_stack(columns)

    def cost(self, xx0, xx1):
        """The cost at each grid point."""
        d0, d1 = xx0 - self.center[0], xx1 - self.center[1]
        G = self.gram
        quadratic = (
            G[0, 0]
            + 2 * (G[0, 1] * d0 + G[0, 2] * d1)
            + G[1, 1] * d0**2
            + 2 * G[1, 2] * d0 * d1
            + G[2, 2] * d1**2
        )
        # Rounding can take an exact zero a hair below it.
        return np.maximum(quadratic, 0.0) / self.denominator

    def minimum(self):
        """Where the cost of the slice is smallest, or the fitted point if flat."""
        hessian, linear = self.gram[1:, 1:], self.gram[1:, 0]
        try:
            step = np.linalg.solve(hessian, -linear)
        except np.linalg.LinAlgError:
            return self.center
        return self.center + step if np.all(np.isfinite(step)) else self.center

    def names(self):
        """Axis labels naming the fitted attributes."""
        feature_names = getattr(self.estimator, "feature_names_in_", None)
        prefix = "" if self.target is None else f"{self.target}, "
        labels = []
        for param in self.params:
            if param == "intercept":
                label = (
                    "intercept_"
                    if self.target is None
                    else f"intercept_[{self.target}]"
                )
            else:
                label = f"coef_[{prefix}{param}]"
                if feature_names is not None:
                    label += f" ({feature_names[param]})"
            labels.append(label)
        return tuple(labels)


def _check_params_pair(params):
    if isinstance(params, str) or np.ndim(params) != 1 or len(params) != 2:
        raise ValueError(f"params must be a pair of parameters, got {params!r}.")
    if params[0] == params[1]:
        raise ValueError(f"params must name two different parameters, got {params!r}.")
    return tuple(params)


def _check_target(target, coef):
    if coef.ndim == 1:
        if target is not None:
            raise ValueError(
                f"target={target!r} was given, but the estimator was fitted on a "
                "single target: leave target=None."
            )
        return None
    n_targets = coef.shape[0]
    if not (isinstance(target, Integral) and 0 <= target < n_targets):
        raise ValueError(
            f"The estimator was fitted on {n_targets} targets: pass target=i, with "
            f"0 <= i < {n_targets}, to choose whose parameters to draw; got "
            f"target={target!r}."
        )
    return int(target)


def _extent_around(points):
    """A region around ``points`` (shape (n, 2)), with a margin on every side."""
    low, high = points.min(axis=0), points.max(axis=0)
    span = high - low
    # A parameter that never moved still gets a region of its own size, or 1.
    span = np.where(span > 0, span, np.maximum(np.abs(high), 1.0))
    low, high = low - _MARGIN * span, high + _MARGIN * span
    return float(low[0]), float(high[0]), float(low[1]), float(high[1])


def _grid(extent, grid_resolution):
    if not (isinstance(grid_resolution, Integral) and grid_resolution >= 2):
        raise ValueError(
            f"grid_resolution must be an int >= 2, got {grid_resolution!r}."
        )
    extent = np.asarray(extent, dtype=float)
    if extent.shape != (4,) or not (extent[0] < extent[1] and extent[2] < extent[3]):
        raise ValueError(
            "extent must be (x_min, x_max, y_min, y_max) with x_min < x_max and "
            f"y_min < y_max, got {tuple(extent)}."
        )
    return np.meshgrid(
        np.linspace(extent[0], extent[1], grid_resolution),
        np.linspace(extent[2], extent[3], grid_resolution),
    )


def _geometric_levels(cost, n_levels=_DEFAULT_N_LEVELS):
    """Levels whose heights above the lowest cost grow geometrically.

    For a quadratic bowl each level curve is then a fixed ratio smaller than the
    next, so the curves show the far slopes and the bottom of the bowl alike.
    """
    finite = cost[np.isfinite(cost)]
    low, high = float(finite.min()), float(finite.max())
    if not high > low:
        return n_levels
    return low + (high - low) * np.geomspace(_LOWEST_LEVEL, 1.0, n_levels + 1)[:-1]
