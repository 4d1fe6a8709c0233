"""The steps of a fit: data, solver, learning rate, descent, attributes.

``fit`` on arrays is :func:`fit_arrays`. It, ``partial_fit``,
``fit_from_statistics`` and the Dask front ends each make a solver and end in
:func:`descend_and_set`: the same learning rate, loop, errors and attributes.
"""

import numpy as np

from skgd._callbacks import descend_with_callbacks
from skgd._exceptions import DivergenceError
from skgd._learning_rate import learning_rate, max_stable_alpha, warn_not_converged
from skgd._loss import HalfSquaredError, unpack
from skgd._result import Status
from skgd._solvers import choose_solver, make_solver
from skgd._validation import validate_fit_data, validation_set


def fit_arrays(estimator, X, y, sample_weight, X_val, y_val, sample_weight_val):
    """``fit`` on arrays in memory; returns the solver and the weights it fitted.

    Those weights are those of the rows fitted, without the rows that early
    stopping holds out.
    """
    X, y, sample_weight = validate_fit_data(estimator, X, y, sample_weight)
    X, y, sample_weight, validation = validation_set(
        estimator, X, y, sample_weight, X_val, y_val, sample_weight_val
    )
    loss = HalfSquaredError(
        X,
        y,
        sample_weight,
        fit_intercept=estimator.fit_intercept,
        l2_penalty=estimator.l2_penalty,
    )
    theta0 = estimator._starting_point(loss)
    solver = make_fit_solver(estimator, loss)
    descend_and_set(
        estimator,
        solver,
        theta0,
        X=X,
        y=y,
        sample_weight=sample_weight,
        validation=validation,
    )
    return solver, sample_weight


def make_fit_solver(estimator, loss):
    """The solver that ``estimator``'s ``solver`` names (or chooses), for ``loss``."""
    name = estimator.solver
    if name == "auto":
        name = choose_solver(
            loss.X,
            1 if loss.y.ndim == 1 else loss.y.shape[1],
            fit_intercept=estimator.fit_intercept,
            max_iter=estimator.max_iter,
            auto_alpha=estimator.alpha == "auto",
            every_step=bool(getattr(estimator, "_skl_callbacks", None)),
        )
    # Overflow is caught and reported by the checks; numpy need not warn of it.
    with np.errstate(over="ignore", invalid="ignore"):
        return make_solver(name, loss)


def descend_and_set(estimator, solver, theta0, *, X, y, sample_weight, validation):
    """Descend with ``solver`` from ``theta0``, and set the fitted attributes.

    ``X``, ``y`` and ``sample_weight`` are what callbacks and messages are handed
    (X may be a Dask collection, or None for a fit from statistics); the solver
    holds the data it steps on. ``validation`` is the stepper's validation set,
    or None. Raises :class:`DivergenceError` if the cost rose, and warns with
    ``ConvergenceWarning`` if ``tol`` (or early stopping) did not stop the loop;
    the attributes are set only after a fit that neither raised nor diverged.
    """
    early_stopping = estimator.early_stopping and validation is not None
    with np.errstate(over="ignore", invalid="ignore"):
        alpha = learning_rate(estimator.alpha, solver, X)
        if estimator.verbose:
            print(
                f"[{type(estimator).__name__}] solver={solver.name!r}, "
                f"alpha={alpha:.6g}, max_iter={estimator.max_iter}"
            )
        result = descend_with_callbacks(
            estimator,
            solver.stepper(theta0, alpha, validation),
            X=X,
            y=y,
            sample_weight=sample_weight,
            theta0=theta0,
            max_iter=estimator.max_iter,
            tol=estimator.tol,
            store_path=estimator.store_path,
            verbose=estimator.verbose,
            validation=validation is not None,
            n_iter_no_change=estimator.n_iter_no_change if early_stopping else None,
        )
    if result.status in (Status.DIVERGED, Status.NOT_A_NUMBER):
        raise DivergenceError(
            iteration=result.nit + 1,
            alpha=alpha,
            max_stable_alpha=max_stable_alpha(solver, X),
        )
    if result.status == Status.MAX_ITER and (
        estimator.tol is not None or early_stopping
    ):
        warn_not_converged(result, estimator.tol, early_stopping)
    n_features = theta0.shape[0] - estimator.fit_intercept
    attributes = _fitted_attributes(estimator, n_features, solver, alpha, result)
    for name in OPTIONAL_ATTRIBUTES.difference(attributes):
        if hasattr(estimator, name):
            delattr(estimator, name)  # a previous fit's
    for name, value in attributes.items():
        setattr(estimator, name, value)


# The fitted attributes that only some fits have.
OPTIONAL_ATTRIBUTES = {
    "min_cost_",
    "validation_cost_history_",
    "best_iteration_",
    "coef_path_",
    "intercept_path_",
    "path_iterations_",
}


def _fitted_attributes(estimator, n_features, solver, alpha, result):
    """The fitted attributes of a descent's result, by name."""

    def unpack_theta(theta):
        return unpack(theta, n_features, estimator.fit_intercept)

    attributes = dict(zip(("coef_", "intercept_"), unpack_theta(result.x), strict=True))
    attributes.update(
        alpha_=float(alpha),
        n_iter_=result.nit,
        cost_history_=result.cost_history,
        solver_=solver.name,
    )
    compute = estimator.compute_min_cost
    if compute is True or (compute == "auto" and solver.knows_min_cost):
        attributes["min_cost_"] = solver.min_cost()
    if result.validation_cost_history is not None:
        attributes["validation_cost_history_"] = result.validation_cost_history
    if result.best_iteration is not None:
        attributes["best_iteration_"] = result.best_iteration
    if result.path is not None:
        points = [unpack_theta(theta) for theta in result.path]
        attributes["coef_path_"] = np.stack([coef for coef, _ in points])
        attributes["intercept_path_"] = np.asarray([b for _, b in points])
        attributes["path_iterations_"] = result.path_iterations
    return attributes
