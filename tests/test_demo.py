"""Tests of the tour run by ``python -m skgd``.

The numbers the demo prints are checked against values computed here from
scratch (numpy and LinearRegression on the same split), never against numbers
copied from an earlier run.
"""

import re
import subprocess
import sys
from itertools import pairwise

import numpy as np
import pytest
from sklearn.datasets import load_diabetes
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import KFold, cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skgd._demo import MAX_ITER, main

SECTION_TITLES = (
    "1. Fitting StandardScaler + GradientDescentRegressor(alpha='auto')",
    "2. Choosing alpha by 5-fold GridSearchCV",
    "3. Cross-validating the chosen pipeline (5 shuffled folds)",
    "4. Against LinearRegression in the same pipeline (held-out test set)",
)
NUMBER = r"(-?\d+(?:\.\d+)?)"


@pytest.fixture(scope="module")
def run():
    """The demo run as a user runs it, in a fresh interpreter."""
    return subprocess.run(
        [sys.executable, "-m", "skgd"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def output(run):
    assert run.returncode == 0, run.stderr
    return run.stdout


@pytest.fixture(scope="module")
def reference(output):
    """Independent numbers on the split the demo says it used."""
    random_state = int(_search(r"random_state=(\d+)", output))
    X, y = load_diabetes(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=random_state)
    exact = make_pipeline(StandardScaler(), LinearRegression()).fit(X_train, y_train)
    scaled = StandardScaler().fit_transform(X_train)
    # Hessian of the half mean squared error in (w, b): [X 1]^T [X 1] / m.
    design = np.column_stack([scaled, np.ones(len(scaled))])
    hessian = design.T @ design / len(design)
    folds = KFold(n_splits=5, shuffle=True, random_state=random_state)
    return {
        "initial_cost": 0.5 * np.mean(y_train**2),
        "minimum_cost": 0.5 * np.mean((exact.predict(X_train) - y_train) ** 2),
        "lipschitz": np.linalg.eigvalsh(hessian)[-1],
        "test_r2": exact.score(X_test, y_test),
        "cv_r2": cross_val_score(
            make_pipeline(StandardScaler(), LinearRegression()),
            X_train,
            y_train,
            cv=folds,
        ).mean(),
    }


def _search(pattern, text):
    match = re.search(pattern, text, flags=re.MULTILINE)
    assert match, f"{pattern!r} not found in:\n{text}"
    return match.group(1)


def _section(output, number):
    """The lines of section ``number``, up to the next blank line."""
    start = output.index(SECTION_TITLES[number - 1])
    return output[start:].split("\n\n")[0].splitlines()[1:]


def _alpha(text):
    return text.strip("'") if text.startswith("'") else float(text)


def test_exits_cleanly(run):
    assert run.returncode == 0
    # Expected failures of the grid search are summarised, not warned about.
    assert run.stderr == ""


def test_has_every_section_in_order(output):
    positions = [output.index(title) for title in SECTION_TITLES]
    assert positions == sorted(positions)
    assert len(output.splitlines()) <= 30


def test_costs_fall_from_the_start_to_the_least_squares_minimum(output, reference):
    rows = [re.fullmatch(rf"\s+(\d+)\s+{NUMBER}", line) for line in _section(output, 1)]
    steps = [int(row.group(1)) for row in rows if row]
    costs = [float(row.group(2)) for row in rows if row]
    assert steps == [0, 1, 10, 100, MAX_ITER]
    assert all(later < earlier for earlier, later in pairwise(costs))
    assert costs[0] == pytest.approx(reference["initial_cost"], abs=0.01)
    # Never below the minimum (up to the printed rounding), and close to it.
    assert costs[-1] >= reference["minimum_cost"] - 0.01
    assert costs[-1] == pytest.approx(reference["minimum_cost"], rel=1e-3)


def test_auto_learning_rate_is_one_over_lipschitz(output, reference):
    alpha = float(_search(rf"learning rate alpha_ = {NUMBER}", output))
    assert alpha == pytest.approx(1 / reference["lipschitz"], abs=1e-4)


def test_diverging_candidate_is_reported_and_not_chosen(output, reference):
    max_stable = 2 / reference["lipschitz"]
    diverged = _alpha(
        _search(r"alpha=(\S+) failed in \d/5 folds: (?:diverged|refused)", output)
    )
    printed_bound = float(_search(rf"(?:diverged|refused) .* 2/L = {NUMBER}", output))
    chosen = _alpha(_search(r"chosen: alpha=(\S+),", output))

    assert diverged > max_stable
    assert printed_bound == pytest.approx(max_stable, abs=1e-4)
    assert chosen != diverged
    assert chosen == "auto" or chosen < max_stable
    failed_rows = [line for line in _section(output, 2) if line.endswith("failed")]
    assert len(failed_rows) == 1


def test_cross_validated_r2_matches_least_squares(output, reference):
    mean = float(_search(rf"R\^2 = {NUMBER} \+/- ", output))
    std = float(_search(rf"R\^2 = .* \+/- {NUMBER}", output))
    assert mean == pytest.approx(reference["cv_r2"], abs=0.01)
    assert 0 < std < 1


def test_gradient_descent_matches_linear_regression(output, reference):
    gd_r2 = float(_search(rf"^\s+GradientDescentRegressor\s+{NUMBER}$", output))
    lr_r2 = float(_search(rf"^\s+LinearRegression\s+{NUMBER}$", output))
    gap = float(_search(rf"max \|coef difference\| = {NUMBER}", output))

    assert lr_r2 == pytest.approx(reference["test_r2"], abs=1e-4)
    assert gd_r2 == pytest.approx(reference["test_r2"], abs=0.01)
    assert gap >= 0
    # MAX_ITER steps reach the minimum, and the demo says so only if they do.
    cost = float(_search(rf"training cost J = {NUMBER} vs", output))
    minimum = float(_search(rf"vs minimum {NUMBER}:", output))
    assert cost == pytest.approx(minimum, abs=0.01)
    assert "converged to the least-squares minimum" in output


def test_main_in_process_prints_the_same_report(output, capsys, monkeypatch):
    # main() with no argument reads sys.argv, which here holds pytest's own.
    monkeypatch.setattr(sys, "argv", ["python -m skgd"])
    assert main() is None
    captured = capsys.readouterr()
    assert captured.out == output
    assert captured.err == ""


def test_rejects_a_bad_max_iter(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--max-iter", "0"])
    assert exit_info.value.code == 2
    assert "--max-iter" in capsys.readouterr().err
