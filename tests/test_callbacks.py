"""scikit-learn's callback API (1.9+): one sub-task per gradient step."""

import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.metrics import r2_score
from sklearn.model_selection import GridSearchCV

from skgd import GradientDescentRegressor

callback = pytest.importorskip(
    "sklearn.callback", reason="scikit-learn < 1.9 has no callback API"
)


def make_data(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(80, 3))
    return X, X @ [1.0, -2.0, 0.5] + 0.3 + 0.1 * rng.normal(size=80)


class Recorder:
    """A callback that keeps what each task's hooks received."""

    def __init__(self, stop_after=None):
        self.stop_after = stop_after
        self.events = []

    def setup(self, estimator, context):
        self.events.append(("setup", context.task_name, None))

    def teardown(self, estimator, context):
        self.events.append(("teardown", context.task_name, None))

    def on_fit_task_begin(self, estimator, context, *, fitted_estimator=None):
        self.events.append(("begin", context.task_name, _params(fitted_estimator)))

    def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
        self.events.append(("end", context.task_name, _params(fitted_estimator)))
        return (
            self.stop_after is not None
            and context.task_name == "gradient step"
            and context.task_id + 1 >= self.stop_after
        )


def _params(fitted_estimator):
    if fitted_estimator is None:
        return None
    return np.r_[fitted_estimator.coef_, fitted_estimator.intercept_]


@pytest.mark.parametrize("solver", ["literal", "gram", "dual"])
def test_every_step_is_a_sub_task_with_the_parameters_before_and_after_it(solver):
    X, y = make_data()
    recorder = Recorder()
    reg = (
        GradientDescentRegressor(alpha=0.1, max_iter=4, solver=solver)
        .set_callbacks(recorder)
        .fit(X, y)
    )

    steps = [event for event in recorder.events if event[1] == "gradient step"]
    assert [kind for kind, _, _ in steps] == ["begin", "end"] * 4
    # The path the steps report is the one plain descent takes from zero.
    path = [
        np.r_[r.coef_, r.intercept_]
        for r in (
            GradientDescentRegressor(alpha=0.1, max_iter=k, solver="literal").fit(X, y)
            for k in (1, 2, 3, 4)
        )
    ]
    assert_allclose(steps[0][2], np.zeros(4))
    for k in range(4):
        assert_allclose(steps[2 * k + 1][2], path[k], rtol=1e-12)
        if k:
            assert_allclose(steps[2 * k][2], path[k - 1], rtol=1e-12)
    assert recorder.events[0][0] == "setup" and recorder.events[-1][0] == "teardown"
    root_end = [e for e in recorder.events if e[:2] == ("end", "fit")]
    assert_allclose(root_end[0][2], np.r_[reg.coef_, reg.intercept_])


@pytest.mark.parametrize("solver", ["literal", "gram", "dual"])
def test_a_stop_request_ends_the_fit_cleanly(solver):
    X, y = make_data()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no ConvergenceWarning for a requested stop
        reg = (
            GradientDescentRegressor(max_iter=100, tol=1e-30, solver=solver)
            .set_callbacks(Recorder(stop_after=3))
            .fit(X, y)
        )
    three_steps = GradientDescentRegressor(max_iter=3, solver=solver).fit(X, y)
    assert reg.n_iter_ == 3 and len(reg.cost_history_) == 4
    assert_allclose(reg.coef_, three_steps.coef_, rtol=1e-14)
    assert_allclose(reg.cost_history_, three_steps.cost_history_, rtol=1e-14)


def test_scoring_monitor_logs_one_score_per_step():
    X, y = make_data()
    monitor = callback.ScoringMonitor(scoring="r2")
    GradientDescentRegressor(max_iter=5).set_callbacks(monitor).fit(X, y)
    log = monitor.get_logs().data_as_pandas
    steps = log[log["task_name"] == "gradient step"].sort_values("task_id")
    assert list(steps["task_id"]) == [0, 1, 2, 3, 4]
    expected = [
        r2_score(y, GradientDescentRegressor(max_iter=k).fit(X, y).predict(X))
        for k in range(1, 6)
    ]
    assert_allclose(steps["r2"], expected, rtol=1e-12)


def test_progress_bar_nests_under_grid_search(capsys):
    pytest.importorskip("rich", reason="ProgressBar needs rich")
    X, y = make_data()
    search = GridSearchCV(
        GradientDescentRegressor(max_iter=20), {"alpha": [0.05, "auto"]}, cv=2
    ).set_callbacks(callback.ProgressBar(max_propagation_depth=None))
    search.fit(X, y)
    shown = capsys.readouterr().out
    assert "GridSearchCV - fit" in shown
    assert "GradientDescentRegressor - fit" in shown
    assert search.best_params_ == {"alpha": "auto"}


def test_the_estimator_works_on_scikit_learn_without_the_callback_api():
    # Simulates scikit-learn < 1.9, where sklearn.callback has no
    # CallbackSupportMixin to import (scikit-learn's own internals still load).
    script = textwrap.dedent(
        """
        import sklearn.callback
        import sklearn.model_selection
        import sklearn.pipeline
        del sklearn.callback.CallbackSupportMixin
        import numpy as np
        import skgd._callbacks
        from skgd import GradientDescentRegressor
        assert not skgd._callbacks.CALLBACKS_SUPPORTED
        X = np.arange(10.0).reshape(-1, 1)
        reg = GradientDescentRegressor(max_iter=2000).fit(X, 2 * X.ravel() + 1)
        assert not hasattr(reg, "set_callbacks")
        print(round(float(reg.coef_[0]), 6), round(reg.intercept_, 6))
        """
    )
    run = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["2.0", "1.0"]
