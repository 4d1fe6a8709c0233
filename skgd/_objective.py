"""The half mean squared error of a linear model: its cost, gradient and curvature."""

import numpy as np
import scipy.sparse as sp
from scipy.linalg import eigvalsh
from scipy.sparse.linalg import LinearOperator, eigsh

# Up to this many parameters the Hessian is formed and its spectrum read exactly;
# beyond, Lanczos needs a few dozen products with X instead of O(n_features**2)
# memory and O(n_samples * n_features**2) work.
_MAX_PARAMS_FOR_EXPLICIT_HESSIAN = 128
# Rows per block when the weighted Gram matrix is built, to keep the scaled copy
# of a block of X within a few MiB.
_GRAM_BLOCK_BYTES = 2**21


class HalfSquaredError:
    r"""The half (weighted) mean squared error of a linear model.

    .. math::

        J(w, b) = \frac{1}{2 \sum_i s_i} \sum_i s_i \, \lVert x_i w + b - y_i \rVert^2

    The parameters travel as one array ``theta`` of shape ``(n_params,)`` for 1-D
    ``y`` or ``(n_params, n_targets)`` for 2-D ``y``: the rows are the coefficients
    ``w`` followed, when ``fit_intercept``, by the intercept ``b``. ``X`` itself is
    never copied or augmented with a column of ones.

    This is the one place that reads the data during the descent, so a faster way
    to compute the same cost and gradient plugs in here.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        Training data, float32 or float64.
    y : ndarray of shape (n_samples,) or (n_samples, n_targets)
        Targets, of the dtype of ``X``.
    sample_weight : ndarray of shape (n_samples,) or None, default=None
        Non-negative weights with a positive sum; ``None`` weighs every sample 1.
    fit_intercept : bool, default=True
        Whether the model has an intercept ``b``.

    Examples
    --------
    >>> import numpy as np
    >>> from skgd._objective import HalfSquaredError
    >>> X = np.array([[1.0], [2.0], [3.0]])
    >>> y = np.array([2.0, 4.0, 6.0])
    >>> objective = HalfSquaredError(X, y)
    >>> cost, gradient = objective.loss_gradient(np.zeros(2))
    >>> float(cost)  # (4 + 16 + 36) / (2 * 3)
    9.333...
    >>> gradient  # [-(2 + 8 + 18) / 3, -(2 + 4 + 6) / 3]
    array([-9.333..., -4.        ])
    """

    def __init__(self, X, y, sample_weight=None, *, fit_intercept=True):
        self.X = X
        self.y = y
        self.fit_intercept = fit_intercept
        n_samples = X.shape[0]
        if sample_weight is None:
            self._weights = None
            self._row_scale = 1.0 / n_samples
        else:
            # Normalised so that they sum to one: J is then half the weighted mean.
            self._weights = np.asarray(sample_weight / sample_weight.sum(), X.dtype)
            self._row_scale = (
                self._weights if y.ndim == 1 else self._weights[:, np.newaxis]
            )

    @property
    def n_params(self):
        """Number of rows of ``theta``: the features, plus one for the intercept."""
        return self.X.shape[1] + int(self.fit_intercept)

    @property
    def cost_scale(self):
        """The cost of the model that predicts zero everywhere, ``J(0, 0)``."""
        return 0.5 * float(np.vdot(self.y, self._row_scale * self.y))

    def zeros(self):
        """The starting point ``w = 0, b = 0`` as a ``theta`` array."""
        return np.zeros((self.n_params, *self.y.shape[1:]), dtype=self.X.dtype)

    def pack(self, coef, intercept):
        """Stack ``coef`` (as ``coef_``) and ``intercept`` into one ``theta``."""
        theta = np.asarray(coef, dtype=self.X.dtype).T
        if self.fit_intercept:
            intercept = np.asarray(intercept, dtype=theta.dtype)
            theta = np.concatenate([theta, intercept[np.newaxis]])
        return np.array(theta)

    def unpack(self, theta):
        """Split ``theta`` into ``coef`` (shaped as ``coef_``) and ``intercept``."""
        n_features = self.X.shape[1]
        coef = np.array(theta[:n_features].T)
        if self.fit_intercept:
            intercept = theta[n_features]
            intercept = float(intercept) if intercept.ndim == 0 else intercept.copy()
        else:
            intercept = (
                0.0 if theta.ndim == 1 else np.zeros(theta.shape[1], theta.dtype)
            )
        return coef, intercept

    def _residual(self, theta):
        n_features = self.X.shape[1]
        residual = np.asarray(self.X @ theta[:n_features])
        if self.fit_intercept:
            residual += theta[n_features]
        residual -= self.y
        return residual

    def loss(self, theta):
        """The cost ``J`` at ``theta``."""
        residual = self._residual(theta)
        return 0.5 * float(np.vdot(residual, self._row_scale * residual))

    def loss_gradient(self, theta):
        """The cost ``J`` and its gradient with respect to ``theta``, in one pass.

        ``dJ/dw = X^T S r`` and ``dJ/db = sum(S r)``, where ``r = X w + b - y`` and
        ``S`` holds the normalised weights.
        """
        residual = self._residual(theta)
        scaled_residual = self._row_scale * residual
        cost = 0.5 * float(np.vdot(residual, scaled_residual))
        gradient = np.empty_like(theta)
        n_features = self.X.shape[1]
        gradient[:n_features] = self.X.T @ scaled_residual
        if self.fit_intercept:
            gradient[n_features] = scaled_residual.sum(axis=0)
        return cost, gradient

    def hessian_matvec(self, v):
        """The product of the Hessian of ``J`` with one vector ``v`` of ``n_params``."""
        residual_direction = self._residual_free(v)
        scaled = self._row_scale * residual_direction
        product = np.empty(self.n_params, dtype=np.float64)
        n_features = self.X.shape[1]
        product[:n_features] = self.X.T @ scaled
        if self.fit_intercept:
            product[n_features] = scaled.sum()
        return product

    def _residual_free(self, v):
        # [X 1] v, the change of the predictions along v (no targets involved).
        n_features = self.X.shape[1]
        v = np.asarray(v, dtype=self.X.dtype).ravel()
        z = np.asarray(self.X @ v[:n_features])
        if self.fit_intercept:
            z += v[n_features]
        return z

    def hessian(self):
        """The Hessian ``[X 1]^T S [X 1]`` as a dense float64 array."""
        X, weights = self.X, self._weights
        n_features = X.shape[1]
        if weights is None:
            weights = np.full(X.shape[0], 1.0 / X.shape[0], dtype=X.dtype)
        hessian = np.empty((self.n_params, self.n_params))
        hessian[:n_features, :n_features] = _weighted_gram(X, weights)
        if self.fit_intercept:
            column = np.asarray(X.T @ weights, dtype=np.float64).ravel()
            hessian[:n_features, n_features] = column
            hessian[n_features, :n_features] = column
            hessian[n_features, n_features] = weights.sum(dtype=np.float64)
        return hessian

    def lipschitz(self):
        """The largest eigenvalue ``L`` of the Hessian, the Lipschitz constant of ∇J.

        Gradient descent on ``J`` is stable for learning rates below ``2 / L``, and
        the cost falls fastest in the worst direction at ``1 / L``.
        """
        n_params = self.n_params
        if n_params == 0:
            return 0.0
        if n_params <= _MAX_PARAMS_FOR_EXPLICIT_HESSIAN:
            return max(float(eigvalsh(self.hessian())[-1]), 0.0)
        operator = LinearOperator(
            (n_params, n_params), matvec=self.hessian_matvec, dtype=np.float64
        )
        # A fixed start vector keeps the fit deterministic.
        start = np.random.default_rng(0).standard_normal(n_params)
        return float(eigsh(operator, k=1, which="LA", v0=start, tol=1e-6)[0][0])


def _weighted_gram(X, weights):
    """``X^T diag(weights) X`` as a dense float64 array, without copying all of X."""
    if sp.issparse(X):
        weighted = sp.diags_array(weights) @ X
        return np.asarray((X.T @ weighted).toarray(), dtype=np.float64)
    block = max(1, _GRAM_BLOCK_BYTES // max(1, X.shape[1] * X.itemsize))
    gram = np.zeros((X.shape[1], X.shape[1]))
    for start in range(0, X.shape[0], block):
        rows = X[start : start + block]
        gram += rows.T @ (weights[start : start + block, np.newaxis] * rows)
    return gram
