"""The Displays: what they draw, checked on the Agg canvas, and their errors."""

import subprocess
import sys

import matplotlib
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LinearRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skgd import (
    CostHistoryDisplay,
    DescentPathDisplay,
    GradientDescentRegressor,
    gradient_descent,
)

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
    y = X @ [1.0, -2.0, 0.5] + 3.0 + rng.normal(scale=0.1, size=60)
    return X, y


def half_mse(X, y, coef, intercept, sample_weight=None):
    """The cost written out, independently of the display's expansion."""
    residual = X @ coef + intercept - y
    weights = np.ones(len(y)) if sample_weight is None else sample_weight
    residual = residual.reshape(len(y), -1)
    return float(weights @ (residual**2).sum(axis=1) / (2 * weights.sum()))


def quadratic(theta):
    return float(theta @ theta), 2 * theta


# CostHistoryDisplay


def test_cost_history_from_estimator_draws_the_cost_history(line_data):
    X, y = line_data
    reg = GradientDescentRegressor(max_iter=50).fit(X, y)
    display = CostHistoryDisplay.from_estimator(reg)

    assert_array_equal(display.line_.get_ydata(), reg.cost_history_)
    assert_array_equal(display.line_.get_xdata(), np.arange(51))
    assert display.ax_.get_xlabel() == "Iteration"
    assert display.ax_.get_ylabel() == "Cost J"
    assert display.ax_.get_yscale() == "linear"
    assert display.ax_.get_legend() is None
    assert display.figure_ is display.ax_.figure
    assert display.line_ in display.ax_.get_lines()


def test_cost_history_log_scale_name_and_given_axes(line_data):
    X, y = line_data
    reg = GradientDescentRegressor(max_iter=20).fit(X, y)
    fig, (ax_left, ax_right) = plt.subplots(1, 2)
    display = CostHistoryDisplay.from_estimator(
        reg, ax=ax_right, name="alpha='auto'", log_scale=True, color="tab:green"
    )

    assert display.ax_ is ax_right and display.figure_ is fig
    assert not ax_left.get_lines()
    assert ax_right.get_yscale() == "log"
    assert [t.get_text() for t in ax_right.get_legend().get_texts()] == ["alpha='auto'"]
    assert matplotlib.colors.same_color(display.line_.get_color(), "tab:green")


def test_cost_history_curves_share_axes(line_data):
    X, y = line_data
    _, ax = plt.subplots()
    for alpha in (0.01, 0.1):
        reg = GradientDescentRegressor(alpha=alpha, max_iter=30).fit(X, y)
        CostHistoryDisplay.from_estimator(reg, ax=ax, name=f"alpha={alpha}")
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["alpha=0.01", "alpha=0.1"]
    assert len(ax.get_lines()) == 2


def test_cost_history_from_pipeline_reads_the_last_step(line_data):
    X, y = line_data
    model = make_pipeline(StandardScaler(), GradientDescentRegressor(max_iter=15))
    display = CostHistoryDisplay.from_estimator(model.fit(X, y))
    assert_array_equal(display.line_.get_ydata(), model[-1].cost_history_)


def test_cost_history_from_result():
    result = gradient_descent(quadratic, [3.0], alpha=0.1, max_iter=10)
    display = CostHistoryDisplay.from_result(result, name="J = theta^2")
    assert_allclose(display.line_.get_ydata(), 9.0 * 0.64 ** np.arange(11))
    assert display.ax_.get_legend().get_texts()[0].get_text() == "J = theta^2"


def test_cost_history_plot_returns_self_and_name_overrides():
    display = CostHistoryDisplay(cost_history=[4.0, 1.0, 0.25], name="stored")
    assert display.plot(name="given") is display
    assert display.ax_.get_legend().get_texts()[0].get_text() == "given"


def test_cost_history_log_scale_survives_a_zero_cost():
    # A fit that reaches the exact minimum of a perfect line has a zero cost.
    display = CostHistoryDisplay(cost_history=[1.0, 0.1, 0.01, 0.0]).plot(
        log_scale=True
    )
    display.figure_.canvas.draw()
    assert_array_equal(display.line_.get_ydata(), [1.0, 0.1, 0.01, 0.0])
    low, high = display.ax_.get_ylim()
    assert 1e-3 < low < 0.01 and 1.0 < high < 10.0


def test_cost_history_errors(line_data):
    X, y = line_data
    with pytest.raises(NotFittedError):
        CostHistoryDisplay.from_estimator(GradientDescentRegressor())
    with pytest.raises(TypeError, match="GradientDescentRegressor.*best_estimator_"):
        CostHistoryDisplay.from_estimator(LinearRegression().fit(X, y))
    with pytest.raises(TypeError, match="GradientDescentResult"):
        CostHistoryDisplay.from_result([1.0, 0.5])
    with pytest.raises(ValueError, match="1-D"):
        CostHistoryDisplay(cost_history=[[1.0, 2.0]]).plot()
    with pytest.raises(ValueError, match="non-empty"):
        CostHistoryDisplay(cost_history=[]).plot()


# DescentPathDisplay.from_estimator


def test_path_from_estimator_draws_the_recorded_path(line_data):
    X, y = line_data
    reg = GradientDescentRegressor(max_iter=100, store_path=True).fit(X, y)
    display = DescentPathDisplay.from_estimator(reg, X, y)

    assert_array_equal(display.line_.get_xdata(), reg.intercept_path_)
    assert_array_equal(display.line_.get_ydata(), reg.coef_path_[:, 0])
    assert_array_equal(display.path_iterations, reg.path_iterations_)
    assert display.ax_.get_xlabel() == "intercept_"
    assert display.ax_.get_ylabel() == "coef_[0]"
    assert display.ax_.get_legend() is None
    assert display.figure_ is display.ax_.figure
    # The drawn region holds the whole path.
    x_lo, x_hi = display.ax_.get_xlim()
    y_lo, y_hi = display.ax_.get_ylim()
    assert x_lo <= reg.intercept_path_.min() and reg.intercept_path_.max() <= x_hi
    assert y_lo <= reg.coef_path_.min() and reg.coef_path_.max() <= y_hi
    assert len(display.contour_.levels) == 12


def test_path_contours_are_the_cost(line_data):
    X, y = line_data
    reg = GradientDescentRegressor(max_iter=300, store_path=True).fit(X, y)
    display = DescentPathDisplay.from_estimator(reg, X, y, grid_resolution=30)

    assert display.cost.shape == display.xx0.shape == (30, 30)
    for i, j in [(0, 0), (7, 21), (29, 29), (15, 3)]:
        b, w = display.xx0[i, j], display.xx1[i, j]
        expected = half_mse(X, y, np.array([w]), b)
        assert_allclose(display.cost[i, j], expected, rtol=1e-10)
    # The first recorded point is the start, (0, 0), at cost_history_[0].
    assert_allclose(half_mse(X, y, np.zeros(1), 0.0), reg.cost_history_[0])


def test_path_contours_of_chosen_parameters(three_features):
    X, y = three_features
    reg = GradientDescentRegressor(max_iter=40, store_path=True).fit(X, y)
    display = DescentPathDisplay.from_estimator(
        reg, X, y, params=(2, "intercept"), grid_resolution=10
    )
    assert display.ax_.get_xlabel() == "coef_[2]"
    assert display.ax_.get_ylabel() == "intercept_"
    assert_array_equal(display.path[:, 0], reg.coef_path_[:, 2])
    assert_array_equal(display.path[:, 1], reg.intercept_path_)
    # Other parameters held at their fitted values.
    i, j = 4, 6
    w = reg.coef_.copy()
    w[2] = display.xx0[i, j]
    assert_allclose(
        display.cost[i, j], half_mse(X, y, w, display.xx1[i, j]), rtol=1e-10
    )


def test_path_sample_weight_and_sparse(three_features):
    X, y = three_features
    weights = np.linspace(0.5, 2.0, len(y))
    reg = GradientDescentRegressor(max_iter=30, store_path=5).fit(
        X, y, sample_weight=weights
    )
    dense = DescentPathDisplay.from_estimator(
        reg, X, y, sample_weight=weights, params=(0, 1), grid_resolution=8
    )
    sparse = DescentPathDisplay.from_estimator(
        reg,
        sp.csr_matrix(X),
        y,
        sample_weight=weights,
        params=(0, 1),
        grid_resolution=8,
    )
    assert_allclose(sparse.cost, dense.cost, rtol=1e-10)
    assert len(dense.path) <= 5
    w = reg.coef_.copy()
    w[:2] = dense.xx0[3, 5], dense.xx1[3, 5]
    assert_allclose(
        dense.cost[3, 5], half_mse(X, y, w, reg.intercept_, weights), rtol=1e-10
    )


def test_path_feature_names_and_pipeline(three_features):
    X, y = three_features
    frame = pd.DataFrame(X, columns=["age", "bmi", "bp"])
    reg = GradientDescentRegressor(max_iter=20, store_path=True).fit(frame, y)
    display = DescentPathDisplay.from_estimator(reg, frame, y, params=("bmi", "bp"))
    assert display.ax_.get_xlabel() == "coef_[1] (bmi)"
    assert display.ax_.get_ylabel() == "coef_[2] (bp)"

    model = make_pipeline(
        StandardScaler(), GradientDescentRegressor(max_iter=20, store_path=True)
    ).fit(X, y)
    display = DescentPathDisplay.from_estimator(model, X, y, grid_resolution=5)
    scaled = StandardScaler().fit_transform(X)
    i, j = 2, 4
    w = model[-1].coef_.copy()
    w[0] = display.xx1[i, j]
    assert_allclose(
        display.cost[i, j], half_mse(scaled, y, w, display.xx0[i, j]), rtol=1e-10
    )


def test_path_several_targets(three_features):
    X, y = three_features
    Y = np.column_stack([y, 2 * y - 1])
    reg = GradientDescentRegressor(max_iter=20, store_path=True).fit(X, Y)
    with pytest.raises(ValueError, match="2 targets: pass target"):
        DescentPathDisplay.from_estimator(reg, X, Y)
    display = DescentPathDisplay.from_estimator(reg, X, Y, target=1, grid_resolution=5)
    assert display.ax_.get_xlabel() == "intercept_[1]"
    assert display.ax_.get_ylabel() == "coef_[1, 0]"
    assert_array_equal(display.path[:, 0], reg.intercept_path_[:, 1])
    assert_array_equal(display.path[:, 1], reg.coef_path_[:, 1, 0])
    # The cost sums over both targets; target 0 stays at its fitted values.
    coef, intercept = reg.coef_.T.copy(), reg.intercept_.copy()
    intercept[1], coef[0, 1] = display.xx0[1, 3], display.xx1[1, 3]
    assert_allclose(display.cost[1, 3], half_mse(X, Y, coef, intercept), rtol=1e-10)


def test_path_from_estimator_errors(line_data, three_features):
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


# DescentPathDisplay.from_result and plot


def test_path_from_result_draws_the_path_over_the_function():
    result = gradient_descent(
        quadratic, [3.0, 2.0, -1.0], alpha=0.1, max_iter=15, store_path=True
    )
    display = DescentPathDisplay.from_result(
        result,
        quadratic,
        params=(0, 2),
        extent=(-4.0, 4.0, -3.0, 3.0),
        grid_resolution=9,
        param_names=("theta_1", "theta_3"),
        name="alpha = 0.1",
    )
    assert_allclose(display.line_.get_xdata(), result.path[:, 0])
    assert_allclose(display.line_.get_ydata(), result.path[:, 2])
    assert_array_equal(display.path_iterations, np.arange(16))
    # theta_2 is held at its final value.
    expected = display.xx0**2 + display.xx1**2 + result.x[1] ** 2
    assert_allclose(display.cost, expected)
    assert (display.xx0.min(), display.xx0.max()) == (-4.0, 4.0)
    assert display.ax_.get_xlabel() == "theta_1"
    assert display.ax_.get_ylabel() == "theta_3"
    assert display.ax_.get_legend().get_texts()[0].get_text() == "alpha = 0.1"


def test_path_from_result_errors():
    result = gradient_descent(quadratic, [3.0, 2.0], alpha=0.1, max_iter=5)
    with pytest.raises(ValueError, match="store_path=True"):
        DescentPathDisplay.from_result(result, quadratic)
    result = gradient_descent(
        quadratic, [3.0, 2.0], alpha=0.1, max_iter=5, store_path=True
    )
    with pytest.raises(ValueError, match="2 coordinates"):
        DescentPathDisplay.from_result(result, quadratic, params=(0, 2))


def test_path_plot_levels_kwargs_and_validation():
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

    with pytest.raises(ValueError, match=r"shape \(n_points, 2\)"):
        DescentPathDisplay(xx0=xx0, xx1=xx1, cost=xx0, path=[1.0, 2.0]).plot()
    with pytest.raises(ValueError, match="same 2-D shape"):
        DescentPathDisplay(xx0=xx0, xx1=xx1, cost=xx0[1:], path=[[1.0, 2.0]]).plot()


# matplotlib is optional


def test_import_skgd_does_not_import_matplotlib():
    code = "import sys, skgd; print('matplotlib' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize(
    "draw",
    [
        lambda: CostHistoryDisplay(cost_history=[1.0, 0.5]).plot(),
        lambda: CostHistoryDisplay.from_result(None),
        lambda: DescentPathDisplay.from_result(None, quadratic),
        lambda: DescentPathDisplay.from_estimator(None, None, None),
    ],
)
def test_clear_error_without_matplotlib(monkeypatch, draw):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match=r'requires matplotlib.*"skgd\[plot\]"'):
        draw()
