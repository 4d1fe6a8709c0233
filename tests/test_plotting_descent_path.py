"""DescentPathDisplay: the contours it draws are the cost, checked against the cost
written out and against LinearRegression; its landmarks, legend and errors."""

import matplotlib
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.linear_model import LinearRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skgd import DescentPathDisplay, GradientDescentRegressor, gradient_descent

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def line_data():
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 4, size=(40, 1))
    y = 1.5 + 2.0 * X[:, 0] + rng.normal(scale=0.3, size=40)
    return X, y


@pytest.fixture(scope="module")
def three_features():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(60, 3))
    # Correlated features, so that the hidden parameters matter to the picture.
    X[:, 1] += 0.8 * X[:, 0]
    y = X @ [1.0, -2.0, 0.5] + 3.0 + rng.normal(scale=0.1, size=60)
    return X, y


def half_mse(X, y, coef, intercept, sample_weight=None):
    """The cost written out, independently of the display's expansion."""
    residual = X @ coef + intercept - y
    weights = np.ones(len(y)) if sample_weight is None else sample_weight
    residual = residual.reshape(len(y), -1)
    return float(weights @ (residual**2).sum(axis=1) / (2 * weights.sum()))


def best_cost_with(X, y, fixed, sample_weight=None):
    """min over the other parameters of J, with ``fixed`` {param: value} held,
    by LinearRegression on what the fixed parameters leave of y."""
    rest = y - sum(X[:, p] * v for p, v in fixed.items() if p != "intercept")
    rest = rest - fixed.get("intercept", 0.0)
    hidden = [j for j in range(X.shape[1]) if j not in fixed]
    fit_intercept = "intercept" not in fixed
    if not hidden:
        prediction = np.full(len(y), np.average(rest, weights=sample_weight))
        prediction = prediction if fit_intercept else 0 * prediction
    else:
        lr = LinearRegression(fit_intercept=fit_intercept)
        lr.fit(X[:, hidden], rest, sample_weight=sample_weight)
        prediction = lr.predict(X[:, hidden])
    weights = np.ones(len(y)) if sample_weight is None else sample_weight
    return float(weights @ (rest - prediction) ** 2 / (2 * weights.sum()))


def quadratic(theta):
    return float(theta @ theta), 2 * theta


# One feature and an intercept: the whole cost


def test_from_estimator_draws_the_recorded_path(line_data):
    X, y = line_data
    reg = GradientDescentRegressor(max_iter=100, store_path=True).fit(X, y)
    display = DescentPathDisplay.from_estimator(reg, X, y)

    assert_array_equal(display.line_.get_xdata(), reg.intercept_path_)
    assert_array_equal(display.line_.get_ydata(), reg.coef_path_[:, 0])
    assert_array_equal(display.path_iterations, reg.path_iterations_)
    assert display.ax_.get_xlabel() == "intercept_"
    assert display.ax_.get_ylabel() == "coef_[0]"
    assert display.figure_ is display.ax_.figure
    # The drawn region holds the whole path and the minimum.
    x_lo, x_hi = display.ax_.get_xlim()
    y_lo, y_hi = display.ax_.get_ylim()
    assert x_lo <= reg.intercept_path_.min() and reg.intercept_path_.max() <= x_hi
    assert y_lo <= reg.coef_path_.min() and reg.coef_path_.max() <= y_hi
    assert x_lo <= display.minimum[0] <= x_hi and y_lo <= display.minimum[1] <= y_hi
    assert len(display.contour_.levels) == 12


def test_contours_are_the_cost_and_the_star_its_minimum(line_data):
    X, y = line_data
    reg = GradientDescentRegressor(max_iter=300, store_path=True).fit(X, y)
    for contours in ["profile", "slice"]:  # nothing is hidden: the same picture
        display = DescentPathDisplay.from_estimator(
            reg, X, y, contours=contours, grid_resolution=30
        )
        assert display.cost.shape == display.xx0.shape == (30, 30)
        for i, j in [(0, 0), (7, 21), (29, 29), (15, 3)]:
            b, w = display.xx0[i, j], display.xx1[i, j]
            expected = half_mse(X, y, np.array([w]), b)
            assert_allclose(display.cost[i, j], expected, rtol=1e-10)
        exact = LinearRegression().fit(X, y)
        assert_allclose(display.minimum, [exact.intercept_, exact.coef_[0]])
        assert display.contour_label == "contours of the cost J"
    # The first recorded point is the start, (0, 0), at cost_history_[0].
    assert_allclose(half_mse(X, y, np.zeros(1), 0.0), reg.cost_history_[0])


def test_landmarks_and_legend(line_data):
    X, y = line_data
    reg = GradientDescentRegressor(max_iter=40, store_path=True).fit(X, y)
    display = DescentPathDisplay.from_estimator(reg, X, y, name="alpha='auto'")

    assert_array_equal(np.ravel(display.start_.get_data()), display.path[0])
    assert_array_equal(np.ravel(display.end_.get_data()), display.path[-1])
    assert_array_equal(np.ravel(display.minimum_.get_data()), display.minimum)
    legend = display.ax_.get_legend()
    assert legend is display.legend_
    assert [t.get_text() for t in legend.get_texts()] == [
        "alpha='auto'",
        "start",
        "after 40 steps",
        "minimum",
    ]
    assert legend.get_title().get_text() == "contours of the cost J"


def _inside(legend, point, ax):
    box = legend.get_window_extent()
    x, y = ax.transData.transform(point)
    return box.x0 <= x <= box.x1 and box.y0 <= y <= box.y1


@pytest.mark.parametrize("corner", [(3.0, 3.0), (-3.0, 3.0), (3.0, -3.0)])
def test_the_legend_keeps_off_the_minimum(corner):
    # The minimum in a corner of the picture, where a legend might go.
    def shifted(theta):
        d = theta - corner
        return float(d @ d), 2 * d

    result = gradient_descent(
        shifted, [0.0, 0.0], alpha=0.1, max_iter=30, store_path=True
    )
    display = DescentPathDisplay.from_result(
        result, shifted, minimum=corner, extent=(-3.5, 3.5, -3.5, 3.5)
    )
    display.figure_.canvas.draw()
    legend, ax = display.legend_, display.ax_
    assert not _inside(legend, corner, ax)
    assert not _inside(legend, display.path[0], ax)
    assert not _inside(legend, display.path[-1], ax)


# More parameters: the others at their best ("profile") or fitted ("slice")


def test_profile_contours_are_the_best_cost_over_the_hidden_parameters(
    three_features,
):
    X, y = three_features
    reg = GradientDescentRegressor(max_iter=3, store_path=True).fit(X, y)
    display = DescentPathDisplay.from_estimator(reg, X, y, grid_resolution=12)

    assert display.ax_.get_xlabel() == "intercept_"
    assert display.ax_.get_ylabel() == "coef_[0]"
    assert display.contour_label == "contours of J, minimised over 2 others"
    for i, j in [(0, 0), (4, 9), (11, 11), (7, 2)]:
        fixed = {"intercept": display.xx0[i, j], 0: display.xx1[i, j]}
        assert_allclose(display.cost[i, j], best_cost_with(X, y, fixed), rtol=1e-9)
    # The star is the least-squares solution, though 3 steps are far from it.
    exact = LinearRegression().fit(X, y)
    assert_allclose(display.minimum, [exact.intercept_, exact.coef_[0]], rtol=1e-9)
    assert not np.allclose(display.path[-1], display.minimum, rtol=0.1)


def test_every_point_of_the_path_lies_inside_the_contour_of_its_own_cost(
    three_features,
):
    # The contours are the lowest cost with those two values, so no point of the
    # path is drawn above its own cost: the path never seems to climb.
    X, y = three_features
    reg = GradientDescentRegressor(max_iter=60, store_path=True).fit(X, y)
    display = DescentPathDisplay.from_estimator(reg, X, y, params=(1, 2))
    for k in range(len(display.path)):
        own = half_mse(X, y, reg.coef_path_[k], reg.intercept_path_[k])
        fixed = dict(zip([1, 2], display.path[k], strict=True))
        assert best_cost_with(X, y, fixed) <= own * (1 + 1e-12)


def test_slice_contours_hold_the_others_at_their_fitted_values(three_features):
    X, y = three_features
    reg = GradientDescentRegressor(max_iter=40, store_path=True).fit(X, y)
    display = DescentPathDisplay.from_estimator(
        reg, X, y, params=(2, "intercept"), contours="slice", grid_resolution=10
    )
    assert display.ax_.get_xlabel() == "coef_[2]"
    assert display.ax_.get_ylabel() == "intercept_"
    assert display.contour_label == "contours of J, 2 others at fitted values"
    assert_array_equal(display.path[:, 0], reg.coef_path_[:, 2])
    assert_array_equal(display.path[:, 1], reg.intercept_path_)
    i, j = 4, 6
    w = reg.coef_.copy()
    w[2] = display.xx0[i, j]
    assert_allclose(
        display.cost[i, j], half_mse(X, y, w, display.xx1[i, j]), rtol=1e-10
    )


@pytest.mark.parametrize("contours", ["profile", "slice"])
def test_sample_weight_and_sparse(three_features, contours):
    X, y = three_features
    weights = np.linspace(0.5, 2.0, len(y))
    reg = GradientDescentRegressor(max_iter=30, store_path=5).fit(
        X, y, sample_weight=weights
    )
    kwargs = dict(
        sample_weight=weights, params=(0, 1), grid_resolution=8, contours=contours
    )
    dense = DescentPathDisplay.from_estimator(reg, X, y, **kwargs)
    sparse = DescentPathDisplay.from_estimator(reg, sp.csr_matrix(X), y, **kwargs)
    assert_allclose(sparse.cost, dense.cost, rtol=1e-10)
    assert len(dense.path) <= 5
    a, b = dense.xx0[3, 5], dense.xx1[3, 5]
    if contours == "slice":
        w = reg.coef_.copy()
        w[:2] = a, b
        expected = half_mse(X, y, w, reg.intercept_, weights)
    else:
        expected = best_cost_with(X, y, {0: a, 1: b}, sample_weight=weights)
    assert_allclose(dense.cost[3, 5], expected, rtol=1e-9)


def test_feature_names_and_pipeline(three_features):
    X, y = three_features
    frame = pd.DataFrame(X, columns=["age", "bmi", "bp"])
    reg = GradientDescentRegressor(max_iter=20, store_path=True).fit(frame, y)
    display = DescentPathDisplay.from_estimator(reg, frame, y, params=("bmi", "bp"))
    assert display.ax_.get_xlabel() == "coef_[1] (bmi)"
    assert display.ax_.get_ylabel() == "coef_[2] (bp)"

    model = make_pipeline(
        StandardScaler(), GradientDescentRegressor(max_iter=20, store_path=True)
    ).fit(X, y)
    display = DescentPathDisplay.from_estimator(
        model, X, y, grid_resolution=5, contours="slice"
    )
    scaled = StandardScaler().fit_transform(X)
    i, j = 2, 4
    w = model[-1].coef_.copy()
    w[0] = display.xx1[i, j]
    assert_allclose(
        display.cost[i, j], half_mse(scaled, y, w, display.xx0[i, j]), rtol=1e-10
    )
    display = DescentPathDisplay.from_estimator(model, X, y, grid_resolution=5)
    fixed = {"intercept": display.xx0[i, j], 0: display.xx1[i, j]}
    assert_allclose(display.cost[i, j], best_cost_with(scaled, y, fixed), rtol=1e-9)


def test_several_targets(three_features):
    X, y = three_features
    Y = np.column_stack([y, 2 * y - 1 + np.sin(X[:, 0])])
    reg = GradientDescentRegressor(max_iter=20, store_path=True).fit(X, Y)
    with pytest.raises(ValueError, match="2 targets: pass target"):
        DescentPathDisplay.from_estimator(reg, X, Y)
    display = DescentPathDisplay.from_estimator(
        reg, X, Y, target=1, grid_resolution=5, contours="slice"
    )
    assert display.ax_.get_xlabel() == "intercept_[1]"
    assert display.ax_.get_ylabel() == "coef_[1, 0]"
    assert_array_equal(display.path[:, 0], reg.intercept_path_[:, 1])
    assert_array_equal(display.path[:, 1], reg.coef_path_[:, 1, 0])
    # The cost sums over both targets; target 0 stays at its fitted values.
    coef, intercept = reg.coef_.T.copy(), reg.intercept_.copy()
    intercept[1], coef[0, 1] = display.xx0[1, 3], display.xx1[1, 3]
    assert_allclose(display.cost[1, 3], half_mse(X, Y, coef, intercept), rtol=1e-10)

    # "profile": every parameter not drawn at its best, target 0's included.
    display = DescentPathDisplay.from_estimator(reg, X, Y, target=1, grid_resolution=5)
    fixed = {"intercept": display.xx0[1, 3], 0: display.xx1[1, 3]}
    expected = best_cost_with(X, Y[:, 1], fixed) + best_cost_with(X, Y[:, 0], {})
    assert_allclose(display.cost[1, 3], expected, rtol=1e-9)


def test_from_estimator_errors(line_data, three_features):
    X, y = line_data
    reg = GradientDescentRegressor(max_iter=5).fit(X, y)
    with pytest.raises(ValueError, match="store_path=True"):
        DescentPathDisplay.from_estimator(reg, X, y)
    with pytest.raises(TypeError, match="GradientDescentRegressor"):
        DescentPathDisplay.from_estimator(LinearRegression().fit(X, y), X, y)

    reg = GradientDescentRegressor(max_iter=5, store_path=True).fit(X, y)
    with pytest.raises(ValueError, match="pair"):
        DescentPathDisplay.from_estimator(reg, X, y, params=("intercept",))
    with pytest.raises(ValueError, match="two different"):
        DescentPathDisplay.from_estimator(reg, X, y, params=(0, 0))
    with pytest.raises(ValueError, match=r"feature indices in \[0, 1\)"):
        DescentPathDisplay.from_estimator(reg, X, y, params=("intercept", 3))
    with pytest.raises(ValueError, match="feature names"):
        DescentPathDisplay.from_estimator(reg, X, y, params=("intercept", "bmi"))
    with pytest.raises(ValueError, match="contours must be one of"):
        DescentPathDisplay.from_estimator(reg, X, y, contours="projected")
    with pytest.raises(ValueError, match="single target"):
        DescentPathDisplay.from_estimator(reg, X, y, target=0)
    with pytest.raises(ValueError, match="y has shape"):
        DescentPathDisplay.from_estimator(reg, X, np.column_stack([y, y]))
    with pytest.raises(ValueError, match="sample_weight must have shape"):
        DescentPathDisplay.from_estimator(reg, X, y, sample_weight=[1.0, 2.0])
    with pytest.raises(ValueError, match="grid_resolution"):
        DescentPathDisplay.from_estimator(reg, X, y, grid_resolution=1)
    with pytest.raises(ValueError, match="extent"):
        DescentPathDisplay.from_estimator(reg, X, y, extent=(1.0, 0.0, 0.0, 1.0))

    reg = GradientDescentRegressor(max_iter=5, store_path=True, fit_intercept=False)
    reg.fit(X, y)
    with pytest.raises(ValueError, match="single parameter"):
        DescentPathDisplay.from_estimator(reg, X, y)
    X3, y3 = three_features
    reg.fit(X3, y3)
    with pytest.raises(ValueError, match="fit_intercept=False"):
        DescentPathDisplay.from_estimator(reg, X3, y3, params=("intercept", 0))
    display = DescentPathDisplay.from_estimator(reg, X3, y3, grid_resolution=4)
    assert display.ax_.get_xlabel() == "coef_[0]"
    # Without an intercept only coef_[2] is hidden; least squares through 0.
    fixed = {"intercept": 0.0, 0: display.xx0[1, 2], 1: display.xx1[1, 2]}
    assert_allclose(display.cost[1, 2], best_cost_with(X3, y3, fixed), rtol=1e-9)


# DescentPathDisplay.from_result and plot


def test_from_result_draws_the_path_over_the_function():
    result = gradient_descent(
        quadratic, [3.0, 2.0, -1.0], alpha=0.1, max_iter=15, store_path=True
    )
    display = DescentPathDisplay.from_result(
        result,
        quadratic,
        params=(0, 2),
        minimum=(0.0, 0.0),
        extent=(-4.0, 4.0, -3.0, 3.0),
        grid_resolution=9,
        param_names=("theta_1", "theta_3"),
        name="alpha = 0.1",
    )
    assert_allclose(display.line_.get_xdata(), result.path[:, 0])
    assert_allclose(display.line_.get_ydata(), result.path[:, 2])
    assert_array_equal(display.path_iterations, np.arange(16))
    # theta_2 is held at its final value, and the legend says so.
    expected = display.xx0**2 + display.xx1**2 + result.x[1] ** 2
    assert_allclose(display.cost, expected)
    assert display.legend_.get_title().get_text() == (
        "contours of the function,\n1 other coordinate held"
    )
    assert (display.xx0.min(), display.xx0.max()) == (-4.0, 4.0)
    assert display.ax_.get_xlabel() == "theta_1"
    assert display.ax_.get_ylabel() == "theta_3"
    texts = [t.get_text() for t in display.legend_.get_texts()]
    assert texts == ["alpha = 0.1", "start", "after 15 steps", "minimum"]


def test_from_result_without_a_minimum_marks_none():
    result = gradient_descent(
        quadratic, [3.0, 2.0], alpha=0.1, max_iter=5, store_path=True
    )
    display = DescentPathDisplay.from_result(result, quadratic)
    assert display.minimum_ is None
    assert display.legend_.get_title().get_text() == "contours of the function"
    assert [t.get_text() for t in display.legend_.get_texts()][-1] == "after 5 steps"


def test_from_result_errors():
    result = gradient_descent(quadratic, [3.0, 2.0], alpha=0.1, max_iter=5)
    with pytest.raises(ValueError, match="store_path=True"):
        DescentPathDisplay.from_result(result, quadratic)
    result = gradient_descent(
        quadratic, [3.0, 2.0], alpha=0.1, max_iter=5, store_path=True
    )
    with pytest.raises(ValueError, match="2 coordinates"):
        DescentPathDisplay.from_result(result, quadratic, params=(0, 2))
    with pytest.raises(ValueError, match="minimum must be a point"):
        DescentPathDisplay.from_result(result, quadratic, minimum=[0.0, 0.0, 0.0])


def test_plot_levels_kwargs_and_validation():
    xx0, xx1 = np.meshgrid(np.linspace(-1, 1, 20), np.linspace(-1, 1, 20))
    display = DescentPathDisplay(
        xx0=xx0, xx1=xx1, cost=xx0**2 + 4 * xx1**2, path=[[1.0, 1.0], [0.0, 0.0]]
    )
    _, ax = plt.subplots()
    assert display.plot(ax, levels=[0.5, 1.0, 2.0], path_kwargs={"color": "k"}) is (
        display
    )
    assert_allclose(display.contour_.levels, [0.5, 1.0, 2.0])
    assert display.ax_ is ax
    assert matplotlib.colors.same_color(display.line_.get_color(), "k")
    assert display.ax_.get_xlabel() == "parameter 0"
    assert display.minimum_ is None
    assert [t.get_text() for t in display.legend_.get_texts()] == [
        "descent path",
        "start",
        "end",
    ]

    with pytest.raises(ValueError, match=r"shape \(n_points, 2\)"):
        DescentPathDisplay(xx0=xx0, xx1=xx1, cost=xx0, path=[1.0, 2.0]).plot()
    with pytest.raises(ValueError, match="same 2-D shape"):
        DescentPathDisplay(xx0=xx0, xx1=xx1, cost=xx0[1:], path=[[1.0, 2.0]]).plot()
