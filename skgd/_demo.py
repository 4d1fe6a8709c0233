"""A guided tour of skgd on the diabetes data, run by ``python -m skgd``.

Read from top to bottom, this module is a short tutorial. Each helper does one
step of an ordinary scikit-learn workflow with :class:`GradientDescentRegressor`
and returns the lines it wants printed:

1. :func:`trace_descent` fits a scaled pipeline and shows the cost falling;
2. :func:`search_learning_rate` chooses ``alpha`` with :class:`GridSearchCV`,
   one candidate of which is too large and diverges;
3. :func:`cross_validate_model` estimates how the chosen pipeline generalises;
4. :func:`compare_with_least_squares` checks it against the exact solution of
   :class:`~sklearn.linear_model.LinearRegression`.

The data is scikit-learn's bundled diabetes set (442 patients, 10 features), so
nothing is downloaded, and the whole tour takes a few seconds.
"""

import argparse
import warnings

import numpy as np
from sklearn.base import clone
from sklearn.datasets import load_diabetes
from sklearn.exceptions import FitFailedWarning
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import (
    GridSearchCV,
    KFold,
    cross_validate,
    train_test_split,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skgd._exceptions import DivergenceError
from skgd._regressor import GradientDescentRegressor

RANDOM_STATE = 0
# The correlated diabetes features s1-s4 make the cost very flat in a few
# directions: 1,000 steps stop visibly short of the least-squares solution there,
# 10,000 reach it. The exact fast paths make 10,000 steps cost milliseconds.
MAX_ITER = 10_000
N_FOLDS = 5
# On the standardised diabetes features L is about 4: 'auto' takes 1/L ~ 0.24,
# 0.3 is bolder yet stable, and 1.0 is above 2/L ~ 0.48, so it diverges. Much
# smaller rates are left out: in MAX_ITER steps they stop short of the
# least-squares solution, which regularises, so the search may well prefer them
# and the comparison with LinearRegression would then be about early stopping.
# A last cost within this relative distance of the minimum counts as converged.
CONVERGED_GAP = 1e-6
ALPHA_GRID = ("auto", 0.1, 0.3, 1.0)
# Steps at which the cost is shown; the last step is always added.
TRACED_STEPS = (0, 1, 10, 100)
INDENT = "   "


def load_split(random_state=RANDOM_STATE):
    """Load the diabetes data and hold out a quarter of it for the final test.

    Parameters
    ----------
    random_state : int, default=RANDOM_STATE
        Seed of the train/test split.

    Returns
    -------
    X_train, X_test, y_train, y_test : ndarray
        The split, as returned by :func:`~sklearn.model_selection.train_test_split`.
    """
    X, y = load_diabetes(return_X_y=True)
    return train_test_split(X, y, random_state=random_state)


def make_model(alpha="auto", max_iter=MAX_ITER):
    """Standardise the features, then fit by gradient descent.

    Scaling matters to gradient descent, not to the model: with features on
    similar scales the cost is closer to round, and one learning rate suits
    every direction.

    Parameters
    ----------
    alpha : float or 'auto', default='auto'
        Learning rate of the :class:`GradientDescentRegressor`.
    max_iter : int, default=MAX_ITER
        Number of gradient steps.

    Returns
    -------
    model : Pipeline
        ``make_pipeline(StandardScaler(), GradientDescentRegressor(...))``.
    """
    return make_pipeline(
        StandardScaler(), GradientDescentRegressor(alpha=alpha, max_iter=max_iter)
    )


def trace_descent(model, X, y):
    """Fit ``model`` and report the cost at a few steps and the learning rate.

    Parameters
    ----------
    model : Pipeline
        A pipeline ending in a :class:`GradientDescentRegressor`.
    X, y : ndarray
        Training data.

    Returns
    -------
    lines : list of str
        A table of the cost ``J`` by step, then the learning rate used.
    """
    regressor = model.fit(X, y)[-1]
    history = regressor.cost_history_
    steps = [step for step in TRACED_STEPS if step < regressor.n_iter_]
    steps.append(regressor.n_iter_)
    lines = [f"{INDENT}{'step':>6}  {'cost J':>10}"]
    lines += [f"{INDENT}{step:>6}  {history[step]:>10.2f}" for step in steps]
    lines.append(f"{INDENT}learning rate alpha_ = {regressor.alpha_:.4f}")
    if model[-1].alpha == "auto":
        # 'auto' takes 1/L, half the largest stable rate.
        lines[-1] += f" = 1/L (stable below 2/L = {2 * regressor.alpha_:.4f})"
    return lines


def search_learning_rate(model, X, y):
    """Choose ``alpha`` by cross-validated grid search, tolerating divergence.

    With ``error_score=np.nan`` a diverging candidate scores NaN instead of
    aborting the search, and the search picks among the others.

    Parameters
    ----------
    model : Pipeline
        The pipeline to tune; its last step is named
        ``'gradientdescentregressor'``.
    X, y : ndarray
        Training data.

    Returns
    -------
    search : GridSearchCV
        The fitted search; ``best_estimator_`` is refitted on all of ``X``.
    lines : list of str
        One line per candidate, one per failing candidate saying why, and the
        choice.
    """
    search = GridSearchCV(
        model,
        {"gradientdescentregressor__alpha": list(ALPHA_GRID)},
        cv=N_FOLDS,
        error_score=np.nan,
    )
    with warnings.catch_warnings():
        # The failures are reported below in one line each, not as a traceback.
        warnings.simplefilter("ignore", FitFailedWarning)
        warnings.filterwarnings(
            "ignore",
            message="One or more of the .* scores are non-finite",
            category=UserWarning,
        )
        search.fit(X, y)

    results = search.cv_results_
    split_scores = np.column_stack(
        [results[f"split{fold}_test_score"] for fold in range(N_FOLDS)]
    )
    lines = [f"{INDENT}{'alpha':>8}  {'mean R^2':>8}  {'std':>6}"]
    failures = []
    for params, scores in zip(results["params"], split_scores, strict=True):
        alpha = params["gradientdescentregressor__alpha"]
        n_failed = int(np.isnan(scores).sum())
        if n_failed:
            failures.append((alpha, n_failed))
            lines.append(f"{INDENT}{alpha!r:>8}  {'failed':>8}")
        else:
            lines.append(
                f"{INDENT}{alpha!r:>8}  {scores.mean():>8.4f}  {scores.std():>6.4f}"
            )
    lines += [
        INDENT + _explain_failure(model, alpha, n_failed, X, y)
        for alpha, n_failed in failures
    ]
    best_alpha = search.best_params_["gradientdescentregressor__alpha"]
    lines.append(
        f"{INDENT}chosen: alpha={best_alpha!r}, mean CV R^2 = {search.best_score_:.4f}"
    )
    return search, lines


def _explain_failure(model, alpha, n_failed, X, y):
    """Say in one line why ``alpha`` failed, by fitting it once more on ``X``.

    The search keeps only a NaN score; refitting the candidate recovers the
    error itself, whose attributes say where and why the descent broke down.
    """
    candidate = clone(model).set_params(gradientdescentregressor__alpha=alpha)
    where = f"alpha={alpha!r} failed in {n_failed}/{N_FOLDS} folds"
    try:
        candidate.fit(X, y)
    except DivergenceError as error:
        # With a Gram matrix the bound is known before the first step.
        when = (
            "refused before the first step"
            if error.iteration is None
            else f"diverged at step {error.iteration}"
        )
        return f"{where}: {when}, as alpha > 2/L = {error.max_stable_alpha:.4f}"
    except ValueError as error:
        first_line = str(error).strip().splitlines()[0]
        return f"{where}: {type(error).__name__}: {first_line}"
    return f"{where}, yet fits the whole training set"


def cross_validate_model(model, X, y, random_state=RANDOM_STATE):
    """Estimate the chosen pipeline's R^2 by cross-validation.

    The folds are shuffled, unlike those of the grid search, so that the
    estimate does not merely repeat the score the search chose on.

    Parameters
    ----------
    model : Pipeline
        The pipeline to evaluate; it is cloned for every fold.
    X, y : ndarray
        Training data.
    random_state : int, default=RANDOM_STATE
        Seed of the shuffling of the folds.

    Returns
    -------
    lines : list of str
        The mean and standard deviation of R^2 over the folds.
    """
    folds = KFold(n_splits=N_FOLDS, shuffle=True, random_state=random_state)
    scores = cross_validate(model, X, y, cv=folds)["test_score"]
    return [f"{INDENT}R^2 = {scores.mean():.4f} +/- {scores.std():.4f}"]


def compare_with_least_squares(model, X_train, X_test, y_train, y_test):
    """Compare the fitted gradient-descent pipeline with ``LinearRegression``.

    Both minimise the same cost on the same scaled features, so they should
    agree on the test set; the coefficients differ only as far as the descent
    has not finished travelling along the flattest directions of the cost.

    Parameters
    ----------
    model : Pipeline
        A fitted pipeline ending in a :class:`GradientDescentRegressor`.
    X_train, X_test, y_train, y_test : ndarray
        The train/test split.

    Returns
    -------
    lines : list of str
        The test R^2 of both pipelines, the largest coefficient difference and
        the last cost of the descent against the least-squares minimum.
    """
    exact = make_pipeline(StandardScaler(), LinearRegression()).fit(X_train, y_train)
    coef_gap = np.max(np.abs(model[-1].coef_ - exact[-1].coef_))
    # The least-squares minimum of J, to set the last cost of the descent against.
    min_cost = 0.5 * np.mean((exact.predict(X_train) - y_train) ** 2)
    last_cost = model[-1].cost_history_[-1]
    verdict = (
        "converged to the least-squares minimum"
        if last_cost - min_cost <= CONVERGED_GAP * min_cost
        else "not yet converged along the flattest directions"
    )
    width = len("GradientDescentRegressor")
    return [
        f"{INDENT}{'model':<{width}}  {'test R^2':>8}",
        f"{INDENT}{'GradientDescentRegressor':<{width}}  "
        f"{model.score(X_test, y_test):>8.4f}",
        f"{INDENT}{'LinearRegression':<{width}}  {exact.score(X_test, y_test):>8.4f}",
        f"{INDENT}max |coef difference| = {coef_gap:.4f}"
        f" (largest |coef| = {np.max(np.abs(exact[-1].coef_)):.2f})",
        f"{INDENT}training cost J = {last_cost:.2f} vs minimum {min_cost:.2f}: "
        f"{verdict}",
    ]


def _parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m skgd",
        description="A tour of GradientDescentRegressor on the diabetes data.",
    )
    parser.add_argument(
        "--max-iter",
        type=_positive_int,
        default=MAX_ITER,
        help=f"gradient steps per fit (default: {MAX_ITER})",
    )
    parser.add_argument(
        "--random-state",
        type=int,
        default=RANDOM_STATE,
        help=f"seed of the train/test split and the CV shuffling "
        f"(default: {RANDOM_STATE})",
    )
    return parser.parse_args(argv)


def _positive_int(text):
    # GradientDescentRegressor would reject these too, but only after the data
    # is loaded and with a traceback instead of a usage message.
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or value < 1:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {text!r}")
    return value


def main(argv=None):
    """Run the tour and print its report.

    Parameters
    ----------
    argv : list of str or None, default=None
        Command-line arguments without the program name; ``None`` reads
        ``sys.argv[1:]``. ``--max-iter N`` sets the number of gradient steps,
        ``--random-state N`` the seed of the split and of the CV shuffling.

    See Also
    --------
    GradientDescentRegressor : The estimator on tour.

    Examples
    --------
    A short run, with 20 gradient steps per fit:

    >>> from skgd._demo import main
    >>> main(["--max-iter", "20"])
    Gradient descent on the diabetes data (442 samples, 10 features)
    ...
    1. Fitting StandardScaler + GradientDescentRegressor(alpha='auto')
         step      cost J
            0  ...
    """
    args = _parse_args(argv)
    X_train, X_test, y_train, y_test = load_split(args.random_state)
    model = make_model(max_iter=args.max_iter)
    n_samples = len(y_train) + len(y_test)

    print(
        f"Gradient descent on the diabetes data ({n_samples} samples, "
        f"{X_train.shape[1]} features)"
    )
    print(
        f"train/test split: {len(y_train)}/{len(y_test)} "
        f"(random_state={args.random_state}), {args.max_iter} steps per fit"
    )
    _section(
        "1. Fitting StandardScaler + GradientDescentRegressor(alpha='auto')",
        trace_descent(clone(model), X_train, y_train),
    )
    search, lines = search_learning_rate(model, X_train, y_train)
    _section(f"2. Choosing alpha by {N_FOLDS}-fold GridSearchCV", lines)
    _section(
        f"3. Cross-validating the chosen pipeline ({N_FOLDS} shuffled folds)",
        cross_validate_model(
            search.best_estimator_, X_train, y_train, args.random_state
        ),
    )
    _section(
        "4. Against LinearRegression in the same pipeline (held-out test set)",
        compare_with_least_squares(
            search.best_estimator_, X_train, X_test, y_train, y_test
        ),
    )


def _section(title, lines):
    print()
    print(title)
    for line in lines:
        print(line)
