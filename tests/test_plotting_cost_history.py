"""CostHistoryDisplay: what it draws, checked on the Agg canvas, and its errors."""

import matplotlib
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LinearRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skgd import CostHistoryDisplay, GradientDescentRegressor, gradient_descent

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


def least_squares_cost(X, y):
    """J_min, from LinearRegression's residual: independent of skgd."""
    return 0.5 * np.mean((y - LinearRegression().fit(X, y).predict(X)) ** 2)


def quadratic(theta):
    return float(theta @ theta), 2 * theta


def test_from_estimator_draws_the_cost_history(line_data):
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


def test_log_scale_name_and_given_axes(line_data):
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


def test_curves_share_axes(line_data):
    X, y = line_data
    _, ax = plt.subplots()
    for alpha in (0.01, 0.1):
        reg = GradientDescentRegressor(alpha=alpha, max_iter=30).fit(X, y)
        CostHistoryDisplay.from_estimator(reg, ax=ax, name=f"alpha={alpha}")
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["alpha=0.01", "alpha=0.1"]
    assert len(ax.get_lines()) == 2


def test_from_pipeline_reads_the_last_step(line_data):
    X, y = line_data
    model = make_pipeline(StandardScaler(), GradientDescentRegressor(max_iter=15))
    display = CostHistoryDisplay.from_estimator(model.fit(X, y))
    assert_array_equal(display.line_.get_ydata(), model[-1].cost_history_)


def test_from_result():
    result = gradient_descent(quadratic, [3.0], alpha=0.1, max_iter=10)
    display = CostHistoryDisplay.from_result(result, name="J = theta^2")
    assert_allclose(display.line_.get_ydata(), 9.0 * 0.64 ** np.arange(11))
    assert display.ax_.get_legend().get_texts()[0].get_text() == "J = theta^2"


def test_plot_returns_self_and_name_overrides():
    display = CostHistoryDisplay(cost_history=[4.0, 1.0, 0.25], name="stored")
    assert display.plot(name="given") is display
    assert display.ax_.get_legend().get_texts()[0].get_text() == "given"


def test_log_scale_survives_a_zero_cost():
    # A fit that reaches the exact minimum of a perfect line has a zero cost.
    display = CostHistoryDisplay(cost_history=[1.0, 0.1, 0.01, 0.0]).plot(
        log_scale=True
    )
    display.figure_.canvas.draw()
    assert_array_equal(display.line_.get_ydata(), [1.0, 0.1, 0.01, 0.0])
    low, high = display.ax_.get_ylim()
    assert 1e-3 < low < 0.01 and 1.0 < high < 10.0


# kind="gap": J - J_min on a log axis


def test_gap_of_a_fit_against_the_least_squares_minimum(line_data):
    X, y = line_data
    reg = GradientDescentRegressor(max_iter=200).fit(X, y)
    min_cost = least_squares_cost(X, y)
    display = CostHistoryDisplay.from_estimator(reg, kind="gap", min_cost=min_cost)

    gap = display.line_.get_ydata()
    assert_allclose(gap, reg.cost_history_ - min_cost)
    assert display.ax_.get_yscale() == "log"
    assert display.ax_.get_ylabel() == r"$J - J_{\min}$"
    # What the log axis is for: the gap of a descent at alpha = 1/L on a strongly
    # convex bowl falls by orders of magnitude, which raw J on a log axis hides.
    assert gap[0] > 0 and gap[-1] < 1e-6 * gap[0]
    cost_span = np.log10(reg.cost_history_[0] / reg.cost_history_[-1])
    assert np.log10(gap[0] / gap[-1]) > 3 * cost_span


def test_gap_takes_the_estimators_min_cost_attribute(line_data):
    # A solver that knows the minimum sets min_cost_ on the estimator.
    X, y = line_data
    for solver in ["gram", "literal", "dual"]:
        reg = GradientDescentRegressor(
            max_iter=30, solver=solver, compute_min_cost=True
        )
        reg.fit(X, y)
        assert_allclose(reg.min_cost_, least_squares_cost(X, y), rtol=1e-9, atol=1e-15)
        display = CostHistoryDisplay.from_estimator(reg, kind="gap")
        assert_allclose(display.line_.get_ydata(), reg.cost_history_ - reg.min_cost_)
        assert display.min_cost == reg.min_cost_

    # From a pipeline, the last step's attribute; an explicit min_cost wins.
    model = make_pipeline(StandardScaler(), GradientDescentRegressor(max_iter=30))
    model.fit(X, y)
    display = CostHistoryDisplay.from_estimator(model, kind="gap")
    assert_allclose(
        display.line_.get_ydata(),
        model[-1].cost_history_ - least_squares_cost(X, y),
        atol=1e-12,
    )
    display = CostHistoryDisplay.from_estimator(model, kind="gap", min_cost=0.0)
    assert_allclose(display.line_.get_ydata(), model[-1].cost_history_)


def test_kind_cost_ignores_min_cost_and_gap_can_be_linear():
    display = CostHistoryDisplay(cost_history=[5.0, 3.0, 2.5], min_cost=2.0)
    assert_array_equal(display.plot().line_.get_ydata(), [5.0, 3.0, 2.5])
    display.plot(kind="gap", log_scale=False)
    assert_array_equal(display.line_.get_ydata(), [3.0, 1.0, 0.5])
    assert display.ax_.get_yscale() == "linear"


def test_gap_from_result():
    result = gradient_descent(
        lambda x: (float(x @ x) + 2.0, 2 * x), [3.0], alpha=0.1, max_iter=10
    )
    display = CostHistoryDisplay.from_result(result, kind="gap", min_cost=2.0)
    assert_allclose(display.line_.get_ydata(), 9.0 * 0.64 ** np.arange(11))
    assert display.ax_.get_yscale() == "log"


def test_a_gap_closed_to_rounding_is_left_out_of_the_log_axis():
    # The last cost sits a rounding error below the minimum given.
    display = CostHistoryDisplay(
        cost_history=[3.0, 2.0 + 1e-3, 2.0 + 1e-9, 2.0 - 1e-15], min_cost=2.0
    ).plot(kind="gap")
    display.figure_.canvas.draw()
    low, _ = display.ax_.get_ylim()
    assert 1e-10 < low < 1e-9


def test_gap_errors(line_data):
    X, y = line_data
    reg = GradientDescentRegressor(max_iter=30, compute_min_cost=False).fit(X, y)
    with pytest.raises(
        ValueError, match="kind='gap'.*needs the minimum.*compute_min_cost=True"
    ):
        CostHistoryDisplay.from_estimator(reg, kind="gap")
    with pytest.raises(ValueError, match="needs the minimum"):
        CostHistoryDisplay(cost_history=[2.0, 1.0]).plot(kind="gap")
    # A "minimum" above the costs reached is not the minimum (here: of other data).
    with pytest.raises(ValueError, match="is not the minimum of these costs"):
        CostHistoryDisplay.from_estimator(
            reg, kind="gap", min_cost=reg.cost_history_[-1] + 1.0
        )
    with pytest.raises(ValueError, match="finite"):
        CostHistoryDisplay(cost_history=[2.0, 1.0], min_cost=np.nan).plot(kind="gap")
    with pytest.raises(ValueError, match="kind must be one of"):
        CostHistoryDisplay(cost_history=[2.0, 1.0]).plot(kind="log")


def test_errors(line_data):
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


def test_training_and_validation_curves_with_the_best_step():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((14, 20))
    y = X @ rng.standard_normal(20) + 2.0 * rng.standard_normal(14)
    X_val = rng.standard_normal((30, 20))
    y_val = X_val @ rng.standard_normal(20)
    reg = GradientDescentRegressor(early_stopping=True, max_iter=3000)
    reg.fit(X, y, X_val=X_val, y_val=y_val)
    display = CostHistoryDisplay.from_estimator(reg)
    assert_allclose(display.line_.get_ydata(), reg.cost_history_)
    assert_allclose(display.validation_line_.get_ydata(), reg.validation_cost_history_)
    best = reg.best_iteration_
    assert display.best_marker_.get_xdata()[0] == best
    assert display.best_marker_.get_ydata()[0] == reg.validation_cost_history_[best]
    labels = [text.get_text() for text in display.ax_.get_legend().get_texts()]
    assert labels == ["training", "validation", f"best step ({best})"]
    plt.close(display.figure_)
    # The gap to the minimum is the training cost's alone.
    gap = CostHistoryDisplay.from_estimator(reg, kind="gap", min_cost=0.0)
    assert gap.validation_line_ is None and gap.best_marker_ is None
    plt.close(gap.figure_)
