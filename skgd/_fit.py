"""The steps of a fit after its data are validated: solver, learning rate, descent."""

import numpy as np

from skgd._callbacks import descend_with_callbacks
from skgd._exceptions import DivergenceError
from skgd._learning_rate import learning_rate, max_stable_alpha, warn_not_converged
from skgd._result import Status
from skgd._solvers import choose_solver, make_solver


def run_descent(estimator, loss, theta0, *, sample_weight, validation):
    """Choose and build the solver, then descend, as ``estimator``'s parameters say.

    Returns the solver, the learning rate and the result of the loop. Raises
    :class:`DivergenceError` if the cost rose, and warns with
    ``ConvergenceWarning`` if ``tol`` (or early stopping) did not stop the loop.
    """
    X, y = loss.X, loss.y
    name = estimator.solver
    if name == "auto":
        name = choose_solver(
            X,
            1 if y.ndim == 1 else y.shape[1],
            fit_intercept=estimator.fit_intercept,
            max_iter=estimator.max_iter,
            auto_alpha=estimator.alpha == "auto",
            every_step=bool(getattr(estimator, "_skl_callbacks", None)),
        )
    # Overflow is caught and reported below; numpy need not warn of it.
    with np.errstate(over="ignore", invalid="ignore"):
        solver = make_solver(name, loss)
        alpha = learning_rate(estimator.alpha, solver, X)
        if estimator.verbose:
            print(
                f"[{type(estimator).__name__}] solver={solver.name!r}, "
                f"alpha={alpha:.6g}, max_iter={estimator.max_iter}"
            )
        early_stopping = estimator.early_stopping
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
    return solver, alpha, result


# The fitted attributes that only some fits have.
OPTIONAL_ATTRIBUTES = {
    "min_cost_",
    "validation_cost_history_",
    "best_iteration_",
    "coef_path_",
    "intercept_path_",
    "path_iterations_",
}


def fitted_attributes(estimator, loss, solver, alpha, result):
    """The fitted attributes of a descent's result, by name."""
    attributes = dict(zip(("coef_", "intercept_"), loss.unpack(result.x), strict=True))
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
        points = [loss.unpack(theta) for theta in result.path]
        attributes["coef_path_"] = np.stack([coef for coef, _ in points])
        attributes["intercept_path_"] = np.asarray([b for _, b in points])
        attributes["path_iterations_"] = result.path_iterations
    return attributes
