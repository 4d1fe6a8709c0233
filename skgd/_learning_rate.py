"""The learning rate: 1/L for 'auto', the stable bound 2/L, and what is said of it."""

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from skgd._exceptions import DivergenceError
from skgd._validation import too_large_message


def learning_rate(alpha, solver, X):
    """``alpha``, or ``1 / L`` for 'auto'; refused above ``2 / L`` where L is known.

    Raises :class:`DivergenceError` before any step for a learning rate above
    the stable bound on the solvers that know ``L`` beforehand.
    """
    if alpha == "auto":
        lipschitz = _lipschitz(solver, X)
        # L = 0 only when X is all zeros and there is no intercept: the
        # gradient is then zero everywhere and every learning rate is stable.
        return 1.0 / lipschitz if lipschitz > 0 else 1.0
    if solver.bound_known and alpha > max_stable_alpha(solver, X):
        raise DivergenceError(
            iteration=None, alpha=alpha, max_stable_alpha=max_stable_alpha(solver, X)
        )
    return alpha


def max_stable_alpha(solver, X):
    """``2 / L``: the largest learning rate at which the descent does not diverge."""
    lipschitz = _lipschitz(solver, X)
    return 2.0 / lipschitz if lipschitz > 0 else np.inf


def _lipschitz(solver, X):
    """``L``, or a clear error where it is beyond float64 (the features' fault)."""
    lipschitz = solver.lipschitz()
    if not np.isfinite(lipschitz):
        raise ValueError(too_large_message("X", X))
    return lipschitz


def warn_not_converged(result, tol, early_stopping=False):
    """The ``ConvergenceWarning`` of a descent that ``tol`` did not stop."""
    if early_stopping:
        warnings.warn(
            f"Gradient descent did not stop early within max_iter={result.nit} "
            "steps: the validation cost was still falling by more than "
            f"tol={tol or 0.0:.3g} at least every n_iter_no_change steps. Increase "
            "max_iter, or use a larger alpha.",
            ConvergenceWarning,
            stacklevel=5,
        )
        return
    last_decrease = result.cost_history[-2] - result.cost_history[-1]
    warnings.warn(
        f"Gradient descent did not converge within max_iter={result.nit} steps: "
        f"the last step lowered the cost by {last_decrease:.3g}, not below "
        f"tol={tol:.3g}. Increase max_iter, use a larger alpha (up to 2/L; "
        "alpha='auto' takes 1/L), or scale the features.",
        ConvergenceWarning,
        stacklevel=5,  # the call of fit, past its scikit-learn wrapper
    )
