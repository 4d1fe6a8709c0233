r"""``solver='dual'``: steps in sample space, for fewer samples than features.

Every gradient :math:`[X\ 1]^T S r` lies in the span of the rows of
:math:`[X\ 1]`, so :math:`\theta_k = \theta_0 - \alpha [X\ 1]^T S^{1/2} a_k` with
:math:`a_k = \sum_{j<k} u_j`, where :math:`u = S^{1/2} r` is the scaled residual.
The residual itself follows

.. math:: u_{k+1} = u_k - \alpha K u_k, \qquad
          K = S^{1/2} (X X^T + 1 1^T) S^{1/2},

an (n_samples, n_samples) matrix, and the cost is read straight from it,
:math:`J_k = \tfrac12 \lVert u_k \rVert^2`, with no cancellation. Each step costs
O(n_samples²) instead of a pass over X; the parameters are formed at the end, in
one more pass.
"""

import numpy as np
import scipy.sparse as sp

from skgd._blocks import block_bytes, design_rmatmul
from skgd._loss import largest_eigenvalue
from skgd._validation import check_squares_of_X


class DualSolver:
    """Gradient descent on the half squared error in the space of the samples.

    Parameters
    ----------
    loss : HalfSquaredError
        The cost.

    Examples
    --------
    >>> import numpy as np
    >>> from skgd._descent import descend
    >>> from skgd._loss import HalfSquaredError
    >>> from skgd._solvers._dual import DualSolver
    >>> X = np.array([[1.0, 0.0, 2.0], [0.0, 1.0, 1.0]])
    >>> solver = DualSolver(HalfSquaredError(X, np.array([1.0, 2.0])))
    >>> result = descend(solver.stepper(np.zeros(4), alpha=0.2), max_iter=500)
    >>> np.round(X @ result.x[:3] + result.x[3], 6)  # interpolates the targets
    array([1., 2.])
    """

    name = "dual"
    bound_known = True
    knows_min_cost = False

    def __init__(self, loss):
        self.loss = loss
        weights = loss.weights
        n_samples = loss.X.shape[0]
        self.root = np.sqrt(
            np.full(n_samples, 1.0 / n_samples) if weights is None else weights
        )
        self.matrix = _sample_gram(loss.X, loss.fit_intercept, self.root)
        self._lipschitz = None

    def lipschitz(self):
        """The largest eigenvalue ``L`` of the Hessian, from the dual matrix."""
        if self._lipschitz is None:
            self._lipschitz = largest_eigenvalue(self.matrix)
        return self._lipschitz

    def min_cost(self):
        """The minimum of the cost: half the squared part of the scaled targets
        that no parameters reach, the null space of the dual matrix.

        An eigendecomposition of the (n_samples, n_samples) matrix.
        """
        eigenvalues, basis = np.linalg.eigh(self.matrix)
        cutoff = max(eigenvalues[-1], 0.0) * len(eigenvalues) * np.finfo(float).eps
        targets = self.root[:, np.newaxis] * self.loss.y.reshape(len(self.root), -1)
        unreached = basis[:, eigenvalues <= cutoff].T @ targets
        return 0.5 * float(np.sum(unreached**2))

    def stepper(self, theta0, alpha):
        """The descent from ``theta0`` with learning rate ``alpha``."""
        return _ResidualStepper(self, theta0, alpha)


class _ResidualStepper:
    """One step at a time on the scaled residual ``u``; points are the sums ``a``."""

    def __init__(self, solver, theta0, alpha):
        loss = solver.loss
        self.loss, self.matrix, self.alpha = loss, solver.matrix, alpha
        self.root = solver.root[:, np.newaxis]
        self.cost_scale = loss.cost_scale
        self.dtype = np.asarray(theta0).dtype
        self.shape = np.shape(theta0)
        self.theta0 = np.asarray(theta0, dtype=np.float64).reshape(len(theta0), -1)
        residual = loss.residual(theta0)
        self.u = self.root * residual.reshape(len(residual), -1)
        self.sums = np.zeros_like(self.u)  # a_k, the sum of u_0 ... u_{k-1}
        self._next = None

    def start(self):
        return 0.5 * float(np.vdot(self.u, self.u))

    def advance(self, max_steps):
        # The simultaneous update of every parameter, carried by the residual.
        u_next = self.u - self.alpha * (self.matrix @ self.u)
        self._next = u_next
        return [0.5 * float(np.vdot(u_next, u_next))]

    def accept(self, n_steps):
        if n_steps:
            self.sums = self.sums + self.u
            self.u = self._next

    def point(self, step):
        return self.sums if step < 0 else self.sums + self.u

    def parameters(self, points):
        """``theta_0 - alpha [X 1]^T S^(1/2) a`` for every ``a``, in one pass over X."""
        points = list(points)
        stacked = np.hstack([self.root * sums for sums in points])
        moved = design_rmatmul(self.loss.X, stacked, self.loss.fit_intercept)
        n_columns = self.theta0.shape[1]
        thetas = [
            self.theta0 - self.alpha * moved[:, i * n_columns : (i + 1) * n_columns]
            for i in range(len(points))
        ]
        return np.stack(thetas).reshape((-1, *self.shape)).astype(self.dtype)

    def gradient(self, step):
        if step >= 0:
            return None  # a pass over X per step
        gradient = design_rmatmul(
            self.loss.X, self.root * self.u, self.loss.fit_intercept
        )
        return gradient.reshape(self.shape).astype(self.dtype)


def _sample_gram(X, fit_intercept, root):
    """``S^(1/2) (X X^T + 1 1^T) S^(1/2)`` in float64, of shape (n_samples,) * 2.

    Dense float32 X is converted a block of columns at a time, so that the
    products are exact in float64 without a float64 copy of X.
    """
    if sp.issparse(X):
        gram = sp.csr_array(X @ X.T).toarray().astype(np.float64, copy=False)
    elif X.dtype == np.float64:
        gram = X @ X.T
    else:
        gram = np.zeros((X.shape[0], X.shape[0]))
        width = max(1, int(block_bytes(X) // (8 * max(X.shape[0], 1))))
        for start in range(0, X.shape[1], width):
            columns = X[:, start : start + width].astype(np.float64)
            gram += columns @ columns.T
    # Its diagonal holds the squares of the rows: the check of X costs no pass.
    check_squares_of_X(X, float(np.trace(gram)))
    if fit_intercept:
        gram += 1.0
    gram *= root[:, np.newaxis]
    gram *= root[np.newaxis, :]
    return gram
