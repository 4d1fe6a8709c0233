"""The drawing of a descent path's picture: the region, the grid, the levels, the
landmarks of the path and a legend that keeps off them."""

from numbers import Integral

import numpy as np

from skgd._plotting._cost_slice import check_params_pair

# Contour levels drawn when none are given: their heights above the lowest cost
# on the grid span this fraction of the range to (just below) all of it.
DEFAULT_N_LEVELS = 12
_LOWEST_LEVEL = 1e-3
# The drawn region reaches this fraction of the path's extent beyond it on each side.
_MARGIN = 0.15
CONTOUR_STYLE = {"cmap": "viridis", "linewidths": 1.0}
PATH_STYLE = {"color": "tab:red", "marker": "o", "markersize": 3, "linewidth": 1.5}
# How much hiding each landmark costs, against 1 for a point of the path, and how
# near the legend's box (in fractions of the axes) counts as hiding it.
_HIDING_COST = {"ends": 100, "minimum": 10_000}
_KEEP_CLEAR = {"ends": 0.03, "minimum": 0.15}


def check_picture(xx0, xx1, cost, path, minimum):
    """The cost, the path and the minimum as float arrays, checked."""
    cost = np.asarray(cost, dtype=float)
    path = np.asarray(path, dtype=float)
    if path.ndim != 2 or path.shape[1] != 2 or path.shape[0] == 0:
        raise ValueError(
            "path must have shape (n_points, 2): the two drawn parameters at "
            f"each recorded step; got shape {path.shape}."
        )
    if not (np.shape(xx0) == np.shape(xx1) == cost.shape):
        raise ValueError(
            "xx0, xx1 and cost must have the same 2-D shape, got "
            f"{np.shape(xx0)}, {np.shape(xx1)} and {cost.shape}."
        )
    return cost, path, check_minimum(minimum)


def check_minimum(minimum):
    """``minimum`` as a point (x0, x1), or None."""
    if minimum is None:
        return None
    minimum = np.asarray(minimum, dtype=float)
    if minimum.shape != (2,):
        raise ValueError(
            f"minimum must be a point (x0, x1), got shape {minimum.shape}."
        )
    return minimum


def check_coordinates_pair(params, size):
    """``params`` as two different indices into a point of ``size`` coordinates."""
    params = check_params_pair(params)
    for index in params:
        if not (isinstance(index, Integral) and -size <= index < size):
            raise ValueError(
                f"params must be two indices into x.ravel(), which has {size} "
                f"coordinates; got {params!r}."
            )
    return params


def function_contour_label(n_others):
    """What the contours of a function over two of its coordinates are."""
    if n_others == 0:
        return "contours of the function"
    plural = "s" if n_others > 1 else ""
    return f"contours of the function,\n{n_others} other coordinate{plural} held"


def extent_around(points):
    """A region around ``points`` (shape (n, 2)), with a margin on every side."""
    low, high = points.min(axis=0), points.max(axis=0)
    span = high - low
    # A parameter that never moved still gets a region of its own size, or 1.
    span = np.where(span > 0, span, np.maximum(np.abs(high), 1.0))
    low, high = low - _MARGIN * span, high + _MARGIN * span
    return float(low[0]), float(high[0]), float(low[1]), float(high[1])


def grid_around(points, extent, grid_resolution):
    """The grid over ``extent``, or if it is None over a region around ``points``."""
    return grid(extent_around(points) if extent is None else extent, grid_resolution)


def grid(extent, grid_resolution):
    """The grid of ``grid_resolution`` x ``grid_resolution`` points over ``extent``."""
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


def function_over_path(fun, result, params, minimum, extent, grid_resolution):
    """The grid around a result's path (two coordinates), and ``fun`` on it."""
    path = np.asarray(result.path, dtype=float).reshape(len(result.path), -1)
    path = path[:, list(params)]
    around = path if minimum is None else np.vstack([path, minimum])
    xx0, xx1 = grid_around(around, extent, grid_resolution)
    return xx0, xx1, function_on_grid(fun, result.x, params, xx0, xx1), path, minimum


def function_on_grid(fun, x, params, xx0, xx1):
    """``fun``'s value at each grid point, the coordinates ``params`` of ``x`` moved
    there and the others held."""
    cost = np.empty(xx0.shape)
    point = np.asarray(x, dtype=float).ravel().copy()
    for index in np.ndindex(xx0.shape):
        point[list(params)] = xx0[index], xx1[index]
        cost[index] = fun(point.reshape(np.shape(x)))[0]
    return cost


def geometric_levels(cost, n_levels=DEFAULT_N_LEVELS):
    """Levels whose heights above the lowest cost grow geometrically.

    For a quadratic bowl each level curve is then a fixed ratio smaller than the
    next, so the curves show the far slopes and the bottom of the bowl alike.
    """
    finite = cost[np.isfinite(cost)]
    low, high = float(finite.min()), float(finite.max())
    if not high > low:
        return n_levels
    return low + (high - low) * np.geomspace(_LOWEST_LEVEL, 1.0, n_levels + 1)[:-1]


def draw_landmarks(ax, path, path_iterations, minimum):
    """Mark the start, the end and the minimum; return the three markers.

    The minimum's marker is None when the minimum is not known.
    """
    style = {"linestyle": "none", "markeredgecolor": "black", "zorder": 3}
    start = ax.plot(
        *path[0], marker="o", markersize=8, color="white", label="start", **style
    )[0]
    end_label = (
        "end" if path_iterations is None else f"after {int(path_iterations[-1])} steps"
    )
    end = ax.plot(
        *path[-1], marker="s", markersize=7, color="tab:red", label=end_label, **style
    )[0]
    star = None
    if minimum is not None:
        star = ax.plot(
            *minimum, marker="*", markersize=15, color="gold", label="minimum", **style
        )[0]
    return start, end, star


def legend_off_the_landmarks(ax, path, minimum, title):
    """A legend that keeps off the minimum, and off the path's ends if it can.

    matplotlib's ``loc="best"`` places the legend when the figure is drawn, after
    its layout, where it covers the fewest vertices of the lines drawn. An
    invisible line of weights is added for it to count: the minimum, and a ring
    around it, as many times over as it counts, then the start and the end.
    """
    weights = [(path[[0, -1]], "ends")]
    if minimum is not None:
        weights.append((np.reshape(minimum, (1, 2)), "minimum"))
    (x_low, x_high), (y_low, y_high) = ax.get_xlim(), ax.get_ylim()
    points = []
    for centres, kind in weights:
        margin = _KEEP_CLEAR[kind] * np.array([x_high - x_low, y_high - y_low])
        ring = np.array([[dx, dy] for dx in (-1, 0, 1) for dy in (-1, 0, 1)])
        spread = (centres[:, np.newaxis, :] + ring * margin).reshape(-1, 2)
        points.append(np.repeat(spread, _HIDING_COST[kind] // len(ring), axis=0))
    points = np.vstack(points)
    ax.plot(
        points[:, 0],
        points[:, 1],
        linestyle="none",
        visible=False,
        label="_keep clear of the legend",
        scalex=False,
        scaley=False,
    )
    return ax.legend(loc="best", title=title, fontsize="small", title_fontsize="small")
