"""Tests of the tour run by ``python -m skgd``.

The numbers the demo prints are checked against values computed here from
scratch (numpy and LinearRegression on the same split), never against numbers
copied from an earlier run. The minimum of the cost, which the demo takes from
the estimator's ``min_cost_``, comes here from numpy's least squares.
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

from skgd._demo import ALPHA_GRID, FRACTIONS, MAX_ITER, main

SECTION_TITLES = (
    "1. Fitting StandardScaler + GradientDescentRegressor(alpha='auto')",
    "2. How many steps each learning rate needs to come near the minimum",
    "3. Cross-validating the pipeline (5 shuffled folds)",
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
    least_squares = np.linalg.lstsq(design, y_train, rcond=None)[0]
    folds = KFold(n_splits=5, shuffle=True, random_state=random_state)
    return {
        "design": design,
        "y_train": y_train,
        "initial_cost": 0.5 * np.mean(y_train**2),
        "minimum_cost": 0.5 * np.mean((design @ least_squares - y_train) ** 2),
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
    assert len(output.splitlines()) <= 35
    assert max(len(line) for line in output.splitlines()) <= 88


def _cost_table(output):
    """The steps, costs and gaps J - J_min of section 1."""
    rows = [
        re.fullmatch(rf"\s+(\d+)\s+{NUMBER}\s+{NUMBER}", line)
        for line in _section(output, 1)
    ]
    rows = [row for row in rows if row]
    assert rows, output
    steps = [int(row.group(1)) for row in rows]
    costs = [float(row.group(2)) for row in rows]
    gaps = [float(row.group(3)) for row in rows]
    return steps, costs, gaps


def test_costs_fall_from_the_start_to_the_least_squares_minimum(output, reference):
    steps, costs, _ = _cost_table(output)
    assert steps == [0, 1, 10, 100, MAX_ITER]
    assert all(later < earlier for earlier, later in pairwise(costs))
    assert costs[0] == pytest.approx(reference["initial_cost"], abs=0.01)
    # Never below the minimum (up to the printed rounding), and close to it.
    assert costs[-1] >= reference["minimum_cost"] - 0.01
    assert costs[-1] == pytest.approx(reference["minimum_cost"], rel=1e-3)


def test_prints_the_minimum_of_the_cost(output, reference):
    printed = float(_search(rf"J_min = min_cost_ = {NUMBER}$", output))
    assert printed == pytest.approx(reference["minimum_cost"], abs=0.005)


def test_gaps_are_the_costs_above_the_least_squares_minimum(output, reference):
    _, costs, gaps = _cost_table(output)
    for cost, gap in zip(costs, gaps, strict=True):
        # Each printed number is rounded to 0.01.
        assert gap == pytest.approx(cost - reference["minimum_cost"], abs=0.011)
    # MAX_ITER steps close the gap to rounding error.
    assert gaps[-1] == 0


def test_a_cost_rounded_below_the_minimum_prints_a_gap_of_zero():
    # Near the minimum, rounding may put a cost a hair below min_cost_ (it
    # did, before the Gram solver read costs from sums of small terms); such a
    # gap prints as 0.00, not -0.00.
    from skgd._demo import _unsigned_zero

    assert f"{_unsigned_zero(-2e-12):.2f}" == "0.00"
    assert f"{_unsigned_zero(0.004):.2f}" == "0.00"
    assert f"{_unsigned_zero(0.006):.2f}" == "0.01"


def test_auto_learning_rate_is_one_over_lipschitz(output, reference):
    alpha = float(_search(rf"learning rate alpha_ = {NUMBER}", output))
    assert alpha == pytest.approx(1 / reference["lipschitz"], abs=1e-4)


def _textbook_costs(design, y, alpha, n_steps):
    """J after 0..n_steps steps of the textbook loop, from theta = 0."""
    theta = np.zeros(design.shape[1])
    costs = np.empty(n_steps + 1)
    for k in range(n_steps + 1):
        residual = design @ theta - y
        costs[k] = 0.5 * np.mean(residual**2)
        theta -= alpha * design.T @ residual / len(y)
    return costs


def _steps_table(output):
    """{alpha: [steps or None for each fraction]} and the refused alphas."""
    table, refused = {}, {}
    for line in _section(output, 2):
        cells = line.split()
        if not cells or cells[0] not in {repr(a) for a in ALPHA_GRID}:
            continue
        alpha = _alpha(cells[0])
        if cells[1].startswith("refused") or cells[1].startswith("diverged"):
            refused[alpha] = float(_search(rf"2/L = {NUMBER}", line))
        else:
            table[alpha] = [
                None if cell.startswith(">") else int(cell)
                for cell in cells[1 : 1 + len(FRACTIONS)]
            ]
    return table, refused


def test_steps_to_the_minimum_are_those_of_the_textbook_loop(output, reference):
    # Each count is the first step of the plain loop, run here in numpy on the
    # same standardised training data, within the fraction of the minimum.
    table, refused = _steps_table(output)
    assert set(table) | set(refused) == set(ALPHA_GRID)
    assert f"steps until J <= (1 + f) * J_min, of {MAX_ITER}:" in output
    min_cost = reference["minimum_cost"]
    for alpha, steps in table.items():
        rate = 1 / reference["lipschitz"] if alpha == "auto" else alpha
        costs = _textbook_costs(
            reference["design"], reference["y_train"], rate, MAX_ITER
        )
        gap = costs - min_cost
        for fraction, printed in zip(FRACTIONS, steps, strict=True):
            reached = np.flatnonzero(gap <= fraction * min_cost)
            expected = int(reached[0]) if reached.size else None
            if expected is None or printed is None:
                assert printed == expected, (alpha, fraction)
            else:
                # The Gram path's costs and the loop's may round differently at
                # the threshold itself.
                assert abs(printed - expected) <= 1, (alpha, fraction)


def test_near_the_minimum_steps_fall_like_one_over_alpha(output, reference):
    table, _ = _steps_table(output)
    products = [
        steps[-1] * (1 / reference["lipschitz"] if alpha == "auto" else alpha)
        for alpha, steps in table.items()
        if steps[-1] is not None
    ]
    assert len(products) >= 3
    assert max(products) / min(products) < 1.02
    low, high = (
        int(v) for v in _search(r"is the same: (\d+-\d+) for", output).split("-")
    )
    assert low <= min(products) + 1 and max(products) - 1 <= high
    # And the too small rate does not get there within MAX_ITER steps.
    assert table[0.01][-1] is None


def test_the_rate_above_the_stable_bound_is_refused(output, reference):
    _, refused = _steps_table(output)
    max_stable = 2 / reference["lipschitz"]
    assert list(refused) == [
        alpha for alpha in ALPHA_GRID if alpha != "auto" and alpha > max_stable
    ]
    for printed_bound in refused.values():
        assert printed_bound == pytest.approx(max_stable, abs=1e-4)


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
    # MAX_ITER steps reach the minimum, and the demo says so.
    gap = float(_search(rf"training cost J - min_cost_ = {NUMBER}:", output))
    assert gap == 0
    assert "converged to the least-squares minimum" in output
    assert "not yet converged" not in output


def test_a_short_run_says_how_far_it_is_from_the_minimum(capsys, reference):
    # 100 steps stop short of the minimum: the demo prints the same gap in
    # sections 1 and 4, the one of the textbook loop, and says so.
    main(["--max-iter", "100"])
    output = capsys.readouterr().out
    costs = _textbook_costs(
        reference["design"], reference["y_train"], 1 / reference["lipschitz"], 100
    )
    expected = costs[-1] - reference["minimum_cost"]
    assert expected > 1  # far enough from the minimum for the test to mean it
    steps, _, gaps = _cost_table(output)
    assert steps[-1] == 100
    assert gaps[-1] == pytest.approx(expected, abs=0.006)
    gap = float(_search(rf"training cost J - min_cost_ = {NUMBER}:", output))
    assert gap == pytest.approx(expected, abs=0.006)
    assert "not yet converged (raise --max-iter)" in output
    assert "converged to the least-squares minimum" not in output


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
