r"""``solver='dual'``: steps in sample space, for fewer samples than features.

Every step moves the coefficients by :math:`-\alpha (X^T S r + \lambda w)`, so from
:math:`w_0` they stay of the form :math:`w_k = c_k w_0 + X^T a_k`, with
:math:`c_k = (1 - \alpha\lambda)^k` and :math:`a` of length n_samples, and the
predictions :math:`p = X w` and the residual :math:`r = p + b - y` follow

.. math::

    t_k = G S r_k, \quad
    p_{k+1} = (1 - \alpha\lambda)\, p_k - \alpha t_k, \quad
    b_{k+1} = b_k - \alpha\, 1^T S r_k, \quad
    a_{k+1} = (1 - \alpha\lambda)\, a_k - \alpha S r_k,

with :math:`G = X X^T`, an (n_samples, n_samples) matrix; :math:`p_k = c_k X w_0
+ G a_k`. The cost is read from the residual, :math:`J_k = \tfrac12 r_k^T S r_k +
\tfrac\lambda2 \lVert w_k \rVert^2`, where :math:`\lVert w_k \rVert^2 = c_k^2
\lVert w_0 \rVert^2 + 2 c_k (X w_0)^T a_k + a_k^T G a_k`. Each step costs one
product with :math:`G`, O(n_samples²), instead of a pass over X; the
coefficients are formed at the end, in one more pass.
"""

import numpy as np
import scipy.sparse as sp

from skgd._blocks import block_bytes
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
        n_samples = loss.X.shape[0]
        weights = loss.weights
        self.weights = (
            np.full(n_samples, 1.0 / n_samples) if weights is None else weights
        )
        self.matrix = sample_gram(loss.X, loss.X)
        # Its diagonal holds the squares of the rows: the check of X costs no pass.
        check_squares_of_X(loss.X, float(np.trace(self.matrix)))
        self._lipschitz = None

    def lipschitz(self):
        """The largest eigenvalue ``L`` of the Hessian.

        From ``S^(1/2) (G + 1 1^T) S^(1/2)``, whose eigenvalues other than zero
        are the Hessian's, plus lambda without an intercept; with an intercept
        and a penalty, by Lanczos over X.
        """
        if self._lipschitz is None:
            loss, root = self.loss, np.sqrt(self.weights)
            if loss.l2_penalty and loss.fit_intercept:
                self._lipschitz = loss.lipschitz()
            else:
                ones = float(loss.fit_intercept)

                def matvec(v):
                    v = root * np.ravel(v)
                    return root * (self.matrix @ v + ones * v.sum())

                operator = _Operator(len(root), matvec)
                self._lipschitz = largest_eigenvalue(operator) + loss.l2_penalty
        return self._lipschitz

    def min_cost(self):
        """The minimum of the cost: a solve of size n_samples (+ 1).

        The stationary point has :math:`\\lambda a = -S r` and :math:`1^T S r = 0`,
        an (n_samples + 1) linear system; without a penalty, the least-squares
        residual is the part of the targets that no parameters reach: the null
        space of the scaled dual matrix, from its eigendecomposition.
        """
        loss = self.loss
        y = loss.y.reshape(len(self.weights), -1).astype(np.float64)
        root = np.sqrt(self.weights)
        if not loss.l2_penalty:
            matrix = self.matrix + float(loss.fit_intercept)
            scaled = root[:, np.newaxis] * matrix * root[np.newaxis, :]
            eigenvalues, basis = np.linalg.eigh(scaled)
            cutoff = max(eigenvalues[-1], 0.0) * len(eigenvalues) * np.finfo(float).eps
            unreached = basis[:, eigenvalues <= cutoff].T @ (root[:, np.newaxis] * y)
            return 0.5 * float(np.sum(unreached**2))
        m, lam = len(root), loss.l2_penalty
        system = np.zeros((m + 1, m + 1))
        system[:m, :m] = self.weights[:, np.newaxis] * self.matrix + lam * np.eye(m)
        system[:m, m] = self.weights
        system[m, :m] = 1.0
        if not loss.fit_intercept:  # b = 0, and no condition on the sum of a
            system[m, :] = system[:, m] = 0.0
            system[m, m] = 1.0
        right = np.zeros((m + 1, y.shape[1]))
        right[:m] = self.weights[:, np.newaxis] * y
        solution = np.linalg.solve(system, right)
        a, b = solution[:m], solution[m]
        residual = self.matrix @ a + b - y
        return 0.5 * float(
            np.sum(self.weights[:, np.newaxis] * residual**2)
            + lam * np.sum(a * (self.matrix @ a))
        )

    def stepper(self, theta0, alpha, validation=None):
        """The descent from ``theta0`` with learning rate ``alpha``.

        ``validation``, ``(X_val, y_val, sample_weight_val)``, adds the cost of
        those rows after every step, from ``X_val X^T``.
        """
        return _ResidualStepper(self, theta0, alpha, validation)


class _Operator:
    """A symmetric matrix by its products, for :func:`largest_eigenvalue`."""

    def __init__(self, size, matvec):
        self.shape, self.dtype, self._matvec = (size, size), np.dtype(float), matvec

    def __matmul__(self, v):
        return self._matvec(v)

    def matvec(self, v):
        return self._matvec(v)


class _ResidualStepper:
    """One step at a time on the residual; points are ``(a, b, c)``."""

    def __init__(self, solver, theta0, alpha, validation):
        loss = solver.loss
        self.loss, self.matrix, self.alpha = loss, solver.matrix, alpha
        self.weights = solver.weights[:, np.newaxis]
        self.decay = 1.0 - alpha * loss.l2_penalty
        self.cost_scale = loss.cost_scale
        self.dtype = np.asarray(theta0).dtype
        self.shape = np.shape(theta0)
        theta0 = np.asarray(theta0, dtype=np.float64).reshape(len(theta0), -1)
        n_features = loss.n_features
        self.w0 = theta0[:n_features]
        self.y = loss.y.reshape(len(self.weights), -1).astype(np.float64)
        self.x_w0 = np.asarray(loss.X @ self.w0, dtype=np.float64)  # X w_0
        intercept = (
            theta0[n_features] if loss.fit_intercept else np.zeros(len(self.w0.T))
        )
        # The state: a, G a, b and c, with X w = c X w_0 + G a.
        self.state = _State(
            np.zeros_like(self.y), np.zeros_like(self.y), intercept, 1.0
        )
        self.w0_squares = float(np.sum(self.w0**2))
        self.validation = None
        if validation is not None:
            X_val, y_val, weights_val = validation
            self.validation = _DualValidation(loss, X_val, y_val, weights_val, self.w0)
        self._next = None

    def _cost(self, state):
        residual = state.c * self.x_w0 + state.g_a + state.intercept - self.y
        cost = 0.5 * float(np.sum(self.weights * residual**2))
        if self.loss.l2_penalty:
            norm = (
                state.c**2 * self.w0_squares
                + 2 * state.c * float(np.sum(self.x_w0 * state.a))
                + float(np.sum(state.a * state.g_a))
            )
            cost += 0.5 * self.loss.l2_penalty * norm
        return cost, residual

    def start(self):
        return self._cost(self.state)[0]

    def advance(self, max_steps):
        # The simultaneous update of every parameter, carried by the residual.
        state, alpha = self.state, self.alpha
        _, residual = self._cost(state)
        scaled = self.weights * residual  # S r
        moved = self.matrix @ scaled  # t = G S r
        intercept = state.intercept
        if self.loss.fit_intercept:
            intercept = intercept - alpha * scaled.sum(axis=0)
        self._next = _State(
            self.decay * state.a - alpha * scaled,
            self.decay * state.g_a - alpha * moved,
            intercept,
            self.decay * state.c,
        )
        return [self._cost(self._next)[0]]

    def accept(self, n_steps):
        if n_steps:
            self.state = self._next

    def validation_start(self):
        return self.validation.cost(self.state)

    def validation_costs(self, count):
        return [self.validation.cost(self._next)] if count else []

    def point(self, step):
        state = self.state if step < 0 else self._next
        return (state.a, state.intercept, state.c)

    def parameters(self, points):
        """``w = c w_0 + X^T a`` and ``b`` for every point, in one pass over X."""
        points = list(points)
        stacked = np.hstack([a for a, _, _ in points])
        moved = np.asarray(self.loss.X.T @ stacked, dtype=np.float64)
        n_columns = self.w0.shape[1]
        thetas = []
        for i, (_, intercept, c) in enumerate(points):
            w = c * self.w0 + moved[:, i * n_columns : (i + 1) * n_columns]
            rows = [w, intercept[np.newaxis]] if self.loss.fit_intercept else [w]
            thetas.append(np.vstack(rows))
        return np.stack(thetas).reshape((-1, *self.shape)).astype(self.dtype)

    def gradient(self, step):
        if step >= 0:
            return None  # a pass over X per step
        theta = self.parameters([self.point(-1)])[0]
        return self.loss.loss_gradient(theta)[1].astype(self.dtype)


class _State:
    __slots__ = ("a", "g_a", "intercept", "c")

    def __init__(self, a, g_a, intercept, c):
        self.a, self.g_a, self.intercept, self.c = a, g_a, intercept, c


class _DualValidation:
    """The validation rows' cost of a dual state, from ``X_val X^T``."""

    def __init__(self, loss, X_val, y_val, weights_val, w0):
        self.matrix = sample_gram(X_val, loss.X)
        self.offset = np.asarray(X_val @ w0, dtype=np.float64)  # X_val w_0
        self.y = np.asarray(y_val, dtype=np.float64).reshape(len(self.offset), -1)
        n_val = len(self.offset)
        weights = np.full(n_val, 1.0 / n_val) if weights_val is None else weights_val
        self.weights = (np.asarray(weights, float) / np.sum(weights))[:, np.newaxis]

    def cost(self, state):
        residual = state.c * self.offset + self.matrix @ state.a + state.intercept
        residual -= self.y
        return 0.5 * float(np.sum(self.weights * residual**2))


def sample_gram(rows, X):
    """``rows X^T`` in float64, of shape (len(rows), n_samples).

    Dense float32 data are converted a block of columns at a time, so that the
    products are exact in float64 without a float64 copy of X.
    """
    if sp.issparse(rows) or sp.issparse(X):
        product = rows @ X.T
        # (A new matrix of products, not X: made a plain array to densify it.)
        product = sp.csr_array(product).toarray() if sp.issparse(product) else product
        product = np.asarray(product)
        return product.astype(np.float64, copy=False)
    if rows.dtype == np.float64 and X.dtype == np.float64:
        return rows @ X.T
    gram = np.zeros((rows.shape[0], X.shape[0]))
    width = max(1, int(block_bytes(X) // (8 * max(X.shape[0], 1))))
    for start in range(0, X.shape[1], width):
        left = rows[:, start : start + width].astype(np.float64)
        right = left if rows is X else X[:, start : start + width].astype(np.float64)
        gram += left @ right.T
    return gram
