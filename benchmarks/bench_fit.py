"""Time GradientDescentRegressor against references measured in the same run.

Run from the repository root, after ``pip install -e .``::

    python benchmarks/bench_fit.py            # every case, about 3 minutes
    python benchmarks/bench_fit.py --quick    # small cases only, seconds
    python benchmarks/bench_fit.py --blas-threads 1   # BLAS on one thread

Every case takes 1,000 steps at alpha = 1/L (the estimator's default alpha='auto')
and prints medians of repeated runs and ratios against the following, each
ratio the median over rounds in which the methods ran in turn:

* one pass over X (``X.sum()``), the floor for any exact method;
* ``LinearRegression().fit``, the closed form;
* the textbook loop, ``theta -= alpha / m * Xb.T @ (Xb @ theta - y)`` with
  ``Xb = np.c_[ones, X]`` and the cost recorded at every step;
* ``MLPRegressor`` configured as exact batch gradient descent (no hidden layer,
  identity activation, one batch, no momentum, no penalty), started from zero;
  its ``loss_curve_`` is checked to equal our ``cost_history_`` before timing.

Peak memory is the largest extra allocation seen by :mod:`tracemalloc` during
``fit`` (numpy reports its buffers to it), as a fraction of X's own size.
Ratios, not seconds, are what carry over from one machine to another.
"""

import argparse
import platform
import statistics
import time
import tracemalloc
import warnings

import numpy as np
import scipy
import scipy.sparse as sp
import sklearn
from sklearn.datasets import load_diabetes
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LinearRegression
from sklearn.neural_network import MLPRegressor
from threadpoolctl import threadpool_limits

import skgd
from skgd import GradientDescentRegressor
from skgd._loss import HalfSquaredError

N_STEPS = 1000
PAUSE_SECONDS = 0.25

DENSE_CASES = {
    "200,000 x 50": (200_000, 50),
    "20,000 x 500": (20_000, 500),
    "2,000 x 5,000": (2_000, 5_000),
}


def median_seconds(function, repeats):
    return statistics.median(interleaved_seconds({"f": function}, repeats)["f"])


def interleaved_seconds(functions, repeats, pause=None):
    """The seconds of every run of each function, run in turn, round by round.

    The speed of a shared machine drifts by tens of percent within a minute:
    alternating keeps the methods compared under the same conditions. Each run
    follows a pause of ``pause`` seconds (default ``PAUSE_SECONDS``): OpenBLAS's
    threads keep spinning for about 0.1 s after a multithreaded call, and would
    otherwise slow down the next method timed (measured: a pass shared between
    two threads took 27 ms right after a two-thread BLAS call, 15 ms 0.2 s later).
    """
    pause = PAUSE_SECONDS if pause is None else pause
    seconds = {name: [] for name in functions}
    for _ in range(repeats):
        for name, function in functions.items():
            time.sleep(pause)
            start = time.perf_counter()
            function()
            seconds[name].append(time.perf_counter() - start)
    return seconds


def paired_ratio(seconds, name, reference):
    """The median over rounds of ``name``'s time over ``reference``'s."""
    return statistics.median(
        a / b for a, b in zip(seconds[name], seconds[reference], strict=True)
    )


def peak_extra_bytes(function):
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def dense_problem(n_samples, n_features, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_features))
    y = X @ rng.standard_normal(n_features) + 1.0 + rng.standard_normal(n_samples)
    return X, y


def textbook_loop(X, y, alpha, n_steps):
    """Batch gradient descent as the course writes it, with a column of ones."""
    m = X.shape[0]
    Xb = np.c_[np.ones(m), X]
    theta = np.zeros(Xb.shape[1])
    costs = np.empty(n_steps + 1)
    for k in range(n_steps):
        residual = Xb @ theta - y
        costs[k] = residual @ residual / (2 * m)
        theta -= alpha / m * Xb.T @ residual
    residual = Xb @ theta - y
    costs[n_steps] = residual @ residual / (2 * m)
    return theta, costs


def mlp_as_gradient_descent(X, y, alpha, n_steps):
    """An MLPRegressor that takes exactly the steps of batch gradient descent."""
    mlp = MLPRegressor(
        hidden_layer_sizes=(),
        activation="identity",
        solver="sgd",
        batch_size=X.shape[0],
        learning_rate="constant",
        learning_rate_init=alpha,
        momentum=0.0,
        nesterovs_momentum=False,
        alpha=0.0,
        shuffle=False,
        tol=0.0,
        n_iter_no_change=n_steps + 1,
        max_iter=1,
        warm_start=True,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp.fit(X, y)  # creates the weights, which are then set to zero
    mlp.coefs_[0][:] = 0.0
    mlp.intercepts_[0][:] = 0.0
    mlp.set_params(max_iter=n_steps)
    return mlp


def fit_mlp(mlp, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp.fit(X, y)
    return mlp


def check_mlp_takes_our_steps(X, y, alpha, reference_costs, n_steps=20):
    mlp = fit_mlp(mlp_as_gradient_descent(X, y, alpha, n_steps), X, y)
    # loss_curve_[0] is the throw-away first fit; then one loss per step, taken
    # before that step's update.
    np.testing.assert_allclose(
        mlp.loss_curve_[1:], reference_costs[:n_steps], rtol=1e-9
    )


def bench_dense(name, X, y, repeats, slow_references=True):
    model = GradientDescentRegressor(max_iter=N_STEPS)
    seconds = interleaved_seconds(
        {
            "skgd": lambda: model.fit(X, y),
            "LinearRegression": lambda: LinearRegression().fit(X, y),
            "one pass": X.sum,
        },
        repeats,
    )
    times = {name: statistics.median(runs) for name, runs in seconds.items()}
    ratios = {
        reference: paired_ratio(seconds, "skgd", reference)
        for reference in ("LinearRegression", "one pass")
    }
    alpha = model.alpha_
    if slow_references:
        _, textbook_costs = textbook_loop(X, y, alpha, 20)
        np.testing.assert_allclose(model.cost_history_[:21], textbook_costs, rtol=1e-9)
        check_mlp_takes_our_steps(X, y, alpha, model.cost_history_)
        times["textbook loop"] = median_seconds(
            lambda: textbook_loop(X, y, alpha, N_STEPS), 1
        )
        mlp = mlp_as_gradient_descent(X, y, alpha, N_STEPS)
        times["MLPRegressor"] = median_seconds(lambda: fit_mlp(mlp, X, y), 1)
    peak = peak_extra_bytes(lambda: GradientDescentRegressor().fit(X, y))
    return {
        "case": name,
        "path": model.solver_,
        "times": times,
        "ratios": ratios,
        "peak": peak / X.nbytes,
        "extra_matrix": _extra_matrix_bytes(model.solver_, X) / X.nbytes,
    }


def _extra_matrix_bytes(path, X):
    n_samples, n_features = X.shape
    if path == "gram":
        return 8 * (n_features + 1) ** 2
    if path == "dual":
        return 8 * n_samples**2
    return 0


def bench_literal_step(X, y, repeats):
    """One literal step (cost and gradient) against the plain products."""
    objective = HalfSquaredError(X, y)
    theta = np.full(objective.n_params, 0.01)
    w = theta[:-1]

    def plain_products():
        residual = X @ w + theta[-1] - y
        return X.T @ residual

    if sp.issparse(X):
        reference, label = plain_products, "X @ w + X.T @ r"
    else:
        reference, label = (lambda: (X.sum(), X.sum())), "two passes X.sum()"
    # No pause: inside a fit, steps follow one another, with X still in cache
    # as far as it fits; and neither method here starts BLAS threads.
    seconds = interleaved_seconds(
        {"step": lambda: objective.loss_gradient(theta), "reference": reference},
        repeats,
        pause=0.0,
    )
    return (
        statistics.median(seconds["step"]),
        statistics.median(seconds["reference"]),
        paired_ratio(seconds, "step", "reference"),
        label,
    )


def bench_validation(repeats):
    """200,000 x 50, a tenth held out: the fit with its validation curve, and not."""
    X, y = dense_problem(200_000, 50)
    X_train, y_train, X_val, y_val = X[:180_000], y[:180_000], X[180_000:], y[180_000:]
    model = GradientDescentRegressor(max_iter=N_STEPS, solver="gram")
    seconds = interleaved_seconds(
        {
            "with": lambda: model.fit(X_train, y_train, X_val=X_val, y_val=y_val),
            "without": lambda: model.fit(X_train, y_train),
        },
        repeats,
    )
    return (
        statistics.median(seconds["with"]),
        statistics.median(seconds["without"]),
        paired_ratio(seconds, "with", "without"),
    )


def report(rows, steps, memory_rows):
    print()
    print(
        "| case | path | skgd | / LinearRegression | / one pass | textbook / skgd"
        " | MLPRegressor / skgd |"
    )
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        t, ratios = row["times"], row["ratios"]
        ours = t["skgd"]
        textbook = t.get("textbook loop")
        mlp = t.get("MLPRegressor")
        print(
            f"| {row['case']} | {row['path']} | {ours * 1e3:.1f} ms "
            f"| {ratios['LinearRegression']:.3f} | {ratios['one pass']:.1f} "
            f"| {'-' if textbook is None else f'{textbook / ours:.0f}x'} "
            f"| {'-' if mlp is None else f'{mlp / ours:.0f}x'} |"
        )
    print()
    print("| one literal step | skgd | reference | ratio |")
    print("|---|---|---|---|")
    for name, (step, reference, ratio, label) in steps.items():
        print(
            f"| {name} | {step * 1e3:.2f} ms | {label}: {reference * 1e3:.2f} ms "
            f"| {ratio:.2f} |"
        )
    print()
    print(
        "| case | path | peak extra memory of fit / X | Gram matrix / X "
        "| the rest / X |"
    )
    print("|---|---|---|---|---|")
    for row in memory_rows:
        print(
            f"| {row['case']} | {row['path']} | {row['peak']:.3f} "
            f"| {row['extra_matrix']:.3f} | {row['peak'] - row['extra_matrix']:.3f} |"
        )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="diabetes and small shapes only"
    )
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument(
        "--blas-threads",
        type=int,
        default=None,
        help="limit BLAS (for every method alike) to this many threads",
    )
    args = parser.parse_args(argv)
    with threadpool_limits(limits=args.blas_threads, user_api="blas"):
        run(args)


def run(args):

    print(
        f"skgd {skgd.__version__}, scikit-learn {sklearn.__version__}, "
        f"numpy {np.__version__}, scipy {scipy.__version__}, "
        f"Python {platform.python_version()}, {platform.machine()}, "
        f"BLAS threads: {args.blas_threads or 'unlimited'}"
    )
    rows, steps, memory_rows = [], {}, []

    X, y = load_diabetes(return_X_y=True)
    rows.append(bench_dense("diabetes (442 x 10)", X, y, max(args.repeats, 20)))
    memory_rows.append(rows[-1])

    cases = DENSE_CASES
    if args.quick:
        cases = {"20,000 x 50": (20_000, 50), "200 x 500": (200, 500)}
    for name, shape in cases.items():
        X, y = dense_problem(*shape)
        rows.append(bench_dense(name, X, y, args.repeats))
        memory_rows.append(rows[-1])
        if shape[1] == 50:
            steps[f"dense {name}"] = bench_literal_step(X, y, args.repeats * 4)
        del X, y

    n_samples = 20_000 if args.quick else 200_000
    rng = np.random.default_rng(0)
    X = sp.random_array(
        (n_samples, 10_000), density=1e-3, format="csr", rng=rng, dtype=np.float64
    )
    y = X @ rng.standard_normal(10_000) + rng.standard_normal(n_samples)
    steps[f"CSR {n_samples:,} x 10,000, density 1e-3"] = bench_literal_step(
        X, y, args.repeats * 4
    )
    model = GradientDescentRegressor()
    seconds = median_seconds(lambda: model.fit(X, y), 1)
    peak = peak_extra_bytes(lambda: GradientDescentRegressor().fit(X, y))
    nbytes = X.data.nbytes + X.indices.nbytes + X.indptr.nbytes
    print(f"CSR fit, 1000 steps: {seconds:.2f} s on the {model.solver_} path")
    memory_rows.append(
        {
            "case": "CSR",
            "path": model.solver_,
            "peak": peak / nbytes,
            "extra_matrix": 0.0,
        }
    )
    report(rows, steps, memory_rows)
    if not args.quick:
        with_curve, without, ratio = bench_validation(args.repeats)
        print()
        print(
            "200,000 x 50 with a 10% validation set, 1,000 steps (gram): "
            f"{with_curve * 1e3:.1f} ms with the validation curve, "
            f"{without * 1e3:.1f} ms without: ratio {ratio:.3f}"
        )


if __name__ == "__main__":
    main()
