"""A guided tour of skgd on the diabetes data, run by ``python -m skgd``.

Read from top to bottom, this module is a short tutorial. Each helper does one
step of an ordinary scikit-learn workflow with :class:`GradientDescentRegressor`
and returns the lines it wants printed:

1. :func:`trace_descent` fits a scaled pipeline and shows the cost falling to
   its minimum, ``min_cost_``, which the fit reports;
2. :func:`steps_to_the_minimum` counts, for several learning rates, the steps
   each needs to come within a given fraction of that minimum, one of them too
   large, refused before the first step;
3. :func:`cross_validate_model` estimates how the pipeline generalises;
4. :func:`compare_with_least_squares` checks it against the exact solution of
   :class:`~sklearn.linear_model.LinearRegression`.

The learning rate is not chosen by a grid search here: on these data every
stable rate ends at the same minimum, so their cross-validated scores tie, and a
search would pick among them on rounding. What the learning rate changes is how
many steps the descent needs, which is what section 2 shows.

The data is scikit-learn's bundled diabetes set (442 patients, 10 features), so
nothing is downloaded, and the whole tour takes a few seconds.
"""

import argparse

import numpy as np
from sklearn.base import clone
from sklearn.datasets import load_diabetes
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import KFold, cross_validate, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skgd._exceptions import DivergenceError
from skgd._regressor import GradientDescentRegressor

RANDOM_STATE = 0
# The correlated diabetes features s1-s4 make the cost very flat in a few
# directions: 1,000 steps stop visibly short of the least-squares solution there,
# 10,000 reach it. The Gram solver makes 10,000 steps cost milliseconds.
MAX_ITER = 10_000
N_FOLDS = 5
# On the standardised diabetes features L is about 4: 'auto' takes 1/L ~ 0.24,
# 0.45 is just below the stable bound 2/L ~ 0.48, and 1.0 is above it, so it is
# refused; 0.01 is too small to get far in MAX_ITER steps.
ALPHA_GRID = (0.01, 0.1, "auto", 0.3, 0.45, 1.0)
# How close to the minimum counts as arrived: J <= (1 + fraction) * J_min.
FRACTIONS = (1e-2, 1e-4, 1e-6)
# A last cost within this relative distance of the minimum counts as converged.
CONVERGED_GAP = 1e-6
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

    The fit also reports ``min_cost_``, the minimum ``J_min`` of the cost over
    all parameters (the cost of the least-squares fit), so ``J - J_min`` is what
    is left to gain. The solver 'gram', which 'auto' picks on these data, has it
    at no extra cost.

    Parameters
    ----------
    model : Pipeline
        A pipeline ending in a :class:`GradientDescentRegressor`.
    X, y : ndarray
        Training data.

    Returns
    -------
    lines : list of str
        ``J_min``, a table of the cost ``J`` and of ``J - J_min`` by step, then
        the learning rate used.
    """
    regressor = model.fit(X, y)[-1]
    history = regressor.cost_history_
    min_cost = regressor.min_cost_
    steps = [step for step in TRACED_STEPS if step < regressor.n_iter_]
    steps.append(regressor.n_iter_)
    lines = [
        f"{INDENT}the minimum of J over all (w, b): J_min = min_cost_ = {min_cost:.2f}",
        f"{INDENT}{'step':>6}  {'cost J':>10}  {'J - J_min':>10}",
    ]
    lines += [
        f"{INDENT}{step:>6}  {history[step]:>10.2f}  "
        f"{_unsigned_zero(history[step] - min_cost):>10.2f}"
        for step in steps
    ]
    lines.append(f"{INDENT}learning rate alpha_ = {regressor.alpha_:.4f}")
    if model[-1].alpha == "auto":
        # 'auto' takes 1/L, half the largest stable rate.
        lines[-1] += f" = 1/L (stable below 2/L = {2 * regressor.alpha_:.4f})"
    return lines


def steps_to_the_minimum(model, X, y, alphas=ALPHA_GRID, fractions=FRACTIONS):
    """Count the steps each learning rate needs to come near the minimum.

    Each ``alpha`` is fitted once, and its ``cost_history_`` read: the first
    step ``k`` with ``J_k <= (1 + fraction) * J_min``, for each fraction, where
    ``J_min`` is the fit's ``min_cost_``, the least-squares cost. Close to the
    minimum only the flattest direction of the cost is left, whose error each
    step multiplies by ``1 - alpha * mu``, so the steps needed fall like
    ``1 / alpha``: steps times alpha is then the same for every stable learning
    rate.

    Parameters
    ----------
    model : Pipeline
        ``StandardScaler`` then a :class:`GradientDescentRegressor`, named
        ``'gradientdescentregressor'``.
    X, y : ndarray
        Training data.
    alphas : tuple of (float or 'auto'), default=ALPHA_GRID
        The learning rates.
    fractions : tuple of float, default=FRACTIONS
        How close to ``J_min`` counts as arrived, as a fraction of it.

    Returns
    -------
    lines : list of str
        A table of the steps, one row per learning rate (a rate above the stable
        bound says so), and what it shows.
    """
    max_iter = model[-1].max_iter
    header = "".join(f"{'f=' + _power(fraction):>9}" for fraction in fractions)
    lines = [
        f"{INDENT}steps until J <= (1 + f) * J_min, of {max_iter}:",
        f"{INDENT}{'alpha':>8}{header}",
    ]
    products = []
    for alpha in alphas:
        candidate = model.set_params(gradientdescentregressor__alpha=alpha)
        try:
            regressor = candidate.fit(X, y)[-1]
        except DivergenceError as error:
            # With a Gram matrix the bound is known before the first step.
            when = (
                "refused"
                if error.iteration is None
                else f"diverged at step {error.iteration}"
            )
            lines.append(
                f"{INDENT}{alpha!r:>8}   {when}: alpha > 2/L = "
                f"{error.max_stable_alpha:.4f}"
            )
            continue
        # The same data for every alpha, so the same min_cost_.
        min_cost = regressor.min_cost_
        gap = regressor.cost_history_ - min_cost
        steps = [_first_step_below(gap, fraction * min_cost) for fraction in fractions]
        row = "".join(f"{'>' + str(max_iter) if k is None else k:>9}" for k in steps)
        note = f"  (1/L = {regressor.alpha_:.4f})" if alpha == "auto" else ""
        lines.append(f"{INDENT}{alpha!r:>8}{row}{note}")
        if steps[-1] is not None:
            products.append(steps[-1] * regressor.alpha_)
    last = _power(fractions[-1])
    if len(products) >= 2:
        lines.append(
            f"{INDENT}near the minimum steps x alpha_ is the same: "
            f"{min(products):.0f}-{max(products):.0f} for f={last};"
        )
        lines.append(
            f"{INDENT}the flattest direction sets the pace: the largest alpha below "
            "2/L is fastest."
        )
    else:
        lines.append(
            f"{INDENT}too few rates got within f={last} of J_min in {max_iter} "
            "steps: raise --max-iter."
        )
    return lines


def _power(fraction):
    # 1e-06 -> 1e-6
    return f"{fraction:.0e}".replace("e-0", "e-")


def _unsigned_zero(gap):
    # Rounding can leave the last costs a hair below J_min (by 1e-12 here), which
    # would print as -0.00.
    return round(float(gap), 2) + 0.0


def _first_step_below(gap, threshold):
    """The first step whose gap to the minimum is at most ``threshold``, or None."""
    reached = np.flatnonzero(gap <= threshold)
    return int(reached[0]) if reached.size else None


def cross_validate_model(model, X, y, random_state=RANDOM_STATE):
    """Estimate the pipeline's R^2 by cross-validation, on shuffled folds.

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
        what is left of the training cost above its minimum, ``min_cost_``.
    """
    exact = make_pipeline(StandardScaler(), LinearRegression()).fit(X_train, y_train)
    coef_gap = np.max(np.abs(model[-1].coef_ - exact[-1].coef_))
    min_cost = model[-1].min_cost_
    gap = model[-1].cost_history_[-1] - min_cost
    verdict = (
        "converged to the least-squares minimum"
        if gap <= CONVERGED_GAP * min_cost
        else "not yet converged (raise --max-iter)"
    )
    width = len("GradientDescentRegressor")
    return [
        f"{INDENT}{'model':<{width}}  {'test R^2':>8}",
        f"{INDENT}{'GradientDescentRegressor':<{width}}  "
        f"{model.score(X_test, y_test):>8.4f}",
        f"{INDENT}{'LinearRegression':<{width}}  {exact.score(X_test, y_test):>8.4f}",
        f"{INDENT}max |coef difference| = {coef_gap:.4f}"
        f" (largest |coef| = {np.max(np.abs(exact[-1].coef_)):.2f})",
        f"{INDENT}training cost J - min_cost_ = {_unsigned_zero(gap):.2f}: {verdict}",
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
       the minimum of J over all (w, b): J_min = min_cost_ = ...
         step      cost J   J - J_min
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
    _section(
        "2. How many steps each learning rate needs to come near the minimum",
        steps_to_the_minimum(clone(model), X_train, y_train),
    )
    _section(
        f"3. Cross-validating the pipeline ({N_FOLDS} shuffled folds)",
        cross_validate_model(model, X_train, y_train, args.random_state),
    )
    _section(
        "4. Against LinearRegression in the same pipeline (held-out test set)",
        compare_with_least_squares(
            model.fit(X_train, y_train), X_train, X_test, y_train, y_test
        ),
    )


def _section(title, lines):
    print()
    print(title)
    for line in lines:
        print(line)
