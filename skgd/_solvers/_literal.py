"""``solver='literal'``: the textbook step, X read once per step in row blocks."""

import numpy as np

from skgd._gradient_descent import FunctionStepper
from skgd._loss import MAX_PARAMS_FOR_EXPLICIT_SPECTRUM, HalfSquaredError
from skgd._solvers._gram import exact_statistics
from skgd._validation import check_squares_of_X


class LiteralSolver:
    """Gradient descent as the derivation writes it: cost and gradient from X.

    Each step is one call of :meth:`HalfSquaredError.loss_gradient`, one pass
    over X; see :mod:`skgd._blocks` for how X is read.

    Parameters
    ----------
    loss : HalfSquaredError
        The cost.

    Examples
    --------
    >>> import numpy as np
    >>> from skgd._descent import descend
    >>> from skgd._loss import HalfSquaredError
    >>> from skgd._solvers._literal import LiteralSolver
    >>> X = np.array([[1.0], [2.0], [3.0], [4.0]])
    >>> solver = LiteralSolver(HalfSquaredError(X, 2 * X[:, 0] + 1))
    >>> result = descend(solver.stepper(np.zeros(2), alpha=0.1), max_iter=2000)
    >>> np.round(result.x, 6)
    array([2., 1.])
    """

    name = "literal"
    # L costs extra passes over X here, so the bound is checked only when the
    # cost rises; and the minimum of the cost is computed only if asked for.
    bound_known = False
    knows_min_cost = False

    def __init__(self, loss):
        check_squares_of_X(loss.X)  # a pass over X, of the steps' thousand
        self.loss = loss
        self._lipschitz = None
        self._statistics = None

    def _exact_statistics(self):
        if self._statistics is None:
            self._statistics = exact_statistics(self.loss)
        return self._statistics  # and the Hessian's spectrum

    def lipschitz(self):
        """The largest eigenvalue ``L`` of the Hessian.

        From the Hessian itself, built in one pass, for up to 128 parameters;
        by Lanczos, a pass per iteration, beyond.
        """
        if self._lipschitz is None:
            loss = self.loss
            if loss.n_params <= MAX_PARAMS_FOR_EXPLICIT_SPECTRUM:
                eigenvalues, _ = self._exact_statistics()[1]
                self._lipschitz = max(float(eigenvalues[-1]), 0.0)
            else:
                self._lipschitz = loss.lipschitz()
        return self._lipschitz

    def min_cost(self):
        """The minimum of the cost, from the statistics: a pass over X, and
        ``n_params**2`` memory."""
        stats, spectrum = self._exact_statistics()
        return stats.min_cost(self.loss.fit_intercept, spectrum, self.loss.l2_penalty)

    def stepper(self, theta0, alpha, validation=None):
        """The descent from ``theta0`` with learning rate ``alpha``.

        ``validation``, ``(X_val, y_val, sample_weight_val)``, adds the cost of
        those rows after every step, from a pass over them.
        """
        validation_loss = None
        if validation is not None:
            X_val, y_val, weights_val = validation
            check_squares_of_X(X_val)
            validation_loss = HalfSquaredError(
                X_val, y_val, weights_val, fit_intercept=self.loss.fit_intercept
            ).loss
        return FunctionStepper(
            self.loss.loss_gradient,
            np.array(theta0),
            alpha,
            self.loss.cost_scale,
            validation_loss,
        )
